"""The full export: every file of the browser's index, computed from all the records and
written into a fresh folder (the first build, and whenever an update cannot be made)."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from pathlib import Path

from whoosh.util.numeric import length_to_byte

from kuaixun.core.search.export.codec import (
    T2S_BUCKETS,
    ExportState,
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
    save_state,
    settings_fingerprint,
    spills_of,
    words_fingerprint,
    write_file,
    write_manifest,
)
from kuaixun.core.search.index import SCORED_FIELDS, Record
from kuaixun.core.search.normalize import t2s_map


def gather_lists(records: list[Record]):
    """Postings per term and article lists per gram, over articles numbered 0…n-1, with
    each term's frequency and each field's total length (one pass over the terms)."""
    term_postings: dict[str, list[list]] = defaultdict(lambda: [[] for _ in SCORED_FIELDS])
    gram_docs: dict[str, list[int]] = defaultdict(list)
    frequency: Counter = Counter()
    lengths = [0] * len(SCORED_FIELDS)
    for d, record in enumerate(records):
        for f, name in enumerate(SCORED_FIELDS):
            terms = record.term_list(name)
            lengths[f] += len(terms)
            length = length_to_byte(len(terms))
            for term, tf in Counter(terms).items():
                term_postings[term][f].append((d, tf, length))
                frequency[term] += tf
        for gram in record.gram_list():
            gram_docs[gram].append(d)
    return term_postings, gram_docs, frequency, lengths


def vocabulary_lines(records: list[Record], writer: Writer):
    """The vocabulary lines in key order, the terms' frequencies and the fields' lengths."""
    term_postings, gram_docs, frequency, lengths = gather_lists(records)
    terms_by_key: dict[str, dict] = defaultdict(dict)
    for term, lists in term_postings.items():
        terms_by_key[term[:2]][term[2:]] = lists
    lines = [
        encode_line(key, gram_docs.get(key), terms_by_key.get(key, {}), frequency, writer)
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


def full_export(records_by_path: dict[str, Record], words: dict[str, int]):
    """Every file of the export, its manifest and the state to update it from."""
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
    pinyin, pinyin_buckets, syllables = pinyin_files(frequency, {})
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


def export(records_by_path: dict[str, Record], folder: Path, words=None) -> dict:
    """Write the whole browser index into `folder`; return the manifest."""
    files, data, state = full_export(records_by_path, words or {})
    shutil.rmtree(folder, ignore_errors=True)
    for name, text in files.items():
        write_file(folder / state.base / name, name, text)
    write_manifest(folder, data)
    save_state(folder, state)
    return data
