"""Updates a cached export in place for a few changed articles (docs/search.md).

Articles keep their numbers as long as none is inserted before them or removed (the export
numbers them by date; an edited article, or a new newest one, leaves the others where they
were). Then only these files change: the vocabulary buckets holding a key whose line the
changed articles alter, the spilled lists those lines name, the changed articles' heads and
text chunks, days, 栏目 and the manifest. Each line is patched from its current text (decoded
as the browser decodes it), so nothing is recomputed over the whole collection. The result
is the same, byte for byte, as a full export of the same records (tested).
"""

from __future__ import annotations

import gzip
import os
from collections import Counter, defaultdict
from pathlib import Path

from whoosh.util.numeric import length_to_byte

from kuaixun.core.search.export.codec import (
    ExportState,
    Writer,
    article_files,
    article_stamp,
    bucket_count,
    collection_files,
    decode_docs,
    decode_postings,
    encode_line,
    file_hash,
    fnv1a,
    folder_digest,
    line_key,
    manifest,
    save_state,
    settings_fingerprint,
    spills_of,
    words_fingerprint,
    write_file,
    write_manifest,
)
from kuaixun.core.search.index import SCORED_FIELDS, Record

# Beyond this many changed articles a full export is as quick and simpler.
MAX_CHANGED = 300


class Bucket:
    """One vocabulary bucket of the cached export, its lines by key."""

    def __init__(self, folder: Path, b: int):
        self.folder = folder
        path = folder / f"v/{b}.gz"
        text = gzip.decompress(path.read_bytes()).decode() if path.exists() else ""
        self.lines = {line_key(line): line for line in text.split("\n") if line}

    def spilled(self, field: str) -> str:
        if not field.startswith("@"):
            return field
        return gzip.decompress((self.folder / f"p/{field[1:]}.gz").read_bytes()).decode()

    def entry(self, key: str) -> tuple[list[int], dict[str, list]]:
        """The key's articles and, per term suffix, its postings per scored field."""
        line = self.lines.get(key)
        if line is None:
            return [], {}
        fields = line.split("\t")
        docs = decode_docs(self.spilled(fields[1])) if fields[1] else []
        terms = {
            fields[i]: decode_postings(self.spilled(fields[i + 2]))
            for i in range(3, len(fields), 3)
        }
        return docs, terms


