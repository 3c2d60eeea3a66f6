"""The published index: the logical export (codec.py: ~125,000 small files at 7,183
articles) stored in a few hundred pack files that the browser reads by HTTP byte ranges,
laid out so that a deploy after an edit leaves almost every file as it was.

  manifest.json         the entry, the only fixed name: the logical manifest plus `pack`,
                        which says where everything is (below). Fetched first.
  <base>/<k>.bin        the base: packs of at most PACK_BYTES, named by the hash of all
                        of them, written again only when the overlay grows too big.
  o/<hash>.bin          the overlay, named by its content: everything that changed since
                        the base was written (absent right after a new base).

Logical files numbered densely 0…n−1 in one folder (`v/<b>`, `f/<d>`, `t/<k>`, and any
family added later) are *arrays*: item i of an array is a fixed-size slot, so its place is
computed, not looked up — in the base at file `first + i // per_file`, offset
`(i % per_file) · slot`, or, when the entry lists i as overridden, at
`start + position · slot` in the overlay. A slot is a 2-byte length, then a gzip member
(or "@" and the reference of a blob holding it, when it cannot fit), then zeros.

Everything else is a *blob* reached by a reference `@` + varints (file, offset, length),
file 0 the overlay and k + 1 the base's pack k: the spilled lists (lines name them by
reference instead of by file name), an article's text chunks (its head lists their
lengths), days and 栏目 (the entry names them). A vocabulary bucket too large for its slot
first moves its longest inline lists out into blobs, as the export spills long lists.

The overlay holds the slots whose logical file changed since the base, the blobs they
need that the base does not have, and days/栏目; the entry lists the overridden slot
numbers. The browser never merges anything: a slot is the whole current item. A new base
is written when the overlay would pass OVERLAY_SLOTS slots or OVERLAY_SHARE of the base's
bytes (OVERLAY_FLOOR on a small site), when the vocabulary changed its bucket count, or
when the format changed. docs/search.md has the figures behind these choices.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from kuaixun.core.search.export.codec import DIGITS, read_varints, varint

PACK_BYTES = 64 * 1024
# Vocabulary slots are sized for this share of the buckets; bigger ones spill lists out.
SLOT_QUANTILE = {"v": 0.75, "f": 0.95, "y": 0.9}
OVERLAY_SLOTS = 4096
OVERLAY_SHARE = 0.05
OVERLAY_FLOOR = 1 << 20  # a small site's overlay may reach this whatever its share
PACK_FORMAT = 1
ITEMS = ("days.gz", "lanmu.gz")
# Spilled lists are named by their content: a name of digits alone is still a blob's.
BLOB_FOLDERS = ("p", "x")
STATE = "pack-state.pickle"
_ARRAY_NAME = re.compile(r"^([a-z])/(\d+)\.(gz|json)$")
_CHUNK_NAME = re.compile(r"^x/(\d+)-(\d+)\.gz$")


def gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), 9, mtime=0)


def ref_code(ref: tuple[int, int, int]) -> str:
    return "@" + "".join(varint(v) for v in ref)


def read_ref(code: str) -> tuple[int, int, int]:
    file, offset, length = read_varints(code[1:])
    return file, offset, length


@dataclass
class Array:
    slot: int
    count: int
    first: int = 0  # the base file holding item 0

    @property
    def per_file(self) -> int:
        return PACK_BYTES // self.slot

    def files(self) -> int:
        return -(-self.count // self.per_file) if self.count else 0


@dataclass
class Base:
    """What the overlay is computed against: the base as written."""

    id: str
    hashes: dict[str, bytes]
    arrays: dict[str, Array]
    blobs: dict[str, tuple[int, int, int]]  # spilled lists by logical name, text runs by "x/<d>"
    bytes: int
    items: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    format: int = PACK_FORMAT


class Packer:
    """Lays out slots and blobs: into numbered base files, or into the one overlay file."""

    def __init__(self, overlay: bool, first_blob_file: int = 0):
        self.overlay = overlay
        self.files: list[bytearray] = [] if not overlay else [bytearray()]
        self.first_blob_file = first_blob_file
        self.blob_file = -1

    def blob(self, data: bytes) -> tuple[int, int, int]:
        if self.overlay:
            out = self.files[0]
            out.extend(data)
            return 0, len(out) - len(data), len(data)
        if self.blob_file < 0 or len(self.files[self.blob_file]) + len(data) > PACK_BYTES:
            self.blob_file = max(len(self.files), self.first_blob_file)
            self._grow(self.blob_file)
        out = self.files[self.blob_file]
        out.extend(data)
        return self.blob_file + 1, len(out) - len(data), len(data)

    def _grow(self, index: int) -> None:
        while len(self.files) <= index:
            self.files.append(bytearray())

    def slot(self, file: int, offset: int, data: bytes) -> None:
        self._grow(file)
        out = self.files[file]
        if len(out) < offset:
            out.extend(bytes(offset - len(out)))
        out[offset : offset + len(data)] = data


def slot_bytes(payload: bytes, size: int) -> bytes:
    return len(payload).to_bytes(2, "big") + payload + bytes(size - 2 - len(payload))


# ---- Reading the logical export -------------------------------------------------------


def logical_folder(export: Path) -> Path:
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    return export / manifest["base"]


def read_logical(folder: Path, name: str) -> bytes:
    """A logical file as stored (gzip for .gz names)."""
    return (folder / name).read_bytes()


def text_of(name: str, data: bytes) -> str:
    return (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")


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

    lines = []
    for line in text.split("\n") if text else []:
        fields = line.split("\t")
        fields[1] = swap(fields[1])
        for i in range(5, len(fields), 3):
            fields[i] = swap(fields[i])
        lines.append("\t".join(fields))
    return "\n".join(lines)


def _inline_lists(lines: list[list[str]]) -> list[tuple[int, int, int]]:
    """(length, line, field) of every list still inline, longest first."""
    found = []
    for n, fields in enumerate(lines):
        for i in [1, *range(5, len(fields), 3)]:
            if fields[i] and not fields[i].startswith("@"):
                found.append((len(fields[i]), n, i))
    return sorted(found, reverse=True)


def fit_bucket(text: str, size: int, packer: Packer, payload: bytes | None = None) -> bytes:
    """The slot payload of a bucket (`payload`: its gzip, when known): gzip of its text,
    moving its longest inline lists out into blobs until it fits — as many at a time as the
    overflow suggests, so a bucket is compressed a few times, not once a list; a bucket that
    still does not fit is a blob itself."""
    payload = payload or gz(text)
    if len(payload) + 2 <= size:
        return payload
    lines = [line.split("\t") for line in text.split("\n")]
    waiting = _inline_lists(lines)
    while waiting:
        # The share of the text to move out, as the share of the gzip over the slot.
        target = len(text) * (len(payload) + 2 - size) / len(payload)
        moved = 0
        while waiting and moved < target:
            length, n, i = waiting.pop(0)
            lines[n][i] = ref_code(packer.blob(gz(lines[n][i])))
            moved += length
        payload = gz("\n".join("\t".join(fields) for fields in lines))
        if len(payload) + 2 <= size:
            return payload
    return ref_code(packer.blob(payload)).encode()


def head_text(text: str, first_chunk: str, run: tuple[int, int, int], lengths: list[int]) -> str:
    """An article's head with its first text chunk ("s": a result shown needs no second
    request for its snippet when the match is there, as for most title queries) and where
    the other chunks are ("x": file, offset, each chunk's length)."""
    head = json.loads(text)
    head["s"] = first_chunk
    head["x"] = [run[0], run[1], *lengths]
    return json.dumps(head, ensure_ascii=False, separators=(",", ":"))


def fit(payload: bytes, size: int, packer: Packer) -> bytes:
    return payload if len(payload) + 2 <= size else ref_code(packer.blob(payload)).encode()


def slot_size(payloads: list[bytes], quantile: float) -> int:
    sizes = sorted(len(p) for p in payloads) or [0]
    wanted = sizes[min(len(sizes) - 1, int(quantile * (len(sizes) - 1) + 0.999))] + 2
    return max(32, -(-wanted // 16) * 16)


# ---- Writing the base and the overlay -------------------------------------------------


@dataclass
class Logical:
    """The logical export as the packer reads it."""

    folder: Path
    manifest: dict
    hashes: dict[str, bytes]
    names: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, export: Path, hashes: dict[str, bytes]) -> Logical:
        manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
        return cls(export / manifest["base"], manifest, hashes, set(hashes))

    def data(self, name: str) -> bytes:
        return read_logical(self.folder, name)

    def text(self, name: str) -> str:
        return text_of(name, self.data(name))


def _blob_text_runs(logical: Logical, docs, packer: Packer, blobs: dict) -> dict[int, list[int]]:
    """Each article's text chunks after the first (which travels in its head) as one run of
    gzip members; returns their lengths."""
    chunks = chunks_of(logical.names)
    lengths = {}
    for d in docs:
        parts = [logical.data(f"x/{d}-{k}.gz") for k in range(1, chunks.get(d, 0))]
        run = packer.blob(b"".join(parts))
        blobs[f"x/{d}"] = run
        lengths[d] = [len(p) for p in parts]
    return lengths


def _payload(data: bytes) -> bytes:
    """A logical file's bytes as a gzip member (.json files are stored plain)."""
    return data if data[:2] == b"\x1f\x8b" else gzip.compress(data, 9, mtime=0)


def _slot_sizes(logical: Logical, counts: dict[str, int]) -> dict[str, int]:
    """Each array's slot size, from its items as they will be stored: a bucket as the export
    stored it (a spilled list's reference is about as long as its name), a head with the
    largest reference its text run could get."""
    chunks = chunks_of(logical.names)
    sizes = {}
    for letter, count in counts.items():
        if letter == "v":
            payloads = [logical.data(f"v/{b}.gz") for b in range(count)]
        elif letter == "f":
            payloads = [
                gz(
                    head_text(
                        logical.text(f"f/{d}.json"),
                        logical.text(f"x/{d}-0.gz"),
                        (9999, PACK_BYTES, 0),
                        [9999] * chunks.get(d, 0),
                    )
                )
                for d in range(count)
            ]
        else:
            payloads = [
                _payload(logical.data(array_name(letter, i, logical.names))) for i in range(count)
            ]
        sizes[letter] = slot_size(payloads, SLOT_QUANTILE.get(letter, 1.0))
    return sizes


def _array_payload(
    letter: str, i: int, logical: Logical, size: int, packer: Packer, blobs, lengths
) -> bytes:
    name = array_name(letter, i, logical.names)
    if letter == "v":
        data = logical.data(name)
        text = text_of(name, data)
        if "@" not in text:  # no list out of line: the export's own gzip is the payload
            return fit_bucket(text, size, packer, data)
        return fit_bucket(bucket_text(text, blobs), size, packer)
    if letter == "f":
        text = head_text(
            logical.text(name), logical.text(f"x/{i}-0.gz"), blobs[f"x/{i}"], lengths[i]
        )
        return fit(gz(text), size, packer)
    return fit(_payload(logical.data(name)), size, packer)


def write_base(logical: Logical) -> tuple[dict[str, bytes], Base, dict]:
    """Every item of the export in base files: the arrays' slots first, then the blobs.
    Returns the files, the base and the entry's `pack` part."""
    counts = arrays_of(logical.names)
    arrays, first = {}, 0
    for letter, size in sorted(_slot_sizes(logical, counts).items()):
        arrays[letter] = Array(slot=size, count=counts[letter], first=first)
        first += arrays[letter].files()
    packer = Packer(overlay=False, first_blob_file=first)
    blobs = {
        name: packer.blob(logical.data(name))
        for name in sorted(logical.names)
        if name.startswith("p/")
    }
    items = {name: packer.blob(logical.data(name)) for name in ITEMS if name in logical.names}
    lengths = _blob_text_runs(logical, range(counts.get("f", 0)), packer, blobs)
    for letter, array in sorted(arrays.items()):
        for i in range(array.count):
            payload = _array_payload(letter, i, logical, array.slot, packer, blobs, lengths)
            where = (array.first + i // array.per_file, (i % array.per_file) * array.slot)
            packer.slot(*where, slot_bytes(payload, array.slot))
    files = {f"{k}.bin": bytes(data) for k, data in enumerate(packer.files)}
    base = Base(
        id=_digest(files),
        hashes=dict(logical.hashes),
        arrays=arrays,
        blobs=blobs,
        bytes=sum(len(d) for d in files.values()),
        items=items,
    )
    return files, base, _entry_pack(base, "", {}, {}, items)


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha1()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha1(files[name]).digest())
    return h.hexdigest()[:12]


def overridden(logical: Logical, base: Base) -> dict[str, list[int]] | None:
    """Array letter → the items whose logical file changed since the base (None: the
    overlay cannot express the change, a new base is needed)."""
    counts = arrays_of(logical.names)
    if set(counts) != set(base.arrays) or base.format != PACK_FORMAT:
        return None
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


def write_overlay(logical: Logical, base: Base, over: dict[str, list[int]]):
    """The overlay file and the entry's `pack` part, or None when a new base is due."""
    if sum(len(v) for v in over.values()) > OVERLAY_SLOTS:
        return None
    packer = Packer(overlay=True)
    out = packer.files[0]
    starts = {}
    for letter in sorted(over):
        starts[letter] = len(out)
        out.extend(bytes(base.arrays[letter].slot * len(over[letter])))
    blobs = dict(base.blobs)
    for name in sorted(n for n in logical.names if n.startswith("p/")):
        if name not in blobs:  # a list the base does not hold
            blobs[name] = packer.blob(logical.data(name))
    items = {
        name: base.items[name]
        if base.hashes.get(name) == logical.hashes[name]
        else packer.blob(logical.data(name))
        for name in ITEMS
        if name in logical.names
    }
    lengths = _blob_text_runs(logical, over.get("f", []), packer, blobs)
    for letter in sorted(over):
        size = base.arrays[letter].slot
        for position, i in enumerate(over[letter]):
            payload = _array_payload(letter, i, logical, size, packer, blobs, lengths)
            packer.slot(0, starts[letter] + position * size, slot_bytes(payload, size))
    data = bytes(out)
    if len(data) > max(OVERLAY_SHARE * base.bytes, OVERLAY_FLOOR):
        return None
    name = hashlib.sha1(data).hexdigest()[:12] if data else ""
    counts = arrays_of(logical.names)
    return name, data, _entry_pack(base, name, over, starts, items, counts)


def _entry_pack(base: Base, overlay: str, over, starts, items, counts=None) -> dict:
    arrays = {}
    for letter, array in sorted(base.arrays.items()):
        count = (counts or {}).get(letter, array.count)
        listed = over.get(letter, [])
        gaps, previous = [], -1
        for i in listed:
            gaps.append(varint(i - previous - 1))
            previous = i
        arrays[letter] = [array.slot, count, array.first, starts.get(letter, 0), "".join(gaps)]
    return {
        "format": PACK_FORMAT,
        "base": base.id,
        "overlay": overlay,
        "bytes": PACK_BYTES,
        "arrays": arrays,
        "items": {name: list(ref) for name, ref in items.items()},
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


def pack_export(export: Path, hashes: dict[str, bytes], published: Path) -> str:
    """Bring `published` (the tree output/search/ links) in line with the logical export
    in `export`: an overlay on the base there, or a new base. Returns what it did."""
    logical = Logical.of(export, hashes)
    base = load_base(published)
    over = overridden(logical, base) if base is not None else None
    result = write_overlay(logical, base, over) if base is not None and over is not None else None
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
        self.over = {}
        for letter, (_, _, _, _, gaps) in self.pack["arrays"].items():
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
        return gzip.decompress(self.range(read_ref(code))).decode("utf-8")

    def path(self, file: int) -> Path:
        return self.overlay if file == 0 else self.base / f"{file - 1}.bin"

    def member(self, letter: str, i: int) -> tuple[int, int, int]:
        """Where item i's gzip member is: in its slot, or the blob its slot refers to."""
        size, count, first, start, _ = self.pack["arrays"][letter]
        if i >= count:
            raise KeyError(f"{letter}/{i}")
        if i in self.over[letter]:
            ref = (0, start + self.over[letter][i] * size, size)
        else:
            per_file = self.pack["bytes"] // size
            ref = (first + i // per_file + 1, (i % per_file) * size, size)
        data = self.range(ref)
        length = int.from_bytes(data[:2], "big")
        if data[2:3] == b"@":
            return read_ref(data[2 : 2 + length].decode())
        return ref[0], ref[1] + 2, length

    def members(self) -> list[tuple[Path, int, int]]:
        """(file, offset, length) of every gzip member the arrays, items and texts hold."""
        refs = [
            self.member(letter, i)
            for letter in self.pack["arrays"]
            for i in range(self.count(letter))
        ]
        refs += [tuple(ref) for ref in self.pack["items"].values()]
        for d in range(self.count("f")):
            file, offset, *lengths = self.head(d)["x"]
            for length in lengths:
                refs.append((file, offset, length))
                offset += length
        return [(self.path(f), offset, length) for f, offset, length in refs if length]

    def slot(self, letter: str, i: int) -> str:
        ref = self.member(letter, i)
        return gzip.decompress(self.range(ref)).decode("utf-8") if ref[2] else ""

    def item(self, name: str) -> str:
        return gzip.decompress(self.range(tuple(self.pack["items"][name]))).decode("utf-8")

    def head(self, d: int) -> dict:
        return json.loads(self.slot("f", d))

    def chunks(self, d: int) -> list[str]:
        head = self.head(d)
        file, offset, *lengths = head["x"]
        out = [head["s"]]
        for length in lengths:
            out.append(gzip.decompress(self.range((file, offset, length))).decode("utf-8"))
            offset += length
        return out

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


__all__ = ["DIGITS", "Published", "pack_export", "unspilled_bucket"]
