"""Summaries for lists, feeds and search: the opening of the story, cut where a reader pauses.

Pelican counts a Chinese paragraph as one "word" and cuts HTML mid-phrase; it also keeps the
byline, so every summary would start 本报讯（记者 …）. Here the summary is the plain text of
the first paragraph(s) without the byline, about LOW–HIGH characters long, ending at a
sentence end (。！？…) or, failing that, a clause end (；，) shown as an ellipsis ……,
never inside quotation marks or brackets. A whole sentence of SHORTEST–LOW characters is
preferred to a longer summary that stops mid-sentence.
"""

from __future__ import annotations

import lxml.html

from kuaixun.core.cjk.byline import strip_byline
from kuaixun.core.cjk.text import CLAUSE_ENDS, CLOSERS, OPENERS, SENTENCE_ENDS, is_cjk

LOW, HIGH = 80, 120
SHORTEST = 60
ELLIPSIS = "……"


def paragraphs(html: str) -> list[str]:
    """The text of the top-level paragraphs of an article's HTML, in order."""
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    # Line breaks left between Latin words are spaces to a reader; a summary is one line.
    return [" ".join(p.text_content().split()) for p in root if p.tag == "p"]


def lead_text(texts: list[str], enough: int = HIGH) -> str:
    """The opening paragraphs, bylines removed, joined until there is ``enough`` text."""
    lead = ""
    for text in texts:
        text = strip_byline(text).strip()
        if not text.strip(ELLIPSIS + "…"):
            continue  # a bare byline line, or the …… that marks an omission
        if lead and not (is_cjk(lead[-1]) or is_cjk(text[0])):
            lead += " "
        lead += text
        if len(lead) >= enough:
            break
    return lead


def boundaries(text: str) -> list[tuple[int, bool]]:
    """(end, is_sentence_end) for every place outside brackets where ``text`` may be cut."""
    found, depth = [], 0
    for index, char in enumerate(text):
        if char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth = max(0, depth - 1)
        if char not in SENTENCE_ENDS + CLAUSE_ENDS or text[index + 1 : index + 2] == char:
            continue  # not a stop, or the first half of a doubled …… or ——
        end = index + 1
        closing = depth
        while end < len(text) and text[end] in CLOSERS and closing:
            end, closing = end + 1, closing - 1
        if closing == 0:
            found.append((end, char in SENTENCE_ENDS))
    return found


def cut(text: str, low: int = LOW, high: int = HIGH, shortest: int = SHORTEST) -> str:
    """``text`` cut at the best boundary, the first found of: the last sentence end in
    [low, high], in [shortest, low); the last clause end in [low, high]; the last boundary
    below ``low``; the first boundary above ``high``."""
    if len(text) <= high:
        return text
    stops = boundaries(text)
    sentence_ends = [stop for stop in stops if stop[1]]
    choice = (
        max((s for s in sentence_ends if low <= s[0] <= high), default=None)
        or max((s for s in sentence_ends if shortest <= s[0] < low), default=None)
        or max((s for s in stops if low <= s[0] <= high), default=None)
        or max((s for s in stops if s[0] < low), default=None)
        or min((s for s in stops if s[0] > high), default=None)
    )
    if choice is None:
        return text[:high] + ELLIPSIS
    end, is_sentence = choice
    return text[:end] if is_sentence else text[: end - 1] + ELLIPSIS


def summarize(html: str) -> str:
    """The plain-text summary of an article's HTML (no byline, no tags)."""
    return summarize_paragraphs(paragraphs(html))


def summarize_paragraphs(texts: list[str]) -> str:
    return cut(lead_text(texts))
