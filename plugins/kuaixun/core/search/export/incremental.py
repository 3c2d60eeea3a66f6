"""Updates a cached export in place for a few changed articles (docs/search.md).

Articles keep their numbers as long as none is inserted before them or removed (the export
numbers them by date; an edited article, or a new newest one, leaves the others where they
were). Then only these files change: the vocabulary buckets holding a key whose line the
changed articles alter, the spilled lists those lines name, the changed articles' heads and
text chunks, days, 栏目 and the manifest. Each line is patched from its current text (decoded
as the browser decodes it), so nothing is recomputed over the whole collection. The result
is the same, byte for byte, as a full export of the same records (tested).

An update is decided in steps that write nothing: whether the cached export can be updated
(`updatable`), which articles changed (`changed_articles`), what they held before and hold
now (`compare_articles`), the patched vocabulary buckets (`patch_buckets`) and the other
files and the state after (`plan_update`). Only then `apply_update` changes the export in
memory; a step that finds a full export is needed returns before anything is touched. The
cache files are saved by the caller (export.UnsavedExport), after the build has published
the index.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass

from whoosh.util.numeric import length_to_byte

from kuaixun.core.search.export.codec import (
    ExportState,
    LogicalExport,
    StoredLater,
    Writer,
    article_files,
    article_stamp,
    bucket_count,
    bucket_of,
    collection_files,
    decode_docs,
    decode_postings,
    encode_line,
    file_hash,
    folder_digest,
    line_key,
    manifest,
    numbered,
    settings_fingerprint,
    spills_of,
    stored_text,
    words_fingerprint,
)
from kuaixun.core.search.export.pinyin_layer import FAMILIES as PINYIN_FAMILIES
from kuaixun.core.search.export.pinyin_layer import PinyinLayer, patch_pinyin_files
from kuaixun.core.search.index import SCORED_FIELDS, Record

# Beyond this many changed articles a full export is as quick and simpler.
MAX_CHANGED = 300


class Bucket:
    """One vocabulary bucket of the cached export, its lines by key."""

    def __init__(self, files: dict[str, bytes], b: int, buckets: int):
        self.files = files
        name = f"v/{b}.gz"
        text = stored_text(name, files[name], buckets) if name in files else ""
        self.lines = {line_key(line): line for line in text.split("\n") if line}

    def spilled(self, field: str) -> str:
        if not field.startswith("@"):
            return field
        return stored_text(f"p/{field[1:]}.gz", self.files[f"p/{field[1:]}.gz"])

    def entry(self, key: str) -> tuple[list[int], dict[str, list]]:
        """The key's articles and, per term suffix, its postings per scored field."""
        line = self.lines.get(key)
        if line is None:
            return [], {}
        fields = line.split("\t")
        docs = decode_docs(self.spilled(fields[1])) if fields[1] else []
        terms = {
            fields[i]: decode_postings(self.spilled(fields[i + 2]), docs if len(key) == 2 else None)
            for i in range(3, len(fields), 3)
        }
        return docs, terms


def update_in_memory(
    state: ExportState,
    previous: dict[str, Record],
    records_by_path: dict[str, Record],
    words: dict[str, int],
    cached: LogicalExport,
) -> Update | None:
    """Update the `cached` export in memory and return the update (its state is saved
    beside the files: export.UnsavedExport); None (nothing touched) when a full export is
    needed: other settings, articles renumbered, too many changes or another bucket count."""
    records = numbered(records_by_path)
    if not updatable(state, previous, records):
        return None
    changed = changed_articles(state, previous, records)
    if len(changed) > MAX_CHANGED:
        return None
    update = plan_update(state, previous, records, changed, words, cached.files)
    if update is None:
        return None  # another bucket count: the full export redistributes the keys
    apply_update(cached, update)
    return update


def updatable(state: ExportState, previous: dict[str, Record], records: list[Record]) -> bool:
    """Whether the cached export, written with today's settings, is the one of the previous
    records, and every article keeps its number (none inserted or removed before it)."""
    if state.settings != settings_fingerprint():
        return False
    if any(
        previous.get(p) is None or article_stamp(previous[p]) != s for p, s in state.stamps.items()
    ):
        return False
    old_number = {p: d for d, p in enumerate(state.paths)}
    return all(old_number.get(r.article.path, d) == d for d, r in enumerate(records))


def changed_articles(
    state: ExportState, previous: dict[str, Record], records: list[Record]
) -> list[int]:
    """The numbers of the articles added, removed, edited, moved or cut otherwise."""
    return [
        d
        for d in range(max(len(records), len(state.paths)))
        if d >= len(records)
        or d >= len(state.paths)
        or records[d].article.path != state.paths[d]
        or article_stamp(records[d]) != state.stamps[state.paths[d]]
        or recut(previous[state.paths[d]], records[d])
    ]


