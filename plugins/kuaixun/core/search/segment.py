"""Cutting article text into search terms and verbatim grams.

Terms come from jieba in search mode, through our own `jieba.Tokenizer` (never jieba's
global one) loaded with the bundled user dictionary (content/search/userdict.txt) and the
site's reporters, tags and categories. Grams are every character and every pair of
adjacent characters of a word run: they let any verbatim string be found, even one jieba
never produced as a term (孙露 when cut as 孙 + 露, single characters, unknown words).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from itertools import repeat
from operator import add, itemgetter
from pathlib import Path

import jieba
import rjieba

from kuaixun.core.search import userdict
from kuaixun.core.search.normalize import HAN, word_runs

# Inside a word run, Han pieces go to jieba; ASCII letters/digits stay whole ("covid", "120").
PIECE = re.compile(f"[{HAN}]+|[0-9a-z]+")
HAN_PIECE = re.compile(f"[{HAN}]+")
# The same pieces found in a whole text at once, each a Han piece or another (a word run is
# a maximal run of both kinds, so its pieces are the text's maximal runs of each kind).
PIECES = re.compile(f"([{HAN}]+)|([0-9a-z]+)")
# Joins a text's word runs for `grams`: a character no word run holds.
RUN_SEPARATOR = "\n"
# A user-dictionary line: word, then optional frequency and part-of-speech tag.

jieba.setLogLevel(logging.WARNING)


def read_user_dictionary(path: Path) -> dict[str, int | None]:
    """Words of the editors' dictionary (`userdict.parse`; the content check reports the
    lines it leaves out, and the file's encoding, so a build never gets this far with them)."""
    if not path.exists():
        return {}
    return userdict.parse(path.read_bytes().decode("utf-8", errors="replace"))[0]


# jieba scores a way of cutting by its words' frequencies over the dictionary's total, so a
# word added to the dictionary changes the total, and with it, however slightly, the cut of
# texts that do not hold the word; the cache reuses those texts' cuts (index.refresh_records).
# jieba's own Tokenizer lets the total be set; jieba-rs only adds to it. So both count the
# added words' frequencies as a step of the total (`added_total`): the smallest power of two
# at least their sum, and never less than ADDED_TOTAL_FLOOR; jieba-rs's is filled up to the
# step by a ballast entry that no text can hold (only Han pieces are cut). The total then
# moves only when the sum crosses a step, and the cache cuts every text again when it does.
# (A user dictionary of four words at 10,000,000 each made the rebuilt index differ from a
# cold build in seven buckets.) 2**17 is ≈ 0.2 % of jieba's 60,101,967; the site's own
# words sum to ≈ 27,000 at 7,183 articles.
ADDED_TOTAL_FLOOR = 1 << 17
BALLAST = "\ufdd0\ufdd1"


def added_total(words: dict[str, int]) -> int:
    """How much the total of the cutter's dictionary exceeds jieba's own, for `words`."""
    return 1 << max(ADDED_TOTAL_FLOOR.bit_length() - 1, (sum(words.values()) - 1).bit_length())


class Segmenter:
    """jieba search-mode cutting with a fixed set of extra dictionary words.

    engine "rjieba" (jieba-rs, ≈ 30 × faster) is the fast path; "jieba" is the reference.
    tests/test_search_segment.py proves they cut our content identically with our
    dictionaries; docs/search.md has the measurements.
    """

    def __init__(self, extra_words: dict[str, int | None], engine: str = "rjieba", cutter=None):
        """`cutter`: an `rjieba.Jieba()` made ahead (its dictionary loaded: 0.1 s of CPU),
        never used before; else one is made here."""
        self.engine = engine
        words = {w: f for w, f in sorted(extra_words.items()) if len(w) > 1}
        if engine == "jieba":
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            base_total = tokenizer.total
            # Frequencies are fixed before any word is added, against jieba's own dictionary,
            # and the total is set afterwards (ADDED_TOTAL_FLOOR): then a word can change the
            # cut of a text only if it occurs in that text, or moves the total a step, which
            # is what lets the cache reuse old cuts.
            self.words = {w: f or tokenizer.suggest_freq(w, False) for w, f in words.items()}
            for word, freq in self.words.items():
                tokenizer.add_word(word, freq)
            tokenizer.total = base_total + added_total(self.words)
            self._cut = tokenizer.cut_for_search
        else:
            if cutter is None:  # an instance of its own, never the module's shared one
                cutter = rjieba.Jieba()
            self.words = {w: f or cutter.suggest_freq(w) for w, f in words.items()}
            for word, freq in self.words.items():
                cutter.add_word(word, freq, None)
            ballast = added_total(self.words) - sum(self.words.values())
            if ballast:
                cutter.add_word(BALLAST, ballast, None)
            self._cut = functools.partial(cutter.cut_for_search, hmm=True)

    def terms(self, text: str) -> list[str]:
        """Search terms of normalised text, in order (search mode adds the parts of long words)."""
        terms: list[str] = []
        cut = self._cut
        for han, other in PIECES.findall(text):
            if han:
                terms.extend(filter(str.strip, cut(han)))  # (search mode yields no spaces)
            else:
                terms.append(other)
        return terms


def grams(text: str) -> set[str]:
    """Every character and adjacent pair of characters inside the word runs of `text`.

    The runs are joined by a separator and their pairs made in C (`map(add, …)`), the
    pairs that straddle a separator taken out: the same set as each run's characters and
    pairs gathered run by run, in ≈ 0.7 of the time (4.9 s against 6.8 s for the 7,183
    articles of the benchmark; docs/search.md, "Seventeenth look")."""
    runs = word_runs(text)
    joined = RUN_SEPARATOR.join(runs)
    found = set(joined)
    found.discard(RUN_SEPARATOR)
    pairs = set(map(add, joined, joined[1:]))
    pairs.difference_update(map(add, map(itemgetter(-1), runs), repeat(RUN_SEPARATOR)))
    pairs.difference_update(map(add, repeat(RUN_SEPARATOR), map(itemgetter(0), runs)))
    return found | pairs


def site_words(names: Iterable[str]) -> dict[str, int | None]:
    """Reporters, tags and categories as dictionary words (frequency suggested by jieba)."""
    return {name: None for name in names if name and not any(c.isspace() for c in name)}
