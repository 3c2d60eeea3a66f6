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

from kuaixun.core.search.pinyin import INITIALS, SYLLABLES_KEY
from kuaixun.core.search.segment import HAN_PIECE

# The longest run read again (a title phrase); a longer passage is found by soft AND.
MAX_READ = 12
# Corrections of one run checked against the articles, best first.
TRIES = 4
# Readings of a character tried (most used first): 行 is xing and hang.
READINGS = 2
# The browser reads these from the manifest.
LIMITS = {"read": MAX_READ, "tries": TRIES, "readings": READINGS}
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


def split_latin(run: str, syllables: set[str]) -> list[str] | None:
    """Letters as the fewest syllables (the longest first on a tie); None if they are not."""
    n = len(run)
    best: list[int | None] = [None] * (n + 1)
    step = [0] * (n + 1)
    best[n] = 0
    for i in range(n - 1, -1, -1):
        for size in range(min(LONGEST_SYLLABLE, n - i), 0, -1):
            rest = best[i + size]
            known = rest is not None and run[i : i + size] in syllables
            if known and (best[i] is None or rest + 1 < best[i]):  # type: ignore[operator]
                best[i], step[i] = rest + 1, size  # type: ignore[operator]
    if best[0] is None:
        return None
    out, i = [], 0
    while i < n:
        out.append(run[i : i + step[i]])
        i += step[i]
    return out


def pinyin_keys(syllables: list[str]) -> list[str]:
    """The y keys converting `syllables` needs: each syllable and each adjacent pair."""
    pairs = [f"{a} {b}" for a, b in zip(syllables, syllables[1:], strict=False)]
    return [*syllables, *pairs]


def convert(syllables: list[str], lines: Lines) -> str | None:
    """The Han text of `syllables` in the fewest of the site's words (the heaviest on a tie);
    the last word may be cut short, as a query typed so far is. None when a syllable has no
    character."""
    n = len(syllables)
    best: list[tuple[int, int] | None] = [None] * (n + 1)
    choice: list[tuple[int, str]] = [(0, "")] * (n + 1)
    best[n] = (0, 0)
    for i in range(n - 1, -1, -1):
        options = [(i + 1, char, w) for char, _, w in entries(lines.get(syllables[i]))[:1]]
        if i + 1 < n:
            for word, rest, w in entries(lines.get(f"{syllables[i]} {syllables[i + 1]}")):
                full = syllables[i : i + 2] + rest
                end = min(n, i + len(full))
                if syllables[i:end] == full[: end - i]:
                    options.append((end, word[: end - i], w))
        for end, text, w in options:
            after = best[end]
            if after is not None:
                score = (after[0] + 1, after[1] - w)
                if best[i] is None or score < best[i]:  # type: ignore[operator]
                    best[i], choice[i] = score, (end, text)
    if best[0] is None:
        return None
    out, i = "", 0
    while i < n:
        end, text = choice[i]
        out += text
        i = end
    return out


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


def fix(run: str, tools: Tools) -> str | None:
    """The best correction of a Han run that no article holds, which one does."""
    lines = dict(tools.lines(reading_keys(run)))
    lines.update(tools.lines(word_keys(run, lines)))
    suspects = suspect_pairs(run, tools.verbatim)
    for candidate in corrections(run, lines, suspects)[:TRIES]:
        if tools.verbatim(candidate):
            return candidate
    return None


def read_latin(runs: list[str], tools: Tools) -> str | None:
    """Latin runs as pinyin (their Han text), or one run as initials (the heaviest word)."""
    inventory = set((tools.lines([SYLLABLES_KEY]).get(SYLLABLES_KEY) or [""])[0].split())
    split = [split_latin(run, inventory) for run in runs]
    syllables = [s for part in split if part is not None for s in part]
    if all(part is not None for part in split) and 2 <= len(syllables) <= MAX_READ:
        han = convert(syllables, tools.lines(pinyin_keys(syllables)))
        if han and not tools.verbatim(han):
            han = fix(han, tools) or han
        return han
    return next(iter(suggest(runs, tools)), None)


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
