"""Pelican's own warnings about an article or page, turned into errors that name the file.

Pelican resolves `{filename}`/`{static}` links only while writing, and then merely warns
("Unable to find 'x.md', skipping url replacement"), naming the link but not the article:
the site goes out with a dead link. Its log also drops a repeated message, so the second
article with the same dead link would go unnoticed. Here every article and page is rendered
once more before anything is written, each with its own listener, so every warning is tied
to the file (and, when the message quotes the link, the line) that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kuaixun import pelican_api
from kuaixun.core.problems import Problem, display_path

# The logger Pelican's link replacement writes to (pelican/contents.py).
CONTENT_LOGGER = "pelican.contents"


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def captured_warnings(name: str = CONTENT_LOGGER) -> Iterator[list[logging.LogRecord]]:
    """Warnings of one logger, every one of them, kept from Pelican's own log meanwhile."""
    logger = logging.getLogger(name)
    handler = _Records()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        # Pelican's log drops a message it has already logged once in this process.
        with pelican_api.without_log_limit(logger):
            yield handler.records
    finally:
        logger.propagate = propagate
        logger.removeHandler(handler)


def rendering_problems(contents: Iterable, content_root: Path) -> list[Problem]:
    problems = []
    for content in contents:
        # Rendered afresh: another plugin may have rendered the article already (and
        # Pelican's warning went unattributed).
        with captured_warnings() as records:
            pelican_api.render_links(content)
        if not records:
            continue
        shown = display_path(Path(content.source_path), content_root)  # resolves: costly
        for record in records:
            line = _line_quoting(content.source_path, record)
            problems.append(Problem(shown, line, *explain(record)))
    return problems


def explain(record: logging.LogRecord) -> tuple[str, str]:
    """(message, fix) in Chinese and English for Pelican's link warnings; others verbatim."""
    args = record.args if isinstance(record.args, tuple) else ()
    if record.msg.startswith("Unable to find") and args:
        return (
            f'链接 "{args[0]}" 找不到要链接的文章或文件 (Pelican: unable to find it)',
            "先修好那个文件本身的问题（见它自己的报错），或改正路径 "
            "(fix the linked file's own problem, or the path)",
        )
    if record.msg.startswith("The {attach} link") and len(args) >= 2:
        return (
            f"{{attach}} 的文件 {args[1]} 已经被别的文章附带，不能再放到这篇文章旁边 "
            "(the file is already attached to another article)",
            "同一个文件只能 {attach} 一次：这里改用 {static} (use {static} for a shared file)",
        )
    return (
        f"Pelican 警告 (warning): {record.getMessage()}",
        "检查这一行的链接：文章写 {filename}文件名.md，图片写 {static}/images/图片名 "
        "(fix the link)",
    )


def _line_quoting(source_path: str, record: logging.LogRecord) -> int | None:
    """The first line of the source that contains one of the message's arguments."""
    quoted = [a for a in record.args or () if isinstance(a, str) and len(a) > 2]
    # A message may name the linked file by its path from the content root: look for its name.
    quoted += [Path(a).name for a in quoted if "/" in a]
    try:
        lines = Path(source_path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, start=1):
        if any(q in line for q in quoted):
            return number
    return None
