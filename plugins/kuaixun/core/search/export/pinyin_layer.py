"""The pinyin layer's files (search/pinyin.py makes their lines): y/<n>.gz, the words by two
syllables and by initials; r/<n>.gz, a character's readings; s/<n>.gz, the syllables (the
inventory, a syllable's characters), which only letters read as pinyin ask for. A line's
bucket is FNV-1a(key) mod the family's count.

A full export writes them from the whole vocabulary (`pinyin_files`); an update rewrites
only the buckets holding a line its changed words alter (`patch_pinyin_files`): 2.2 s of a
one-article rebuild's indexing process at 7,183 articles when made whole, for the few
hundred words an edit changes (docs/architecture.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kuaixun.core.search import pinyin
from kuaixun.core.search.export.codec import (
    PINYIN_TARGET,
    SHORT_TARGET,
    SYLLABLE_TARGET,
    bucket_count,
    fnv1a,
    inflated_text,
    line_key,
)

# Each family's name and the characters of lines its buckets are sized for.
FAMILIES = (("y", PINYIN_TARGET), ("r", SHORT_TARGET), ("s", SYLLABLE_TARGET))


@dataclass
class PinyinLayer:
    """The layer's files (all of them, or those an update rewrites) and what the state keeps
    to update them: each family's bucket count and characters of lines, every word's
    syllables and every character's readings (character → syllable → count)."""

    files: dict[str, str]
    buckets: tuple[int, ...]  # FAMILIES' order
    sizes: tuple[int, ...]
    syllables: dict[str, tuple[str, ...] | None]
    readings: dict[str, Counter]


def family(key: str) -> int:
    """0 for a y/ line (words by two syllables, by initials), 1 for an r/ line (a
    character's readings), 2 for an s/ line (syllables)."""
    if not pinyin.short_key(key):
        return 0
    return 2 if pinyin.syllable_key(key) else 1


def pinyin_files(frequency: Counter, known: dict[str, tuple[str, ...] | None]) -> PinyinLayer:
    """Every y/ and r/ file of the vocabulary `frequency` (`known`: the syllables of the
    words read before)."""
    words = pinyin.han_words(frequency)
    syllables = {w: known[w] if w in known else pinyin.toneless(w) for w in words}
    lines, readings = pinyin.pinyin_layer(frequency, syllables.__getitem__, words)
    files: dict[str, str] = {}
    counts, sizes = [], []
    for f, (name, target) in enumerate(FAMILIES):
        kept = [line for line in lines if family(line_key(line)) == f]
        size = sum(len(line) + 1 for line in kept)
        count = bucket_count(size, target)
        buckets: list[list[str]] = [[] for _ in range(count)]
        for line in kept:
            buckets[fnv1a(line_key(line)) % count].append(line)
        files.update({f"{name}/{n}.gz": "\n".join(b) for n, b in enumerate(buckets)})
        counts.append(count)
        sizes.append(size)
    return PinyinLayer(files, tuple(counts), tuple(sizes), syllables, readings)


def patch_pinyin_files(
    layer: PinyinLayer,
    changed: Iterable[str],
    before: Mapping[str, int],
    after: Counter,
    cached: Mapping[str, bytes],
) -> PinyinLayer:
    """The layer after the terms `changed` moved from their `before` frequencies to `after`:
    the buckets holding a line they alter, read from the `cached` export and rewritten
    (`layer`: the state's, without files). Every file, made anew, when a family's bucket
    count changes."""
    lines, syllables, readings = pinyin.patch_layer(
        changed, before, after, layer.syllables, layer.readings
    )
    files: dict[str, str] = {}
    sizes = list(layer.sizes)
    for f, (name, target) in enumerate(FAMILIES):
        count = layer.buckets[f]
        by_bucket: dict[int, list[str]] = {}
        for key in lines:
            if family(key) == f:
                by_bucket.setdefault(fnv1a(key) % count, []).append(key)
        for b, keys in by_bucket.items():
            text = inflated_text(cached[f"{name}/{b}.gz"])
            bucket = {line_key(line): line for line in text.split("\n") if line}
            sizes[f] -= len(text) + 1 if text else 0
            for key in keys:
                bucket.pop(key, None)
                if lines[key] is not None:
                    bucket[key] = f"{key}\t{lines[key]}"
            files[f"{name}/{b}.gz"] = text = "\n".join(bucket[k] for k in sorted(bucket))
            sizes[f] += len(text) + 1 if text else 0
        if bucket_count(sizes[f], target) != count:
            return pinyin_files(after, syllables)
    return PinyinLayer(files, layer.buckets, tuple(sizes), syllables, readings)
