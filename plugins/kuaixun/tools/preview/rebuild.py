"""make livereload's builds, each as short as the change it follows.

The first build reads and checks every file. After a save only the files that changed are read
again (the others as read before, contents.py) and checked (every rule on the saved files, the
rules over the whole site, every file's links: rules.check_changes). Then the pages an editor
waits for — the saved article's and the home page — are written at once and the browser
reloads, while a second process writes every other page, removes the pages of deleted
articles and updates the search export. Until it has written a page, the server holds a
request for it (`Generation.is_fresh`): the preview never shows a page older than the save.
The writer writes each page (and copies each theme file) beside it and renames it into place
(`pelican_api.WRITE_BY_RENAMING`): the server, reading while it writes, never reads one half
written.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from kuaixun import pelican_api
from kuaixun.core.problems import ALL_OUTPUTS, Problem
from kuaixun.rules import BEFORE_READING, CHANGES, Changes, check_changes
from kuaixun.rules.registry import MARKDOWN_EXTENSIONS, CheckMemory
from kuaixun.tools.build import collected_problems
from kuaixun.tools.preview.contents import ContentsAsRead


@dataclass
class Generation:
    """A build that passed the checks, and how far its writing has got."""

    pelican: Pelican
    generators: list
    started_ns: int = 0  # a page written since then is this build's
    first: set[Path] = field(default_factory=set)  # the pages written before the reload
    writer: BaseProcess | None = None  # every other page, then the search export
    messages: Connection | None = None  # the writer's reports: ("pages" | "search", problems)
    pages_written: bool = False
    problems: list[str] = field(default_factory=list)  # found while writing
    # Something besides Markdown changed (the theme's CSS, a photo in images/): the writer
    # copies it, so browsers reload once more when it has written everything.
    reload_when_written: bool = False

    def is_fresh(self, page: Path) -> bool:
        """Whether the file holds this build's page (a missing page is not written yet)."""
        if self.pages_written or page in self.first:
            return True
        try:
            return page.stat().st_mtime_ns >= self.started_ns
        except OSError:
            return False

    def receive(self) -> bool:
        """Take the writer's reports; True once it has ended."""
        assert self.messages is not None
        try:
            while self.messages.poll():
                stage, problems = self.messages.recv()
                self.problems += problems
                self.pages_written |= stage == "pages"
        except (EOFError, OSError):
            if not self.pages_written:  # killed, by us (superseded) or by the system
                self.problems = self.problems or ["预览没有写完网页 (the preview's writer ended)"]
            self.pages_written = True
            return True
        return False


class Preview:
    """The preview's site: its settings, what it has read and checked, its last good build."""

    def __init__(self, settings_file: Path, overrides: dict):
        self.settings_file = settings_file
        # Search is updated after the pages: the editor waits for the page, not the index.
        # Pelican's reader cache stays off: the preview keeps every content as read in memory
        # (contents.py), and that cache would pickle all of them again after every save.
        self.overrides = {
            **overrides,
            "SEARCH_AFTER_PAGES": True,
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            # The writer writes pages while the server reads them: never one half written.
            pelican_api.WRITE_BY_RENAMING: True,
        }
        self.contents = ContentsAsRead()
        self.memory = CheckMemory()  # what the content check read and judged
        self.checked = False  # the last build passed the checks: the next checks its changes
        self.current: Generation | None = None  # the last build that passed the checks
        self.writers: list[BaseProcess] = []
        self.builds = 0  # since the preview started, failed ones included

    def build(self, saved: set[Path] | None = None) -> list[Problem]:
        """Build after the files `saved` changed (None: anything may have). The problems, and
        then nothing is written (the last good build stays); else [] and the new build's
        first pages are on disk, the others being written by its writer process."""
        self.builds += 1
        self._stop_writing()
        settings = read_settings(str(self.settings_file), override=self.overrides)
        content_root = Path(settings["PATH"])
        edited = edited_markdown(saved, content_root)
        if code_changed(saved, content_root, Path(settings["THEME"])):
            self.contents.forget()  # the settings or plugins may read a file differently
        # After a failed build every file is checked again: its problems may be in files
        # not saved since, and must show until they are fixed.
        changes = settings[CHANGES] = Changes(edited if self.checked else None, self.memory)
        self.checked = False
        # A link, a FIFO, deep nesting: what Pelican would follow, block or crash on reading.
        unreadable = check_changes(settings, changes, BEFORE_READING)[0]
        if unreadable:
            return self._failed(unreadable)
        generation = None
        with collected_problems(settings) as problems:
            pelican = Pelican(settings)
            generation = Generation(pelican, pelican_api.generate(pelican, self.contents.serve))
            generation.reload_when_written = edited is None
            _write_first(generation, saved_markdown(saved, content_root))
        if problems or generation is None:
            return self._failed(problems)
        self.checked = True
        self._start_writing(generation)
        self.current = generation
        return []

    def is_fresh(self, page: Path) -> bool:
        return self.current is None or self.current.is_fresh(page)

    def status(self) -> dict:
        """builds: how many so far; pages_written: every page of the last good build is on
        disk; writing: a writer is still at work (the search export comes last)."""
        current = self.current
        return {
            "builds": self.builds,
            "pages_written": current is None or current.pages_written,
            "writing": any(writer.is_alive() for writer in self.writers),
        }

    def _stop_writing(self) -> None:
        """Stop the last build's writer unless its pages are written (it may be writing the
        search export, which is always finished)."""
        current = self.current
        if current is None or current.writer is None or current.messages is None:
            return
        current.receive()
        if not current.pages_written and current.writer.is_alive():
            current.writer.terminate()
            current.writer.join()

    def _failed(self, problems: list[Problem]) -> list[Problem]:
        """The last good build stays: its pages are written on, if its writer was stopped."""
        current = self.current
        if current is not None and not current.pages_written:
            self._start_writing(current)
        return problems

    def _start_writing(self, generation: Generation) -> None:
        context = get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self.writers = [w for w in self.writers if w.is_alive()]
        earlier = [w.sentinel for w in self.writers]
        writer = context.Process(
            target=_writer, args=(generation, send, earlier), name="preview-writer"
        )
        writer.start()
        send.close()
        generation.writer, generation.messages = writer, receive
        generation.pages_written, generation.problems = False, []
        self.writers.append(writer)


