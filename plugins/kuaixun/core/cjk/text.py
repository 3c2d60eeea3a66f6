"""The one definition of which characters are Chinese (CJK), and small text helpers.

Everything that asks "is this Chinese?" imports from here: the soft-line-break extension,
summaries, reading time, slugs and the search index. Change a range here, and all follow.
"""

from __future__ import annotations

import re

import lxml.html

# Han ideographs: the characters counted as "Chinese characters" (reading time, summaries).
HAN_RANGES = (
    ("\u2e80", "\u2eff"),  # CJK Radicals Supplement
    ("\u2f00", "\u2fdf"),  # Kangxi Radicals
    ("\u3007", "\u3007"),  # 〇 ideographic number zero (二〇二〇年)
    ("\u3400", "\u4dbf"),  # CJK Unified Ideographs Extension A
    ("\u4e00", "\u9fff"),  # CJK Unified Ideographs (almost every character in the news)
    ("\uf900", "\ufaff"),  # CJK Compatibility Ideographs
    ("\U00020000", "\U0002a6df"),  # CJK Unified Ideographs Extension B
    ("\U0002a700", "\U0002ee5f"),  # Extensions C, D, E, F and I
    ("\U0002f800", "\U0002fa1f"),  # CJK Compatibility Ideographs Supplement
    ("\U00030000", "\U000323af"),  # Extensions G and H
)

# Punctuation and other scripts written without spaces between words. A line break between
# two of these characters (or Han ones) is not a word space. Hangul is left out on purpose:
# Korean puts spaces between words.
CJK_OTHER_RANGES = (
    ("\u00b7", "\u00b7"),  # · middle dot in names (阿卜杜拉·买买提)
    ("\u2014", "\u2014"),  # — em dash, doubled as the Chinese dash ——
    ("\u2018", "\u201f"),  # ‘ ’ “ ” quotation marks used in Chinese text
    ("\u2026", "\u2026"),  # … horizontal ellipsis, doubled as ……
    ("\u3000", "\u303f"),  # CJK Symbols and Punctuation: 、。〈〉《》「」『』【】〔〕
    ("\u3040", "\u30ff"),  # Hiragana and Katakana
    ("\u3100", "\u312f"),  # Bopomofo (注音)
    ("\u31a0", "\u31bf"),  # Bopomofo Extended
    ("\u31f0", "\u31ff"),  # Katakana Phonetic Extensions
    ("\ufe10", "\ufe1f"),  # Vertical Forms
    ("\ufe30", "\ufe4f"),  # CJK Compatibility Forms (﹁﹂ and friends)
    ("\uff00", "\uffef"),  # Halfwidth and Fullwidth Forms: ，！？：；（）
)


def _char_class(ranges) -> str:
    return "".join(start if start == end else f"{start}-{end}" for start, end in ranges)


# Regular-expression character classes (without brackets), to build patterns elsewhere.
HAN_CLASS = _char_class(HAN_RANGES)
CJK_CLASS = HAN_CLASS + _char_class(CJK_OTHER_RANGES)

HAN_RE = re.compile(f"[{HAN_CLASS}]")
CJK_RE = re.compile(f"[{CJK_CLASS}]")
# A Latin "word" for reading time: letters or digits, with inner apostrophes or hyphens.
LATIN_WORD_RE = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’\-][A-Za-z0-9\u00c0-\u024f]+)*")

# Where a Chinese sentence ends, and where a clause inside it ends.
SENTENCE_ENDS = "。！？…"
CLAUSE_ENDS = "；，"
# Quotation marks and brackets that open and close a phrase; a summary never cuts inside one,
# and a closer right after a sentence end belongs to that sentence: “……说。”
OPENERS = "“‘「『（《〈【〔("
CLOSERS = "”’」』）》〉】〕)"


def is_han(char: str) -> bool:
    return bool(HAN_RE.fullmatch(char))


def is_cjk(char: str) -> bool:
    """True for Han characters and the punctuation and scripts written without spaces."""
    return bool(CJK_RE.fullmatch(char))


def count_han(text: str) -> int:
    return len(HAN_RE.findall(text))


def count_latin_words(text: str) -> int:
    return len(LATIN_WORD_RE.findall(text))


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML fragment, without tags (entities decoded)."""
    if not html.strip():
        return ""
    return lxml.html.fragment_fromstring(html, create_parent="div").text_content()
