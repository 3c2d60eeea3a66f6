"""The editors' user dictionary (content/search/userdict.txt): jieba's format, one word a line
("词语 词频 词性", frequency and part of speech optional), `#` lines are comments.

Read the same way by the search (`segment.read_user_dictionary`) and by the content check
(rules/dictionary.py): a line the search would not take is a problem the check names with
its line, not a word left out in silence. No jieba here: `make check` reads this."""

from __future__ import annotations

import re
from pathlib import Path

LINE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+(\S+))?\s*$")
# jieba's commonest word (的) counts 318,825: a frequency past this is a slip of the keys, and
# jieba-rs takes none past 2**64 (it stopped the build with OverflowError).
MAX_FREQUENCY = 10_000_000
# What jieba takes into one word (its re_han_default: Han, letters, digits and + # & . _ % -):
# a word with any other character ("平城区，2000", the comma typed for a space) is never cut.
NOT_IN_A_WORD = re.compile(r"[^\w+#&.%-]")


def dictionary_path(settings: dict) -> Path:
    """SEARCH_USER_DICT, a path below the content folder (PATH) unless absolute."""
    path = Path(settings["SEARCH_USER_DICT"])
    return path if path.is_absolute() else Path(settings["PATH"]) / path


def parse(text: str) -> tuple[dict[str, int | None], list[tuple[int, str]]]:
    """(word → frequency or None, the (number, text) of each line that is not a word)."""
    words: dict[str, int | None] = {}
    bad: list[tuple[int, str]] = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        frequency = match.group(2) if match else None
        # (its digits counted first: Python reads no number of 4,300 digits or more)
        too_large = frequency and (len(frequency) > 8 or int(frequency) > MAX_FREQUENCY)
        if not match or too_large or NOT_IN_A_WORD.search(match.group(1)):
            bad.append((number, line))
            continue
        words[match.group(1)] = int(frequency) if frequency else None
    return words, bad
