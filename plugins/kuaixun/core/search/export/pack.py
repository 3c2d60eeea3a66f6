"""The published index: the logical export (codec.py: ~125,000 small files at 7,183
articles, handed over in memory) stored in a few large files by family, that the browser
reads by HTTP byte ranges (all the ranges of one round in one file by one request), laid
out so that a deploy after an edit leaves every file of the base as it was.

  manifest.json         the entry, the only fixed name: the logical manifest plus `pack`,
                        which says where everything is (below). Fetched first.
  <base>/<k>.bin        the base, named by the hash of all its files, written again only
                        when the overlay grows too big: each array's cells in files of at
                        most FILE_BYTES (the vocabulary's last one with days and 栏目 and,
                        after its cells, the spilled and moved lists while it has room;
                        the heads' last one with each article's first text batch, in its
                        padding where one fits, after its cells), and the rest of an
                        article's text in packs of TEXT_BYTES.
  o/<hash>.bin          the overlay, named by its content: everything that changed since
                        the base was written (absent right after a new base).

Logical files numbered densely 0…n−1 in one folder (`v/<b>`, `f/<d>`, `t/<k>`, and any
family added later) are *arrays*: item i of an array is read as one window of fixed size
whose place is computed, not looked up — in the base at file `first + i // per_file`,
offset `(i % per_file) · cell`, or, when the entry lists i as overridden, at
`start + position · cell` in the overlay. The items lie end to end in *cells* (as MPEG
transport packets carry their pointer field): every cell starts with a pointer, to where
item i starts among the data bytes of the window opening at cell i, and the items' bytes
flow over the cells' other bytes. An item is its length, then its text (its digits packed
6 bits each, codec.dense), zlib member or "@" and the reference of a blob holding it,
whichever is shortest and fits; a pointer and a length take one byte in windows of at most
256 bytes, two in larger ones (`width`). So an item takes about its own size on disk (the
cell, ≈ the mean), while the window the reader fetches is as large as a fixed slot was; an
item that does not fit in its window from where it starts moves lists out, or itself, as a
blob. In the base, the padding (the room a run of small items leaves before the next
item's cell) holds blobs, where one fits in a cell's data bytes (Cells.take, PADDED): the
vocabulary's the lists its buckets move out or spill, the heads' the first text batches;
the others follow each array's cells in the same file.

Everything else is a *blob* reached by a reference `@` + varints (file, offset, length),
file 0 the overlay and k + 1 the base's pack k: the spilled lists (lines name them by
reference instead of by file name), an article's text after what its head carries (one
member a batch the browser reads, the first apart from the others; its head says where
both are and lists their lengths), days and 栏目 (the entry names them). A vocabulary
bucket too large for its slot first moves its longest inline lists out into blobs, as the
export spills long lists; one that still does not fit is a blob that keeps its lists inline
up to WHOLE_BYTES (the export's spilled ones too).

The overlay holds the slots whose logical file changed since the base, the blobs they
need that the base does not have, and days/栏目; the entry lists the overridden slot
numbers. The browser never merges anything: a slot is the whole current item. One change
is said in the entry instead: a character's frequency as a term, which every pair line
starting with it carries (one more 于 in an edited article changes ≈ 1,100 buckets); the
entry's `firsts` gives it, and a bucket that changed only there stays in the base. A new base
is written when the overlay would pass OVERLAY_SLOTS slots or OVERLAY_SHARE of the base's
bytes (OVERLAY_FLOOR on a small site), when the vocabulary changed its bucket count, or
when the format changed. docs/search.md has the figures behind these choices.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, partial
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from kuaixun.core.search.export.codec import (
    CHUNK,
    DIGITS,
    FORMAT,
    LogicalExport,
    StoredLater,
    chunk_batches,
    deflated,
    dense,
    encoded,
    fnv1a,
    inflated_bytes,
    inflated_text,
    keyed_bucket,
    read_days,
    read_dense,
    read_varints,
    spelled_bucket,
    stored_text,
    tell_frequencies,
    varint,
)
from kuaixun.core.search.export.forked import PROCESSES, in_processes, started
from kuaixun.core.search.index import EPOCH

# A file of the base holds at most FILE_BYTES (Cloudflare Pages takes files up to 25 MiB):
# all the items one round of a query needs lie in one file (the family's, below), which the
# browser reads by one request of many ranges. The first batch of text after a result's
# head is read for every result shown in the round after the heads (page.js), so the first
# batches are a family of their own; the rest of an article's text is read one article at a
# time, so it sits in packs of TEXT_BYTES: many files that an edit leaves as they were
# (docs/search.md, "The index at archive scale"). 64 KiB before the first batches moved out;
# at 30 KiB the index is 149 files at 7,183 articles (157 before), so the two files an edit
# changes (entry and overlay) stay below 2 % of them.
FILE_BYTES = 20 * 1024 * 1024
TEXT_BYTES = 30 * 1024
# An array's window is sized for this share of its items (bigger ones spill lists out);
# its cell is then as small as CELL_SLACK allows (cell_size). A head that does not fit is
# a round trip more after the ten heads: at 0.95 a third of the cold searches had one, at
# 0.99 (32 bytes a head more at 7,183 articles) one in fifteen. In GB18030 the heads'
# sizes crowd closer (p50 404, p99 463 bytes), and at 0.99 a head in 75 moved out (30 in
# UTF-8): at 0.995, 16 bytes a head more, 11 (0.07 MB on disk). With a bucket's short pair
# lines run together (codec.keyed_bucket) the small buckets shrank and the large ones did
# not: at 0.8 (224 bytes) 3,012 buckets were blobs of their own, a round more each, against
# 2,162 before; at 0.86 (256 bytes) fewer requests than before and 0.68 MB less on disk
# (docs/search.md, "Short pair lines run together"). With that run in bits (codec.short_run)
# the small buckets shrank again: at 0.86 the window fell to 240 bytes and the 400 slips
# took a quarter of a request more on average; at 0.88 (256 bytes) as many as before, for
# 0.13 MB more (docs/search.md, "The short pairs' run in bits"). Bytes decide now (issue 16's
# slips ≤ 40 KB): at 0.84 (240 bytes) a slip's cold search reads 0.26 KB less, a plain one
# 0.15 KB less with as many requests (median 8), and the index is 0.13 MB smaller; at 0.78
# (208 bytes) the slips gain 36 bytes more and the plain queries' p90 grows (docs/search.md,
# "A snippet reads what its article holds").
SLOT_QUANTILE = {"v": 0.84, "f": 0.995, "y": 0.9, "r": 0.95, "s": 0.95}
# A head carries the first HEAD_CHARS characters of its article's text: what a snippet
# shows (page.js: 120 characters around the match, and some before it), so a match there
# needs no second request. The rest of the first chunk starts the article's text run. At
# 400 characters (the whole first chunk) the heads' window was 976 bytes at 7,183 articles,
# at 160 it is 560: ten heads, 4.2 KB less a cold search (docs/search.md).
HEAD_CHARS = 160
POINTER = 2  # each cell's pointer and an item's length, in a window of more than 256 bytes
# The padding between an array's items may hold blobs of one family, in pieces of at least
# MIN_PIECE bytes (Cells.take; docs/search.md, "Lists in the padding"): the heads' holds the
# first text batches they refer to (read in the round after the heads, from the heads' file
# either way: no request and no range more); the vocabulary's the lists moved out of its
# buckets or spilled by them, those of one bucket side by side (Packer.group): 1.66 MB less
# at 7,183 articles. A list read in the same round as buckets is then a range more in
# their request (≈ 95 bytes of multipart part lines) where it could be one with them: 110
# to 125 bytes a slip on average in Chromium, paid for by an entry that lists 60 % fewer
# buckets after an edit (first_changes: ≈ 380 bytes a cold search).
MIN_PIECE = 4
PADDED = {"v": "lists", "f": "first"}
# The share of an array's items that may move something out because of the cells (each
# moved list is a request more for a query that needs it). 1 % of the buckets (0.7 % before
# a pair's key was told by its bucket) left the median cold search's requests and bytes as
# they were at 7,183 articles, for cells of 211 bytes, not 225: 0.84 MB less (docs/search.md,
# "A pair's key told by its bucket"), and so did 2 % of the pinyin words' buckets (cells of
# 184 bytes in windows of 256 instead of 216: 0.48 MB less, the 400 slips' bytes and requests
# as they were). The heads' sizes crowd under their window, so a head moved out is rare and
# costly (a request more for a query showing it): 0.03 % lets 6 more of 7,183 move out (17
# instead of 11) for cells of 450 bytes in windows of 480 (0.21 MB less). docs/search.md,
# "Where the other 11 MB are". The vocabulary at 2 % (cells of 184 bytes in windows of 256
# instead of 208): 1.31 MB less at 7,183 articles for a twentieth of a request more a cold
# search on average in node's count, none at the median (docs/search.md, "The vocabulary's
# cells at 2 %"). The pinyin words at 4 % (cells of 160 bytes, not 184): 0.33 MB less, the
# 400 slips' median bytes and requests as they were (0.03 of a request more on average).
# The syllables' lines (s/) at 2 %: cells of 40 bytes in windows of 80 (41 KB less).
# With postings in bits (codec.postings) and compressed text's short characters, measured
# again on 2026-12-05 (the 7,183-article export repacked, cold searches in node:
# docs/search.md, "Cells near the floor"): the vocabulary at 12 % has cells of half its
# window (112 bytes of 224; 2.10 MB less than at 2 %), the plain queries' median bytes and
# requests as they were (0.09 of a request more on average), the 400 slips' median 0.4 KB
# more; the pinyin words at 12 % with cells below half their window (55 bytes of 160,
# `cell_size`'s floor lowered to a quarter: 0.62 MB less, the slips' median 0.16 KB more); the heads
# at 1 % (393 bytes of 432: 0.31 MB less; a head moved out is a request more for a query
# showing it). With a term's fields and frequency left out (FORMAT 18, 19) the vocabulary
# at 18 % (cells of 91 bytes), the pinyin words at 20 % (45) and the heads at 3 % (380)
# are 0.37 MB less again, the medians of both sets as they were, their means 0.2 (plain)
# and 0.4 (slips) of a request more. Past these the index shrinks little for more bytes:
# the vocabulary at 25 %, the pinyin words at 30 % save 0.13 MB more for 0.3 KB more a
# plain query's median and 0.4 KB a slip's. But the vocabulary's slack is paid in the
# packer's serial layout: a bucket that does not fit where it falls moves lists out there
# (at 18 %, 30,700 buckets, half of them tried and then made whole blobs), and a new base
# took 12 s instead of 7.5, the cold build 2.2 × bare (the bench of 2026-12-05). And the
# pinyin words' and heads' slack, cheap in node's count, cost the slips in Chromium, where
# each range more is ≈ 100 bytes of a multipart answer's part lines: 41.1 KB at the median
# (over the 40 KB of issue 16) with the vocabulary back at 2 %. So every array keeps the
# slack it had (docs/search.md, "Cells near the floor") until the vocabulary's work is done
# ahead in the forks and the slips' bytes are measured in Chromium for each step. The heads
# at 1 % since their padding holds the first text batches (cells of 385 bytes in windows of
# 432): 0.27 MB less, the 30 slips 70 bytes more on average in Chromium (five of them show a
# head moved out, a range of ≈ 400 bytes more), their median as it was.
# The pinyin words at 20 % with cells down to a quarter of their window (45 bytes of 160,
# not the half, 80, that 4 % reached): a fresh base of the bench's content 30.54 → 29.64 MB;
# in Chromium the 30 slips' median 39,490 → 39,560 bytes, 193 bytes more a slip on average,
# 0.07 of a request (at 12 %, cells of 55: 29.87 MB, the median as it was, 65 bytes more on
# average); the plain queries read no pinyin line. The heads at 1.5 % since they give their
# 栏目 by its place (PACK_FORMAT 24), which narrowed their window to 416 bytes: cells of 377
# (390 at 1 %), 70 KB less, the slips' median and requests as they were. docs/search.md,
# "The pinyin words' cells at a quarter of their window".
CELL_SLACK = {"v": 0.02, "y": 0.2, "f": 0.015, "s": 0.02}
CELL_FLOOR = {"y": 0.25}
# A vocabulary bucket too big for its window even with every list moved out is a blob of
# its own; up to this many bytes it keeps its lists inline (fit_bucket). At 7,183 articles
# 640 took a request (and a round) off 5 of the 61 benchmark queries, as 1,024 did off 4,
# with the median bytes 0.1 KB above before instead of 0.25 (docs/search.md).
WHOLE_BYTES = 640
OVERLAY_SLOTS = 4096
OVERLAY_SHARE = 0.05
OVERLAY_FLOOR = 1 << 20  # a small site's overlay may reach this whatever its share
PACK_FORMAT = 24  # 6: heads of 160 characters, or keys run into their lists; 7: both;
# 8: compressed text is GB18030, or the entry's first-character frequencies (`firsts`); 9: both;
# 10: an article's first text batch apart from the rest (a head's "x" says where each is)
# 11: a pair's key spelled as its quotient by its bucket (codec.keyed_line); 12: a bucket's
# short pair lines run together (codec.keyed_bucket), or a whole bucket's slot names the
# lists moved out of its blob (whole_slot); 13: both; 14: the short pairs' run in bits
# (codec.short_run); 15: the text after the first batch in two members, the next two
# chunks and the rest (codec.CHUNK_BATCHES), and a head an array without the date the days
# list says (head_text); 16: compressed text with short characters (codec.SHORT_HEADER);
# 20: lists in the vocabulary's padding (Cells.take; since, the first batches in the
# heads' instead: PADDED), the entry's pack without its base;
# 21: a pointer and a length of one byte in windows of at most 256 bytes (`width`);
# 22: an article's later text members compressed after its earlier text (codec.deflated);
# 23: its first after its head's text (head_history), whose references come first;
# 24: a head's 栏目 as its place in the manifest's list
ITEMS = ("days.gz", "lanmu.gz")
# Spilled lists are named by their content: a name of digits alone is still a blob's.
BLOB_FOLDERS = ("p", "x")
STATE = "pack-state.pickle"
_ARRAY_NAME = re.compile(r"^([a-z])/(\d+)\.(gz|json)$")
_CHUNK_NAME = re.compile(r"^x/(\d+)-(\d+)\.gz$")


def ref_code(ref: tuple[int, int, int]) -> str:
    return "@" + "".join(varint(v) for v in ref)


def read_ref(code: str) -> tuple[int, int, int]:
    """What a code ("@" and three varints) refers to; a whole bucket's slot goes on after a tab."""
    file, offset, length = read_varints(code[1:].split("\t")[0])
    return file, offset, length


