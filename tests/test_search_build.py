"""What the cold build's shortcuts make must be exactly what the long way makes: a new Whoosh
index written straight from the records' terms (whoosh_index.write_segment) is Whoosh's own
writer's, and the packer's items taken from the export's zlib streams (pack.compact_stored) are what
compressing their texts again gives, and the vocabulary made by key range in forked processes
(full.range_lines) is the vocabulary made in one, and the cold build's tail, packing in a fresh
process beside Whoosh (search/tail.py), publishes what the indexing process would have
(docs/search.md, "Cold build")."""

from __future__ import annotations

import json
import pickle
import shutil
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from whoosh import index

import kuaixun.core.search.export as export_package
from kuaixun.core.search.export import full, load_export, load_state, pack, refresh_published
from kuaixun.core.search.export.codec import (
    Writer,
    bucket_count,
    bucket_of,
    line_key,
    numbered,
    spills_of,
    stored_text,
)
from kuaixun.core.search.export.forked import in_processes, started
from kuaixun.core.search.export.full import (
    SCRATCH_TEXTS,
    bucket_files,
    full_export,
    key_ranges,
    range_lines,
    spill_export,
    spilled_cuts,
    term_frequency,
)
from kuaixun.core.search.export.pack import bucket_payload, compact, compact_stored
from kuaixun.core.search.index import Article, Record, RecordCache, whoosh_document
from kuaixun.core.search.segment import grams
from kuaixun.core.search.tail import DOCUMENTS, HANDOFF, WHOOSH_PARTS
from kuaixun.core.search.whoosh_index import (
    PARTS_DOCUMENTS,
    WHOOSH_SORT_MB,
    W3Codec,
    schema,
    update_whoosh,
    write_from_parts,
)
from kuaixun.testing.builds import run_build
from kuaixun.testing.search_sites import (
    cache_of,
    sample_site_fixture,  # noqa: F401  (the sample_site fixture)
)


def segment_files(folder: Path) -> dict[str, bytes]:
    """Every file of a one-segment index, with the segment's random name taken out."""
    (postings,) = folder.glob("*.pst")
    name = postings.name.split(".")[0].removeprefix("MAIN_")
    return {
        f.name.replace(name, "SEGMENT"): f.read_bytes().replace(name.encode(), b"SEGMENT")
        for f in folder.iterdir()
    }


def test_a_new_whoosh_index_is_byte_for_byte_whooshs_own(sample_site, tmp_path):
    # A cold build writes it from the parts the export's range forks made of the cut
    # (whoosh_index.write_from_parts), its documents in the export's article order.
    built = cache_of(sample_site) / "whoosh"
    records = RecordCache(cache_of(sample_site)).records
    whooshs_own_index(tmp_path, [whoosh_document(record) for record in numbered(records)])
    ours, whooshs = segment_files(built), segment_files(tmp_path)
    assert ours.keys() == whooshs.keys() and any(n.endswith(".pst") for n in ours)
    assert [n for n in ours if ours[n] != whooshs[n]] == []
    with index.open_dir(str(built)).searcher() as searcher:
        assert searcher.doc_count() == len(records) > 100


def whooshs_own_index(folder: Path, documents: list[dict]) -> None:
    folder.mkdir(exist_ok=True)
    ix = index.create_in(str(folder), schema())
    writer = ix.writer(limitmb=WHOOSH_SORT_MB, codec=W3Codec(compression=0), compound=False)
    for document in documents:
        writer.add_document(**document)
    writer.commit()


def test_long_and_odd_postings_are_written_as_whooshs_own_writer_writes_them(tmp_path):
    # write_segment makes Whoosh's posting blocks itself: terms over several blocks of 128
    # (in every document, or in every third), counts that are all 1, all one other number
    # or mixed within a block, a term in one document, an empty field, and the unscored
    # fields' postings.
    documents = odd_documents()
    whooshs_own_index(tmp_path / "whoosh", documents)
    update_whoosh(tmp_path / "ours", documents)
    ours, whooshs = segment_files(tmp_path / "ours"), segment_files(tmp_path / "whoosh")
    assert [n for n in ours if ours[n] != whooshs[n]] == [] and ours.keys() == whooshs.keys()
    with index.open_dir(str(tmp_path / "ours")).searcher() as searcher:
        assert searcher.doc_frequency("body", "每篇") == 300
        assert searcher.doc_frequency("body", "三篇") == 100