def update_export(
    state: ExportState,
    previous: dict[str, Record],
    records_by_path: dict[str, Record],
    words: dict[str, int],
    cache: Path,
) -> int | None:
    """Update the export in `cache` in place and return how many files it wrote; None
    (nothing touched) when a full export is needed: other settings, articles renumbered,
    too many changes or another bucket count."""
    if state.settings != settings_fingerprint():
        return None
    if any(
        previous.get(p) is None or article_stamp(previous[p]) != s for p, s in state.stamps.items()
    ):
        return None  # the cached export is not the one of the previous records
    folder = cache / state.base
    if not folder.is_dir():
        return None
    ordered = sorted(records_by_path.values(), key=lambda r: (r.day, r.article.path))
    paths = [r.article.path for r in ordered]
    old_number = {p: d for d, p in enumerate(state.paths)}
    if any(old_number.get(p, d) != d for d, p in enumerate(paths)):
        return None
    changed = [
        d
        for d in range(max(len(paths), len(state.paths)))
        if d >= len(paths)
        or d >= len(state.paths)
        or paths[d] != state.paths[d]
        or article_stamp(ordered[d]) != state.stamps[paths[d]]
        or recut(previous[paths[d]], ordered[d])
    ]
    if len(changed) > MAX_CHANGED:
        return None

    # What each changed article held before and holds now.
    frequency = Counter(state.frequency)
    lengths = list(state.lengths)
    term_changes: dict[str, dict[int, list]] = defaultdict(dict)
    gram_changes: dict[str, dict[int, bool]] = defaultdict(dict)
    for d in changed:
        before = previous[state.paths[d]] if d < len(state.paths) else None
        after = ordered[d] if d < len(paths) else None
        old_terms, old_grams = article_lists(before) if before else ({}, set())
        new_terms, new_grams = article_lists(after) if after else ({}, set())
        for f, name in enumerate(SCORED_FIELDS):
            lengths[f] += len(after.term_list(name)) if after else 0
            lengths[f] -= len(before.term_list(name)) if before else 0
        for record, sign in ((before, -1), (after, 1)):
            if record:
                for name in SCORED_FIELDS:
                    for term, tf in Counter(record.term_list(name)).items():
                        frequency[term] += sign * tf
        for term in old_terms.keys() | new_terms.keys():
            if old_terms.get(term) != new_terms.get(term):
                term_changes[term][d] = new_terms.get(term)
        for gram in old_grams ^ new_grams:
            gram_changes[gram][d] = gram in new_grams
    moved = {
        t for t in frequency.keys() | state.frequency.keys() if frequency[t] != state.frequency[t]
    }
    frequency = +frequency  # drop terms no article has any more

    keys = set(gram_changes) | {t[:2] for t in term_changes} | {t[:2] for t in moved}
    pairs_by_first = state.pairs_by_first
    for term in moved:
        if len(term) == 1:
            keys |= pairs_by_first.get(term, set())

    by_bucket: dict[int, set[str]] = defaultdict(set)
    for key in keys:
        by_bucket[fnv1a(key) % state.buckets].add(key)
    writer = Writer()
    bucket_sizes = list(state.bucket_sizes)
    bucket_spills = dict(state.bucket_spills)
    for b, bucket_keys in by_bucket.items():
        bucket = Bucket(folder, b)
        for key in bucket_keys:
            docs, terms = bucket.entry(key)
            for d, holds in gram_changes.get(key, {}).items():
                docs = sorted((set(docs) | {d}) if holds else (set(docs) - {d}))
            for term, per_doc in term_changes.items():
                if term[:2] == key:
                    terms[term[2:]] = patched(terms.get(term[2:]), per_doc)
            terms = {s: lists for s, lists in terms.items() if any(lists)}
            if docs or terms:
                bucket.lines[key] = encode_line(key, docs, terms, frequency, writer)
                if len(key) == 2:
                    pairs_by_first.setdefault(key[0], set()).add(key)
            else:
                bucket.lines.pop(key, None)
                if len(key) == 2:
                    pairs_by_first.get(key[0], set()).discard(key)
        lines = [bucket.lines[k] for k in sorted(bucket.lines)]
        writer.files[f"v/{b}.gz"] = "\n".join(lines)
        bucket_sizes[b] = sum(len(line) + 1 for line in lines)
        spilled = set().union(*(spills_of(line) for line in lines))
        if spilled:
            bucket_spills[b] = spilled
        else:
            bucket_spills.pop(b, None)
    if bucket_count(sum(bucket_sizes)) != state.buckets:
        return None  # nothing written yet: the full export redistributes the keys

    chunks = list(state.chunks[: len(paths)]) + [0] * max(0, len(paths) - len(state.chunks))
    removed: set[str] = set()
    for d in changed:
        old_chunks = state.chunks[d] if d < len(state.chunks) else 0
        if d < len(paths):
            files = article_files(d, ordered[d])
            writer.files.update(files)
            chunks[d] = len(files) - 1
        else:
            removed.add(f"f/{d}.json")
        removed |= {f"x/{d}-{k}.gz" for k in range(chunks[d] if d < len(paths) else 0, old_chunks)}
    writer.files.update(collection_files(ordered, [r.day for r in ordered]))

    # Spilled lists no bucket names any more go; new ones come.
    old_spills = set().union(*state.bucket_spills.values()) if state.bucket_spills else set()
    new_spills = set().union(*bucket_spills.values()) if bucket_spills else set()
    removed |= {f"p/{name}.gz" for name in old_spills - new_spills}
    writer.files = {
        n: t for n, t in writer.files.items() if not n.startswith("p/") or n[2:-3] in new_spills
    }
    hashes = dict(state.hashes)
    for name in removed:
        hashes.pop(name, None)
    written = {n: t for n, t in writer.files.items() if hashes.get(n) != file_hash(t)}
    hashes.update({n: file_hash(t) for n, t in written.items()})
    base = folder_digest(hashes)

    # The folder is renamed, not copied: the published output keeps its own hard links.
    target = cache / base
    if target != folder:
        os.rename(folder, target)
    for name in removed:
        (target / name).unlink(missing_ok=True)
    for name, text in written.items():
        write_file(target / name, name, text)
    state.base, state.paths, state.hashes = base, paths, hashes
    state.words = words_fingerprint(words)
    state.stamps = {r.article.path: article_stamp(r) for r in ordered}
    state.frequency, state.lengths, state.chunks = frequency, lengths, chunks
    state.bucket_sizes, state.bucket_spills, state.pairs_by_first = (
        bucket_sizes,
        bucket_spills,
        pairs_by_first,
    )
    write_manifest(cache, manifest(ordered, [r.day for r in ordered], state))
    save_state(cache, state)
    return len(written)


def article_lists(record: Record) -> tuple[dict[str, list], set[str]]:
    """One article's share of the index: per term, its (tf, length byte) in each scored
    field (None where absent), and its grams."""
    entries: dict[str, list] = {}
    for f, name in enumerate(SCORED_FIELDS):
        terms = record.term_list(name)
        length = length_to_byte(len(terms))
        for term, tf in Counter(terms).items():
            entries.setdefault(term, [None] * len(SCORED_FIELDS))[f] = (tf, length)
    return entries, set(record.gram_list())


def recut(before: Record, after: Record) -> bool:
    """Whether the article was cut otherwise (a dictionary word in it changed)."""
    return before.terms != after.terms or before.grams != after.grams


def patched(lists: list | None, per_doc: dict[int, list]) -> list[list[tuple[int, int, int]]]:
    """A term's postings per field with the changed articles' entries replaced."""
    lists = [list(entries) for entries in lists] if lists else [[] for _ in SCORED_FIELDS]
    for f in range(len(SCORED_FIELDS)):
        entries = [e for e in lists[f] if e[0] not in per_doc]
        for d, now in per_doc.items():
            if now and now[f]:
                entries.append((d, now[f][0], now[f][1]))
        lists[f] = sorted(entries)
    return lists
