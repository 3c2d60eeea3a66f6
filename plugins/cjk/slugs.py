"""Pinyin slugs: readable, stable URLs for Chinese titles and names."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

MAX_SYLLABLES = 8


def pinyin_slug(text: str, *, tones: bool = False, max_syllables: int = MAX_SYLLABLES) -> str:
    """平城区 规范市容 → ping-cheng-qu-gui-fan-shi-rong (tones: ping2-cheng2-…)."""
    style = Style.TONE3 if tones else Style.NORMAL
    words = []
    for piece in lazy_pinyin(text, style=style, errors=lambda chars: list(chars)):
        words.extend(re.findall(r"[a-z0-9]+", piece.lower()))
    return "-".join(words[:max_syllables]) or "wen-zhang"