@dataclass
class Changes:
    """What the changed articles held before and hold now, and the counts of the collection
    after the change."""

    frequency: Counter
    lengths: list[int]
    # term → changed article → its (tf, length byte) per scored field now (None: gone).
    terms: dict[str, dict[int, list | None]] = dataclasses.field(
        default_factory=lambda: defaultdict(dict)
    )
    # gram → changed article → whether the article holds it now.
    grams: dict[str, dict[int, bool]] = dataclasses.field(default_factory=lambda: defaultdict(dict))
    # The terms whose frequency changed: a character's is written in the lines of its pairs.
    moved: set[str] = dataclasses.field(default_factory=set)

    def count(self, record: Record | None, sign: int) -> None:
        """Add (sign 1) or take away (sign −1) an article's terms and field lengths."""
        if record is None:
            return
        for f, name in enumerate(SCORED_FIELDS):
            terms = record.term_list(name)
            self.lengths[f] += sign * len(terms)
            for term, tf in Counter(terms).items():
                self.frequency[term] += sign * tf

    def compare(self, d: int, before: Record | None, after: Record | None) -> None:
        """Note the terms and grams article `d` gained, lost or holds otherwise."""
        old_terms, old_grams = article_lists(before) if before else ({}, set())
        new_terms, new_grams = article_lists(after) if after else ({}, set())
        for term in old_terms.keys() | new_terms.keys():
            if old_terms.get(term) != new_terms.get(term):
                self.terms[term][d] = new_terms.get(term)
        for gram in old_grams ^ new_grams:
            self.grams[gram][d] = gram in new_grams


def compare_articles(
    state: ExportState, previous: dict[str, Record], records: list[Record], changed: list[int]
) -> Changes:
    """Count the changed articles out as they were and in as they are."""
    changes = Changes(Counter(state.frequency), list(state.lengths))
    for d in changed:
        before = previous[state.paths[d]] if d < len(state.paths) else None
        after = records[d] if d < len(records) else None
        changes.count(before, -1)
        changes.count(after, 1)
        changes.compare(d, before, after)
    old, new = state.frequency, changes.frequency
    changes.moved = {t for t in new.keys() | old.keys() if new[t] != old[t]}
    changes.frequency = +new  # drop terms no article has any more
    return changes


def affected_keys(changes: Changes, pairs_by_first: dict[str, str]) -> set[str]:
    """The keys whose vocabulary line the changes alter: the grams gained or lost, the keys of
    the terms whose postings or frequency changed, and the pairs starting with a character
    whose frequency as a term changed (the line carries it)."""
    keys = set(changes.grams) | {t[:2] for t in changes.terms} | {t[:2] for t in changes.moved}
    for term in changes.moved:
        if len(term) == 1:
            keys |= {term + second for second in pairs_by_first.get(term, "")}
    return keys


@dataclass
class Buckets:
    """The patched vocabulary buckets: their files (and the lists their lines spill), and what
    the state keeps of all buckets after the change."""

    files: dict[str, str]
    sizes: list[int]
    spills: dict[int, set[str]]
    pairs_by_first: dict[str, str]


def patch_buckets(files: dict[str, bytes], state: ExportState, changes: Changes) -> Buckets:
    """Read each bucket holding an affected key and encode its lines anew (in memory)."""
    by_bucket: dict[int, set[str]] = defaultdict(set)
    for key in affected_keys(changes, state.pairs_by_first):
        by_bucket[bucket_of(key, state.buckets)].add(key)
    suffixes: dict[str, dict[str, dict]] = defaultdict(dict)
    for term, per_doc in changes.terms.items():
        suffixes[term[:2]][term[2:]] = per_doc
    writer = Writer()
    sizes, spills = list(state.bucket_sizes), dict(state.bucket_spills)
    gone: set[str] = set()
    for b, keys in by_bucket.items():
        bucket = Bucket(files, b, state.buckets)
        gone |= patch_bucket(bucket, keys, changes, suffixes, writer)
        lines = [bucket.lines[k] for k in sorted(bucket.lines)]
        writer.files[f"v/{b}.gz"] = "\n".join(lines)
        sizes[b] = sum(len(line) + 1 for line in lines)
        spills[b] = set().union(*(spills_of(line) for line in lines))
        if not spills[b]:
            del spills[b]
    kept = set().union(*by_bucket.values()) - gone
    pairs_by_first = regroup_pairs(state.pairs_by_first, kept, gone)
    return Buckets(writer.files, sizes, spills, pairs_by_first)


def patch_bucket(
    bucket: Bucket, keys: set[str], changes: Changes, suffixes: dict, writer: Writer
) -> set[str]:
    """Patch the bucket's lines of `keys` (`suffixes`: key → term suffix → changed articles'
    entries); return the keys left without a line."""
    gone = set()
    for key in keys:
        docs, terms = bucket.entry(key)
        for d, holds in changes.grams.get(key, {}).items():
            docs = sorted((set(docs) | {d}) if holds else (set(docs) - {d}))
        for suffix, per_doc in suffixes.get(key, {}).items():
            terms[suffix] = patched(terms.get(suffix), per_doc)
        terms = {s: lists for s, lists in terms.items() if any(lists)}
        if docs or terms:
            bucket.lines[key] = encode_line(key, docs, terms, changes.frequency, writer)
        else:
            bucket.lines.pop(key, None)
            gone.add(key)
    return gone


