"""Pinyin slugs: readable, stable URLs for Chinese titles, categories, tags and reporters.

Pelican makes slugs with unidecode, which reads each character alone: polyphones come out
wrong (参加 in "170余人参加" as shen-jia) and homophones collide (整治 and 政治 both
zheng-zhi; reporters 孙露 and 孙璐 both sun-lu). Here the text is split into words first
(jieba), each word read by pypinyin, and at most MAX_SYLLABLES syllables are kept.

Collision rule (deterministic, the same on every build):
1. An editor's ``Slug:`` always wins and is never changed. (Two equal ``Slug:`` lines are
   a content error reported by the bulletin validator, not resolved here.)
2. The other articles are taken in order of date, then source path — published and hidden
   ones before drafts, so a draft can never take a published article's URL. The earliest
   keeps the plain slug (zheng-zhi-xue-xi); a later one whose plain slug is taken gets the
   tone-number slug (zheng4-zhi4-xue2-xi2); if that is taken too, ``-2``, ``-3`` … is added
   to it (zheng4-zhi4-xue2-xi2-2).
3. Categories, tags and reporters follow the same rule within their own kind, a name's
   place in the order being the earliest article that uses it. One name keeps one slug.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import rjieba
from pypinyin import Style, lazy_pinyin

MAX_SYLLABLES = 8
EMPTY_SLUG = "wen-zhang"  # 文章: for a title with no letters, digits or Han characters


def syllables(text: str, *, tones: bool = False) -> list[str]:
    """170余人参加 → ['170', 'yu', 'ren', 'can', 'jia']: words first, so 参加 is can-jia."""
    style = Style.TONE3 if tones else Style.NORMAL
    result = []
    for word in rjieba.cut(text):
        for piece in lazy_pinyin(word, style=style):
            result.extend(re.findall(r"[a-z0-9]+", piece.lower()))
    return result


def pinyin_slug(text: str, *, tones: bool = False, max_syllables: int = MAX_SYLLABLES) -> str:
    """平城区 规范市容 → ping-cheng-qu-gui-fan-shi-rong (tones: ping2-cheng2-…)."""
    return "-".join(syllables(text, tones=tones)[:max_syllables]) or EMPTY_SLUG


def heading_id(text: str, separator: str = "-") -> str:
    """Anchor for a heading (Markdown toc's ``slugify``): ## 投稿与联系 → #tou-gao-yu-lian-xi.
    The toc extension's default keeps only ASCII, so Chinese headings became #_1, #_2."""
    return separator.join(syllables(text)[:MAX_SYLLABLES])


def unique_slug(text: str, taken: set[str]) -> str:
    """The first free slug for ``text`` by the collision rule; it is added to ``taken``."""
    slug = pinyin_slug(text)
    if slug in taken:
        toned = pinyin_slug(text, tones=True)
        slug, number = toned, 2
        while slug in taken:
            slug, number = f"{toned}-{number}", number + 1
    taken.add(slug)
    return slug


def assign_slugs(names: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Slugs for ``names`` given in priority order (earliest first); repeats keep theirs."""
    taken = set(taken)
    slugs: dict[str, str] = {}
    for name in names:
        if name not in slugs:
            slugs[name] = unique_slug(name, taken)
    return slugs