@dataclass
class Array:
    cell: int  # the spacing of the items' windows
    window: int  # the bytes the reader fetches for one item
    count: int
    first: int = 0  # the base file holding item 0

    @property
    def per_file(self) -> int:
        return (FILE_BYTES - self.window) // self.cell + 1

    def files(self) -> int:
        return -(-self.count // self.per_file) if self.count else 0

    def run_bytes(self, k: int) -> int:
        """The bytes of file k's run of cells (Cells.bytes): the last window's end."""
        items = min(self.per_file, self.count - k * self.per_file)
        return (items - 1) * self.cell + self.window


def width(window: int) -> int:
    """The bytes of a cell's pointer and of an item's length in windows of `window` bytes:
    one where the window is at most 256 (a pointer and a length are less than the window),
    else POINTER (codec.js slotPayload). At 7,183 articles every array but the heads', 0.21
    MB less."""
    return 1 if window <= 256 else POINTER


def window_room(cell: int, window: int) -> int:
    """Data bytes in a window of `window` bytes opening at a cell."""
    full, rest = divmod(window, cell)
    w = width(window)
    return full * (cell - w) + max(0, rest - w)


class Cells:
    """One run of an array's items laid end to end in cells (the module's docstring). In the
    base (`file`: the base file the run is in) the padding left before an item can hold
    blobs (`take`): each piece of it within one cell's data bytes is a contiguous range of
    the file, read by its reference like any blob, and a window that covers it reads past
    it by its item's pointer and length, as it read past zeros."""

    def __init__(self, cell: int, window: int, file: int | None = None):
        self.cell, self.window, self.file = cell, window, file
        self.width = width(window)
        self.data = bytearray()
        self.pointers: list[int] = []
        self.free: dict[int, list[int]] = {}  # padding pieces' data offsets, by length
        self.lengths = 0  # a bit for each length `free` has pieces of
        self.taken: list[tuple[int, int, int]] = []  # (piece length, offset, length taken)

    def _start(self) -> int:
        return max(len(self.data), len(self.pointers) * (self.cell - self.width))

    def room(self) -> int:
        """The most bytes the next item may take with a length field of 2 bytes (the
        packer's measure whatever the array's `width`: a payload fits if its length and 2
        are at most this)."""
        j = len(self.pointers)
        room = j * (self.cell - self.width) + window_room(self.cell, self.window)
        return room - self._start() + 2 - self.width

    def put(self, payload: bytes) -> None:
        if len(payload) + 2 > self.room():
            raise ValueError("an item larger than its room")
        item = len(payload).to_bytes(self.width, "big") + payload
        start = self._start()
        self.pointers.append(start - len(self.pointers) * (self.cell - self.width))
        if self.file is not None:
            step, at = self.cell - self.width, len(self.data)
            while at < start:  # the padding, cut at the cells' pointers
                end = min(start, (at // step + 1) * step)
                self._free(end - at, at)
                at = end
        self.data.extend(bytes(start - len(self.data)))
        self.data.extend(item)

    def _free(self, length: int, at: int) -> None:
        if length >= MIN_PIECE:
            self.free.setdefault(length, []).append(at)
            self.lengths |= 1 << length

    def _piece(self, length: int) -> int:
        """The last piece of `length` bytes, out of `free`."""
        pieces = self.free[length]
        at = pieces.pop()
        if not pieces:
            self.lengths &= ~(1 << length)
        return at

    def take(self, data: bytes) -> tuple[int, int, int] | None:
        """`data` in the smallest piece of padding that holds it, as a blob's reference
        (file k + 1, as Packer.blob's), or None."""
        above = self.lengths >> len(data)
        if self.file is None or not above or not data:
            return None
        length = len(data) + (above & -above).bit_length() - 1
        at = self._piece(length)
        self._free(length - len(data), at + len(data))
        self.taken.append((length, at, len(data)))
        self.data[at : at + len(data)] = data
        step = self.cell - self.width
        return self.file + 1, at // step * self.cell + self.width + at % step, len(data)

    def untake(self, count: int) -> None:
        """Give back the pieces taken since `taken` held `count` of them (newest first)."""
        while len(self.taken) > count:
            length, at, used = self.taken.pop()
            if length - used >= MIN_PIECE:
                assert self._piece(length - used) == at + used
            self._free(length, at)
            self.data[at : at + used] = bytes(used)

    def bytes(self) -> bytes:
        step = self.cell - self.width
        cells = max(len(self.pointers), -(-len(self.data) // step))
        out = bytearray()
        for c in range(cells):
            pointer = self.pointers[c] if c < len(self.pointers) else 0
            out += pointer.to_bytes(self.width, "big") + self.data[c * step : (c + 1) * step]
            out.extend(bytes(self.cell * (c + 1) - len(out)))
        end = (len(self.pointers) - 1) * self.cell + self.window if self.pointers else 0
        return bytes(out[:end]) + bytes(max(0, end - len(out)))


def item_of(window: bytes, cell: int) -> bytes:
    """The item a window holds (its payload), as the browser reads it (codec.js)."""
    w = width(len(window))
    data = b"".join(window[at + w : at + cell] for at in range(0, len(window), cell))
    start = int.from_bytes(window[:w], "big")
    length = int.from_bytes(data[start : start + w], "big")
    return data[start + w : start + w + length]


@dataclass
class Base:
    """What the overlay is computed against: the base as written."""

    id: str
    hashes: dict[str, bytes]
    arrays: dict[str, Array]
    blobs: dict[str, tuple[int, int, int]]  # spilled lists by logical name
    bytes: int
    items: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    format: int = PACK_FORMAT
    # The manifest's 栏目, whose places the heads give (head_text): another list is a new base.
    categories: list[str] = field(default_factory=list)


class Packer:
    """Lays out slots and blobs: into numbered base files, or into the one overlay file.
    In the base each blob goes to its *family*'s file (FAMILIES), a new one when that is
    full: blobs read in the same round of a query share a file."""

    def __init__(self, overlay: bool):
        self.overlay = overlay
        self.files: list[bytearray] = [] if not overlay else [bytearray()]
        self.current: dict[str, int] = {}  # family → the file its next blob goes to
        self.cells: Cells | None = None  # the run being laid out, whose padding takes blobs
        self.fills = ""  # the family of blobs it takes
        # Runs laid out before, whose padding still takes blobs of a family (the lists the
        # pinyin words move out go in the vocabulary's, in the same file as the others).
        self.spare: list[tuple[Cells, str]] = []

    def blob(self, data: bytes, family: str = "lists") -> tuple[int, int, int]:
        if family == self.fills and self.cells is not None and (ref := self.cells.take(data)):
            return ref
        for cells, fills in self.spare:
            if family == fills and (ref := cells.take(data)):
                return ref
        if self.overlay:
            out = self.files[0]
            out.extend(data)
            return 0, len(out) - len(data), len(data)
        cap = TEXT_BYTES if family == "text" else FILE_BYTES
        at = self.current.get(family)
        if at is None or (self.files[at] and len(self.files[at]) + len(data) > cap):
            at = self.current[family] = self.new_file()
        out = self.files[at]
        out.extend(data)
        return at + 1, len(out) - len(data), len(data)

    def group(self, datas: list[bytes], family: str = "lists") -> list[tuple[int, int, int]]:
        """Blobs read together (the lists moved out of one bucket at once) side by side, in
        one piece of padding where one holds them all, so a round that asks for several
        reads one range, as it does where they follow each other after the cells."""
        cells = self.cells if len(datas) > 1 and family == self.fills else None
        if cells is not None and (ref := cells.take(b"".join(datas))):
            refs, at = [], ref[1]
            for data in datas:
                refs.append((ref[0], at, len(data)))
                at += len(data)
            return refs
        return [self.blob(data, family) for data in datas]

    def mark(self) -> tuple:
        """Where the blobs end now, for `undo`: a blob goes to the overlay's one file, its
        family's current file or a new one, so only those files' lengths are kept (not every
        file's: this is asked for every bucket that does not fit as stored, ≈ 13,700 times
        at 7,183 articles)."""
        open_files = {0} if self.overlay else set(self.current.values())
        ends = {at: len(self.files[at]) for at in open_files}
        runs = [self.cells] if self.cells is not None else []
        taken = [(cells, len(cells.taken)) for cells in runs + [c for c, _ in self.spare]]
        return dict(self.current), len(self.files), ends, taken

    def undo(self, mark: tuple) -> None:
        """Forget the blobs written since `mark` (nothing else is written in between)."""
        current, count, ends, taken = mark
        for cells, count_taken in taken:
            cells.untake(count_taken)
        del self.files[count:]
        for at, length in ends.items():
            del self.files[at][length:]
        self.current = current

    def new_file(self, reserved: int = 0) -> int:
        """A new base file, its first `reserved` bytes kept for a run of cells."""
        self.files.append(bytearray(reserved))
        return len(self.files) - 1

    def join(self, family: str, file: int) -> None:
        """The family's blobs go after what file holds (an array's cells) while it has room."""
        self.current[family] = file

    def slot(self, file: int, offset: int, data: bytes) -> None:
        out = self.files[file]
        if len(out) < offset:
            out.extend(bytes(offset - len(out)))
        out[offset : offset + len(data)] = data


# ---- Reading the logical export -------------------------------------------------------


def compact(text: str) -> bytes:
    """An item's bytes: `deflated` or its text with the digits packed (codec.dense),
    whichever is shorter (a small bucket of base-64 numbers grows when compressed; the
    reader tells them apart by the first two bytes). An empty item is empty."""
    return _shorter(text, deflated(text))


_DIGIT_BYTES = DIGITS.encode()


def _shorter(text: str, packed: bytes) -> bytes:
    """`packed` (the text's zlib form) or the text with its digits packed, whichever is
    shorter; plain text that starts as zlib's header does ("x") is always compressed."""
    utf8 = text.encode("utf-8")
    digits = len(utf8) - len(utf8.translate(None, _DIGIT_BYTES))
    # Packed digits take at least three quarters of their UTF-8, the rest all of it: the
    # digits are packed (slow) only when that could be shorter.
    if 4 * len(packed) < 4 * len(utf8) - digits:
        return packed
    plain = dense(text)
    keep_plain = len(plain) <= len(packed) and plain[:1] != b"\x78"
    return plain if keep_plain else packed


def compact_stored(name: str, data: bytes) -> bytes:
    """An item as published (`compact` of its text; a bucket's `bucket_payload`) from its
    bytes in the export (codec.stored): a .gz file is stored as `deflated` compresses it,
    so its text is only inflated to weigh it against its digits packed (the packer's largest
    cost was compressing every item a second time: docs/search.md, "Cold build"). A bucket
    is stored keyed, as it is published. Tested against the long way."""
    if name.endswith(".gz"):
        return _shorter(inflated_text(data), data)
    return compact(data.decode("utf-8"))


def inflated(data: bytes, history: bytes = b"") -> str:
    """The text of an item or blob stored by `compact` (or `text_parts`, after `history`)."""
    return inflated_text(data, history) if data[:1] == b"\x78" else read_dense(data)


def text_parts(batches: list[str], history: bytes = b"") -> list[bytes]:
    """An article's text members (`text_batches`), each compressed with `history` (its
    head's: `head_history`) and what the members before it inflate to as its history
    (codec.deflated) where that is shorter than its digits packed; a member stored as text
    adds nothing to the history."""
    parts: list[bytes] = []
    for batch in batches:
        # (The reader puts any history before a member: an article's first two batches,
        # ≈ 4 KB, are well within deflate's window, which codec.deflated asserts.)
        part = _shorter(batch, deflated(batch, history)) if history else compact(batch)
        parts.append(part)
        history = grown(history, part)
    return parts


def grown(history: bytes, part: bytes) -> bytes:
    """The history of an article's next text member, after `part`."""
    return history + inflated_bytes(part, history) if part[:1] == b"\x78" else history


def arrays_of(names) -> dict[str, int]:
    """Array letter → item count, for the logical names numbered densely from 0."""
    numbers: dict[str, set[int]] = {}
    for name in names:
        if (m := _ARRAY_NAME.match(name)) and m[1] not in BLOB_FOLDERS:
            numbers.setdefault(m[1], set()).add(int(m[2]))
    return {
        letter: len(found) for letter, found in numbers.items() if found == set(range(len(found)))
    }


def chunks_of(names) -> dict[int, int]:
    """Article number → its number of text chunks."""
    chunks: dict[int, int] = {}
    for name in names:
        if m := _CHUNK_NAME.match(name):
            chunks[int(m[1])] = max(chunks.get(int(m[1]), 0), int(m[2]) + 1)
    return chunks


def array_name(letter: str, i: int, names) -> str:
    gz_name = f"{letter}/{i}.gz"
    return gz_name if gz_name in names else f"{letter}/{i}.json"


# ---- Encoding slots -------------------------------------------------------------------


def bucket_text(text: str, blobs: dict[str, tuple[int, int, int]]) -> str:
    """A vocabulary bucket with its spilled lists named by reference, not by file name."""

    def swap(value: str) -> str:
        return ref_code(blobs[f"p/{value[1:]}.gz"]) if value.startswith("@") else value

    lines = [line.split("\t") for line in text.split("\n")] if text else []
    if isinstance(blobs, Lists):  # the bucket's spilled lists written side by side
        named = (fields[i] for fields in lines for i in [1, *range(5, len(fields), 3)])
        blobs.write([f"p/{value[1:]}.gz" for value in named if value.startswith("@")])
    for fields in lines:
        fields[1] = swap(fields[1])
        for i in range(5, len(fields), 3):
            fields[i] = swap(fields[i])
    return "\n".join("\t".join(fields) for fields in lines)


class Lists(dict):
    """Reference by logical name: the export's spilled lists (p/), each written to the
    packer the first time a slot names it by reference (a list that only a whole bucket's
    blob holds, inline, is not written apart)."""

    def __init__(self, logical: Logical, packer: Packer, known: dict | None = None, made=None):
        super().__init__(known or {})
        self.logical, self.packer = logical, packer
        self.made: Made | None = made  # the lists' payloads made ahead, if any

    def __missing__(self, name: str) -> tuple[int, int, int]:
        self.write([name])
        return self[name]

    def write(self, names: list[str]) -> None:
        """The lists of `names` not yet written, side by side (Packer.group)."""
        names = [name for name in dict.fromkeys(names) if name not in self]
        payloads = [self._payload(name) for name in names]
        for name, ref in zip(names, self.packer.group(payloads), strict=True):
            self[name] = ref

    def _payload(self, name: str) -> bytes:
        payload = self.made.spilled(name) if self.made is not None else None
        return _stored(self.logical, name) if payload is None else payload

    def undo(self, mark: int) -> None:
        """Forget the names written since there were `mark` of them (the newest come last: a
        dict keeps its order, and only this removes any)."""
        for name in list(islice(reversed(self), len(self) - mark)):
            del self[name]

    def spilled(self, value: str) -> str:
        """A spilled list's text by its name in a bucket ("@" + name)."""
        return self.logical.text(f"p/{value[1:]}.gz")


def _inline_lists(lines: list[list[str]]) -> list[tuple[int, int, int]]:
    """(length, line, field) of every list still inline, longest first."""
    found = []
    for n, fields in enumerate(lines):
        for i in [1, *range(5, len(fields), 3)]:
            if fields[i] and not fields[i].startswith("@"):
                found.append((len(fields[i]), n, i))
    return sorted(found, reverse=True)


def bucket_payload(text: str, buckets: int, memo: dict | None = None) -> bytes:
    """A vocabulary bucket (of `buckets`) as stored: its pair keys run into their lists
    (codec.keyed_line), then `compact` (`memo`: codec.keyed_bucket's, for one bucket)."""
    return compact(keyed_bucket(text, buckets, memo))


def fit_bucket(
    text: str,
    size: int,
    packer: Packer,
    buckets: int,
    lists: Lists | None = None,
    memo: dict | None = None,
    stored: bytes | None = None,
) -> bytes:
    """The payload of a bucket (of `buckets`) in `size` bytes. `text` is the bucket as the
    export wrote it, its spilled lists by name ("@" + name: `lists` writes each the first
    time a slot names it by reference). Stored as `bucket_payload` stores it, moving its
    longest inline lists out into blobs until it fits. A bucket that still does not fit is
    a blob itself, read in a round of its own: that blob holds the bucket's lists inline,
    the spilled ones too, up to WHOLE_BYTES, since a list moved out of it is one round more
    for a query that needs it (and a short list's reference is longer than the list).
    `memo`: codec.keyed_bucket's for this bucket (codec.spelled_bucket keeps its run there).
    `stored`: the bucket's payload as the export stored it, for a bucket that spills no
    list (its first trial, as `bucket_payload` would make it again)."""
    mark, memo = (packer.mark(), len(lists or ())), {} if memo is None else memo
    slot_text = bucket_text(text, lists) if lists is not None else text
    first = stored if lists is None else None
    fitted, fits = _moved_out(slot_text, size, packer, buckets, memo, first=first)
    if fits:
        return fitted
    packer.undo(mark[0])  # what went out for the slot, spilled lists too, goes in the blob
    if lists is not None:
        lists.undo(mark[1])
    whole = unspilled_bucket(text, lists.spilled) if lists is not None else text
    moved: list[str] = []
    payload, _ = _moved_out(whole, WHOLE_BYTES + 2, packer, buckets, memo, moved, first)
    return whole_slot(ref_code(packer.blob(payload)), moved, size)


def whole_slot(code: str, moved: list[str], size: int) -> bytes:
    """The slot of a bucket that is a blob: the blob's reference, then, as far as the window
    holds them, the lists moved out of the blob, each as its tag (`list_tag`) and its
    reference after a tab. The browser asks for the lists its query's tags name in the
    blob's own request (index.js `inside`), not in a round after it: the blob of a common
    pair (公安, 中国) with the big lists of its terms (公安局) was two rounds."""
    slot = code
    for entry in moved:
        if len(slot) + 1 + len(entry) + 2 > size:
            break
        slot += "\t" + entry
    return slot.encode()


def list_tag(key: str, suffix: str | None) -> str:
    """A list's tag in a whole bucket's slot, 3 base-64 digits of FNV-1a (codec.js listTag):
    of the article list of the line's key (suffix None), or of the postings of its term with
    `suffix` (the term and a newline: 公安's postings are not 公安's article list). The hash's
    top 18 bits: a key that is not a basic CJK pair is in the bucket its low bits say, and
    with the low 18 bits, one in four of a bucket's other keys had its tag (a list asked a
    round late, or one not needed asked)."""
    value = fnv1a(key if suffix is None else f"{key}{suffix}\n") >> 14
    return "".join(DIGITS[(value >> shift) & 63] for shift in (12, 6, 0))


def _moved_out(
    text: str,
    size: int,
    packer: Packer,
    buckets: int,
    memo: dict,
    moved: list[str] | None = None,
    first: bytes | None = None,
) -> tuple[bytes, bool]:
    """(the bucket's payload with its longest inline lists moved out into blobs until it
    takes at most `size` bytes with its length, whether it does) — as many lists at a time
    as the overflow suggests, so a bucket is compressed a few times, not once a list. Each
    list moved out is added to `moved` as its tag and reference (`whole_slot`). `memo`:
    codec.keyed_bucket's, kept for the bucket's every keying; it may also hold a list's
    `compact` under ("list", the list), made ahead (`Made`). `first`: `text`'s payload,
    when known."""
    payload = bucket_payload(text, buckets, memo) if first is None else first
    if len(payload) + 2 <= size:
        return payload, True
    lines = [line.split("\t") for line in text.split("\n")]
    waiting, told = _inline_lists(lines), set()
    while waiting:
        # The share of the text to move out, as the share of the payload over the room.
        target = len(text) * (len(payload) + 2 - size) / len(payload)
        taken, batch = 0, []
        while waiting and taken < target:
            length, n, i = waiting.pop(0)
            if (n, i) not in told:  # what the list, out of the line, no longer says
                told.add((n, i))
                _tell(lines[n], i, memo)
            batch.append((n, i))
            taken += length
        datas = [memo.get(("list", lines[n][i])) or compact(lines[n][i]) for n, i in batch]
        for (n, i), ref in zip(batch, packer.group(datas), strict=True):
            code = ref_code(ref)
            if moved is not None:
                suffix = lines[n][i - 2] if i >= 5 else None
                moved.append(list_tag(lines[n][0], suffix) + code[1:])
            lines[n][i] = code
        keyed = "\n".join("\t".join(fields) for fields in lines)
        payload = bucket_payload(keyed, buckets, memo)
        if len(payload) + 2 <= size:
            return payload, True
    return payload, False


def _tell(fields: list[str], moving: int, memo: dict) -> None:
    """codec.tell_frequencies, its answers kept in the bucket's `memo`: a bucket that does
    not fit is tried again whole, its lines as they were."""
    key = ("told", moving, "\t".join(fields))
    if key not in memo:
        tell_frequencies(fields, moving)
        memo[key] = list(fields)
    fields[:] = memo[key]


# Where an article's first text batch and its other batches are, and each member's length.
Ref = tuple[int, int, int]
Texts = tuple[tuple[Ref, Ref], list[int]]


def head_text(
    text: str, first_chunk: str, texts: Texts, day: int | None, categories: list[str]
) -> str:
    """An article's head as published: a JSON array of where the rest of its text is ("x":
    the first batch's file and offset, the other batches' file and offset, then each batch's
    length), its title, URL, 栏目 and number of chunks (the logical head's t, u, c, n) and
    the start of its text ("s", HEAD_CHARS characters: a result shown needs no second
    request for its snippet when the match is there, as for most title queries). Its date
    ("d") comes last only when `day`, the days list's, does not say it (before 1970: the
    list says 0); a URL under the date's year and month ("2020/10/…") is given as [the
    rest]: the reader puts them back (`head_of`). 32 bytes less a head's window at 7,183
    articles. A 栏目 of the manifest's `categories` is given as its place there (57 KB
    less at 7,183 articles). What follows "x" is the history of the article's first text
    member (`head_history`), so "x" comes first: it says where that member is."""
    head = json.loads(text)
    ((first_file, first_at, _), (file, at, _)), lengths = texts
    url, date, prefix = head["u"], head["d"], f"{head['d'][:4]}/{head['d'][5:7]}/"
    stored = [
        [first_file, first_at, file, at, *lengths],
        head["t"],
        [url.removeprefix(prefix)] if url.startswith(prefix) else url,
        categories.index(head["c"]) if head["c"] in categories else head["c"],
        head["n"],
        first_chunk[:HEAD_CHARS],
    ]
    if day is None or _date_of(day) != date:
        stored.append(date)
    return json.dumps(stored, ensure_ascii=False, separators=(",", ":"))


def head_of(text: str, day: int, categories: list[str]) -> dict:
    """A published head read back as the logical head with its "s" and "x" (`head_text`)."""
    x, t, url, c, n, s, *date = json.loads(text)
    d = date[0] if date else _date_of(day)
    u = url if isinstance(url, str) else f"{d[:4]}/{d[5:7]}/{url[0]}"
    c = categories[c] if isinstance(c, int) else c
    return {"t": t, "u": u, "d": d, "c": c, "n": n, "s": s, "x": x}


# A head's text compressed: always a zlib member (never its digits packed, `compact`), so
# that what it inflates to is its first text member's history whatever the references in it.
head_bytes = deflated


def head_history(text: str) -> bytes:
    """The history an article's first text member is compressed after (text_parts): what
    its head (`head_text`) inflates to after the references that open it, up to the first
    "]" (the references are digits). The title, the start of the text and the rest say
    much of what the first batch says again: its members 5.11 → 4.88 MB at 7,183 articles
    (docs/search.md). index.js `article` keeps the same bytes of the head it reads."""
    return _past_references(encoded(text)[1])


def stored_head_history(stored: bytes) -> bytes:
    """`head_history` of a head as stored (a reader's: Published)."""
    return _past_references(inflated_bytes(stored) if stored[:1] == b"\x78" else b"")


def _past_references(raw: bytes) -> bytes:
    """What a head inflated to after its first "]", as index.js `article` cuts it (all of it
    where there is none)."""
    return raw[raw.find(b"]") + 1 :]


def _date_of(day: int) -> str:
    return (EPOCH + timedelta(days=day)).isoformat()


def text_members(head: dict) -> list[tuple[int, int, int]]:
    """The references of an article's text members after its head, in reading order."""
    first_file, first_at, file, at, *lengths = head["x"]
    refs = [(first_file, first_at, lengths[0])] if lengths else []
    for length in lengths[1:]:
        refs.append((file, at, length))
        at += length
    return refs


def fit(payload: bytes, size: int, packer: Packer) -> bytes:
    return payload if len(payload) + 2 <= size else ref_code(packer.blob(payload)).encode()


def window_size(sizes: list[int], quantile: float) -> int:
    """The window: the item at `quantile` with its length and the cell's pointer."""
    ordered = sorted(sizes) or [0]
    wanted = ordered[min(len(ordered) - 1, int(quantile * (len(ordered) - 1) + 0.999))] + 4
    return max(32, -(-wanted // 16) * 16)


def cell_size(sizes: list[int], window: int, slack: float, floor: float = 0.5) -> int:
    """The smallest cell (in steps of 1/32 of the window, at least `floor` of it) at which
    no more than `slack` of the items must move something out beyond those that would in
    cells as large as the window (fixed slots): a moved list is a request more when a query
    needs it."""

    def moved(cell: int) -> int:
        return len(overflowing(sizes, cell, window))

    if not slack:
        return window
    allowed = moved(window) + slack * len(sizes)
    step = max(1, window // 32)
    for cell in range(max(32, int(window * floor)), window, step):
        if moved(cell) <= allowed:
            return cell
    return window


def overflowing(sizes: list[int], cell: int, window: int) -> list[int]:
    """The items that will not fit where they fall in cells of `cell` (Cells.room and
    Cells.put, counting only, as if each left an 8-byte reference in its place)."""
    w = width(window)
    step, room, end, found = cell - w, window_room(cell, window), 0, []
    for j, size in enumerate(sizes):
        start = max(end, j * step)
        if start + size + w > j * step + room:
            found.append(j)
            size = 8  # the reference left in its place
        end = start + size + w
    return found


# ---- Writing the base and the overlay -------------------------------------------------


class Logical:
    """The logical export as the packer reads it."""

    def __init__(self, export: LogicalExport):
        self.files, self.manifest, self.hashes = export.files, export.manifest, export.hashes
        self.names = set(export.hashes)
        self.buckets: dict[str, bytes] = {}  # bucket_payload by name, made once

    @cached_property
    def counts(self) -> dict[str, int]:
        """`arrays_of` the names, found once (a pass over ≈ 125,000 names, ≈ 0.1 s)."""
        return arrays_of(self.names)

    @cached_property
    def chunks(self) -> dict[int, int]:
        """`chunks_of` the names, found once."""
        return chunks_of(self.names)

    @cached_property
    def days(self) -> list[int]:
        return read_days(self.text("days.gz")) if "days.gz" in self.names else []

    def day(self, d: int) -> int | None:
        return self.days[d] if d < len(self.days) else None

    def bucket(self, name: str) -> bytes:
        if name not in self.buckets:
            self.buckets[name] = compact_stored(name, self.data(name))
        return self.buckets[name]

    def data(self, name: str) -> bytes:
        return self.files[name]

    def keyed(self, name: str) -> str:
        """A bucket's text as stored: keyed (codec.keyed_bucket), its keys not spelled out."""
        return inflated_text(self.data(name))

    def text(self, name: str) -> str:
        # An update's file not stored yet (codec.StoredLater) is read as the text it is.
        if isinstance(self.files, StoredLater) and (text := self.files.text(name)) is not None:
            return text
        return stored_text(name, self.data(name), self.manifest["buckets"])


def text_batches(chunks: list[str]) -> list[str]:
    """An article's text after what its head carries, as the members the browser reads:
    the rest of the first chunk with the first batch of chunks (codec.chunk_batches), then
    the other chunks."""
    batches = ["".join(chunks[k] for k in batch) for batch in chunk_batches(len(chunks))]
    rest = chunks[0][HEAD_CHARS:] if chunks else ""
    if not batches:
        return [rest] if rest else []
    return [rest + batches[0], *batches[1:]]


def batch_count(first_chunk: str, chunks: int) -> int:
    """How many batches `text_batches` makes of an article's chunks, from the first alone."""
    return len(chunk_batches(chunks)) or int(len(first_chunk) > HEAD_CHARS)


def _chunks(logical: Logical, d: int, count: int) -> list[str]:
    return [logical.text(f"x/{d}-{k}.gz") for k in range(count)]


def _text_parts(logical: Logical, docs) -> list[list[bytes]]:
    """Each article's text after what its head carries, as its compressed members."""
    chunks = logical.chunks
    return [
        text_parts(text_batches(_chunks(logical, d, chunks.get(d, 0))), _head_history(logical, d))
        for d in docs
    ]


# Where an article's text members are does not change what its head inflates to after them.
_NOWHERE: Texts = (((0, 0, 0), (0, 0, 0)), [])


def _head_history(logical: Logical, d: int) -> bytes:
    return head_history(_head_text(logical, d, _NOWHERE))


def _head_text(logical: Logical, d: int, texts: Texts) -> str:
    """Head d as published (`head_text`), its text's members where `texts` says."""
    first_chunk = logical.text(f"x/{d}-0.gz")
    categories = logical.manifest.get("categories", [])
    return head_text(logical.text(f"f/{d}.json"), first_chunk, texts, logical.day(d), categories)


def _blob_text_runs(
    logical: Logical, docs, packer: Packer, made: list[list[bytes]] | None = None
) -> TextRuns:
    """Each article's text after what its head carries as compressed members, one a batch
    the browser reads (text_batches: deflate has more context than in a chunk alone): the
    first in the family of first batches (page.js reads the first batches of all the results
    shown at once), the others as one run in a text pack. Returns, by article, where the
    first and the others are and each member's length. `made`: the members of every
    article, in `docs`' order (`_text_parts`), made ahead."""
    texts = TextRuns(packer)
    made = _text_parts(logical, docs) if made is None else made
    for d, parts in zip(docs, made, strict=True):
        rest = packer.blob(b"".join(parts[1:]), "text") if parts[1:] else (0, 0, 0)
        texts.firsts[d] = parts[0] if parts else None
        texts.rests[d] = (rest, [len(p) for p in parts])
    return texts


class TextRuns(dict):
    """Where each article's text members are (`_blob_text_runs`): the other batches written
    at once, the first batch when its head asks (in the base, as the heads are laid out, so
    it may go in their padding: Cells.take), in the family of first batches."""

    def __init__(self, packer: Packer):
        super().__init__()
        self.packer = packer
        self.firsts: dict[int, bytes | None] = {}
        self.rests: dict[int, tuple[Ref, list[int]]] = {}

    def __missing__(self, d: int) -> Texts:
        first = self.firsts.pop(d)
        rest, lengths = self.rests.pop(d)
        ref = self.packer.blob(first, "first") if first is not None else (0, 0, 0)
        texts = self[d] = ((ref, rest), lengths)
        return texts


def _stored(logical: Logical, name: str) -> bytes:
    """A logical file as `compact` stores it."""
    return compact_stored(name, logical.data(name))


def _head_shape(logical: Logical, d: int) -> bytes:
    """Head d as stored with the largest references its text run could get: its window is
    sized before the texts are laid out."""
    first_chunk = logical.text(f"x/{d}-0.gz")
    batches = batch_count(first_chunk, logical.chunks.get(d, 0))
    largest = (((9999, FILE_BYTES, 0), (9999, TEXT_BYTES, 0)), [9999] * batches)
    return head_bytes(_head_text(logical, d, largest))


def _shape(letter: str, sizes: list[int]) -> tuple[int, int]:
    """An array's (cell, window), from its items' sizes as they will be stored: a bucket as
    the export stored it (a spilled list's reference is about as long as its name), a head
    with the largest reference its text run could get."""
    window = window_size(sizes, SLOT_QUANTILE.get(letter, 1.0))
    slack, floor = CELL_SLACK.get(letter, 0), CELL_FLOOR.get(letter, 0.5)
    return cell_size(sizes, window, slack, floor), window


# ---- A new base's per-item work, in forks ----------------------------------------------
# What an item is stored as does not depend on where it goes: a bucket's or a pinyin line's
# payload, a head's size, an article's text members, a bucket spelled out and the lists it
# spills. Forks make these (`Made`) while this process lays them out, which depends on where
# every blob before went (docs/search.md, "Cold build", eleventh pass).


def _bucket_payloads(logical: Logical, numbers: range) -> tuple[list[bytes], list[int]]:
    """Buckets `numbers` as stored (compact_stored), and those of them that spill lists
    (a "@" and a name: a short pair's list is never spilled, and "@" is no digit)."""
    payloads, spills = [], []
    for i in numbers:
        data = logical.data(f"v/{i}.gz")
        keyed = inflated_text(data)
        payloads.append(_shorter(keyed, data))
        if "@" in keyed:
            spills.append(i)
    return payloads, spills


def _stored_items(logical: Logical, letter: str, numbers: range) -> list[bytes]:
    return [_stored(logical, array_name(letter, i, logical.names)) for i in numbers]


def _head_sizes(logical: Logical, numbers: range) -> list[int]:
    return [len(_head_shape(logical, d)) for d in numbers]


def _spelled_buckets(
    logical: Logical, numbers: list[int], sizes: list[int], step: int
) -> tuple[dict[int, tuple[str, dict]], dict[str, bytes]]:
    """Buckets `numbers` spelled out, each with its memo for `fit_bucket` (the run read, as
    codec.keyed_bucket keeps it, and the lists likely to move out of it compressed:
    `_moving`, by its stored size in `sizes` and the least room `step`), and the payloads
    of the lists they spill, by name. (Each line's reading, kept too, took longer to
    unpickle here than to read again.)"""
    buckets = logical.manifest["buckets"]
    spelled, lists = {}, {}
    for i, size in zip(numbers, sizes, strict=True):
        memo: dict = {}
        keyed = logical.keyed(f"v/{i}.gz")
        text = spelled_bucket(keyed, i, buckets, memo)
        lines = [line.split("\t") for line in text.split("\n")] if text else []
        for fields in lines if "@" in keyed else ():
            for value in (fields[k] for k in [1, *range(5, len(fields), 3)]):
                if value.startswith("@"):
                    name = f"p/{value[1:]}.gz"
                    lists[name] = _stored(logical, name)
        for moving in _moving(lines, len(text), size, step):
            memo["list", moving] = compact(moving)
        spelled[i] = (text, memo)
    return spelled, lists


def _moving(lines: list[list[str]], length: int, size: int, room: int) -> list[str]:
    """The inline lists `_moved_out` is likely to move out of a bucket of `length`
    characters stored in `size` bytes, to fit in `room` (the least room an item gets):
    the longest, a quarter more than the share of the text it moves at first."""
    if size + 2 <= room:
        return []
    target, taken, found = 1.25 * length * (size + 2 - room) / size, 0, []
    for list_length, n, i in _inline_lists(lines):
        if taken >= target:
            break
        found.append(lines[n][i])
        taken += list_length
    return found


def _shares(count: int, parts: int) -> list[range]:
    """0…count − 1 in `parts` ranges of about one size (none empty)."""
    cuts = [count * k // parts for k in range(parts + 1)]
    return [range(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


class Made:
    """A new base's items as far as they do not depend on where they go, made ahead in
    `workers` forks at once (1: in this process): the arrays' payloads (`make`: needed
    before anything is laid out, since every array's cells are sized by its items'), the
    articles' text members, and, while the first arrays are laid out, the buckets that may
    not fit as stored spelled out (`start_spelling`), received share by share as the
    vocabulary's layout reaches them."""

    def __init__(self, logical: Logical, workers: int):
        self.logical, self.workers = logical, workers
        self.payloads: dict[str, list[bytes]] = {}  # by array letter, the heads' apart
        self.sizes: dict[str, list[int]] = {}
        self.spills: set[int] = set()
        self.parts: list[list[bytes]] = []  # by article (_text_parts)
        self._spelled: dict[int, tuple[str, dict]] = {}
        self._lists: dict[str, bytes] = {}
        self._shares: list[tuple[list[int], list[int], int]] = []  # to spell, not started
        self._spelling: list[tuple[int, started]] = []  # (a share's first bucket, its call)

    def make(self, counts: dict[str, int]) -> None:
        logical, calls = self.logical, list[tuple[str, Callable, tuple]]()
        logical.chunks  # noqa: B018  (found once, here: the forks read it)
        articles = counts.get("f", 0)
        calls += [("x", _text_parts, (logical, share)) for share in _shares(articles, 3)]
        calls += [("v", _bucket_payloads, (logical, r)) for r in _shares(counts.get("v", 0), 4)]
        calls += [("f", _head_sizes, (logical, share)) for share in _shares(articles, 2)]
        for letter in sorted(set(counts) - {"v", "f"}, key=lambda k: -counts[k]):
            calls.append((letter, _stored_items, (logical, letter, range(counts[letter]))))
        results = self._run([(function, args) for _, function, args in calls])
        for (kind, _, _), result in zip(calls, results, strict=True):
            self._take(kind, result)
        for letter, payloads in self.payloads.items():
            self.sizes[letter] = [len(p) for p in payloads]

    def _take(self, kind: str, result) -> None:
        if kind == "x":
            self.parts += result
        elif kind == "f":
            self.sizes.setdefault("f", []).extend(result)
        elif kind == "v":
            self.payloads.setdefault("v", []).extend(result[0])
            self.spills.update(result[1])
        else:
            self.payloads[kind] = result

    def _run(self, calls: list) -> Iterator:
        if self.workers > 1:
            return in_processes(calls, self.workers)
        return (function(*args) for function, args in calls)

    def start_spelling(self, array: Array) -> None:
        """Spell out in forks the vocabulary's buckets that will not fit as stored: those
        that spill lists and those that will not fit where they fall (`overflowing`: with
        cells of half the window, ≈ 12,000 at 7,183 articles; the layout spells the few it
        misses itself). In shares, `workers` of them ahead of the layout at once; the first
        small, so it is soon there."""
        if self.workers == 1:
            return
        sizes = self.sizes["v"]
        wanted = sorted(self.spills | set(overflowing(sizes, array.cell, array.window)))
        cuts = [0, len(wanted) // 32, *(len(wanted) * k // 12 for k in range(1, 13))]
        for a, b in zip(cuts, cuts[1:], strict=False):
            if b > a:
                share = wanted[a:b]
                least = array.cell - width(array.window)
                self._shares.append((share, [sizes[i] for i in share], least))
        self._start()

    def _start(self) -> None:
        while self._shares and len(self._spelling) < self.workers:
            share = self._shares.pop(0)
            self._spelling.append((share[0][0], started(_spelled_buckets, (self.logical, *share))))

    def spelled(self, i: int) -> tuple[str, dict] | None:
        """Bucket i spelled out with its memo, if made ahead; asked in bucket order."""
        while self._spelling and self._spelling[0][0] <= i:
            spelled, lists = self._spelling.pop(0)[1]()
            self._start()
            self._spelled.update(spelled)
            self._lists.update(lists)
        return self._spelled.pop(i, None)

    def spilled(self, name: str) -> bytes | None:
        """A spilled list's payload, if made ahead."""
        return self._lists.pop(name, None)

    def close(self) -> None:
        for _, call in self._spelling:
            call.close()
        self._shares, self._spelling = [], []


def _array_payload(
    letter: str, i: int, logical: Logical, size: int, packer: Packer, blobs, texts, made=None
) -> bytes:
    name = array_name(letter, i, logical.names)
    if letter == "v":
        return _bucket_slot(name, i, logical, size, packer, blobs, made)
    if letter == "f":
        return fit(head_bytes(_head_text(logical, i, texts[i])), size, packer)
    return fit(made.payloads[letter][i] if made else _stored(logical, name), size, packer)


def _bucket_slot(name, i, logical: Logical, size, packer, blobs, made: Made | None) -> bytes:
    # Spilled lists ("@" and a name) are on lines the keyed form keeps as they are (a short
    # pair's list is never spilled, and "@" is no digit): a bucket without any that fits as
    # stored is not spelled out (its run decoded) at all.
    if made is not None:
        spills, payload = i in made.spills, made.payloads["v"][i]
    else:
        spills, payload = "@" in logical.keyed(name), logical.bucket(name)
    if not spills and len(payload) + 2 <= size:
        return payload
    buckets = logical.manifest["buckets"]
    spelled = made.spelled(i) if made is not None else None
    if spelled is None:
        memo: dict = {}
        spelled = spelled_bucket(logical.keyed(name), i, buckets, memo), memo
    text, memo = spelled
    if spills:
        return fit_bucket(text, size, packer, buckets, blobs, memo)
    return fit_bucket(text, size, packer, buckets, None, memo, stored=payload)


def _lay_out(
    letter, numbers, array: Array, logical, packer, blobs, texts, made=None, file=None
) -> Cells:
    """The items `numbers` of an array, in this order, as one run of cells; in the base
    (`file`: the base file it goes to) with the blobs of PADDED's family in its padding
    where they fit (Cells.take), then and after (Packer.spare: its bytes are taken when
    every array is laid out)."""
    cells = packer.cells = Cells(array.cell, array.window, file)
    packer.fills = PADDED.get(letter, "")
    try:
        for i in numbers:
            cells.put(_array_payload(letter, i, logical, cells.room(), packer, blobs, texts, made))
    finally:
        if file is not None and packer.fills:
            packer.spare.append((cells, packer.fills))
        packer.cells, packer.fills = None, ""
    return cells


def _reserved(sizes: dict[str, list[int]], counts: dict[str, int], packer: Packer) -> dict:
    """Each array (by letter) shaped by its items' sizes, its files' runs of cells reserved."""
    arrays = {}
    for letter in sorted(sizes):
        cell, window = _shape(letter, sizes[letter])
        array = Array(cell=cell, window=window, count=counts[letter], first=len(packer.files))
        for k in range(array.files()):
            packer.new_file(reserved=array.run_bytes(k))
        arrays[letter] = array
    return arrays


def write_base(logical: Logical, workers: int = PROCESSES) -> tuple[dict[str, bytes], Base, dict]:
    """Every item of the export in base files by family: each array's cells in files of
    its own (the vocabulary's last one also holding days and 栏目, read in the same round as
    the buckets, and the lists spilled or moved out of any slot, in its padding where they
    fit, after its cells while the file has room; the heads' last one each article's first
    text batch, in its padding where one fits, after its cells), and the rest of an
    article's text in packs of TEXT_BYTES. Returns the files, the base and the entry's
    `pack` part. What each item is stored as is made in `workers` forks at once (`Made`;
    1: here), the same bytes."""
    counts = logical.counts
    packer = Packer(overlay=False)
    made = Made(logical, workers)
    try:
        made.make(counts)
        arrays = _reserved(made.sizes, counts, packer)
        if "v" in arrays:
            packer.join("round1", arrays["v"].first + arrays["v"].files() - 1)
            packer.join("lists", arrays["v"].first + arrays["v"].files() - 1)
        if "f" in arrays:
            packer.join("first", arrays["f"].first + arrays["f"].files() - 1)
            made.start_spelling(arrays["v"])
        items = {
            name: packer.blob(_stored(logical, name), "round1")
            for name in ITEMS
            if name in logical.names
        }
        blobs = Lists(logical, packer, made=made)
        texts = _blob_text_runs(logical, range(counts.get("f", 0)), packer, made.parts)
        made.parts = []
        runs = []
        for letter, array in sorted(arrays.items()):
            for k in range(array.files()):
                numbers = range(k * array.per_file, min(array.count, (k + 1) * array.per_file))
                file = array.first + k if letter in PADDED else None
                cells = _lay_out(letter, numbers, array, logical, packer, blobs, texts, made, file)
                runs.append((array, k, cells))
        for array, k, cells in runs:  # the padding holds what later arrays moved out too
            run = cells.bytes()
            assert len(run) == array.run_bytes(k), "a run of cells is the length reserved"
            packer.slot(array.first + k, 0, run)
    finally:
        made.close()
    files = {f"{k}.bin": bytes(data) for k, data in enumerate(packer.files)}
    base = Base(
        id=_digest(files),
        hashes=dict(logical.hashes),
        arrays=arrays,
        blobs=dict(blobs),
        bytes=sum(len(d) for d in files.values()),
        items=items,
        categories=list(logical.manifest.get("categories", [])),
    )
    return files, base, _entry_pack(base, {}, {}, items)


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha1()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha1(files[name]).digest())
    return h.hexdigest()[:12]


def overridden(logical: Logical, base: Base) -> dict[str, list[int]] | None:
    """Array letter → the items whose logical file changed since the base (None: the
    overlay cannot express the change, a new base is needed)."""
    counts = logical.counts
    if set(counts) != set(base.arrays) or base.format != PACK_FORMAT:
        return None
    if base.categories != logical.manifest.get("categories", []):
        return None  # a 栏目 added or gone moves the others' places, which the heads give
    changed = {n for n, h in logical.hashes.items() if base.hashes.get(n) != h}
    out: dict[str, set[int]] = {letter: set() for letter in counts}
    for name in changed:
        if (m := _ARRAY_NAME.match(name)) and m[1] in counts:
            out[m[1]].add(int(m[2]))
        elif m := _CHUNK_NAME.match(name):
            out.setdefault("f", set()).add(int(m[1]))
    for letter, count in counts.items():
        if letter == "v" and count != base.arrays[letter].count:
            return None  # another bucket count moves every key
        out[letter] |= set(range(base.arrays[letter].count, count))
    return {letter: sorted(i for i in items if i < counts[letter]) for letter, items in out.items()}


def with_firsts(logical: Logical, base: Base, published: Path, over: dict[str, list[int]]):
    """`over` less the vocabulary buckets whose lines changed only in the frequency of
    their pair lines' first character, and that frequency by character (the entry's
    `firsts`, which a reader takes over what a pair line says). Every pair line carries its
    first character's frequency as a term (codec.encode_line), so one more 于 in an edited
    article changed ≈ 1,100 buckets, and the entry listed each; they now stay in the base."""
    if not over.get("v"):
        return over, {}
    kept: list[int] = []
    firsts: dict[str, int] = {}
    with BaseReader(published / base.id, base) as reader:
        for i in over["v"]:
            name, found = f"v/{i}.gz", None
            if i < base.arrays["v"].count and name in logical.names:
                same = partial(reader.same_list, logical=logical)
                found = first_changes(reader.bucket(i), logical.text(name), same)
            if found is None or any(firsts.get(c, f) != f for c, f in found.items()):
                kept.append(i)
            else:
                firsts.update(found)
    return {**over, "v": kept}, dict(sorted(firsts.items()))


def first_changes(old: str, new: str, same_list) -> dict[str, int] | None:
    """Character → its frequency in `new`, when the two buckets differ only there (in the
    third field of pair lines); None when they differ otherwise. `same_list(old, new)`:
    whether two article lists or postings are the same, one perhaps stored apart. A term's
    frequency that `old` tells and `new` leaves to its postings (the packer told it when it
    moved a list out: `_tell`) is no difference while those postings are the same: the sum
    of their tf is what it tells. (An edit that adds a 于 changed ≈ 1,100 buckets' pair lines;
    after the first characters' frequencies, 447 of 2,408 were still overridden at 7,183
    articles, 276 of them for a told frequency alone.)"""
    before, after = _lines_by_key(old), _lines_by_key(new)
    if before.keys() != after.keys():
        return None
    found = {}
    for key, fields in after.items():
        was = before[key]
        if was == fields:
            continue
        if len(was) != len(fields):
            return None
        lists = {1, *range(5, len(fields), 3)}
        differ = [
            k
            for k, (a, b) in enumerate(zip(was, fields, strict=True))
            if a != b
            and not (k in lists and same_list(a, b))
            and not (k + 1 in lists and k > 2 and not b and same_list(was[k + 1], fields[k + 1]))
        ]
        if differ and (differ != [2] or len(key) != 2):
            return None
        if differ:
            found[key[0]] = read_varints(fields[2])[0] if fields[2] else 0
    return found


def _lines_by_key(text: str) -> dict[str, list[str]]:
    return {fields[0]: fields for fields in (line.split("\t") for line in text.split("\n") if line)}


def corrected_firsts(text: str, firsts: dict[str, int]) -> str:
    """A vocabulary bucket with the entry's `firsts` in its pair lines: the bucket as the
    logical export holds it now."""
    if not firsts:
        return text
    lines = []
    for line in text.split("\n") if text else []:
        fields = line.split("\t")
        if len(fields[0]) == 2 and fields[0][0] in firsts:
            first = firsts[fields[0][0]]
            fields[2] = varint(first) if first else ""
        lines.append("\t".join(fields))
    return "\n".join(lines)


class BaseReader:
    """The base's buckets as written, whatever the overlay says now; its files opened once."""

    def __init__(self, folder: Path, base: Base):
        self.folder, self.base = folder, base
        self.files: dict[int, BinaryIO] = {}

    def __enter__(self) -> BaseReader:
        return self

    def __exit__(self, *_) -> None:
        for f in self.files.values():
            f.close()

    def range(self, ref: tuple[int, int, int]) -> bytes:
        file, offset, length = ref
        if file not in self.files:
            self.files[file] = (self.folder / f"{file - 1}.bin").open("rb")
        self.files[file].seek(offset)
        return self.files[file].read(length)

    def bucket(self, i: int) -> str:
        array = self.base.arrays["v"]
        window = (array.first + i // array.per_file + 1, (i % array.per_file) * array.cell)
        payload = item_of(self.range((*window, array.window)), array.cell)
        if payload[:1] == b"@":
            payload = self.range(read_ref(payload.decode()))
        return spelled_bucket(inflated(payload), i, array.count)

    def same_list(self, stored: str, value: str, logical: Logical) -> bool:
        """A list of a base bucket (inline, or "@" and the reference of a blob) against the
        logical one (inline, or "@" and a spilled list's name, which a whole bucket's blob
        may hold inline: fit_bucket)."""
        if stored == value:
            return True
        if value.startswith("@"):
            name = f"p/{value[1:]}.gz"
            if stored.startswith("@") and self.base.blobs.get(name) == read_ref(stored):
                return True  # spilled: the base names the list's blob by reference
            value = logical.text(name)
        if stored.startswith("@"):
            stored = inflated(self.range(read_ref(stored)))  # moved out by fit_bucket
        return stored == value


def write_overlay(logical: Logical, base: Base, over: dict[str, list[int]], firsts=None):
    """The overlay file and the entry's `pack` part, or None when a new base is due."""
    if sum(len(v) for v in over.values()) > OVERLAY_SLOTS:
        return None
    packer = Packer(overlay=True)
    out = packer.files[0]
    blobs = Lists(logical, packer, base.blobs)  # a list the base does not hold: here
    items = {
        name: base.items[name]
        if base.hashes.get(name) == logical.hashes[name]
        else packer.blob(_stored(logical, name))
        for name in ITEMS
        if name in logical.names
    }
    texts = _blob_text_runs(logical, over.get("f", []), packer)
    # Each array's overridden items as one run of cells, after every blob (a run moves
    # lists out as it goes, into blobs of this file too).
    runs = {
        letter: _lay_out(letter, over[letter], array, logical, packer, blobs, texts).bytes()
        for letter, array in sorted(base.arrays.items())
        if over.get(letter)
    }
    starts = {}
    for letter, run in runs.items():
        starts[letter] = len(out)
        out.extend(run)
    data = bytes(out)
    if len(data) > max(OVERLAY_SHARE * base.bytes, OVERLAY_FLOOR):
        return None
    name = hashlib.sha1(data).hexdigest()[:12] if data else ""
    counts = logical.counts
    return name, data, _entry_pack(base, over, starts, items, counts, firsts)


def _entry_pack(base: Base, over, starts, items, counts=None, firsts=None) -> dict:
    arrays = {}
    for letter, array in sorted(base.arrays.items()):
        count = (counts or {}).get(letter, array.count)
        listed = over.get(letter, [])
        gaps, previous = [], -1
        for i in listed:
            gaps.append(varint(i - previous - 1))
            previous = i
        arrays[letter] = [
            array.cell,
            count,
            array.first,
            starts.get(letter, 0),
            "".join(gaps),
            array.window,
            array.per_file,
        ]
    return {
        # What search.js must read (index.js FORMAT): the export's format and the pack's.
        # (The base and the overlay are named by the entry's "base", not here again.)
        "format": f"{FORMAT} {PACK_FORMAT}",
        "arrays": arrays,
        "items": {name: list(ref) for name, ref in items.items()},
        # Pair lines read from the base take their first character's frequency from here
        # (absent when none changed: every cold search reads the entry).
        **({"firsts": firsts} if firsts else {}),
    }


# ---- The step the build runs ----------------------------------------------------------


def load_base(folder: Path) -> Base | None:
    try:
        base = pickle.loads((folder / STATE).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError):
        return None
    if not isinstance(base, Base) or base.format != PACK_FORMAT:
        return None
    if not (folder / base.id).is_dir():
        return None
    return base


def pack_export(export: LogicalExport, published: Path, base: Base | None = None) -> str:
    """Bring `published` (the tree output/search/ links) in line with the logical export:
    an overlay on the base there, or a new base. Returns what it did. `base`: the base's
    state (`load_base`) when loaded already, the published folder unchanged since."""
    logical = Logical(export)
    if base is None:
        base = load_base(published)
    over = overridden(logical, base) if base is not None else None
    result = None
    if base is not None and over is not None:
        over, firsts = with_firsts(logical, base, published, over)
        result = write_overlay(logical, base, over, firsts)
    if base is None or over is None or result is None:
        files, base, pack = write_base(logical)
        _replace_tree(published)
        for name, data in files.items():
            _write(published / base.id / name, data)
        (published / STATE).write_bytes(pickle.dumps(base, protocol=pickle.HIGHEST_PROTOCOL))
        overlay, did = "", f"new base ({len(files)} files)"
    else:
        overlay, data, pack = result
        for old in (published / "o").glob("*.bin"):
            if old.name != f"{overlay}.bin":
                old.unlink()
        if data:
            _write(published / "o" / f"{overlay}.bin", data)
        did = f"overlay ({sum(len(v) for v in over.values())} slots, {len(data)} bytes)"
    entry = {**logical.manifest, "base": f"{base.id}/{overlay}", "pack": pack}
    data = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    _write(published / "manifest.json", data)
    return did


def _replace_tree(published: Path) -> None:
    shutil.rmtree(published, ignore_errors=True)
    published.mkdir(parents=True)


def _write(path: Path, data: bytes) -> None:
    """A new inode each time: the published output may hard-link the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


# ---- Reading the published index back (tests, the benchmark) --------------------------


class Published:
    """The published index read as the browser reads it: items by logical name."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.pack = self.entry["pack"]
        base, overlay = self.entry["base"].split("/")
        self.base, self.overlay = folder / base, folder / "o" / f"{overlay}.bin"
        self.firsts = self.pack.get("firsts", {})
        self.over = {}
        for letter, (_, _, _, _, gaps, *_) in self.pack["arrays"].items():
            numbers, previous = {}, -1
            for position, gap in enumerate(read_varints(gaps)):
                previous += gap + 1
                numbers[previous] = position
            self.over[letter] = numbers

    def range(self, ref: tuple[int, int, int]) -> bytes:
        file, offset, length = ref
        with self.path(file).open("rb") as f:
            f.seek(offset)
            return f.read(length)

    def blob(self, code: str) -> str:
        return inflated(self.range(read_ref(code)))

    def path(self, file: int) -> Path:
        return self.overlay if file == 0 else self.base / f"{file - 1}.bin"

    def in_window(self, letter: str, i: int) -> bytes:
        """What item i's window holds: its stored bytes, or "@" and a blob's reference (a
        whole bucket's slot goes on with the lists it names: whole_slot)."""
        cell, count, first, start, _, window, per_file = self.pack["arrays"][letter]
        if i >= count:
            raise KeyError(f"{letter}/{i}")
        if i in self.over[letter]:
            where = (0, start + self.over[letter][i] * cell, window)
        else:
            where = (first + i // per_file + 1, (i % per_file) * cell, window)
        return item_of(self.range(where), cell)

    def payload(self, letter: str, i: int) -> bytes:
        """Item i's stored bytes (text or a zlib member): from its window, or the blob its
        window refers to."""
        payload = self.in_window(letter, i)
        return self.range(read_ref(payload.decode())) if payload[:1] == b"@" else payload

    def members(self) -> list[tuple[bytes, bytes]]:
        """Every item and blob the arrays, items and texts hold, as stored, each with the
        history it is inflated after (an article's text members before it: text_parts)."""
        items = [
            self.payload(letter, i)
            for letter in self.pack["arrays"]
            for i in range(self.count(letter))
        ]
        items += [self.range(tuple(ref)) for ref in self.pack["items"].values()]
        found = [(data, b"") for data in items]
        for d in range(self.count("f")):
            history = self.head_history(d)
            for ref in text_members(self.head(d)):
                found.append((self.range(ref), history))
                history = grown(history, found[-1][0])
        return [(data, history) for data, history in found if data]

    def slot(self, letter: str, i: int) -> str:
        """Item i's text; a vocabulary bucket with its keys spelled out, as the export
        wrote it (the browser's parseBucket reads either form)."""
        text = inflated(self.payload(letter, i))
        if letter != "v":
            return text
        return corrected_firsts(spelled_bucket(text, i, self.count("v")), self.firsts)

    def item(self, name: str) -> str:
        return inflated(self.range(tuple(self.pack["items"][name])))

    def head(self, d: int) -> dict:
        return head_of(self.slot("f", d), self.days[d], self.entry.get("categories", []))

    def head_history(self, d: int) -> bytes:
        """The history of article d's first text member (`head_history`)."""
        return stored_head_history(self.payload("f", d))

    @cached_property
    def days(self) -> list[int]:
        return read_days(self.item("days.gz"))

    def chunks(self, d: int) -> list[str]:
        """The article's text chunks (codec.snippet_chunks): its head's start and its run."""
        head = self.head(d)
        text, history = head["s"], self.head_history(d)
        for ref in text_members(head):
            part = self.range(ref)
            text += inflated(part, history)
            history = grown(history, part)
        return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]

    def count(self, letter: str) -> int:
        return self.pack["arrays"][letter][1]


def unspilled_bucket(text: str, resolve) -> str:
    """A bucket with every list inline (references or names resolved), to compare buckets
    whatever was spilled where."""
    lines = []
    for line in text.split("\n") if text else []:
        fields = line.split("\t")
        for i in [1, *range(5, len(fields), 3)]:
            if fields[i].startswith("@"):
                fields[i] = resolve(fields[i])
        lines.append("\t".join(fields))
    return "\n".join(lines)


__all__ = ["Published", "pack_export", "unspilled_bucket"]