def regroup_pairs(pairs_by_first: dict[str, str], kept: set[str], gone: set[str]) -> dict[str, str]:
    """The pair keys by first character (the string of their second characters) once `kept`
    have a line and `gone` have none; the strings of the characters not concerned are
    shared, not copied."""
    pairs = [key for key in kept | gone if len(key) == 2]
    seconds = {first: set(pairs_by_first.get(first, "")) for first in {key[0] for key in pairs}}
    for key in pairs:
        if key in gone:
            seconds[key[0]].discard(key[1])
        else:
            seconds[key[0]].add(key[1])
    result = dict(pairs_by_first)
    for first, chars in seconds.items():
        result[first] = "".join(sorted(chars))
    return {first: chars for first, chars in result.items() if chars}


@dataclass
class Update:
    """An update decided but not yet written: the files to write and to remove, the manifest
    and the state after it."""

    written: dict[str, str]
    removed: set[str]
    manifest: dict
    state: ExportState


def plan_update(
    state: ExportState,
    previous: dict[str, Record],
    records: list[Record],
    changed: list[int],
    words: dict[str, int],
    cached: dict[str, bytes],
) -> Update | None:
    """The update for the changed articles; None when the buckets would be counted anew."""
    changes = compare_articles(state, previous, records, changed)
    buckets = patch_buckets(cached, state, changes)
    if bucket_count(sum(buckets.sizes)) != state.buckets:
        return None
    heads, chunks, removed = article_updates(state, records, changed)
    days = [r.day for r in records]
    layer = patch_pinyin_files(
        PinyinLayer(
            {}, state.pinyin_buckets, state.pinyin_sizes, state.pinyin, state.pinyin_readings
        ),
        changes.moved,
        state.frequency,
        changes.frequency,
        cached,
    )
    names = [name for name, _ in PINYIN_FAMILIES]
    for family, count, before in zip(names, layer.buckets, state.pinyin_buckets, strict=True):
        removed |= {f"{family}/{n}.gz" for n in range(count, before)}
    files = {**buckets.files, **heads, **collection_files(records, days), **layer.files}
    files, dropped = spill_changes(state.bucket_spills, buckets.spills, files)
    removed |= dropped
    hashes = {name: h for name, h in state.hashes.items() if name not in removed}
    written = {n: t for n, t in files.items() if hashes.get(n) != file_hash(t)}
    hashes.update({n: file_hash(t) for n, t in written.items()})
    after = dataclasses.replace(
        state,
        words=words_fingerprint(words),
        base=folder_digest(hashes),
        paths=[r.article.path for r in records],
        stamps={r.article.path: article_stamp(r) for r in records},
        frequency=changes.frequency,
        lengths=changes.lengths,
        hashes=hashes,
        bucket_sizes=buckets.sizes,
        bucket_spills=buckets.spills,
        pairs_by_first=buckets.pairs_by_first,
        chunks=chunks,
        pinyin_buckets=layer.buckets,
        pinyin_sizes=layer.sizes,
        pinyin=layer.syllables,
        pinyin_readings=layer.readings,
    )
    return Update(written, removed, manifest(records, days, after), after)


def article_updates(
    state: ExportState, records: list[Record], changed: list[int]
) -> tuple[dict[str, str], list[int], set[str]]:
    """The changed articles' heads and text chunks, every article's number of chunks, and
    the files to remove: a removed article's head, chunks an article no longer has."""
    n = len(records)
    chunks = list(state.chunks[:n]) + [0] * max(0, n - len(state.chunks))
    files: dict[str, str] = {}
    removed: set[str] = set()
    for d in changed:
        old_chunks = state.chunks[d] if d < len(state.chunks) else 0
        if d < n:
            article = article_files(d, records[d])
            files.update(article)
            chunks[d] = len(article) - 1
        else:
            removed.add(f"f/{d}.json")
        removed |= {f"x/{d}-{k}.gz" for k in range(chunks[d] if d < n else 0, old_chunks)}
    return files, chunks, removed


def spill_changes(
    old: dict[int, set[str]], new: dict[int, set[str]], files: dict[str, str]
) -> tuple[dict[str, str], set[str]]:
    """Spilled lists no bucket names any more go; of the new ones, those a bucket names come."""
    named = set().union(*new.values())
    removed = {f"p/{name}.gz" for name in set().union(*old.values()) - named}
    kept = {n: t for n, t in files.items() if not n.startswith("p/") or n[2:-3] in named}
    return kept, removed


def apply_update(cached: LogicalExport, update: Update) -> None:
    """Apply the planned update to the export in memory: remove and replace its files, then
    its manifest and hashes. The files written are kept as texts, stored when their bytes
    are first read (`StoredLater`: by the packer for the few it publishes, else by the
    saving after the index is published)."""
    files = cached.files
    if not isinstance(files, StoredLater):
        files = cached.files = StoredLater(files, update.state.buckets)
    for name in update.removed:
        files.drop(name)
    for name, text in update.written.items():
        files.put_text(name, text)
    cached.manifest, cached.hashes = update.manifest, update.state.hashes


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
