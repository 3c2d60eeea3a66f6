"""The published index at archive scale (docs/search.md, "The index at archive scale"): few
files in proportion to what they hold, and a deploy after an edit that leaves the base — all
but a few kilobytes of the index — exactly as it was, so hosts upload and readers fetch
only what changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from kuaixun.core.search.export.codec import read_varints
from kuaixun.core.search.export.pack import (
    FILE_BYTES,
    OVERLAY_FLOOR,
    OVERLAY_SHARE,
    TEXT_BYTES,
    Published,
    read_ref,
    text_members,
)
from kuaixun.testing.builds import copy_content, run_build
from kuaixun.testing.search_sites import (
    assert_same_ranking,
    fragments,
    import_sample,
    node_search,
    python_search,
    sample_site_fixture,  # noqa: F401  (the sample_site fixture)
)

# The index may weigh this many times the UTF-8 text of the articles it holds (titles and
# text). Measured: 4.8 on the inews sample (4.0 before the pinyin layer; small buckets),
# 2.4 at 7,183 articles before the pinyin layer (docs/search.md).
BYTES_PER_TEXT_BYTE = 5.0
EDIT = "\n居委会还为独居老人安排了银杏书屋的上门借书服务。\n"


def snapshot(search: Path) -> dict[str, str]:
    return {
        str(p.relative_to(search)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in search.rglob("*")
        if p.is_file()
    }


def test_the_index_is_few_files_in_proportion_to_what_it_holds(sample_site):
    search = sample_site / "search"
    files = [p for p in search.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    text = sum(len((a["t"] + a["x"]).encode()) for a in fragments(sample_site))
    arrays = Published(search).pack["arrays"]
    # A file for each array, one for the lists (the sample's fit in one), one for the first
    # text batches, the rest of the text in packs of TEXT_BYTES (one part-filled); the entry
    # and the overlay.
    assert len(files) <= size // TEXT_BYTES + len(arrays) + 5
    assert size <= BYTES_PER_TEXT_BYTE * text
    assert max(p.stat().st_size for p in files if p.parent.name != "o") <= FILE_BYTES


def test_each_family_read_in_one_round_lies_in_one_file(sample_site):
    """Days lie with the vocabulary (both read in a query's first round), every head in one
    file, every list spilled or moved out of a bucket in one, every article's first text
    batch in one (the sample's families fit in a file each): one request a round, all its
    ranges in one Range header."""
    published = Published(sample_site / "search")
    pack = published.pack
    _, count, first, _, _, _, per_file = pack["arrays"]["v"]
    assert count <= per_file
    assert pack["items"]["days.gz"][0] == first + 1
    _, heads, _, _, _, _, per_file = pack["arrays"]["f"]
    assert heads <= per_file
    lists = set()
    for b in range(count):
        for line in published.slot("v", b).split("\n"):
            fields = line.split("\t")
            for value in [fields[1], *fields[5::3]] if len(fields) > 1 else []:
                if value.startswith("@"):
                    lists.add(read_ref(value)[0])
    assert len(lists) == 1, lists
    texts = [text_members(published.head(d)) for d in range(heads)]
    firsts = {refs[0][0] for refs in texts if refs}
    assert len(firsts) == 1, firsts


def test_the_lists_out_of_line_a_query_needs_come_with_its_buckets_blob(sample_site):
    """A bucket too big for its slot (a common pair's, with many terms) is a blob, read in
    the round after the buckets. The lists out of line the query needs — named in the
    blob's slot by tag (pack.whole_slot), or moved out of the other buckets read — are asked
    in the blob's own request, not in a round after it (公安局: 公安's blob with 公安's
    articles and 公安局's postings, and 安局's articles, in one request)."""
    published = Published(sample_site / "search")
    cases = []  # (bucket, the query: a pair or one of its terms, its list's reference)
    moved = []  # (a pair, its article list's reference) moved out of a bucket in its slot
    for b in range(published.count("v")):
        code, *named = published.in_window("v", b).decode(errors="replace").split("\t")
        refs = {"@" + entry[3:] for entry in named}
        for line in published.slot("v", b).split("\n"):
            fields = line.split("\t")
            if not code.startswith("@"):
                if len(fields[0]) == 2 and fields[1].startswith("@"):
                    moved.append((fields[0], fields[1]))
                continue
            for i in [1, *range(5, len(fields), 3)]:
                if fields[i] in refs and len(fields[0]) == 2:  # a pair's line
                    cases.append((b, fields[0] + (fields[i - 2] if i >= 5 else ""), fields[i]))
    assert {len(query) for _, query, _ in cases} >= {2, 4}, "pairs' lists and longer terms'"
    moved = moved[: len(cases)]
    assert len(moved) == len(cases)
    queries = [f"{query} {pair}" for (_, query, _), (pair, _) in zip(cases, moved, strict=True)]
    answers = node_search(sample_site, queries)
    for (b, query, ref), (_, other), answer in zip(cases, moved, answers, strict=True):
        asked = [names for names in answer["asked"] if f"v/{b}.gz" in names]
        assert len(asked) == 2, "the bucket's slot, then its blob"
        for wanted in (ref, other):
            assert wanted in asked[1], (query, answer["asked"])
            assert all(wanted not in names for names in answer["asked"] if names is not asked[1])


@dataclass
class Edited:
    output: Path
    before: dict[str, str]  # the index's files before the edit (snapshot)
    base: str
    edited: Path


@pytest.fixture(scope="module")
def edited_site(tmp_path_factory) -> Edited:
    """The inews sample built, then built again after one article gained a sentence."""
    folder = tmp_path_factory.mktemp("edited")
    content = copy_content(folder / "content")
    import_sample(content / "articles" / "inews")
    output = folder / "output"
    assert run_build(output, content).returncode == 0
    before = snapshot(output / "search")
    base = Published(output / "search").entry["base"].split("/")[0]
    edited = sorted((content / "articles" / "inews").rglob("*.md"))[100]
    edited.write_text(edited.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    build = run_build(output, content)
    assert build.returncode == 0, build.stderr
    return Edited(output, before, base, edited)


def test_an_edit_leaves_every_base_file_as_it_was(edited_site):
    output, before, base = edited_site.output, edited_site.before, edited_site.base
    after = snapshot(output / "search")

    changed = {name for name, digest in after.items() if before.get(name) != digest}
    gone = before.keys() - after.keys()
    assert {name for name in changed if not name.startswith("o/")} == {"manifest.json"}
    assert len([name for name in changed if name.startswith("o/")]) == 1
    assert not [name for name in gone if name.startswith(f"{base}/")]
    overlay = sum((output / "search" / name).stat().st_size for name in changed)
    total = sum((output / "search" / name).stat().st_size for name in after)
    assert overlay <= max(OVERLAY_SHARE * total, OVERLAY_FLOOR)
    share_unchanged = 1 - len(changed) / len(after)
    print(f"{len(after)} index files, {len(changed)} changed ({share_unchanged:.1%} kept)")
    answer = node_search(output, ["银杏书屋的上门借书"])[0]
    url = fragments(output)[answer["docs"][0]]["u"]
    assert edited_site.edited.stem in url


def test_an_edit_overrides_no_bucket_for_a_characters_frequency_alone(edited_site):
    """The sentence adds single-character terms the site already has (还, 为, 了, 的…): every
    pair line starting with one carries its frequency, so each such bucket changed; the entry
    says the new frequencies instead, the buckets stay in the base, and the browser cuts
    queries with the frequencies of now, as Whoosh's index does."""
    published = Published(edited_site.output / "search")
    firsts = published.pack["firsts"]
    assert set(firsts) & set(EDIT), firsts
    pairs = {
        line.split("\t")[0]
        for b in range(published.count("v"))
        for line in published.slot("v", b).split("\n")
        if line and line[0] in firsts and len(line.split("\t")[0]) == 2
    }
    overridden = len(read_varints(published.pack["arrays"]["v"][4]))
    assert overridden < len(pairs) / 2, (overridden, len(pairs))
    queries = [EDIT.strip(), "还为独居老人安排", "安排了银杏", *[c + c for c in firsts]]
    queries += [line[:6] for a in fragments(edited_site.output)[:40] for line in [a["x"]]]
    output = edited_site.output
    assert_same_ranking(node_search(output, queries), python_search(output, queries))
