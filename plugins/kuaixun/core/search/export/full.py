"""The full export: every file of the browser's index, computed from all the records and
kept in memory for the packer, then saved in the cache (the first build, and whenever an
update cannot be made)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import shutil
import tempfile
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, chain, pairwise, repeat
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from whoosh.util.numeric import length_to_byte

from kuaixun.core.search.export.codec import (
    T2S_BUCKETS,
    ExportState,
    LogicalExport,
    Writer,
    article_files,
    article_stamp,
    bucket_count,
    bucket_hash,
    collection_files,
    encode_line,
    file_hash,
    folder_digest,
    manifest,
    numbered,
    save_export,
    save_state,
    settings_fingerprint,
    spills_of,
    stored,
    words_fingerprint,
)
from kuaixun.core.search.export.forked import in_processes, started
from kuaixun.core.search.export.pinyin_layer import pinyin_files
from kuaixun.core.search.index import SCORED_FIELDS, Record
from kuaixun.core.search.normalize import t2s_map
from kuaixun.core.search.whoosh_index import PARTS_DOCUMENTS, SCORED, write_part

# The vocabulary is gathered and encoded in this many key ranges (range_lines), each
# range's fork holding its share of the lists: 8 before the cut was spilled by range, when
# a range cost its fork a pass over the whole cut (16: the summed peak 1,130 → 1,068 MB at
# 7,183 articles, docs/search.md "Cold build", seventh pass). Measured again on 2026-12-05
# (the bench of 5571641 put the summed peak at 2.08 × bare, a sample while two range forks
# ran): at 32 ranges the forks' peak was 560–612 MB against 592–678 at 16, but the cold build
# took 3.6 % longer (farm-bench, four alternating pairs: the forks' page faults), and 24,
# 6.9 %. So 16, each key's lists let go as its line is made (range_lines): 627–644 MB, about
# the peak of Pelican's process and this one while the cut is made (≈ 640).
VOCABULARY_RANGES = 16
# The ranges are cut from the grams of every RANGE_SAMPLE-th record.
RANGE_SAMPLE = 50
# The export's files are compressed (`stored`) in this many shares, each in a forked process.
STORE_SHARES = 8
# The export's texts between being made and being stored (`MadeFiles`), in its folder.
SCRATCH_TEXTS = "texts.scratch"


def term_frequency(records: list[Record]) -> tuple[Counter, list[int]]:
    """Each term's frequency over the site (in the order the terms first occur) and each
    field's total length: one pass over the terms, counted in C (`Counter.update`)."""
    frequency: Counter = Counter()
    lengths = [0] * len(SCORED_FIELDS)
    for record in records:
        for f, name in enumerate(SCORED_FIELDS):
            terms = record.term_list(name)
            lengths[f] += len(terms)
            frequency.update(terms)
    return frequency, lengths


def key_ranges(records: list[Record], parts: int) -> list[tuple[str, str | None]]:
    """`parts` ranges of vocabulary keys, [low, high) by first character (high None: no
    end), holding about as many grams each, judged from a sample of the records. Each range
    holds whole lines: a key, its terms and the pairs starting with its character."""
    sample = Counter(g[0] for r in records[::RANGE_SAMPLE] for g in r.gram_list())
    total, seen, bounds = sum(sample.values()), 0, [""]
    for char in sorted(sample):
        if len(bounds) < parts and seen >= total * len(bounds) / parts:
            bounds.append(char)
        seen += sample[char]
    return list(zip(bounds, [*bounds[1:], None], strict=True))


