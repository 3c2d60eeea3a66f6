"""Markdown as the site reads it: code blocks and spans, and the renderer of bodies.

The issue pages render each editor's note (编者按) and the content check renders bodies to
judge their HTML; both must produce exactly what Pelican would, so both take this renderer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

# A fenced code block starts and ends with one of these lines.
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
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
    """The numbered lines outside fenced code blocks (the fences themselves left out)."""
    fenced = False
    for number, line in lines:
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, line


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
