"""The full export: every file of the browser's index, computed from all the records and
kept in memory for the packer, then saved in the cache (the first build, and whenever an
update cannot be made)."""

from __future__ import annotations

import os
import shutil
import tempfile
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import pairwise, repeat
from operator import itemgetter
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
    bucket_of,
    collection_files,
    encode_line,
    file_hash,
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
from kuaixun.core.search.export.forked import in_processes
from kuaixun.core.search.index import SCORED_FIELDS, Record
from kuaixun.core.search.normalize import t2s_map

# The vocabulary is gathered and encoded in this many key ranges (vocabulary_lines).
VOCABULARY_RANGES = 8
# The ranges are cut from the grams of every RANGE_SAMPLE-th record.
RANGE_SAMPLE = 50
# The export's files are compressed (`stored`) in this many shares, each in a forked process.
STORE_SHARES = 8


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
    """The records' cut (terms per scored field, grams) in a scratch file, which the
    vocabulary's range forks read article by article (`spilled_cuts` writes it).

    A fork that read the records themselves raised the reference count of every record and
    string it touched, and a written page is copied: each range fork held ≈ 250 MB at 7,183
    articles, most of it copies of the parent's pages (docs/search.md, "Cold build", sixth
    pass). Read from a file, what a fork makes is its own and goes when it ends."""

    fd: int
    # Article d's cut is bytes starts[4d]…starts[4d + 4] of the file: its terms in each
    # scored field, then its grams, each kind space-separated UTF-8.
    starts: array

    def __iter__(self) -> Iterator[tuple[list[list[str]], list[str]]]:
        """Each article's terms per scored field and its grams, in article order."""
        kinds = len(SCORED_FIELDS) + 1
        for first in range(0, len(self.starts) - 1, kinds):
            bounds = self.starts[first : first + kinds + 1]
            block = os.pread(self.fd, bounds[-1] - bounds[0], bounds[0])
            *terms, grams = (
                block[a - bounds[0] : b - bounds[0]].decode().split() for a, b in pairwise(bounds)
            )
            yield terms, grams


@contextmanager
def spilled_cuts(records: list[Record], folder: Path | None = None) -> Iterator[SpilledCuts]:
    """The records' cut written to a scratch file in `folder` (the system's temporary
    folder if None), removed on leaving."""
    with tempfile.TemporaryFile(dir=folder) as file:
        starts = array("Q", [0])
        for record in records:
            for text in (*(record.terms[n] for n in SCORED_FIELDS), record.grams):
                starts.append(starts[-1] + file.write(text.encode()))
        file.flush()
        yield SpilledCuts(file.fileno(), starts)


def gather_lists(cuts: Iterable, low: str = "", high: str | None = None):
    """Postings per term and article lists per gram for the keys in [low, high), over
    articles numbered 0…n-1 (`cuts`: each article's terms per field and grams, in order).

    Held as flat arrays of 4-byte numbers (a term's postings in a field: article, tf, length
    byte, article, …), not lists of tuples: at 7,177 articles the tuples were ≈ 500 MB of the
    indexing process's peak (docs/search.md, "Cold build"). The loops run in C (`map` over
    bound methods): the Python loop per posting and per gram was 11 s of the export's 29 s.
    A record's grams are sorted (`index.cut`), so a range's are one slice of them."""
    term_postings: dict[str, tuple[array, ...]] = defaultdict(_field_arrays)
    gram_docs: dict[str, array] = defaultdict(partial(array, "I"))
    for d, (fields, grams) in enumerate(cuts):
        for f, terms in enumerate(fields):
            length = length_to_byte(len(terms))
            counts = Counter(terms)
            kept = _in_range(sorted(counts), low, high)
            lists = map(itemgetter(f), map(term_postings.__getitem__, kept))
            postings = zip(repeat(d), map(counts.__getitem__, kept), repeat(length))
            _run(map(array.extend, lists, postings))
        grams = _in_range(grams, low, high)
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


def range_lines(
    cuts: Iterable, frequency: Counter, low: str, high: str | None
) -> tuple[list[str], dict[str, str]]:
    """The vocabulary lines of the keys in [low, high) in key order, and the lists they
    spilled to files."""
    term_postings, gram_docs = gather_lists(cuts, low, high)
    terms_by_key: dict[str, dict] = defaultdict(dict)
    for term, lists in term_postings.items():
        terms_by_key[term[:2]][term[2:]] = lists
    writer = Writer()
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
    return lines, writer.files