def odd_documents() -> list[dict]:
    """Terms over several blocks of 128 (in every document, or in every third), counts
    that are all 1, all one other number or mixed within a block, a term in one document,
    an empty field."""
    documents = []
    for d in range(300):
        body = ["每篇"] * (1 + d % 3) + (["三篇"] * 2 if d % 3 == 0 else []) + ["常见"] * 4
        body += [f"词{d % 7}"] * (d % 5 + 1) + ([f"独{d}"] if d % 50 == 0 else [])
        body += ["abc", f"x{d % 11}"] if d % 2 else ["社区"]
        documents.append(
            {
                "path": f"articles/{d:03}.md",
                "hash": f"{d * 7919:x}",
                "title": f"标题 第{d}篇" + (" 每篇" if d % 2 else ""),
                "tags": "" if d % 4 else "社区 通知",
                "body": " ".join(body),
            }
        )
    return documents


def test_a_new_whoosh_index_from_the_range_forks_parts_is_the_one_from_its_documents(tmp_path):
    # A whole export's range forks write each key range's terms with their posting blocks
    # (full.whoosh_part); Whoosh's process lays them out (write_from_parts). The same bytes
    # as write_segment of the records' documents in the export's article order, over
    # several key ranges, odd postings and articles whose dates reorder them.
    records = {}
    for d, doc in enumerate(odd_documents()):
        article = Article(
            path=doc["path"],
            url=f"{d}/",
            title=doc["title"],
            subtitle="",
            text=doc["body"],
            category="社区",
            authors=[],
            tags=[],
            date=date(2020, 1 + d % 12, 1 + d % 28),
        )
        terms = {name: doc[name] for name in ("title", "tags", "body")}
        text = "\n".join(terms.values()).replace(" ", "")
        records[doc["path"]] = Record(article, doc["hash"], terms, " ".join(sorted(grams(text))))
    parts = tmp_path / WHOOSH_PARTS
    full_export(records, {}, ranges=4, whoosh_parts=parts)
    assert len(list(parts.glob("body.*"))) == 4
    write_from_parts(tmp_path / "ours", parts)
    update_whoosh(tmp_path / "documents", [whoosh_document(r) for r in numbered(records)])
    ours, theirs = segment_files(tmp_path / "ours"), segment_files(tmp_path / "documents")
    assert [n for n in ours if ours[n] != theirs[n]] == [] and ours.keys() == theirs.keys()
    assert not parts.exists()
    with index.open_dir(str(tmp_path / "ours")).searcher() as searcher:
        assert searcher.doc_frequency("body", "每篇") == 300
        assert searcher.doc_frequency("body", "abc") == 150


def published_the_long_way(name: str, text: str, buckets: int) -> bytes:
    """An item's published bytes from its logical text, compressed anew (a bucket keyed)."""
    return bucket_payload(text, buckets) if name.startswith("v/") else compact(text)


def test_every_item_the_export_stored_compacts_as_its_text_does(sample_site):
    cache = cache_of(sample_site) / "export"
    logical = load_export(cache, load_state(cache).hashes)
    files, buckets = logical.files, logical.manifest["buckets"]
    gzipped = [name for name in files if name.endswith(".gz")]
    assert len(gzipped) > 1000 and any(name.startswith("v/") for name in gzipped)
    differ = [
        n
        for n, data in files.items()
        if compact_stored(n, data)
        != published_the_long_way(n, stored_text(n, data, buckets), buckets)
    ]
    assert differ == []


@pytest.mark.parametrize("ranges", [2, 7])
def test_the_vocabulary_made_by_key_range_is_the_one_made_whole(sample_site, ranges):
    cache = RecordCache(cache_of(sample_site))
    assert len(key_ranges(numbered(cache.records), ranges)) == ranges
    whole_files, whole_manifest, whole = full_export(cache.records, cache.words, ranges=1)
    files, manifest, state = full_export(cache.records, cache.words, ranges=ranges)
    assert list(files) == list(whole_files) and any(n.startswith("p/") for n in files)
    assert [n for n in files if files[n] != whole_files[n]] == []
    assert manifest == whole_manifest and state == whole


