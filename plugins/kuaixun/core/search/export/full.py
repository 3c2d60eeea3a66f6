"""The full export: every file of the browser's index, computed from all the records and
kept in memory for the packer, then saved in the cache (the first build, and whenever an
update cannot be made)."""

from __future__ import annotations

import shutil
from array import array
from collections import Counter, defaultdict
from pathlib import Path

from whoosh.util.numeric import length_to_byte

from kuaixun.core.search.export.codec import (
    T2S_BUCKETS,
    ExportState,
    LogicalExport,
    Writer,
    article_files,
    article_stamp,
    bucket_count,
    collection_files,
    encode_line,
    file_hash,
    fnv1a,
    folder_digest,
    line_key,
    manifest,
    numbered,
    pinyin_files,
    save_export,
    save_state,
    settings_fingerprint,
    spills_of,
    stored,
    words_fingerprint,
)
from kuaixun.core.search.index import SCORED_FIELDS, Record
from kuaixun.core.search.normalize import t2s_map


def gather_lists(records: list[Record]):
    """Postings per term and article lists per gram, over articles numbered 0…n-1, with
    each term's frequency and each field's total length (one pass over the terms).

    Held as flat arrays of 4-byte numbers (a term's postings in a field: article, tf, length
    byte, article, …), not lists of tuples: at 7,177 articles the tuples were ≈ 500 MB of the
    indexing process's peak (docs/search.md, "Cold build"). `term_lists` and `gram_list`
    give them back as the codec takes them, one line at a time."""
    term_postings: dict[str, tuple[array, ...]] = {}
    gram_docs: dict[str, array] = {}
    frequency: Counter = Counter()
    lengths = [0] * len(SCORED_FIELDS)
    fields = len(SCORED_FIELDS)
    for d, record in enumerate(records):
        for f, name in enumerate(SCORED_FIELDS):
            terms = record.term_list(name)
            lengths[f] += len(terms)
            length = length_to_byte(len(terms))
            for term, tf in Counter(terms).items():
                lists = term_postings.get(term)
                if lists is None:
                    lists = term_postings[term] = tuple(array("I") for _ in range(fields))
                lists[f].extend((d, tf, length))
                frequency[term] += tf
        for gram in record.gram_list():
            docs = gram_docs.get(gram)
            if docs is None:
                docs = gram_docs[gram] = array("I")
            docs.append(d)
    return term_postings, gram_docs, frequency, lengths


def term_lists(flat: tuple[array, ...]) -> list[list[tuple[int, int, int]]]:
    """A term's postings per field as (article, tf, length byte) tuples."""
    return [list(zip(a[0::3], a[1::3], a[2::3], strict=True)) for a in flat]


def gram_list(docs: array | None) -> list[int] | None:
    return None if docs is None else docs.tolist()


def vocabulary_lines(records: list[Record], writer: Writer):
    """The vocabulary lines in key order, the terms' frequencies and the fields' lengths."""
    term_postings, gram_docs, frequency, lengths = gather_lists(records)
    terms_by_key: dict[str, dict] = defaultdict(dict)
    for term, lists in term_postings.items():
        terms_by_key[term[:2]][term[2:]] = lists
    lines = [
        encode_line(
            key,
            gram_list(gram_docs.get(key)),
            {suffix: term_lists(flat) for suffix, flat in terms_by_key.get(key, {}).items()},
            frequency,
            writer,
        )
        for key in sorted(gram_docs.keys() | terms_by_key.keys())
    ]
    return lines, frequency, lengths


def bucket_files(lines: list[str], writer: Writer) -> int:
    count = bucket_count(sum(len(line) + 1 for line in lines))
    buckets: list[list[str]] = [[] for _ in range(count)]
    for line in lines:
        buckets[fnv1a(line_key(line)) % count].append(line)
    for b, bucket in enumerate(buckets):
        writer.files[f"v/{b}.gz"] = "\n".join(bucket)
    return count


def t2s_files(writer: Writer) -> None:
    shards: list[list[str]] = [[] for _ in range(T2S_BUCKETS)]
    for trad, simp in sorted(t2s_map().items()):
        shards[ord(trad) % T2S_BUCKETS].append(trad + simp)
    for k, shard in enumerate(shards):
        writer.files[f"t/{k}.gz"] = "".join(shard)


def bucket_index(lines: list[str], buckets: int):
    """What the state keeps of the buckets: each one's size, the spilled lists it names, and
    the pair keys by first character."""
    sizes = [0] * buckets
    spills: dict[int, set[str]] = defaultdict(set)
    pairs_by_first: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        key = line_key(line)
        b = fnv1a(key) % buckets
        sizes[b] += len(line) + 1
        if spilled := spills_of(line):
            spills[b] |= spilled
        if len(key) == 2:
            pairs_by_first[key[0]].add(key)
    return sizes, dict(spills), dict(pairs_by_first)


def full_export(records_by_path: dict[str, Record], words: dict[str, int], known=None):
    """Every file of the export, its manifest and the state to update it from (`known`: the
    pinyin of words read before, as a state keeps it)."""
    records = numbered(records_by_path)
    days = [r.day for r in records]
    writer = Writer()
    lines, frequency, lengths = vocabulary_lines(records, writer)
    buckets = bucket_files(lines, writer)
    chunks = []
    for d, record in enumerate(records):
        files = article_files(d, record)
        chunks.append(len(files) - 1)
        writer.files.update(files)
    t2s_files(writer)
    pinyin, pinyin_buckets, syllables = pinyin_files(frequency, known or {})
    writer.files.update(pinyin)
    files = {**writer.files, **collection_files(records, days)}
    hashes = {name: file_hash(text) for name, text in files.items()}
    bucket_sizes, bucket_spills, pairs_by_first = bucket_index(lines, buckets)
    state = ExportState(
        settings=settings_fingerprint(),
        words=words_fingerprint(words),
        base=folder_digest(hashes),
        paths=[r.article.path for r in records],
        stamps={p: article_stamp(r) for p, r in records_by_path.items()},
        frequency=frequency,
        lengths=lengths,
        hashes=hashes,
        buckets=buckets,
        bucket_sizes=bucket_sizes,
        bucket_spills=bucket_spills,
        pairs_by_first=pairs_by_first,
        chunks=chunks,
        pinyin_buckets=pinyin_buckets,
        pinyin=syllables,
    )
    return files, manifest(records, days, state), state


def export(records_by_path: dict[str, Record], folder: Path, words=None, known=None):
    """The whole browser index, saved into `folder`; returned for the packer."""
    files, data, state = full_export(records_by_path, words or {}, known)
    for old in folder.glob("*/"):  # a folder of logical files, as FORMAT 7 kept them
        shutil.rmtree(old)
    # Each text is dropped once stored: the texts and their stored bytes were both held at
    # the indexing process's peak.
    logical = LogicalExport(
        data, {name: stored(name, files.pop(name)) for name in list(files)}, state.hashes
    )
    save_export(folder, logical)
    save_state(folder, state)
    return logical
