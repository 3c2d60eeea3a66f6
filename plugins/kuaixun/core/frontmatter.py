"""Front matter: the ``Key: value`` lines at the top of a Markdown file, read as Pelican does.

Pelican reads them with Python-Markdown's meta extension, so this module uses its grammar:
an optional ``---`` first line, one ``Key: value`` per line (ASCII key, ASCII colon), lines
indented four spaces continue the value before, the header ends at the first blank line (or
a YAML ``---``/``...`` fence). Articles, pages and issue files (期) are all read here; every
line keeps its number, so a problem can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kuaixun.core.cjk.text import HAN_RE

# Python-Markdown's meta extension (markdown/extensions/meta.py).
_KEY_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
_CONTINUATION = re.compile(r"^[ ]{4,}(?P<value>.*)$")
_YAML_FENCE = re.compile(r"^(-{3}|\.{3})(\s.*)?$")
# 标题：… or Tags：…: what an editor on a Chinese keyboard types. Not a header for Pelican.
WIDE_COLON = re.compile(r"^\s*(?P<key>[^\s:：]+)\s*：\s*(?P<value>.*)$")

# What separates the names of an ``Authors:`` or ``Tags:`` list. Pelican splits on "," only
# (on ";" when there is one): 孙露、段雨萌 would be one reporter, 重阳节，敬老 one tag. The
# build (hooks.cjk), the check, the search's vocabulary, `make new` and the importer all
# split with `split_list`.
LIST_SEPARATORS = ",，、;；"
LIST_KEYS = ("authors", "tags")
_LIST_SEPARATOR_RE = re.compile(f"[{LIST_SEPARATORS}]")


def split_list(value: str) -> list[str]:
    """孙露、段雨萌；王强 → ['孙露', '段雨萌', '王强']; empty and repeated names dropped."""
    names = (name.strip() for name in _LIST_SEPARATOR_RE.split(value))
    return list(dict.fromkeys(name for name in names if name))


def has_list_separator(name: str) -> bool:
    return bool(_LIST_SEPARATOR_RE.search(name))


@dataclass(frozen=True)
class Header:
    key: str  # lower-cased, as Pelican stores it
    written: str  # as the editor wrote it
    value: str
    line: int


@dataclass
class FrontMatter:
    """A Markdown file split: header lines with their numbers, the lines that are not
    ``Key: value``, and the body (its first line is number `body_start`)."""

    headers: list[Header] = field(default_factory=list)
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    body_start: int = 1
    # The text began right after the header, without the blank line between (各位居民：):
    # the number of that first text line.
    unseparated_text: int | None = None

    def get(self, key: str) -> Header | None:
        """The first header `key` (lower case): the one Pelican keeps."""
        return next((h for h in self.headers if h.key == key), None)

    def value(self, key: str) -> str:
        header = self.get(key)
        return header.value.strip() if header else ""

    def numbered_body(self) -> Iterator[tuple[int, str]]:
        return enumerate(self.body, start=self.body_start)


def read_front_matter(text: str) -> FrontMatter:
    """Split a Markdown file's text into its header lines and its body."""
    front = FrontMatter()
    lines = split_lines(text.lstrip("\ufeff"))
    index = 1 if lines and _YAML_FENCE.match(lines[0]) and lines[0].startswith("-") else 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or _YAML_FENCE.match(line):
            break
        if front.headers and looks_like_text(line):
            # As Pelican reads it too: the header ended, this line is the text's first.
            front.unseparated_text = index
            index -= 1
            break
        _read_header_line(front, index, line)
    front.body = lines[index:]
    front.body_start = index + 1
    return front


def looks_like_text(line: str) -> bool:
    """各位居民：, 本报讯（记者 孙露）…: Chinese text, not a header line gone wrong. A header
    mistake has a key and a value (标题：…, Title 标题); text has no colon at all, or ends
    with one (a salutation)."""
    stripped = line.strip()
    if not HAN_RE.search(stripped) or re.match(r"[A-Za-z]", stripped):
        return False
    inner = stripped.rstrip(":：")
    return ":" not in inner and "：" not in inner


def split_lines(text: str) -> list[str]:
    """Lines as Python-Markdown splits them: at line breaks only. str.splitlines also splits
    at a vertical tab, form feed or U+2028 an editor pasted, and the line numbers drift."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and not lines[-1] else lines


def _read_header_line(front: FrontMatter, number: int, line: str) -> None:
    match = _KEY_LINE.match(line)
    if match:
        key = match["key"]
        front.headers.append(Header(key.lower(), key, match["value"], number))
    elif _CONTINUATION.match(line) and front.headers:
        last = front.headers[-1]
        value = f"{last.value} {line.strip()}"
        front.headers[-1] = Header(last.key, last.written, value, last.line)
    else:
        front.bad_lines.append((number, line))


def header_line(text: str, key: str) -> int | None:
    """The line of header `key` (lower case) in a Markdown file's text, None without one."""
    header = read_front_matter(text).get(key)
    return header.line if header else None