@dataclass(frozen=True)
class SpilledCuts:
    """The records' cut in a scratch file, cut by key range, which the vocabulary's range
    forks read article by article (`spilled_cuts` writes it): an article's distinct terms
    in each scored field with their counts, and its grams, in each range apart.

    A fork that read the records themselves raised the reference count of every record and
    string it touched, and a written page is copied: each range fork held ≈ 250 MB at 7,183
    articles, most of it copies of the parent's pages (docs/search.md, "Cold build", sixth
    pass). Read from a file, what a fork makes is its own and goes when it ends. Cut by
    range, a fork reads and counts its range's share of the cut, not all of it (each of the
    8 forks spent ≈ 1.2 s of CPU decoding, splitting and counting the whole cut)."""

    fd: int
    ranges: int
    # Article d's cut in range r is bytes starts[k]…starts[k + 4] of the file, k = 4 (d ×
    # ranges + r): its terms in each scored field ("term count term count …", the terms in
    # order), then its grams, each space-separated UTF-8.
    starts: array
    # The length byte (Whoosh's) of article d's field f: lengths[d × fields + f].
    lengths: bytes
    # The length (its count of terms) of article d's field f: field_lengths[d × fields + f].
    field_lengths: array

    def in_range(
        self, r: int
    ) -> Iterator[tuple[list[tuple[list[str], list[int], int]], list[str]]]:
        """Each article's (terms, counts, length byte) per scored field and its grams in
        key range r, in article order."""
        kinds, fields = len(SCORED_FIELDS) + 1, len(SCORED_FIELDS)
        for d in range((len(self.starts) - 1) // (kinds * self.ranges)):
            first = (d * self.ranges + r) * kinds
            bounds = self.starts[first : first + kinds + 1]
            block = os.pread(self.fd, bounds[-1] - bounds[0], bounds[0])
            *terms, grams = (
                block[a - bounds[0] : b - bounds[0]].decode().split() for a, b in pairwise(bounds)
            )
            yield (
                [
                    (pairs[0::2], list(map(int, pairs[1::2])), self.lengths[d * fields + f])
                    for f, pairs in enumerate(terms)
                ],
                grams,
            )


@contextmanager
def spilled_cuts(
    records: list[Record],
    ranges: list[tuple[str, str | None]],
    folder: Path | None = None,
    counted: tuple[Counter, list[int]] | None = None,
) -> Iterator[SpilledCuts]:
    """The records' cut by key range (`ranges`, as `key_ranges` makes them) written to a
    scratch file in `folder` (the system's temporary folder if None), removed on leaving.
    `counted`, if given, is filled as `term_frequency` counts, in the same pass."""
    with tempfile.TemporaryFile(dir=folder) as file:
        starts, lengths, field_lengths = array("Q", [0]), bytearray(), array("I")
        for record in records:
            fields = []  # per field, its sorted keys and each key followed by its count
            for f, name in enumerate(SCORED_FIELDS):
                terms = record.term_list(name)
                lengths.append(length_to_byte(len(terms)))
                field_lengths.append(len(terms))
                if counted is not None:
                    counted[0].update(terms)
                    counted[1][f] += len(terms)
                count = Counter(terms)
                keys = sorted(count)
                spelled = map(str, map(count.__getitem__, keys))
                fields.append((keys, list(chain.from_iterable(zip(keys, spelled, strict=True)))))
            grams = record.gram_list()  # sorted (`index.cut`): a range's are one slice
            parts = []
            for low, high in ranges:
                for keys, pairs in fields:
                    first = bisect_left(keys, low)
                    end = len(keys) if high is None else bisect_left(keys, high, first)
                    parts.append(" ".join(pairs[2 * first : 2 * end]).encode())
                parts.append(" ".join(_in_range(grams, low, high)).encode())
            # One write an article, its parts' starts counted here.
            file.write(b"".join(parts))
            ends = accumulate(map(len, parts), initial=starts[-1])
            next(ends)  # (the last start already there)
            starts.extend(ends)
        file.flush()
        yield SpilledCuts(file.fileno(), len(ranges), starts, bytes(lengths), field_lengths)


def gather_lists(cuts: Iterable):
    """Postings per term and article lists per gram over articles numbered 0…n-1 (`cuts`:
    each article's (terms, counts, length byte) per field and its grams, in order, as
    `SpilledCuts.in_range` reads them).

    Held as flat arrays of 4-byte numbers (a term's postings in a field: article, tf, length
    byte, article, …), not lists of tuples: at 7,177 articles the tuples were ≈ 500 MB of the
    indexing process's peak (docs/search.md, "Cold build"). The loops run in C (`map` over
    bound methods): the Python loop per posting and per gram was 11 s of the export's 29 s."""
    term_postings: dict[str, tuple[array, ...]] = defaultdict(_field_arrays)
    gram_docs: dict[str, array] = defaultdict(partial(array, "I"))
    for d, (fields, grams) in enumerate(cuts):
        for f, (terms, counts, length) in enumerate(fields):
            lists = map(itemgetter(f), map(term_postings.__getitem__, terms))
            postings = zip(repeat(d), counts, repeat(length))
            _run(map(array.extend, lists, postings))
        _run(map(array.append, map(gram_docs.__getitem__, grams), repeat(d)))
    return term_postings, gram_docs


def _run(iterator: Iterable) -> None:
    """Run `iterator` to its end, in C (a deque that keeps nothing)."""
    deque(iterator, maxlen=0)


def _field_arrays() -> tuple[array, ...]:
    return tuple(array("I") for _ in SCORED_FIELDS)


def _in_range(keys: list[str], low: str, high: str | None) -> list[str]:
    """The slice of sorted `keys` in [low, high)."""
    return keys[bisect_left(keys, low) : None if high is None else bisect_left(keys, high)]


def term_lists(flat: tuple[array, ...]) -> list[list[tuple[int, int, int]]]:
    """A term's postings per field as (article, tf, length byte) tuples."""
    return [list(zip(a[0::3], a[1::3], a[2::3], strict=True)) for a in flat]


def gram_list(docs: array | None) -> list[int] | None:
    return None if docs is None else docs.tolist()


@dataclass
class RangeLines:
    """A key range's vocabulary lines as its fork hands them back (`range_lines`): joined in
    one text, with what the buckets need of each line taken in the fork.

    As a list of lines, every range's lines were alive in the indexing process as ≈ 660,000
    small strings at 7,183 articles while the later ranges' forks ran (≈ 140 MB of the
    build's summed peak, docs/search.md, "Cold build", ninth pass); and each line's key,
    bucket number and spilled lists were found in that process after the forks, while the
    other core idled (≈ 1.5 s, tenth pass)."""

    # The lines in key order, each ended by "\n" (a bucket's text joins its lines so).
    text: str
    # Each line's key's `bucket_hash`: its bucket is the remainder at any bucket count.
    hashes: array
    # The lines that name spilled lists (numbered in the range), and those lists' names.
    spills: dict[int, set[str]]
    # The second characters of the pair keys, by first character (a first character's
    # keys all lie in one range).
    seconds: dict[str, str]
    # The lists its lines spilled to files.
    files: dict[str, str]


def range_lines(
    cuts: SpilledCuts, frequency: Counter, r: int, whoosh_parts: Path | None = None
) -> RangeLines:
    """The vocabulary lines of the keys in key range r, and the lists they spilled; with
    `whoosh_parts`, the range's share of a new Whoosh index written there too
    (`whoosh_part`)."""
    term_postings, gram_docs = gather_lists(cuts.in_range(r))
    if whoosh_parts is not None:
        whoosh_part(whoosh_parts, r, term_postings)
    terms_by_key: dict[str, dict] = defaultdict(dict)
    for term, lists in term_postings.items():
        terms_by_key[term[:2]][term[2:]] = lists
    del term_postings
    writer = Writer()
    keys = sorted(gram_docs.keys() | terms_by_key.keys())
    # Each key's lists let go once its line is made (popped): the fork's peak is then about
    # the larger of the lists and the lines, not their sum.
    lines = [
        encode_line(
            key,
            gram_list(gram_docs.pop(key, None)),
            {suffix: term_lists(flat) for suffix, flat in terms_by_key.pop(key, {}).items()},
            frequency,
            writer,
        )
        for key in keys
    ]
    # A spilled list's name follows a tab: a line without "\t@" names none.
    spills = {
        k: names for k, line in enumerate(lines) if "\t@" in line and (names := spills_of(line))
    }
    seconds: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if len(key) == 2:
            seconds[key[0]].append(key[1])
    return RangeLines(
        "\n".join([*lines, ""]),
        array("I", map(bucket_hash, keys)),
        spills,
        {c: "".join(sorted(k)) for c, k in seconds.items()},
        writer.files,
    )


assert SCORED == SCORED_FIELDS, "Whoosh's process takes the lengths in the export's order"


def whoosh_part(parts: Path, r: int, term_postings: dict[str, tuple[array, ...]]) -> None:
    """Key range r's terms in each scored field, their posting blocks made as Whoosh makes
    them, for a new Whoosh index (`whoosh_index.write_from_parts`): the range forks have
    each term's postings in article order with the articles' length bytes (`gather_lists`),
    which Whoosh's process inverted again from the documents (≈ 2.6 s of its ≈ 6 s at 7,183
    articles; docs/search.md, "Cold build", twenty-first look). A key range's terms are
    whole first characters, so the ranges' terms, each in order, are the field's in order
    (code point order is UTF-8's byte order, Whoosh's)."""
    parts.mkdir(parents=True, exist_ok=True)
    ordered = sorted(term_postings)
    for f, name in enumerate(SCORED_FIELDS):
        postings = (
            (term.encode(), flat[0::3], flat[1::3], bytes(flat[2::3].tolist()))
            for term in ordered
            if (flat := term_postings[term][f])
        )
        write_part(parts, r, name, postings)


def bucket_files(ranges: Iterable[RangeLines], writer: Writer):
    """The vocabulary buckets of all the key ranges (`range_lines`' results, in key order)
    put in `writer` after the lists they spilled, and what the state keeps of them: their
    count, each one's size, the spilled lists it names and the pair keys by first character.

    The count follows from the size of all the lines, known once every range is back; then
    a line's bucket is its hash's remainder, and a bucket's lines, taken range by range in
    key order, are in key order."""
    parts: list[RangeLines] = []
    for part in ranges:
        parts.append(part)
        for name, text in part.files.items():
            writer.files.setdefault(name, text)
        part.files = {}
    count = bucket_count(sum(len(part.text) for part in parts))
    buckets: list[list[str]] = [[] for _ in range(count)]
    spills: dict[int, set[str]] = defaultdict(set)
    seconds: dict[str, str] = {}
    parts.reverse()
    while parts:  # each range's text dropped once its lines are in their buckets
        part = parts.pop()
        numbers = [h % count for h in part.hashes]
        # (map stops before the "" after the last line's "\n")
        _run(map(list.append, map(buckets.__getitem__, numbers), part.text.split("\n")))
        for k, names in part.spills.items():
            spills[numbers[k]] |= names
        seconds.update(part.seconds)
        del part, numbers
    sizes = [0] * count
    for b in range(count):
        text = writer.files[f"v/{b}.gz"] = "\n".join(buckets[b])
        sizes[b] = len(text) + 1 if buckets[b] else 0  # each line and its "\n"
        buckets[b] = []
    return count, sizes, dict(spills), seconds


def t2s_files(writer: Writer) -> None:
    shards: list[list[str]] = [[] for _ in range(T2S_BUCKETS)]
    for trad, simp in sorted(t2s_map().items()):
        shards[ord(trad) % T2S_BUCKETS].append(trad + simp)
    for k, shard in enumerate(shards):
        writer.files[f"t/{k}.gz"] = "".join(shard)


def full_export(
    records_by_path: dict[str, Record],
    words: dict[str, int],
    known=None,
    ranges: int = VOCABULARY_RANGES,
    scratch: Path | None = None,
    made: MadeFiles | None = None,
    release: Callable[[], None] | None = None,
    forks_done: Callable[[], None] | None = None,
    wait: Callable[[], None] | None = None,
    whoosh_parts: Path | None = None,
):
    """Every file of the export, its manifest and the state to update it from (`known`: the
    pinyin of words read before, as a state keeps it; `ranges`: how many key ranges the
    vocabulary is made in, which changes nothing in what it makes; `scratch`: the folder
    of the cut spilled for the range forks, the system's temporary one if None; `made`:
    where each file goes as it is made, kept in memory if None; `release`: called first, it
    saves the records, whose cut then goes once spilled, see `drop_cuts`; `forks_done`:
    called once the last fork is done, before the serial end; `wait`: called before the
    first fork, for what must be done before (Pelican's pages): the cut is then spilled
    and counted in this process before it, in the time it hides; `whoosh_parts`: a folder
    for the parts of a new Whoosh index, which the range forks write there, and the
    documents, written once they are done: `whoosh_index.write_from_parts` reads them).
    The files returned are `made`'s texts: none when it spills them."""
    records = numbered(records_by_path)
    days = [r.day for r in records]
    writer = Writer()
    writer.files = made = made or MadeFiles()  # type: ignore[assignment]  # its methods
    parts = key_ranges(records, ranges)
    # The vocabulary by key range and the pinyin layer, each in a forked process, two at a
    # time: the second core, idle once Pelican is done, takes its share, and every list of
    # the site at once (≈ 260 MB at 7,183 articles, kept by Python once freed) is no longer
    # held by this process. The forks read the cut from a file, not from the records, whose
    # pages they copied by touching them (docs/search.md, "Cold build", sixth pass).
    # The frequencies are counted in a fork of their own while this process spills the cut
    # (each ≈ 0.7 and 2.3 s of one core at 7,183 articles, one after the other before).
    # The pinyin layer's fork starts only after the cut: beside this process spilling it,
    # every page of the records this process touched was held twice, the fork keeping the
    # old copy (+≈ 80 MB of the build's summed peak; tenth pass).
    # With a `wait`, both are done in this process before it, where the second core is
    # idle (the cut ends seconds before Pelican's pages), one pass (docs/search.md,
    # "Eighteenth look"); the range forks start after it.
    if release is not None:
        release()
    counted: tuple[Counter, list[int]] | None = None
    counting = None
    if wait is None:
        counting = started(term_frequency, (records,))
    else:
        counted = (Counter(), [0] * len(SCORED_FIELDS))
    try:
        with spilled_cuts(records, parts, scratch, counted) as cuts:
            if counting is not None:
                counted = counting()
            assert counted is not None
            frequency, lengths = counted
            if release is not None:
                drop_cuts(records)
            if wait is not None:
                wait()
            results = in_processes(
                [(pinyin_files, (frequency, known or {}))]
                + [(range_lines, (cuts, frequency, r, whoosh_parts)) for r in range(len(parts))]
            )
            layer = next(results)
            buckets, bucket_sizes, bucket_spills, pairs_by_first = bucket_files(results, writer)
            if whoosh_parts is not None:
                whoosh_documents(whoosh_parts, records, cuts.field_lengths)
    finally:
        if counting is not None:
            counting.close()
    if forks_done is not None:
        forks_done()
    chunks = []
    for d, record in enumerate(records):
        files = article_files(d, record)
        chunks.append(len(files) - 1)
        made.update(files)
    t2s_files(writer)
    made.update(layer.files)
    made.update(collection_files(records, days))
    state = ExportState(
        settings=settings_fingerprint(),
        words=words_fingerprint(words),
        base=folder_digest(made.hashes),
        paths=[r.article.path for r in records],
        stamps={p: article_stamp(r) for p, r in records_by_path.items()},
        frequency=frequency,
        lengths=lengths,
        hashes=made.hashes,
        buckets=buckets,
        bucket_sizes=bucket_sizes,
        bucket_spills=bucket_spills,
        pairs_by_first=pairs_by_first,
        chunks=chunks,
        pinyin_buckets=layer.buckets,
        pinyin_sizes=layer.sizes,
        pinyin=layer.syllables,
        pinyin_readings=layer.readings,
    )
    return made.texts, manifest(records, days, state), state


def whoosh_documents(parts: Path, records: list[Record], field_lengths: array) -> None:
    """What a new Whoosh index holds of each article besides its terms, in article order:
    its path, hash and scored fields' lengths (`whoosh_index.write_from_parts`). Written
    last: the parts are whole once it is there."""
    fields = len(SCORED_FIELDS)
    documents = [
        (r.article.path, r.hash, field_lengths[d * fields : (d + 1) * fields].tolist())
        for d, r in enumerate(records)
    ]
    (parts / PARTS_DOCUMENTS).write_bytes(pickle.dumps(documents, pickle.HIGHEST_PROTOCOL))


def drop_cuts(records: list[Record]) -> None:
    """Free the records' terms and grams, once spilled for the range forks and counted:
    nothing of the export reads them after, and at 7,183 articles they are ≈ 63 MB of
    strings that this process, and the range forks it makes next, would hold through the
    vocabulary and its serial end, the build's largest moments (docs/search.md, "Cold
    build", eleventh pass). The records are the caller's, left without their cut: only a
    caller that saved them asks for this (`full_export`'s `release`). The memory the
    strings took is handed back to the system (glibc's `malloc_trim`), not kept by the
    allocator."""
    for record in records:
        record.terms, record.grams = {}, ""
    trim_memory()


def trim_memory() -> None:
    """Give the pages the allocator holds free back to the system (glibc; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


class MadeFiles:
    """The export's files as `full_export` makes them, and their hashes: the texts kept in
    memory, or, given a scratch file, each written there the moment it is made and dropped.

    Spilled only once all were made, every text of the export was alive at once beside the
    records and the buckets, at the indexing process's largest moment, then the cold
    build's summed peak: 30 MB of it at 7,183 articles (docs/search.md, "Cold build",
    ninth pass). A name made twice is a list spilled by two ranges or the pinyin layer:
    named by its text, so the same text, kept once where it first came."""

    def __init__(self, scratch: BinaryIO | None = None):
        self.scratch = scratch
        self.texts: dict[str, str] = {}
        self.hashes: dict[str, bytes] = {}
        # With a scratch file, file k is bytes starts[k]…starts[k + 1] of it.
        self.starts = array("Q", [0])

    def __setitem__(self, name: str, text: str) -> None:
        if name in self.hashes:
            if self.hashes[name] != file_hash(text):
                raise ValueError(f"two texts for the export's file {name}")
            return
        self.hashes[name] = file_hash(text)
        if self.scratch is None:
            self.texts[name] = text
        else:
            self.starts.append(self.starts[-1] + self.scratch.write(text.encode()))

    setdefault = __setitem__

    def update(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            self[name] = text


@dataclass
class SpilledTexts:
    """The export's logical texts in a scratch file (UTF-8, one after the other): file k is
    bytes starts[k]…starts[k + 1], named names[k]."""

    path: Path
    names: list[str]
    starts: array


@dataclass
class SpilledExport:
    """A whole export made but not yet stored (`spill_export`): its manifest, its files'
    hashes and bucket count, and their texts in a scratch file. `store_export` finishes it,
    here or in a fresh process (search/tail.py), which reads only the file."""

    manifest: dict
    hashes: dict[str, bytes]
    buckets: int
    texts: SpilledTexts
    # The cache's fingerprint of the records (export/__init__.py), written once stored.
    stamp: str = ""


def stored_files(texts: SpilledTexts, buckets: int) -> dict[str, bytes]:
    """Each file's `stored` bytes (`buckets`: the vocabulary's bucket count), in the order
    of `texts`, whose scratch file it removes. Compressed in forked processes, two at a
    time: done in one it was ≈ 5 s of one core at 7,183 articles, at the export's tail where
    the other core is idle (Pelican is done). The forks read the texts from the scratch
    file: forks that read them from the parent's dict copied the pages they touched, +200 MB
    of the build's summed peak at 7,183 articles (docs/search.md, "Cold build")."""
    names, starts = texts.names, texts.starts
    try:
        with texts.path.open("rb") as file:
            shares = [range(k, len(names), STORE_SHARES) for k in range(STORE_SHARES)]
            calls = (
                (_stored_share, (file.fileno(), starts, names, share, buckets)) for share in shares
            )
            done: list[bytes] = [b""] * len(names)
            for share, data in zip(shares, in_processes(calls), strict=True):
                for i, stored_bytes in zip(share, data, strict=True):
                    done[i] = stored_bytes
    finally:
        texts.path.unlink(missing_ok=True)
    return dict(zip(names, done, strict=True))


