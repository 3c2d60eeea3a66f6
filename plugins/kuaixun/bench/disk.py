"""Where the published search index's bytes on disk go (issue 10, "bytes on disk"): per
family of items, the gzip members' own bytes (deflate data, gzip's header and trailer), the
slots' padding, the lengths and references that find things, and the overlay; and, beside
it, where a Pagefind bundle's bytes go.

    python -m kuaixun.bench.disk SITE/search [SITE/pagefind]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from kuaixun.core.search.export.pack import Published, item_of, read_ref, text_members, width

# A compressed member's own bytes: gzip's header (10 bytes, no name) and trailer (CRC-32,
# length); zlib's header (2) and Adler-32 (4).
FRAME = {b"\x1f\x8b": 18, b"\x78\xda": 6, b"\x78\x01": 6, b"\x78\x9c": 6}
FAMILIES = {
    "v": "vocabulary buckets",
    "f": "result heads (with their first chunk)",
    "y": "pinyin lines (words by syllables, by initials)",
    "r": "pinyin short lines (a character's readings)",
    "s": "pinyin syllables (the inventory; a syllable's followers and characters)",
    "t": "traditional → simplified",
    "pd": "spilled article lists",
    "pt": "spilled postings",
    "md": "article lists moved out of a slot",
    "mt": "postings moved out of a slot",
    "x": "text chunks after the first",
    "i": "days, 栏目",
}
# The pinyin layer's families (issue 16), whose bytes the bench weighs against the rest.
PINYIN_FAMILIES = ("y", "r", "s")


class Tally:
    """Bytes by family and by kind (member: deflate data; frame: gzip's own; pad: zeros in a
    slot; find: slot lengths and references)."""

    def __init__(self):
        self.bytes: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.members = defaultdict(int)

    def member(self, family: str, length: int, frame: int = FRAME[b"\x1f\x8b"]) -> None:
        self.bytes[family]["data"] += length - frame
        self.bytes[family]["frame"] += frame
        self.members[family] += 1

    def add(self, family: str, kind: str, length: int) -> None:
        self.bytes[family][kind] += length

    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.bytes.values())


def _slots(index: Published, tally: Tally, known: set, spilled: set) -> dict:
    """Every array's items: each one's member or text, or its reference and the blob that
    holds it; the cells' pointers, the items' lengths and references ("find"). Then the blobs
    its bucket lines refer to (spilled or moved lists). Returns each array's runs of cells
    and the bytes its items use in them, for `_padding`."""
    runs, used = {}, {}
    for letter, (cell, count, first, _, _, window, per_file) in index.pack["arrays"].items():
        used[letter] = 2 * width(window) * count  # each item's length, its cell's pointer
        tally.add(letter, "find", used[letter])
        for i in range(count):
            stored = _window_item(index, letter, i)
            used[letter] += len(stored)
            if stored[:1] == b"@":
                tally.add(letter, "find", len(stored))
                ref = read_ref(stored.decode())
                known.add(ref)
                stored = index.range(ref)
            _count_member(tally, letter, stored)
            if letter == "v" and stored:
                _bucket_lists(index, index.slot(letter, i), tally, known, spilled)
        for k in range(-(-count // per_file)):
            items = min(per_file, count - k * per_file)
            runs[first + k + 1] = (letter, (items - 1) * cell + window)
    return {"runs": runs, "used": used}


def _padding(tally: Tally, arrays: dict, refs: set) -> None:
    """The rest of each array's runs of cells is padding, less the blobs (`refs`) that lie
    in it (pack.Cells.take)."""
    runs, padding = arrays["runs"], {letter: -u for letter, u in arrays["used"].items()}
    for letter, length in runs.values():
        padding[letter] += length
    for file, offset, length in refs:
        if file in runs and offset < runs[file][1]:
            padding[runs[file][0]] -= length
    for letter, pad in padding.items():
        tally.add(letter, "pad", pad)


def _count_member(tally: Tally, family: str, stored: bytes) -> None:
    if stored[:2] in FRAME:
        tally.member(family, len(stored), FRAME[stored[:2]])
    elif stored:
        tally.add(family, "text", len(stored))
        tally.members[family] += 1


def _window_item(index: Published, letter: str, i: int) -> bytes:
    cell, count, first, start, _, window, per_file = index.pack["arrays"][letter]
    if i in index.over[letter]:
        where = (0, start + index.over[letter][i] * cell, window)
    else:
        where = (first + i // per_file + 1, (i % per_file) * cell, window)
    return item_of(index.range(where), cell)


def _bucket_lists(index: Published, text: str, tally: Tally, known: set, spilled: set) -> None:
    for line in text.split("\n"):
        fields = line.split("\t")
        for k in [1, *range(5, len(fields), 3)]:
            if k < len(fields) and fields[k].startswith("@"):
                ref = read_ref(fields[k])
                if ref not in known:
                    known.add(ref)
                    family = ("p" if ref in spilled else "m") + ("d" if k == 1 else "t")
                    _count_member(tally, family, index.range(ref))


def _texts(index: Published, tally: Tally, known: set) -> None:
    for d in range(index.count("f")):
        for ref in text_members(index.head(d)):
            known.add(ref)
            _count_member(tally, "x", index.range(ref))


def published_figures(folder: Path) -> dict:
    """The published index in `folder` (output/search or the cache's published/), by family."""
    index = Published(folder)
    tally = Tally()
    known: set = set()
    arrays = _slots(index, tally, known, _spilled_refs(folder))
    _texts(index, tally, known)
    _padding(tally, arrays, known)
    for ref in index.pack["items"].values():
        _count_member(tally, "i", index.range(tuple(ref)))
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".pickle")]
    on_disk = sum(p.stat().st_size for p in files)
    overlay = index.overlay.stat().st_size if index.overlay.is_file() else 0
    entry = (folder / "manifest.json").stat().st_size
    # Blobs no slot or line refers to any more (a spilled list the overlay replaced).
    tally.add("unreferenced", "data", on_disk - entry - tally.total())
    return {
        "files": len(files),
        "bytes": on_disk,
        "entry": entry,
        "overlay": overlay,
        "families": {f: dict(kinds) for f, kinds in tally.bytes.items()},
        "members": dict(tally.members),
        "slots": {k: v[:2] for k, v in index.pack["arrays"].items()},
    }


