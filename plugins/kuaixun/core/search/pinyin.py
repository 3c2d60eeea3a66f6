"""The pinyin of the site's vocabulary, read by pypinyin at build time, as the lines of the
export's y/<n>.gz files (the browser's search/pinyin.js and forgive.py read them).

Readers type through a pinyin input method: they pick a wrong homophone (平成区 for 平城区)
or leave the pinyin unconverted (renkoupucha, pcq). The browser cannot run pypinyin, so the
build writes, for the words the site uses, what answering such a query needs: each
character's toneless readings, the words by the toneless pinyin of their first two syllables
and the words of three or more characters by their initials. One line per key, fields
separated by tabs:

  ~            every syllable the site's words use (to read Latin letters as pinyin), by
               initial: "b:a ai an", ":a ai" (`inventory_line`, read by `inventory`)
  成           the character's readings, most used first: "cheng"
  ping cheng   the words starting with these syllables, as triples: word, the pinyin of the
               rest of the word, weight
  ping         a single syllable: the syllables after it in some two-syllable key
               (`followers_field`: bits over the sorted syllables, so a reader asks only
               for keys that have a line), then its KEY_CHARACTERS commonest characters
               as triples
  =pcq         the words with these initials, as triples (the middle field empty)

Weights are frequencies on a quarter-octave scale (`weight`): an edit that moves a word's
count by a few leaves them, and so the files, alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from kuaixun.core.search.segment import HAN_PIECE

# Longest word indexed by pinyin and by initials (人口普查员 is five).
MAX_WORD = 5
# A two-character word the site uses once is as likely a typo as the reader's spelling; a
# longer one is more often a name (龙陵县, 段子手), which a reader types to find its article.
MIN_FREQUENCY = 2
RARE_WORD = 3
# Entries kept per key, most frequent first: words for two syllables, characters for one,
# words for initials.
KEY_WORDS = 32
# A lone syllable stands for one of its commonest characters when letters are read as pinyin
# (forgive.py CHARACTERS is this): 12 were kept before, and the other six were never read,
# while their bytes made most syllable lines a blob (docs/search.md, "Syllables apart").
KEY_CHARACTERS = 6
INITIAL_WORDS = 8
SYLLABLES_KEY = "~"
INITIALS = "="


def short_key(key: str) -> bool:
    """A short line's key: the syllables, a character or one syllable (the export keeps
    these apart from the words by two syllables and by initials)."""
    return " " not in key and not key.startswith(INITIALS)


def syllable_key(key: str) -> bool:
    """A short line of syllables (the inventory, or one syllable's characters), which only
    letters read as pinyin ask for; a character's readings are the other short lines."""
    return short_key(key) and key.isascii()


# A syllable's initial: the consonants before its final, none when nothing would be left
# (m, n, er). Any split serves the reader, which puts the two back together.
_INITIAL = re.compile(r"(?:[zcs]h|[^aeiouv])?(?=.)")


def inventory_line(syllables: Iterable[str]) -> str:
    """The "~" line: the syllables grouped by initial, a field each ("b:a ai an …"): 249
    bytes compressed at 7,183 articles against 695 as a plain list (docs/search.md)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for syllable in sorted(syllables):
        initial = _INITIAL.match(syllable)
        cut = initial.end() if initial else 0  # the pattern is optional: it always matches
        groups[syllable[:cut]].append(syllable[cut:])
    return "\t".join(f"{initial}:{' '.join(finals)}" for initial, finals in groups.items())


def inventory(fields: Iterable[str]) -> set[str]:
    """The syllables of the "~" line's fields (`inventory_line`)."""
    found: set[str] = set()
    for field in fields:
        initial, _, finals = field.partition(":")
        found.update(initial + final for final in finals.split())
    return found


# The digits of a syllable's followers, 6 bits each (codec.DIGITS's alphabet).
FOLLOWER_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def followers_field(followers: Iterable[str], order: Mapping[str, int]) -> str:
    """The syllables that follow one in some two-syllable key, as bits over the site's
    syllables sorted (`order`: syllable → place), six a digit, lowest first."""
    bits = 0
    for syllable in followers:
        bits |= 1 << order[syllable]
    out = []
    while bits:
        out.append(FOLLOWER_DIGITS[bits & 63])
        bits >>= 6
    return "".join(out)


def followers(field: str, order: list[str]) -> set[str]:
    """The syllables a `followers_field` names (`order`: the site's syllables sorted)."""
    bits = 0
    for k, digit in enumerate(field):
        bits |= FOLLOWER_DIGITS.index(digit) << (6 * k)
    return {syllable for i, syllable in enumerate(order) if bits >> i & 1}


def _keyed(word: str, count: int) -> bool:
    """Whether a word is on its two-syllable line: two characters or more, and used at least
    MIN_FREQUENCY times unless RARE_WORD long."""
    return len(word) >= 2 and not (count < MIN_FREQUENCY and len(word) < RARE_WORD)


def weight(frequency: int) -> int:
    """About 4 · log2(frequency), in integers: 1 → 0, 2 → 4, 4 → 8, 5 → 9, 8 → 12."""
    if frequency < 4:
        return (0, 0, 4, 6)[max(frequency, 0)]
    bits = frequency.bit_length()
    return 4 * (bits - 1) + ((frequency >> (bits - 3)) & 3)


def toneless(word: str) -> tuple[str, ...] | None:
    """The word's syllables without tones (ü as v, as typed), in context (银行: yin hang);
    None when pypinyin has no reading for a character.

    pypinyin reads a word by cutting it into its phrases (PHRASES_DICT) and reading the rest
    character by character; a word none of whose substrings is a phrase is therefore read
    character by character, from a cache, without the cut (most of the site's words: this
    makes reading them about 10 × cheaper; tests/test_search_pinyin.py checks it against
    pypinyin itself on the sample site's vocabulary)."""
    if _has_phrase(word):
        syllables = _no_empty(lazy_pinyin(word, style=Style.NORMAL, errors=_no_reading))
    else:
        syllables = [s for char in word for s in _character(char)]
    if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
        return None
    return tuple(syllables)


def _no_reading(_: str) -> str:
    return ""


def _no_empty(syllables: list[str]) -> list[str]:
    return [s for s in syllables if s]


@cache
def _character(char: str) -> tuple[str, ...]:
    return tuple(_no_empty(lazy_pinyin(char, style=Style.NORMAL, errors=_no_reading)))


def _has_phrase(word: str) -> bool:
    n = len(word)
    return any(word[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1))


def han_words(frequency: Mapping[str, int]) -> list[str]:
    """The site's terms made of Han characters only, short enough to be typed as pinyin."""
    return sorted(t for t in frequency if len(t) <= MAX_WORD and HAN_PIECE.fullmatch(t))


def triples(entries: list[tuple[int, str, str]], keep: int) -> list[str]:
    """(weight, word, rest of the pinyin) → the line's fields, heaviest first, `keep` of them."""
    ordered = sorted(entries, key=lambda e: (-e[0], e[1]))[:keep]
    return [field for w, word, rest in ordered for field in (word, rest, str(w))]


def gather(
    frequency: Mapping[str, int],
    pinyin_of: Callable[[str], tuple[str, ...] | None],
    words: list[str] | None = None,
):
    """Each character's readings (reading → how often the site's words read it so), and the
    weighted words by their first two syllables and by their initials. `words`: the
    vocabulary's `han_words` when the caller has them already."""
    readings: dict[str, Counter] = defaultdict(Counter)
    by_syllables: dict[str, list] = defaultdict(list)
    by_initials: dict[str, list] = defaultdict(list)
    for word in han_words(frequency) if words is None else words:
        syllables = pinyin_of(word)
        if syllables is None:
            continue
        count = frequency[word]
        for char, syllable in zip(word, syllables, strict=True):
            readings[char][syllable] += count
        if not _keyed(word, count):
            continue
        entry = (weight(count), word, " ".join(syllables[2:]))
        by_syllables[" ".join(syllables[:2])].append(entry)
        if len(word) >= 3:
            by_initials[INITIALS + "".join(s[0] for s in syllables)].append((entry[0], word, ""))
    return readings, by_syllables, by_initials


def pinyin_lines(
    frequency: Mapping[str, int],
    pinyin_of: Callable[[str], tuple[str, ...] | None] = toneless,
    words: list[str] | None = None,
) -> list[str]:
    """The y lines for the site's vocabulary (term → frequency), sorted by key (`words`: as
    `gather`)."""
    return pinyin_layer(frequency, pinyin_of, words)[0]


def pinyin_layer(
    frequency: Mapping[str, int],
    pinyin_of: Callable[[str], tuple[str, ...] | None] = toneless,
    words: list[str] | None = None,
) -> tuple[list[str], dict[str, Counter]]:
    """`pinyin_lines` and each character's readings (character → syllable → count), which
    `patch_layer` updates them from."""
    readings, by_syllables, by_initials = gather(frequency, pinyin_of, words)
    characters = characters_by_syllable(readings)
    lines = {SYLLABLES_KEY: inventory_line(characters)}
    for char, counts in readings.items():
        lines[char] = reading_line(counts)
    order = {s: i for i, s in enumerate(sorted(characters))}
    after: dict[str, set[str]] = defaultdict(set)
    for key in by_syllables:
        first, second = key.split(" ")
        after[first].add(second)
    for syllable, chars in characters.items():
        follow = followers_field(after[syllable], order)
        lines[syllable] = characters_line(syllable, chars, readings, follow)
    for key, entries in by_syllables.items():
        lines[key] = "\t".join(triples(entries, KEY_WORDS))
    for key, entries in by_initials.items():
        lines[key] = "\t".join(triples(entries, INITIAL_WORDS))
    return [f"{key}\t{lines[key]}" for key in sorted(lines)], readings


def characters_by_syllable(readings: Mapping[str, Mapping[str, int]]) -> dict[str, list[str]]:
    """The characters read with each syllable (the keys: every syllable the site uses)."""
    characters: dict[str, list[str]] = defaultdict(list)
    for char, counts in readings.items():
        for syllable in counts:
            characters[syllable].append(char)
    return characters


def reading_line(counts: Mapping[str, int]) -> str:
    """A character's line: its readings, most used first."""
    return " ".join(s for s, _ in sorted(counts.items(), key=lambda i: (-i[1], i[0])))


def characters_line(
    syllable: str, chars: list[str], readings: Mapping[str, Mapping[str, int]], follow: str
) -> str:
    """A syllable's line: its followers (`followers_field`), then the characters read so,
    weighted by how often they are."""
    entries = [(weight(readings[char][syllable]), char, "") for char in chars]
    return "\t".join([follow, *triples(entries, KEY_CHARACTERS)])


def patch_layer(
    changed: Iterable[str],
    before: Mapping[str, int],
    after: Mapping[str, int],
    syllables: dict[str, tuple[str, ...] | None],
    readings: dict[str, Counter],
    pinyin_of: Callable[[str], tuple[str, ...] | None] = toneless,
) -> tuple[dict[str, str | None], dict[str, tuple[str, ...] | None], dict[str, Counter]]:
    """The lines an edit changes, from the terms whose frequency changed (`before` → `after`):
    each changed Han word's characters, their syllables, its two-syllable and initials keys,
    and "~" when the syllables the site uses change. Returns those lines by key (None: the
    key has no line any more), and the words' syllables and the characters' readings after
    the edit (`syllables`, `readings`: before it, left as they are)."""
    used = {s for counts in readings.values() for s in counts}
    syllables, readings = dict(syllables), dict(readings)
    keys: set[str] = set()
    for word in changed:
        old, new = before.get(word, 0), after.get(word, 0)
        if old == new or len(word) > MAX_WORD or not HAN_PIECE.fullmatch(word):
            continue
        reading = syllables[word] if word in syllables else pinyin_of(word)
        if new:
            syllables[word] = reading
        else:
            syllables.pop(word, None)
        if reading is not None:
            _count_readings(readings, word, reading, new - old)
            keys |= {*word, *reading, *word_keys(word, reading)}
    if {s for counts in readings.values() for s in counts} != used:
        keys.add(SYLLABLES_KEY)
    return _lines_of(keys, after, syllables, readings), syllables, readings


def _count_readings(
    readings: dict[str, Counter], word: str, reading: tuple[str, ...], change: int
) -> None:
    """Add `change` uses of the word's reading to its characters' counts (a copy of each
    character's Counter replaces it: `readings` is a copy of the state's dict, not of its
    Counters); a reading no word uses any more goes, and a character without one."""
    for char, syllable in zip(word, reading, strict=True):
        counts = readings[char] = Counter(readings.get(char, ()))
        counts[syllable] += change
        if counts[syllable] <= 0:
            del counts[syllable]
        if not counts:
            del readings[char]


def word_keys(word: str, syllables: tuple[str, ...]) -> list[str]:
    """The keys of the lines a word may be on: its first two syllables, its initials."""
    if len(word) < 2:
        return []
    pair = [" ".join(syllables[:2])]
    return pair + [INITIALS + "".join(s[0] for s in syllables)] if len(word) >= 3 else pair


def _lines_of(
    keys: set[str],
    frequency: Mapping[str, int],
    syllables: dict[str, tuple[str, ...] | None],
    readings: dict[str, Counter],
) -> dict[str, str | None]:
    """The lines of `keys` (None: no line) and of "~" (`patch_layer`)."""
    characters = characters_by_syllable(readings)
    if SYLLABLES_KEY in keys:  # the syllables' places moved: every followers field may
        keys = keys | set(characters)
    lines: dict[str, str | None] = {}
    pairs = {tuple(key.split(" ")) for key in keys if " " in key}
    initials = {key[1:] for key in keys if key.startswith(INITIALS)}
    starts = {key[:2] for key in initials}
    members = [
        w
        for w, s in syllables.items()
        if s is not None
        and len(s) >= 2
        and (
            s[:2] in pairs
            or (
                len(s) >= 3 and s[0][0] + s[1][0] in starts and "".join(x[0] for x in s) in initials
            )
        )
    ]
    _, by_syllables, by_initials = gather(frequency, syllables.__getitem__, members)
    wanted = {key for key in keys if syllable_key(key) and key != SYLLABLES_KEY}
    after: dict[str, set[str]] = defaultdict(set)
    for w, s in syllables.items():
        if s is not None and len(s) >= 2 and s[0] in wanted and _keyed(w, frequency[w]):
            after[s[0]].add(s[1])
    order = {s: i for i, s in enumerate(sorted(characters))}
    for key in keys:
        if key == SYLLABLES_KEY:
            lines[key] = inventory_line(characters)
        elif key.startswith(INITIALS) or " " in key:
            entries = (by_initials if key.startswith(INITIALS) else by_syllables).get(key)
            keep = INITIAL_WORDS if key.startswith(INITIALS) else KEY_WORDS
            lines[key] = "\t".join(triples(entries, keep)) if entries else None
        elif key.isascii():
            chars = characters.get(key)
            follow = followers_field(after[key], order)
            lines[key] = characters_line(key, chars, readings, follow) if chars else None
        else:
            lines[key] = reading_line(readings[key]) if key in readings else None
    return lines
