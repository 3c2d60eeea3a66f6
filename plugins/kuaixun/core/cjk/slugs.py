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
   keeps the plain slug (zheng-zhi-xue-xi). A later one whose plain slug is taken:
   - by the same words (two articles with one title) gets the first one's slug with ``-2``,
     ``-3`` … (chong-ren-she-qu-2): tones would not tell the two apart, only make the URL
     unreadable; the content check tells the editor about the pair;
   - by a homophone gets the tone-number slug (zheng4-zhi4-xue2-xi2); if that is taken too,
     ``-2``, ``-3`` … is added to it (zheng4-zhi4-xue2-xi2-2).
3. Categories, tags and reporters follow the same rule within their own kind, a name's
   place in the order being the earliest article that uses it. One name keeps one slug.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import rjieba
from pypinyin import Style, lazy_pinyin

from kuaixun.core.page_ids import is_theme_id

MAX_SYLLABLES = 8
# And at most this many characters: a syllable is a run of Latin letters or digits too, and a
# title or tag with a word of 300 letters stopped the build ("File name too long": a name
# may hold 255 bytes). Cut at the last hyphen within it, or at it.
MAX_SLUG_CHARS = 80
EMPTY_SLUG = "wen-zhang"  # 文章: for a title with no letters, digits or Han characters


def _bounded(joined: str, separator: str = "-") -> str:
    if len(joined) <= MAX_SLUG_CHARS:
        return joined
    cut = joined[: MAX_SLUG_CHARS + 1].rfind(separator)
    return joined[: cut if cut > 0 else MAX_SLUG_CHARS]


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
    return _bounded("-".join(syllables(text, tones=tones)[:max_syllables])) or EMPTY_SLUG


def heading_id(text: str, separator: str = "-") -> str:
    """Anchor for a heading (Markdown toc's ``slugify``): ## 投稿与联系 → #tou-gao-yu-lian-xi.
    The toc extension's default keeps only ASCII, so Chinese headings became #_1, #_2.
    An anchor the theme's pages already use (## Main → main) gets ``h-`` before it."""
    anchor = _bounded(separator.join(syllables(text)[:MAX_SYLLABLES]), separator)
    return f"h{separator}{anchor}" if is_theme_id(anchor) else anchor


# pinyin_slug, or a function that returns what it would (a build's memo of it).
SlugOf = Callable[..., str]


def unique_slug(
    text: str,
    taken: set[str],
    first_of: dict[str, str] | None = None,
    slug_of: SlugOf = pinyin_slug,
) -> str:
    """The first free slug for ``text`` by the collision rule; it is added to ``taken``.

    ``first_of`` maps a text to the slug it got first; keep one dict per run, so the same
    text a second time gets ``-2`` rather than tones (homophones 孙露/孙璐 read the same even
    with tones, so the text, not its reading, says "the same words")."""
    first_of = {} if first_of is None else first_of
    words = text.strip()
    plain = slug_of(words)
    if plain not in taken:
        slug = plain
    elif words in first_of:
        slug = _numbered(first_of[words], taken)
    else:
        toned = slug_of(words, tones=True)
        slug = toned if toned not in taken else _numbered(toned, taken)
    first_of.setdefault(words, slug)
    taken.add(slug)
    return slug


def _numbered(base: str, taken: set[str]) -> str:
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def assign_slugs(
    names: Iterable[str], taken: Iterable[str] = (), slug_of: SlugOf = pinyin_slug
) -> dict[str, str]:
    """Slugs for ``names`` given in priority order (earliest first); repeats keep theirs."""
    taken = set(taken)
    first_of: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for name in names:
        if name not in slugs:
            slugs[name] = unique_slug(name, taken, first_of, slug_of)
    return slugs
