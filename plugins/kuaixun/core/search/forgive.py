"""Forgiving the pinyin keyboard: a query not found as typed is read again, as pinyin
(renkoupucha, ren kou pu cha), as initials (pcq) or with a homophone put right (平成区 →
平城区), over the site's own words (the y lines of pinyin.py). theme/static/js/search/pinyin.js
does exactly the same in the browser; a test runs both over the same queries.

A query some article holds as typed (every run verbatim) is never read again: its results
are exactly what they were. Otherwise the reading found is searched too, and an article's
score is the sum of its scores for the query as typed and as read, so what matches the
typed text keeps its lead over what matches the reading alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kuaixun.core.search.pinyin import (
    INITIALS,
    KEY_CHARACTERS,
    MAX_WORD,
    SYLLABLES_KEY,
    followers,
    inventory,
)
from kuaixun.core.search.segment import HAN_PIECE

# The longest run read again (a title phrase); a longer passage is found by soft AND.
MAX_READ = 12
# Corrections of one run checked against the articles, best first.
TRIES = 4
# Readings of a character tried (most used first): 行 is xing and hang.
READINGS = 2
# Pinyin: the readings of the letters kept, best first, and how many of them are checked
# against the articles; the characters a lone syllable may stand for (its commonest); what
# each word of a reading costs, less its weight (≈ 4 · log2 of its frequency): the reading
# with the fewest words wins unless more, much commoner words read the same letters. That
# is jieba's route (a word's log share of all words: ≈ weight − 89 at 7,183 articles) with
# a slightly higher price per word (80 read fewer of the bench's pinyin queries right, 100–130
# about as many).
PINYIN_KEPT = 12
PINYIN_TRIES = 12
CHARACTERS = KEY_CHARACTERS  # what a syllable's line holds (pinyin.py)
WORD_COST = 100
# The browser reads these from the manifest.
LIMITS = {
    "read": MAX_READ,
    "tries": TRIES,
    "readings": READINGS,
    "kept": PINYIN_KEPT,
    "pinyinTries": PINYIN_TRIES,
    "characters": CHARACTERS,
    "wordCost": WORD_COST,
}
LATIN = re.compile("[a-z]+")
LONGEST_SYLLABLE = 6

Lines = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Tools:
    """What reading a query again needs of the index: the y lines of some keys, and
    whether some article holds a run verbatim."""

    lines: Callable[[list[str]], Lines]
    verbatim: Callable[[str], bool]


def parse_lines(text: str) -> dict[str, list[str]]:
    """y lines → key → the fields after it."""
    found = {}
    for line in text.split("\n"):
        if line:
            key, *fields = line.split("\t")
            found[key] = fields
    return found


def entries(fields: Sequence[str] | None) -> list[tuple[str, list[str], int]]:
    """A line's triples: (word, the syllables after the key's, weight)."""
    fields = fields or []
    return [
        (fields[i], fields[i + 1].split(), int(fields[i + 2])) for i in range(0, len(fields) - 2, 3)
    ]


@dataclass(frozen=True)
class Letters:
    """Latin runs joined, with the syllables the site uses found at each letter (none across
    a space the reader typed): pinyin is read over every way of splitting it."""

    text: str
    ends: dict[int, list[int]]  # letter position → where the syllables starting there end

    @classmethod
    def of(cls, runs: list[str], inventory: set[str]) -> Letters:
        text = "".join(runs)
        cuts = {sum(len(r) for r in runs[: k + 1]) for k in range(len(runs))}
        ends = {
            i: [
                j
                for j in range(i + 1, min(len(text), i + LONGEST_SYLLABLE) + 1)
                if text[i:j] in inventory and not any(i < c < j for c in cuts)
            ]
            for i in range(len(text))
        }
        # Only the syllables on some reading of all the letters: the others cost files.
        forward, backward = {0}, {len(text)}
        for i in range(len(text)):
            if i in forward:
                forward.update(ends[i])
        for i in range(len(text) - 1, -1, -1):
            if any(j in backward for j in ends[i]):
                backward.add(i)
        kept = {i: [j for j in js if i in forward and j in backward] for i, js in ends.items()}
        return cls(text, kept)

    def syllable_at(self, i: int, syllable: str) -> int | None:
        """Where `syllable` ends if it is read at letter i."""
        j = i + len(syllable)
        return j if j in self.ends.get(i, []) and self.text[i:j] == syllable else None

    def keys(self) -> list[str]:
        """The y keys converting needs: each syllable and each pair of adjacent ones."""
        keys = []
        for i, ends in self.ends.items():
            for j in ends:
                keys.append(self.text[i:j])
                keys += [f"{self.text[i:j]} {self.text[j:k]}" for k in self.ends.get(j, [])]
        return list(dict.fromkeys(keys))

    def count(self) -> int | None:
        """The fewest syllables the letters read as; None when they are no pinyin."""
        n = len(self.text)
        fewest: list[int | None] = [None] * n + [0]
        for i in range(n - 1, -1, -1):
            found = [f for f in (fewest[j] for j in self.ends[i]) if f is not None]
            fewest[i] = min(found) + 1 if found else None
        return fewest[0] if n else None


def options(letters: Letters, i: int, lines: Lines) -> list[tuple[int, str, int]]:
    """(end, Han text, weight) of each word of the site read at letter i: a syllable's
    commonest characters, the words starting with two syllables there (the last one may be
    cut short where the letters end)."""
    text, n = letters.text, len(letters.text)
    found = []
    for j in letters.ends[i]:
        a = text[i:j]
        # A syllable's line starts with its followers (pinyin.followers_field).
        found += [(j, char, w) for char, _, w in entries((lines.get(a) or [""])[1:])[:CHARACTERS]]
        for k in letters.ends.get(j, []):
            for word, rest, w in entries(lines.get(f"{a} {text[j:k]}")):
                at, read = k, 2
                while read < len(word) and at < n:
                    end = letters.syllable_at(at, rest[read - 2])
                    if end is None:
                        break
                    at, read = end, read + 1
                if read == len(word) or at == n:
                    found.append((at, word[:read], w))
    return found


def conversions(letters: Letters, lines: Lines) -> list[str]:
    """The Han readings of the letters, best first (PINYIN_KEPT of them): each word costs
    WORD_COST less its weight, the cheapest reading first, then by text."""
    n = len(letters.text)
    best: list[list[tuple[int, str]]] = [[] for _ in range(n)] + [[(0, "")]]
    for i in range(n - 1, -1, -1):
        found = sorted(
            (cost + WORD_COST - w, text + rest)
            for end, text, w in options(letters, i, lines)
            for cost, rest in best[end]
        )
        kept: dict[str, int] = {}
        for cost, text in found:
            kept.setdefault(text, cost)
            if len(kept) == PINYIN_KEPT:
                break
        best[i] = [(cost, text) for text, cost in kept.items()]
    return [text for _, text in best[0]]


def reading_keys(run: str) -> list[str]:
    return list(dict.fromkeys(run))


def word_keys(run: str, lines: Lines) -> list[str]:
    """The y keys of the words that may stand in `run`: each adjacent pair of readings."""
    readings = [(lines.get(char) or [""])[0].split()[:READINGS] for char in run]
    keys = [f"{a} {b}" for i in range(len(run) - 1) for a in readings[i] for b in readings[i + 1]]
    return list(dict.fromkeys(keys))


def corrections(run: str, lines: Lines, suspects: list[int]) -> list[str]:
    """`run` with a word of the site in place of a stretch that sounds the same, best first:
    fewest characters changed, heaviest word, leftmost. When some character pairs of the run
    occur in no article (`suspects`, their positions), the stretch must cover one of them."""
    readings = [(lines.get(char) or [""])[0].split()[:READINGS] for char in run]
    found = []
    for i in range(len(run) - 1):
        for a in readings[i]:
            for b in readings[i + 1]:
                for word, rest, w in entries(lines.get(f"{a} {b}")):
                    end = i + len(word)
                    if end > len(run) or any(
                        s not in readings[i + 2 + k] for k, s in enumerate(rest)
                    ):
                        continue
                    changed = sum(x != y for x, y in zip(word, run[i:end], strict=True))
                    covers = not suspects or any(i <= p < end - 1 for p in suspects)
                    if changed and covers:
                        found.append((changed, -w, i, word, run[:i] + word + run[end:]))
    found.sort()
    return list(dict.fromkeys(f[4] for f in found))


def suspect_pairs(run: str, verbatim: Callable[[str], bool]) -> list[int]:
    return [i for i in range(len(run) - 1) if not verbatim(run[i : i + 2])]


def reach(run: str, suspects: list[int]) -> str:
    """The stretch of `run` a correction can touch: the whole run, or when some pairs occur
    in no article, the characters a word of the site (≤ MAX_WORD) covering one may span.
    The others' lines are not read (a slip's y and r reads are its dearest after the heads);
    `corrections` finds the same, as its stretches must cover a suspect."""
    if not suspects:
        return run
    return run[max(0, min(suspects) - (MAX_WORD - 2)) : max(suspects) + MAX_WORD]


def fix(run: str, tools: Tools) -> str | None:
    """The best correction of a Han run that no article holds, which one does."""
    suspects = suspect_pairs(run, tools.verbatim)
    stretch = reach(run, suspects)
    lines = dict(tools.lines(reading_keys(stretch)))
    lines.update(tools.lines(word_keys(stretch, lines)))
    for candidate in corrections(run, lines, suspects)[:TRIES]:
        if tools.verbatim(candidate):
            return candidate
    return None


def read_latin(runs: list[str], tools: Tools) -> str | None:
    """Latin runs as pinyin (the first Han reading some article holds, else the best one
    corrected), or one run as initials (the heaviest word)."""
    syllables = inventory(tools.lines([SYLLABLES_KEY]).get(SYLLABLES_KEY) or [])
    letters = Letters.of(runs, syllables)
    count = letters.count()
    if count is None or not 2 <= count <= MAX_READ:
        return next(iter(suggest(runs, tools)), None)
    keys = letters.keys()
    # The syllables' lines first: their followers say which pairs have a line to read.
    lines = dict(tools.lines([key for key in keys if " " not in key]))
    order = sorted(syllables)
    after = {key: followers((lines.get(key) or [""])[0], order) for key in lines}
    pairs = [k for k in keys if " " in k and k.split(" ")[1] in after.get(k.split(" ")[0], ())]
    lines.update(tools.lines(pairs))
    readings = conversions(letters, lines)
    for han in readings[:PINYIN_TRIES]:
        if tools.verbatim(han):
            return han
    return (fix(readings[0], tools) or readings[0]) if readings else None


def suggest(runs: list[str], tools: Tools) -> list[str]:
    """The site's words whose initials are the one Latin run typed (pcq → 平城区), heaviest
    first."""
    if len(runs) != 1 or not LATIN.fullmatch(runs[0]) or len(runs[0]) < 3:
        return []
    key = INITIALS + runs[0]
    return [word for word, _, _ in entries(tools.lines([key]).get(key))]


def reading(runs: list[str], found_as_typed: bool, tools: Tools) -> str | None:
    """The query read again, or None: found as typed, or no other reading found."""
    if not runs or found_as_typed:
        return None
    if all(LATIN.fullmatch(run) for run in runs):
        return read_latin(runs, tools)
    fixed = [
        (fix(run, tools) or run)
        if HAN_PIECE.fullmatch(run) and 2 <= len(run) <= MAX_READ and not tools.verbatim(run)
        else run
        for run in runs
    ]
    return " ".join(fixed) if fixed != runs else None