def saved_markdown(saved: set[Path] | None, content_root: Path) -> frozenset[Path]:
    """The Markdown files under the content folder among those saved (deleted ones left out)."""
    return frozenset(
        path
        for path in saved or ()
        if path.is_relative_to(content_root)
        and path.suffix in MARKDOWN_EXTENSIONS
        and path.is_file()
    )


def edited_markdown(saved: set[Path] | None, content_root: Path) -> frozenset[Path] | None:
    """The Markdown files saved, or None when anything else changed (a photo, a folder, the
    theme, the settings): then every file is checked."""
    if saved is None or any(
        not path.is_relative_to(content_root) or path.suffix not in MARKDOWN_EXTENSIONS
        for path in saved
    ):
        return None
    return saved_markdown(saved, content_root)


def code_changed(saved: set[Path] | None, content_root: Path, theme: Path) -> bool:
    """Whether anything but the content and the theme changed (the settings, the plugins), or
    what changed is not known: then every file is read again."""
    return saved is None or any(
        not (path.is_relative_to(content_root) or path.is_relative_to(theme)) for path in saved
    )


def saved_contents(generators: list, saved: frozenset[Path]) -> list:
    """The articles and pages of the files saved."""
    files = {str(path) for path in saved}
    return [
        content
        for generator in generators
        for content in pelican_api.contents_of(generator)
        if content.source_path in files
    ]


def _write_first(generation: Generation, saved: frozenset[Path]) -> None:
    """The pages the editor waits for: the saved articles' and pages', and the home page."""
    pelican = generation.pelican
    contents = saved_contents(generation.generators, saved)
    home = pelican.settings["INDEX_SAVE_AS"]
    generation.started_ns = time.time_ns()
    pelican_api.write_first(pelican, generation.generators, contents, {home})
    # This process renders again after the next save: what it rendered now is of no use.
    pelican_api.forget_all_rendered()
    names = [home] + [content.save_as for content in contents]
    generation.first = {Path(pelican.output_path) / name for name in names}


def _writer(generation: Generation, report: Connection, earlier: list[int]) -> None:
    with suppress(KeyboardInterrupt):  # Ctrl+C stops the preview, and its writer with it
        _write_the_rest(generation, report, earlier)


def _write_the_rest(generation: Generation, report: Connection, earlier: list[int]) -> None:
    """The writer process: every page, the removal of those no longer built, the sitemap, and
    (after every earlier writer, so that the newest export is the last) the search export."""
    # Second to the server: the editor's browser is fetching the pages written first.
    os.nice(10)
    pelican = generation.pelican
    pelican_api.make_current_run(pelican)  # the sitemap lists what this process writes
    with collected_problems(pelican.settings) as problems, pelican_api.copies_by_renaming():
        pelican_api.write(pelican, generation.generators)
        planned = generation.generators[0].context.get(ALL_OUTPUTS)
        if planned:
            remove_unplanned(Path(pelican.output_path), planned)
    report.send(("pages", [str(p) for p in problems]))
    if problems:
        return
    for sentinel in earlier:
        wait([sentinel])
    # From here on the writer finishes even when a newer build stops it: a search export
    # half written is worse than one a save late.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    with collected_problems(pelican.settings) as problems:
        pelican_api.finalize(pelican)
    report.send(("search", [str(p) for p in problems]))


def remove_unplanned(output: Path, planned: list[str]) -> None:
    """Delete the files of the output that the build no longer writes (the page of a deleted
    article, a listing's last page), and the folders left empty. `planned`: every file the
    build writes, a folder ending in "/" (the search export) with all it holds."""
    files = {os.path.normpath(name) for name in planned if not name.endswith("/")}
    folders = tuple(name for name in planned if name.endswith("/"))
    for where, _, names in os.walk(output, topdown=False):
        relative = os.path.relpath(where, output)
        for name in names:
            path = os.path.normpath(os.path.join(relative, name))
            if path not in files and not path.startswith(folders):
                os.unlink(os.path.join(where, name))
        if where != str(output) and not os.listdir(where):
            os.rmdir(where)