def _stored_share(fd: int, starts: array, names: list[str], share: range, buckets: int):
    """The `stored` bytes of the files numbered `share` (their texts in the scratch file)."""
    return [
        stored(names[i], os.pread(fd, starts[i + 1] - starts[i], starts[i]).decode(), buckets)
        for i in share
    ]


def spill_export(
    records_by_path: dict[str, Record],
    folder: Path,
    words=None,
    known=None,
    release=None,
    forks_done=None,
    wait=None,
    whoosh_parts=None,
) -> SpilledExport:
    """The whole browser index made from the records, its texts spilled into `folder` as
    they are made and its state saved there (`store_export` stores and saves the texts).
    `release`, `forks_done`, `wait`, `whoosh_parts`: see `full_export`."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*/"):  # a folder of logical files, as FORMAT 7 kept them
        shutil.rmtree(old)
    path = folder / SCRATCH_TEXTS
    try:
        with path.open("wb") as scratch:
            made = MadeFiles(scratch)
            _, data, state = full_export(
                records_by_path,
                words or {},
                known,
                scratch=folder,
                made=made,
                release=release,
                forks_done=forks_done,
                wait=wait,
                whoosh_parts=whoosh_parts,
            )
        # After the texts are out: the state's pickler (its memo of ≈ a million objects)
        # beside every text at once was the indexing process's peak (+≈ 100 MB at 7,183
        # articles).
        save_state(folder, state)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    texts = SpilledTexts(path, list(made.hashes), made.starts)
    return SpilledExport(data, state.hashes, state.buckets, texts)


def store_export(folder: Path, spilled: SpilledExport) -> LogicalExport:
    """A spilled export's files stored, saved into `folder` and returned for the packer."""
    stored_bytes = stored_files(spilled.texts, spilled.buckets)
    logical = LogicalExport(spilled.manifest, stored_bytes, spilled.hashes)
    save_export(folder, logical)
    return logical


def export(records_by_path: dict[str, Record], folder: Path, words=None, known=None):
    """The whole browser index, saved into `folder`; returned for the packer."""
    return store_export(folder, spill_export(records_by_path, folder, words, known))
