"""The one text normalisation of search, used on articles at build time and on queries.

theme/static/js/search/core.js ports `normalize` exactly: NFKC (full-width digits and
letters become ASCII), lower case, then traditional → simplified folding one character at a
time with the map in t2s.txt. Folding per character (not OpenCC's phrase tables) keeps the two
implementations identical; the map is generated from OpenCC so it stays authoritative.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from kuaixun.core.cjk.text import HAN_CLASS

T2S_FILE = Path(__file__).with_name("t2s.txt")

# Which characters are Han is decided once, in the cjk plugin.
HAN = HAN_CLASS
# A "word run" is what search matches inside: Han characters and ASCII letters/digits after
# normalisation. Everything else (punctuation, spaces, emoji, kana…) separates runs.
WORD_RUN = re.compile(f"[{HAN}0-9a-z]+")
HAN_CHAR = re.compile(f"[{HAN}]")


@cache
def t2s_map() -> dict[str, str]:
    """Traditional character → simplified character, from t2s.txt (one pair per line)."""
    pairs = T2S_FILE.read_text(encoding="utf-8").split()
    return {pair[0]: pair[1] for pair in pairs}


@cache
def _t2s_table() -> dict[int, str]:
    return str.maketrans(t2s_map())


def normalize(text: str) -> str:
    """NFKC, lower-case, fold traditional characters to simplified ones."""
    return unicodedata.normalize("NFKC", text).lower().translate(_t2s_table())


def word_runs(text: str) -> list[str]:
    """The runs of Han characters and ASCII letters/digits in already normalised text."""
    return WORD_RUN.findall(text)


def generate_t2s_map() -> dict[str, str]:
    """Ask OpenCC (t2s) about every Han code point; keep those that change to one character."""
    import opencc

    converter = opencc.OpenCC("t2s")
    ranges = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)]
    table = {}
    for low, high in ranges:
        for code in range(low, high + 1):
            ch = chr(code)
            # NFKC first, exactly as normalize() does, so the map sees what it will be given.
            source = unicodedata.normalize("NFKC", ch)
            simplified = converter.convert(source)
            if len(source) == 1 and len(simplified) == 1 and simplified != source:
                table[source] = simplified
    return table


def write_t2s_map(path: Path = T2S_FILE) -> int:
    table = generate_t2s_map()
    lines = [f"{trad}{simp}" for trad, simp in sorted(table.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    # python -m search.normalize: regenerate t2s.txt after upgrading opencc.
    print(f"t2s.txt: {write_t2s_map()} characters")
