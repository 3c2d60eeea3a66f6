"""Python-Markdown extension: a soft line break between two Chinese characters is no space.

Markdown keeps a source line break inside a paragraph as a newline, and browsers render it
as a word space: "社区\\n服务" shows as "社区 服务". Chinese has no spaces between words, so a
break between two CJK characters (Han, CJK punctuation; see cjk.text) is removed; a break
touching Latin text stays, because there it separates words.

The tree processor runs after inline parsing, so it sees the text of emphasis and links
("社区**服务**⏎活动") and joins across them; code and preformatted text are left untouched.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from kuaixun.core.cjk.text import is_cjk

# Elements whose text flows inside the surrounding block (a line break may cross them).
INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "del",
        "dfn",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    ]
)
# Elements whose own text must be kept exactly as written.
VERBATIM_TAGS = frozenset({"code", "kbd", "pre", "samp", "script", "style"})
SOFT_BREAK_RE = re.compile(r"[ \t]*\n[ \t]*")


class _Segment:
    """One text or tail slot of an element, in reading order within a block."""

    def __init__(self, element: etree.Element, slot: str, editable: bool):
        self.element, self.slot, self.editable = element, slot, editable

    @property
    def text(self) -> str:
        return getattr(self.element, self.slot) or ""

    @text.setter
    def text(self, value: str) -> None:
        setattr(self.element, self.slot, value)


def _runs(block: etree.Element) -> list[list[_Segment]]:
    """The block's inline text as runs of segments; a nested block element ends a run."""
    runs: list[list[_Segment]] = [[_Segment(block, "text", block.tag not in VERBATIM_TAGS)]]
    for child in block:
        if child.tag in INLINE_TAGS:
            runs[-1].extend(_inline_segments(child))
        else:
            runs.append([])
        runs[-1].append(_Segment(child, "tail", True))
    return runs


def _inline_segments(element: etree.Element, verbatim: bool = False):
    verbatim = verbatim or element.tag in VERBATIM_TAGS
    yield _Segment(element, "text", not verbatim)
    for child in element:
        yield from _inline_segments(child, verbatim)
        yield _Segment(child, "tail", not verbatim)


def _neighbour(run: list[_Segment], index: int, position: int, step: int) -> str:
    """The character one ``step`` from ``position`` in segment ``index`` ("" past the run)."""
    text = run[index].text
    position += step
    while not 0 <= position < len(text):
        index += step
        if not 0 <= index < len(run):
            return ""
        text = run[index].text
        position = 0 if step > 0 else len(text) - 1
    return text[position]


def join_soft_breaks(run: list[_Segment]) -> None:
    """Remove each line break (and the blanks around it) that has CJK on both sides."""
    for index, segment in enumerate(run):
        if not segment.editable or "\n" not in segment.text:
            continue

        def replace(match: re.Match, index=index) -> str:
            before = _neighbour(run, index, match.start(), -1)
            after = _neighbour(run, index, match.end() - 1, +1)
            return "" if is_cjk(before) and is_cjk(after) else match.group()

        segment.text = SOFT_BREAK_RE.sub(replace, segment.text)


class SoftBreakTreeprocessor(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for block in root.iter():
            if block.tag in INLINE_TAGS or block.tag in VERBATIM_TAGS:
                continue
            for run in _runs(block):
                join_soft_breaks(run)


class CJKExtension(Extension):
    def extendMarkdown(self, md):
        # After 'inline' (20), so emphasis and links are elements; before 'prettify' (10).
        md.treeprocessors.register(SoftBreakTreeprocessor(md), "cjk_soft_breaks", 15)


def makeExtension(**kwargs):
    return CJKExtension(**kwargs)
