"""The characters and shapes of a file that the check passes only if the build can too.

Word pastes control characters (vertical tab, NUL …) that XML feeds cannot hold: the build
crashed writing the feed. Ten thousand nested `>` or list levels make Markdown recurse or
take minutes. Both are content problems, reported by line before anything renders them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

from kuaixun.core.markdown import MAX_NESTING, nesting_depth, outside_code_blocks
from kuaixun.core.problems import Problem
from kuaixun.rules.registry import ContentFile, Site

# XML 1.0 refuses every C0 control but tab and line breaks; C1 controls and non-characters
# are invisible in an editor and never meant.
# The right-to-left embedding, override and isolate (U+202B, U+202E, U+2067) reverse what
# follows on screen: "拨打 \u202e0110" shows 0110 backwards; Chinese text never needs them.
# Nor the right-to-left and Arabic letter marks (U+200F, U+061C) and the first-strong
# isolate (U+2068), which with such a mark reverses a number as well. (Their left-to-right
# kin and U+202C, which phone numbers copied from a contact list carry around the digits,
# change nothing in Chinese text: they pass.) Written as character references ("&#x202E;"),
# Markdown passes them to the page as the characters: a line is read decoded too.
# Unicode's noncharacters too (U+FDD0–U+FDEF, the last two of every plane): an Atom feed
# cannot hold them, and a page shows them as nothing.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200f\u202b\u202e\u2067\u2068"
    "\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
_REFERENCE = re.compile(r"&#|&[A-Za-z]")
_NUMERIC = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}))")
_NAMES = {"\x0b": "垂直制表符 vertical tab", "\x0c": "换页符 form feed", "\x00": "空字符 NUL"}


def _named(char: str) -> str:
    name = _NAMES.get(char) or unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name})"


def referenced(line: str) -> str:
    """The characters a line's numeric references stand for, as a browser and lxml read them.
    `html.unescape` drops those HTML calls invalid (U+0001–U+0008, U+000B, U+000E–U+001F,
    U+007F, the noncharacters): read so, "&#x1;" passed the check, then stopped the feeds'
    writer with no file named, and "&#xFFFF;" made the feeds ill-formed XML."""

    def character(match: re.Match) -> str:
        number = int(match[1], 16) if match[1] else int(match[2])
        if 0x80 <= number <= 0x9F:  # windows-1252's, as HTML reads them; its holes stay C1
            return bytes([number]).decode("cp1252", errors="ignore") or chr(number)
        if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            return "\ufffd"
        return chr(number)

    return "".join(map(character, _NUMERIC.finditer(line)))


def control_problem(line: str) -> tuple[str, str] | None:
    if _REFERENCE.search(line):
        line += html.unescape(line) + referenced(line)
    found = sorted(set(_CONTROL.findall(line)))
    if not found:
        return None
    return (
        f"这一行有看不见的控制字符 {', '.join(_named(c) for c in found)}，常见于从 Word 粘贴 "
        "(control characters, pasted from Word)",
        "删掉它们：重新输入这一行，或先粘贴到记事本再复制过来 (retype the line)",
    )


def has_no_control_characters(file: ContentFile, site: Site) -> Iterator[Problem]:
    if file.lines and file.lines[0].startswith("\ufeff"):
        # A second byte-order mark (the first is dropped as the file is read): Pelican read
        # "\ufeffTitle" as no title and left the file out, saying only "Skipping".
        yield Problem(
            file.shown,
            1,
            "文件开头有两个 BOM 标记 (U+FEFF)，网站读不到第一行 (a second byte-order mark)",
            "用编辑器把文件另存为 UTF-8（不带 BOM），或删掉第一行开头看不见的字符再输入一遍",
        )
    for number, line in enumerate(file.lines, start=1):
        problem = control_problem(line)
        if problem:
            yield Problem(file.shown, number, *problem)


def nesting_is_shallow(file: ContentFile, site: Site) -> Iterator[Problem]:
    """The first line nested too deep (the lines after it usually are too: one message)."""
    deep = [
        n
        for n, line in outside_code_blocks(file.front.numbered_body())
        if nesting_depth(line) > MAX_NESTING
    ]
    if deep:
        yield Problem(
            file.shown,
            deep[0],
            f"引用 (>) 或列表嵌套超过 {MAX_NESTING} 层，共 {len(deep)} 行 (nesting too deep)",
            "减少行首的 > 或缩进 (use fewer levels)",
        )


# Git's conflict markers: a merge of two editors' changes to one file that nobody finished.
# Markdown would publish both versions, the markers as a heading (=======) and quotes (>>>).
_CONFLICT_START = re.compile(r"^<{7}(?: |$)")
_CONFLICT_END = re.compile(r"^>{7}(?: |$)")


def has_no_conflict_markers(file: ContentFile, site: Site) -> Iterator[Problem]:
    """Each unresolved conflict (<<<<<<< … >>>>>>>) once, at its first line; code blocks
    (an article explaining git) are text."""
    if not any(line.startswith("<<<<<<<") for line in file.lines):
        return
    start = None
    for number, line in outside_code_blocks(enumerate(file.lines, start=1)):
        if _CONFLICT_START.match(line):
            start = number
        elif _CONFLICT_END.match(line) and start is not None:
            yield Problem(
                file.shown,
                start,
                f"第 {start}–{number} 行是没解决的合并冲突 (a git merge conflict left in the file)",
                "两个版本留下要的那一个，删掉 <<<<<<<、=======、>>>>>>> 这几行标记",
            )
            start = None
