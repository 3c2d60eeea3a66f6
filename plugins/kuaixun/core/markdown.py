"""Markdown as the site reads it: code blocks and spans, and the renderer of bodies.

The issue pages render each editor's note (编者按) and the content check renders bodies to
judge their HTML; both must produce exactly what Pelican would, so both take this renderer.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator

from markdown.extensions.fenced_code import FencedBlockPreprocessor

# A fenced code block, as the Markdown the site renders with finds it.
_FENCED_BLOCK = FencedBlockPreprocessor.FENCED_BLOCK_RE
# A CommonMark code span: a run of backticks, then text, then a run of the same length
# (``a`b`` is one span showing a`b). What a code span shows is never a link or HTML.
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


# The blockquote markers and indentation a line starts with (tabs count as four columns).
_LEADING = re.compile(r"^[ \t>]*")
MAX_NESTING = 20


def nesting_depth(line: str) -> int:
    """How deep a line nests: each `>` one level, each two columns of indentation one. Deep
    nesting makes Python-Markdown recurse (10,000 `>`) or take minutes (nested lists)."""
    prefix = _LEADING.match(line)[0].expandtabs(4)  # type: ignore[index]
    quotes = prefix.count(">")
    return quotes + (len(prefix) - quotes) // 2


def without_code_spans(line: str) -> str:
    """A Markdown line without its `code spans`."""
    return CODE_SPAN.sub("", line) if "`" in line else line


def outside_code_blocks(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """The numbered lines outside fenced code blocks (the fences themselves left out).

    A block is what Python-Markdown's own fenced_code pattern finds: a fence closed by the
    same fence. An unclosed fence is text, and the links after it are links: a check that
    took it for code would let `{static}../../etc/passwd` through to Pelican (found by
    tests/test_strict_properties.py)."""
    numbered = list(lines)
    text = "".join(line + "\n" for _, line in numbered)
    starts, offset = [], 0
    for _, line in numbered:
        starts.append(offset)
        offset += len(line) + 1
    inside: set[int] = set()
    for block in _FENCED_BLOCK.finditer(text):
        first = bisect_right(starts, block.start()) - 1
        last = bisect_right(starts, block.end() - 1) - 1
        inside.update(range(first, last + 1))
    for index, pair in enumerate(numbered):
        if index not in inside:
            yield pair


def markdown_renderer(settings: dict) -> Callable[[str], str]:
    """Markdown → HTML with the site's MARKDOWN settings (Pelican's default without them):
    the same extensions, soft CJK line breaks included, as the articles."""
    from markdown import Markdown

    if "MARKDOWN" in settings:
        config = settings["MARKDOWN"]
    else:
        from pelican.settings import DEFAULT_CONFIG

        config = DEFAULT_CONFIG["MARKDOWN"]
    configs = config.get("extension_configs", {})
    md = Markdown(
        extensions=list(configs) + list(config.get("extensions", [])),
        extension_configs=configs,
        output_format=config.get("output_format", "html5"),
    )
    return lambda body: md.reset().convert(body)