def vocabulary_lines(ranges: Iterable[tuple[list[str], dict]], writer: Writer) -> list[str]:
    """The vocabulary lines of all the key ranges (`range_lines`' results, in key order),
    their spilled lists put in `writer`."""
    lines: list[str] = []
    for part, spilled in ranges:
        lines += part
        for name, text in spilled.items():
            writer.files.setdefault(name, text)
    return lines


def bucket_files(lines: list[str], writer: Writer):
    """The vocabulary buckets of `lines` put in `writer`, and what the state keeps of them:
    their count, each one's size, the spilled lists it names and the pair keys by first
    character. One pass: each line's key and bucket were computed twice before (≈ 3 s of
    the export's serial tail at 7,183 articles)."""
    count = bucket_count(sum(len(line) + 1 for line in lines))
    buckets: list[list[str]] = [[] for _ in range(count)]
    sizes = [0] * count
    spills: dict[int, set[str]] = defaultdict(set)
    pairs_by_first: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        key = line_key(line)
        b = bucket_of(key, count)
        buckets[b].append(line)
        sizes[b] += len(line) + 1
        if spilled := spills_of(line):
            spills[b] |= spilled
        if len(key) == 2:
            pairs_by_first[key[0]].add(key)
    for b, bucket in enumerate(buckets):
        writer.files[f"v/{b}.gz"] = "\n".join(bucket)
    return count, sizes, dict(spills), dict(pairs_by_first)


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
):
    """Every file of the export, its manifest and the state to update it from (`known`: the
    pinyin of words read before, as a state keeps it; `ranges`: how many key ranges the
    vocabulary is made in, which changes nothing in what it makes; `scratch`: the folder
    of the cut spilled for the range forks, the system's temporary one if None)."""
    records = numbered(records_by_path)
    days = [r.day for r in records]
    writer = Writer()
    frequency, lengths = term_frequency(records)
    # The vocabulary by key range and the pinyin layer, each in a forked process, two at a
    # time: the second core, idle once Pelican is done, takes its share, and every list of
    # the site at once (≈ 260 MB at 7,183 articles, kept by Python once freed) is no longer
    # held by this process. The forks read the cut from a file, not from the records, whose
    # pages they copied by touching them (docs/search.md, "Cold build", sixth pass).
    with spilled_cuts(records, scratch) as cuts:
        results = in_processes(
            [(pinyin_files, (frequency, known or {}))]
            + [
                (range_lines, (cuts, frequency, low, high))
                for low, high in key_ranges(records, ranges)
            ]
        )
        pinyin, pinyin_buckets, syllables = next(results)
        lines = vocabulary_lines(results, writer)
    buckets, bucket_sizes, bucket_spills, pairs_by_first = bucket_files(lines, writer)
    del lines
    chunks = []
    for d, record in enumerate(records):
        files = article_files(d, record)
        chunks.append(len(files) - 1)
        writer.files.update(files)
    t2s_files(writer)
    writer.files.update(pinyin)
    files = {**writer.files, **collection_files(records, days)}
    hashes = {name: file_hash(text) for name, text in files.items()}
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


def stored_files(files: dict[str, str], buckets: int) -> dict[str, bytes]:
    """Each file's `stored` bytes (`buckets`: the vocabulary's bucket count), in the order
    of `files`, which it empties. Compressed in forked processes, two at a time: done here
    it was ≈ 5 s of one core at 7,183 articles, at the export's tail where the other core
    is idle (Pelican and Whoosh are done). A share's texts are dropped as its bytes come
    back: the texts and their stored bytes were both held at the indexing process's peak."""
    names = list(files)
    shares = [names[k::STORE_SHARES] for k in range(STORE_SHARES)]
    done: dict[str, bytes] = {}
    for share, data in zip(
        shares,
        in_processes((_stored_share, (files, share, buckets)) for share in shares),
        strict=True,
    ):
        done.update(zip(share, data, strict=True))
        for name in share:
            del files[name]
    return {name: done.pop(name) for name in names}


def _stored_share(files: dict[str, str], names: list[str], buckets: int) -> list[bytes]:
    return [stored(name, files[name], buckets) for name in names]


def export(records_by_path: dict[str, Record], folder: Path, words=None, known=None):
    """The whole browser index, saved into `folder`; returned for the packer."""
    folder.mkdir(parents=True, exist_ok=True)
    files, data, state = full_export(records_by_path, words or {}, known, scratch=folder)
    for old in folder.glob("*/"):  # a folder of logical files, as FORMAT 7 kept them
        shutil.rmtree(old)
    logical = LogicalExport(data, stored_files(files, state.buckets), state.hashes)
    save_export(folder, logical)
    save_state(folder, state)
    return logical