def buckets_of_lines(lines: list[str]):
    """The buckets of the vocabulary's lines as one process made them from the lines
    themselves before the range forks took each line's key, bucket and spilled lists: their
    texts, count, sizes, the spilled lists each names and the pair keys by first character."""
    count = bucket_count(sum(len(line) + 1 for line in lines))
    buckets: list[list[str]] = [[] for _ in range(count)]
    sizes = [0] * count
    spills: dict[int, set[str]] = defaultdict(set)
    seconds: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        key = line_key(line)
        b = bucket_of(key, count)
        buckets[b].append(line)
        sizes[b] += len(line) + 1
        if spilled := spills_of(line):
            spills[b] |= spilled
        if len(key) == 2:
            seconds[key[0]].append(key[1])
    texts = {f"v/{b}.gz": "\n".join(bucket) for b, bucket in enumerate(buckets)}
    return texts, count, sizes, dict(spills), {c: "".join(sorted(k)) for c, k in seconds.items()}


@pytest.mark.parametrize("ranges", [1, 5])
def test_the_buckets_made_from_the_ranges_texts_are_the_buckets_of_their_lines(
    sample_site, tmp_path, ranges
):
    records = numbered(RecordCache(cache_of(sample_site)).records)
    frequency = term_frequency(records)[0]
    parts = key_ranges(records, ranges)
    with spilled_cuts(records, parts, tmp_path) as cuts:
        made = [range_lines(cuts, frequency, r) for r in range(len(parts))]
    lines = [line for part in made for line in part.text.split("\n")[:-1]]
    spilled_lists = [name for part in made for name in part.files]
    texts, *kept = buckets_of_lines(lines)
    writer = Writer()
    got = bucket_files(iter(made), writer)
    assert list(writer.files) == spilled_lists + list(texts)
    assert [n for n in texts if writer.files[n] != texts[n]] == []
    assert list(got[2].items()) == list(kept[2].items()) and kept[2]  # lines name spilled lists
    assert list(got[3].items()) == list(kept[3].items())
    assert got == tuple(kept) and len(lines) > 1000


def test_a_call_starts_once_any_running_one_has_answered(tmp_path):
    third = tmp_path / "third started"

    def waits_for_the_third() -> bool:
        for _ in range(300):  # 30 s at most: run in turn, the third never starts before it ends
            if third.exists():
                return True
            time.sleep(0.1)
        return False

    calls = [(waits_for_the_third, ()), (str, (1,)), (third.touch, ()), (str, (4,))]
    assert list(in_processes(calls, processes=2)) == [True, "1", None, "4"]


def test_a_call_started_runs_while_this_process_goes_on(tmp_path):
    marker = tmp_path / "this process went on"

    def waits_for_the_caller() -> bool:
        for _ in range(300):  # 30 s at most
            if marker.exists():
                return True
            time.sleep(0.1)
        return False

    call = started(waits_for_the_caller, ())
    marker.touch()
    assert call() is True
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        started(divmod, (1, 0))()


def test_a_call_that_fails_in_its_fork_fails_the_calls():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        list(in_processes([(str, (1,)), (divmod, (1, 0)), (str, (3,))], processes=2))


def test_the_texts_spilled_as_they_are_made_are_the_texts_made_in_memory(sample_site, tmp_path):
    cache = RecordCache(cache_of(sample_site))
    files, manifest, state = full_export(cache.records, cache.words)
    spilled = spill_export(cache.records, tmp_path, cache.words)
    texts = spilled.texts
    scratch = texts.path.read_bytes()
    assert texts.names == list(files) and len(texts.starts) == len(files) + 1
    differ = [
        name
        for k, name in enumerate(texts.names)
        if scratch[texts.starts[k] : texts.starts[k + 1]].decode() != files[name]
    ]
    assert differ == []
    assert spilled.manifest == manifest and spilled.hashes == state.hashes
    assert load_state(tmp_path) == state


