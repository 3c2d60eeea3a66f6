"""Writes the browser's index under output/search/ from the cached records.

Layout (all but the manifest under one folder named by the hash of its whole content):
  manifest.json      settings of the ranking, sizes, the names below. Fetched first.
  <hash>/days.gz     per article: its day (delta-coded), for recency and the year filter.
  <hash>/lanmu.gz    per article: its 栏目, fetched only when a reader filters by 栏目.
  <hash>/v/<b>.gz    vocabulary buckets: one line per character or character pair (the
                     "key"): the articles holding it verbatim, the frequency of a pair's
                     first character as a term, then the terms starting with the key, each
                     with its frequency (to cut queries) and its postings.
  <hash>/p/<n>.gz    a list too long to sit inline in a bucket line, fetched only if used.
  <hash>/f/<id>.json one article's title, URL, date, 栏目 and number of text chunks.
  <hash>/x/<id>-<k>.gz its text in chunks, for the snippet: fetched when the result comes
                     into view, chunk after chunk until the query is found.
  <hash>/t/<k>.gz    traditional → simplified pairs, fetched only for an unknown character.
Files named .gz are stored gzip-compressed, as Pagefind stores its own: the index takes a
third of the disk, hosts send them as they are, and the browser inflates them
(DecompressionStream). Numbers are written as base-64 varints (5 bits a character, the
6th says "more"), lists of articles as gaps or, when shorter, as a bitmap.
docs/search.md has the measurements behind these choices.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path

from whoosh.util.numeric import length_to_byte

from search import rank
from search.index import SCORED_FIELDS, Record
from search.normalize import t2s_map
from search.query import MAX_QUERY_CHARS, STOP_TERMS

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
# A list longer than this (characters) goes to its own file, fetched only when needed.
INLINE_LIMIT = 96
# Vocabulary buckets are sized for about this many characters each before gzip: a query
# fetches one bucket per character and per character pair, so small buckets save bytes.
BUCKET_TARGET = 256
T2S_BUCKETS = 8
# Snippet text is cut into chunks of about this many characters.
CHUNK = 400


def _varint(value: int) -> str:
    out = []
    while value >= 32:
        out.append(DIGITS[32 + (value & 31)])
        value >>= 5
    out.append(DIGITS[value])
    return "".join(out)


_SMALL = [_varint(v) for v in range(4096)]


def varint(value: int) -> str:
    return _SMALL[value] if value < 4096 else _varint(value)


def gaps(docids: list[int]) -> str:
    """Sorted article numbers as gaps: first number, then (difference − 1) for the rest."""
    out, previous = [], -1
    for d in docids:
        out.append(varint(d - previous - 1))
        previous = d
    return "".join(out)


def bitmap(docids: list[int]) -> str:
    bits = [0] * (docids[-1] // 6 + 1)
    for d in docids:
        bits[d // 6] |= 1 << (d % 6)
    return "*" + "".join(DIGITS[b] for b in bits)


def doc_list(docids: list[int]) -> str:
    as_gaps = gaps(docids)
    return as_gaps if len(as_gaps) <= docids[-1] // 6 + 2 else bitmap(docids)


def postings(per_field: list[list[tuple[int, int, int]]]) -> str:
    """Per scored field, per article: the gap, then Whoosh's length byte · 4 + (tf − 1) when
    the term frequency is 1–3, or length byte · 4 + 3 followed by tf − 4."""
    encoded = []
    for entries in per_field:
        out, previous = [], -1
        for d, tf, length_byte in entries:
            out.append(varint(d - previous - 1) + varint(length_byte * 4 + min(tf, 4) - 1))
            if tf >= 4:
                out.append(varint(tf - 4))
            previous = d
        encoded.append("".join(out))
    return "|".join(encoded)


def fnv1a(key: str) -> int:
    """32-bit FNV-1a over code points: the browser computes the same bucket numbers."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