def _spilled_refs(folder: Path) -> set:
    """References of the spilled lists the base holds (pack-state.pickle, when present)."""
    from kuaixun.core.search.export.pack import load_base

    base = load_base(folder)
    return {ref for name, ref in base.blobs.items() if name.startswith("p/")} if base else set()


def pagefind_figures(bundle: Path) -> dict:
    """A Pagefind bundle's bytes by part: index chunks, fragments, filters, meta, code."""
    parts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path in bundle.rglob("*"):
        if path.is_file():
            part = (
                path.relative_to(bundle).parts[0]
                if len(path.relative_to(bundle).parts) > 1
                else "top"
            )
            if part == "top":
                part = "meta" if path.suffix == ".pf_meta" else "code (js, wasm, css, entry)"
            parts[part][0] += 1
            parts[part][1] += path.stat().st_size
    return {part: {"files": n, "bytes": b} for part, (n, b) in sorted(parts.items())}


def report(figures: dict) -> str:
    kinds = ("data", "frame", "text", "pad", "find")
    lines = [
        f"{figures['bytes'] / 1e6:.2f} MB in {figures['files']} files "
        f"(entry {figures['entry']} B, overlay {figures['overlay']} B)",
        "family | members | " + " | ".join(kinds) + " | total (MB)",
    ]
    for family, found in sorted(figures["families"].items(), key=lambda kv: -sum(kv[1].values())):
        cells = " | ".join(f"{found.get(k, 0) / 1e6:.2f}" for k in kinds)
        name = FAMILIES.get(family, family)
        total = sum(found.values()) / 1e6
        lines.append(f"{name} | {figures['members'].get(family, 0)} | {cells} | {total:.2f}")
    lines.append(f"slots (size, count): {figures['slots']}")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    print(report(published_figures(Path(argv[0]))))
    if len(argv) > 1:
        for part, found in pagefind_figures(Path(argv[1])).items():
            print(f"pagefind {part}: {found['files']} files, {found['bytes'] / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