def test_an_export_that_fails_while_spilling_leaves_no_scratch_file(
    sample_site, tmp_path, monkeypatch
):
    cache = RecordCache(cache_of(sample_site))
    made = []

    def failing(d, record):
        if len(made) == 10:
            raise RuntimeError("an article that cannot be exported")
        made.append(d)
        return article_files(d, record)

    article_files = full.article_files
    monkeypatch.setattr(full, "article_files", failing)
    with pytest.raises(RuntimeError, match="cannot be exported"):
        spill_export(cache.records, tmp_path, cache.words)
    assert not (tmp_path / SCRATCH_TEXTS).exists()


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_cold_build_packs_in_its_tail_what_the_indexing_process_would(sample_site, tmp_path):
    cache = cache_of(sample_site)
    report = json.loads((cache / "last-build.json").read_text(encoding="utf-8"))
    assert report["export"] == "written" and report["whoosh"] == "created"
    assert report["packed"].startswith("new base")
    assert {"cut", "export", "pack", "whoosh", "total"} <= report["seconds"].keys()
    assert not (cache / HANDOFF).exists() and not (cache / DOCUMENTS).exists()
    refresh_published(cache / "export", None, tmp_path / "published")
    assert tree(tmp_path / "published") == tree(cache / "published")


def test_a_new_pack_format_packs_the_same_articles_again(sample_site, tmp_path, monkeypatch):
    """The deploy job restores the last run's build caches, published index included: new
    code that packs otherwise must not publish the old packer's files for the same articles
    (its browser code would misread them and answer every search with 网站已更新)."""
    cache = cache_of(sample_site)
    published = tmp_path / "published"
    shutil.copytree(cache / "published", published)
    assert refresh_published(cache / "export", None, published) == "reused"
    newer = pack.PACK_FORMAT + 1
    monkeypatch.setattr(pack, "PACK_FORMAT", newer)
    monkeypatch.setattr(export_package, "PACK_FORMAT", newer)
    assert refresh_published(cache / "export", None, published).startswith("new base")
    assert refresh_published(cache / "export", None, published) == "reused"


def test_a_new_base_made_in_forks_is_the_base_one_process_makes(sample_site, monkeypatch):
    cache = cache_of(sample_site) / "export"
    export = load_export(cache, load_state(cache).hashes)
    spelled_here = []
    spelled = pack.spelled_bucket  # a fork's calls are not counted: its list is its own
    monkeypatch.setattr(pack, "spelled_bucket", lambda *a: spelled_here.append(a) or spelled(*a))
    alone = pack.write_base(pack.Logical(export), workers=1)
    spelled_alone = len(spelled_here)
    assert spelled_alone > 10  # buckets that spill lists or do not fit as stored
    spelled_here.clear()
    files, base, entry = pack.write_base(pack.Logical(export), workers=2)
    # Spelled out in forks, but for a few that might have fit where they fell.
    assert len(spelled_here) < spelled_alone / 4
    assert files.keys() == alone[0].keys() and len(files) > 3
    assert [name for name in files if files[name] != alone[0][name]] == []
    assert (base, entry) == alone[1:] and base.blobs


def test_a_killed_builds_whoosh_parts_are_not_a_later_builds_index(sample_site, tmp_path):
    # A build killed while Whoosh laid out its parts leaves them, and no Whoosh index; the
    # next build, whose export is reused, writes a new index from its own records.
    cache = tmp_path / "search-cache"
    shutil.copytree(cache_of(sample_site), cache)
    shutil.rmtree(cache / "whoosh")
    parts = cache / WHOOSH_PARTS
    parts.mkdir()
    (parts / PARTS_DOCUMENTS).write_bytes(pickle.dumps([("articles/stale.md", "0", [1, 0, 1])]))
    content = sample_site.parent / "content"
    build = run_build(tmp_path / "output", content, SEARCH_CACHE_PATH=str(cache))
    assert build.returncode == 0, build.stderr
    report = json.loads((cache / "last-build.json").read_text(encoding="utf-8"))
    assert report["export"] == "reused" and report["whoosh"] == "created"
    with index.open_dir(str(cache / "whoosh")).searcher() as searcher:
        paths = [fields["path"] for fields in searcher.all_stored_fields()]
    assert sorted(paths) == sorted(RecordCache(cache).records) and not parts.exists()


def test_a_failing_whoosh_in_the_tail_fails_the_build(tmp_path):
    cache = tmp_path / "search-cache"
    cache.mkdir()
    # A new index (no Whoosh folder) is written by the tail; a file in its place fails it.
    (cache / "whoosh").write_text("a file where the Whoosh index should go")
    build = run_build(tmp_path / "output", SEARCH_CACHE_PATH=str(cache))
    assert build.returncode != 0
    assert "搜索索引生成失败" in build.stderr and "Whoosh index update failed" in build.stderr
    assert not (tmp_path / "output").exists()
    assert not (cache / HANDOFF).exists() and not (cache / DOCUMENTS).exists()