class Writer:
    """Collects files in memory, so the folder name can be the hash of all of them."""

    def __init__(self):
        self.files: dict[str, str] = {}
        self.spilled = 0

    def inline_or_file(self, text: str) -> str:
        if len(text) <= INLINE_LIMIT:
            return text
        name = f"p/{self.spilled}.gz"
        self.spilled += 1
        self.files[name] = text
        return "@" + varint(self.spilled - 1)

    def digest(self) -> str:
        h = hashlib.sha1()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()[:12]


def gather_lists(records: list[Record]):
    """Postings per term and article lists per gram, over articles numbered 0…n-1."""
    term_postings: dict[str, list[list]] = defaultdict(lambda: [[] for _ in SCORED_FIELDS])
    gram_docs: dict[str, list[int]] = defaultdict(list)
    for d, record in enumerate(records):
        for f, name in enumerate(SCORED_FIELDS):
            terms = record.term_list(name)
            length = length_to_byte(len(terms))
            for term, tf in Counter(terms).items():
                term_postings[term][f].append((d, tf, length))
        for gram in record.gram_list():
            gram_docs[gram].append(d)
    return term_postings, gram_docs


def vocabulary_lines(coll: rank.Collection, records: list[Record], writer: Writer) -> list[str]:
    term_postings, gram_docs = gather_lists(records)
    terms_by_key: dict[str, list[str]] = defaultdict(list)
    for term in term_postings:
        terms_by_key[term[:2]].append(term)
    lines = []
    for key in sorted(gram_docs.keys() | terms_by_key.keys()):
        fields = [key, writer.inline_or_file(doc_list(gram_docs[key])) if key in gram_docs else ""]
        # A pair's line also carries the frequency of its first character as a term, so a
        # query is cut without fetching the bucket of every single character.
        first = coll.frequency.get(key[0], 0) if len(key) == 2 else 0
        fields.append(varint(first) if first else "")
        for term in sorted(terms_by_key.get(key, [])):
            encoded = postings(term_postings[term])
            fields += [term[2:], varint(coll.frequency[term]), writer.inline_or_file(encoded)]
        lines.append("\t".join(fields))
    return lines


def bucket_files(lines: list[str], writer: Writer) -> int:
    size = sum(len(line) + 1 for line in lines)
    count = 1
    while size / count > BUCKET_TARGET:
        count *= 2
    buckets: list[list[str]] = [[] for _ in range(count)]
    for line in lines:
        buckets[fnv1a(line.split("\t", 1)[0]) % count].append(line)
    for b, bucket in enumerate(buckets):
        writer.files[f"v/{b}.gz"] = "\n".join(bucket)
    return count


def days_file(coll: rank.Collection) -> str:
    days, previous = [], 0
    for day in coll.days:
        days.append(varint(day - previous))
        previous = day
    return "".join(days)


def fragment(record: Record, chunks: int) -> str:
    a = record.article
    data = {"t": a.title, "u": a.url, "d": a.date.isoformat(), "c": a.category, "n": chunks}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def snippet_chunks(record: Record) -> list[str]:
    a = record.article
    text = f"{a.subtitle}\n{a.text}".strip() if a.subtitle else a.text.strip()
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def t2s_files(writer: Writer) -> None:
    shards: list[list[str]] = [[] for _ in range(T2S_BUCKETS)]
    for trad, simp in sorted(t2s_map().items()):
        shards[ord(trad) % T2S_BUCKETS].append(trad + simp)
    for k, shard in enumerate(shards):
        writer.files[f"t/{k}.gz"] = "".join(shard)


FINGERPRINT = "fingerprint.txt"

# Bump when the files' format changes, so a cached export is not reused.
FORMAT = 5


