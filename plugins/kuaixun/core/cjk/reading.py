"""Reading time counted the Chinese way.

Word-based estimates see a Chinese paragraph as one long "word". Readers take in about
400 Han characters a minute; Latin words (names, numbers, English terms) about 200.
"""

from __future__ import annotations

from kuaixun.core.cjk.text import count_han, count_latin_words

HAN_PER_MINUTE = 400
LATIN_WORDS_PER_MINUTE = 200


def reading_minutes(text: str) -> int:
    """Whole minutes to read ``text`` (plain text), rounded, and never less than 1."""
    minutes = count_han(text) / HAN_PER_MINUTE + count_latin_words(text) / LATIN_WORDS_PER_MINUTE
    return max(1, int(minutes + 0.5))