def fingerprint(records_by_path: dict[str, Record], words: dict[str, int]) -> str:
    """What the export depends on: the records and the dictionary they were cut with, the
    format and the ranking constants."""
    h = hashlib.sha1(f"{FORMAT} {rank.K1} {rank.B} {rank.BOOSTS} {rank.PHRASE}".encode())
    h.update(json.dumps(words, sort_keys=True, ensure_ascii=False).encode())
    h.update(f"{rank.RECENCY} {rank.HALF_LIFE} {MAX_QUERY_CHARS} {sorted(STOP_TERMS)}".encode())
    for path in sorted(records_by_path):
        a = records_by_path[path].article
        h.update(f"{path}\0{records_by_path[path].hash}\0{a.date}\0{a.url}\0".encode())
    return h.hexdigest()


def refresh_export(records_by_path: dict[str, Record], words: dict[str, int], cache: Path) -> bool:
    """Write the export into `cache` unless it already holds this one; return whether it did.

    Only the cache is written here (in the indexing process): the build's output folder is
    touched by `publish_export` alone, after the build succeeded.
    """
    stamp = cache / FINGERPRINT
    wanted = fingerprint(records_by_path, words)
    fresh = not (stamp.exists() and stamp.read_text() == wanted)
    if fresh:
        stamp.unlink(missing_ok=True)
        export(records_by_path, cache)
        stamp.write_text(wanted)
    return fresh


def publish_export(cache: Path, folder: Path) -> None:
    """Hard-link the cached export into `folder` (normally output/search)."""
    shutil.rmtree(folder, ignore_errors=True)
    link_tree(cache, folder, skip={FINGERPRINT})


def link_tree(source: Path, target: Path, skip: set[str]) -> None:
    """Hard-link every file of `source` into `target` (copy across file systems)."""
    for where, _, names in os.walk(source):
        into = os.path.join(target, os.path.relpath(where, source))
        os.makedirs(into, exist_ok=True)
        for name in names:
            if name in skip:
                continue
            try:
                os.link(os.path.join(where, name), os.path.join(into, name))
            except OSError:
                shutil.copy2(os.path.join(where, name), os.path.join(into, name))


def export(records_by_path: dict[str, Record], folder: Path) -> dict:
    """Write the browser's index into `folder` (normally output/search); return the manifest."""
    coll = rank.collection(records_by_path)
    records = [records_by_path[p] for p in coll.paths]
    categories = sorted({r.article.category for r in records})
    tag_counts = Counter(t for r in records for t in r.article.tags)
    writer = Writer()
    buckets = bucket_files(vocabulary_lines(coll, records, writer), writer)
    writer.files["days.gz"] = days_file(coll)
    lanmu = [DIGITS[categories.index(r.article.category)] for r in records]
    writer.files["lanmu.gz"] = "".join(lanmu)
    for d, record in enumerate(records):
        chunks = snippet_chunks(record)
        writer.files[f"f/{d}.json"] = fragment(record, len(chunks))
        for k, chunk in enumerate(chunks):
            writer.files[f"x/{d}-{k}.gz"] = chunk
    t2s_files(writer)
    base = writer.digest()
    manifest = {
        "version": 1,
        "base": base + "/",
        "docs": len(records),
        "buckets": buckets,
        "t2sBuckets": T2S_BUCKETS,
        "fields": list(SCORED_FIELDS),
        "boosts": [rank.BOOSTS[f] for f in SCORED_FIELDS],
        "avgfl": [coll.avgfl[f] for f in SCORED_FIELDS],
        "k1": rank.K1,
        "b": rank.B,
        "phrase": rank.PHRASE,
        "recency": rank.RECENCY,
        "halfLife": rank.HALF_LIFE,
        "maxQuery": MAX_QUERY_CHARS,
        "stop": "".join(sorted(STOP_TERMS)),
        "total": coll.total,
        "latest": coll.latest_day,
        "categories": categories,
        # Offered when nothing matched: the most used tags.
        "suggest": [t for t, _ in tag_counts.most_common(6)],
    }
    shutil.rmtree(folder, ignore_errors=True)
    for name, text in writer.files.items():
        path = folder / base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(gzip.compress(data, 9, mtime=0) if name.endswith(".gz") else data)
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    return manifest
