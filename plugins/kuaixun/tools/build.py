"""A strict, atomic Pelican build.

Pelican skips a broken file with exit code 0 and writes straight into output/. Here the
site is built into a sibling temporary folder; every problem (ours and Pelican's own
errors) is collected, and output/ is replaced only when there were none.
"""

from __future__ import annotations

import ctypes
import fcntl
import gc
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pelican import Pelican, signals
from pelican.settings import read_settings

from kuaixun import pelican_api
from kuaixun.core.problems import ContentErrors, Problem, display_path, format_report
from kuaixun.rules import BEFORE_READING, CHANGES, Changes, check_changes, check_site

# The setting naming the site a build replaces (hooks/pages.py links unchanged files from it).
PREVIOUS_OUTPUT = "PREVIOUS_OUTPUT_PATH"
_FILE_NAMES = re.compile(r"[\w./-]+\.[A-Za-z0-9]{1,5}\b")
_PATHS = re.compile(r"[^\s'\":]+")


class _PelicanErrors(logging.Handler):
    """Turns Pelican's own error and warning records into problems."""

    def __init__(self, content_root: Path):
        super().__init__(level=logging.WARNING)
        self.content_root = content_root
        self.problems: list[Problem] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        path = "pelican"
        if record.args and isinstance(record.args, tuple):
            first = str(record.args[0])
            if first.endswith((".md", ".markdown", ".html", ".rst")):
                path = display_path(Path(first), self.content_root)
        # Pelican logs a skipped file without exc_info; we are still inside its except block.
        error = (record.exc_info or sys.exc_info())[1]
        if error is not None:
            message = f"{message}: {type(error).__name__}: {error}"
        self.problems.append(Problem(path, None, message, "see the message above"))


def build_site(settings_file: str, overrides: dict | None = None) -> list[Problem]:
    """Build the site; return the problems found (empty when output/ was replaced).

    One build at a time (a lock beside output/); the site is built into a staging folder
    and exchanged with output/ in one step, so a failed, interrupted or killed build leaves
    output/ as it was, and the scratch folders it left are emptied by the next build.
    The staging folder starts from the folders of the site before the last one (kept empty
    beside output/): a site of 7,183 articles has ≈ 9,500 folders, and making and removing
    them all at every build cost more than rendering the few pages an edit changes.
    """
    settings = read_settings(settings_file, override=overrides or {})
    final = Path(settings["OUTPUT_PATH"]).resolve()
    staging = final.with_name(f".{final.name}.building")
    with build_lock(final):
        _prepare_staging(final, staging)
        # The content folder is read once for both checks: this one and the strict check
        # before writing (hooks/bulletin/strict.py) share it through the settings.
        changes = settings[CHANGES] = Changes(None)
        # A symbolic link, FIFO, control characters or deep nesting: Pelican would follow,
        # block, crash or recurse while reading. The content check alone reports them all.
        if check_changes(settings, changes, BEFORE_READING)[0]:
            return check_changes(settings, changes)[0]
        settings["OUTPUT_PATH"] = str(staging)
        settings["DELETE_OUTPUT_DIRECTORY"] = False
        # Files whose inputs did not change are linked from the site this build replaces.
        settings[PREVIOUS_OUTPUT] = str(final)
        problems = _run_pelican(settings)
        if problems:
            _keep_folders(staging, final)
            return problems
        _prune_empty_folders(staging)
        _swap(staging, final)
    return []


def _run_pelican(settings: dict) -> list[Problem]:
    with collected_problems(settings) as problems, lasting_objects_frozen():
        Pelican(settings).run()
    return problems


@contextmanager
def lasting_objects_frozen() -> Iterator[None]:
    """Spare the cyclic garbage collector the objects that live as long as the build.

    Each full collection scans every object alive: the modules at first, then the 7,183
    articles as read, again and again while the pages are rendered (a second of CPU in a
    one-article rebuild). gc.freeze() moves what is alive into a generation no collection
    scans: once when the build starts, once when the articles are read (before the search
    process forks, whose copy of the pages is not touched by a scan either). Garbage made
    later is collected as before; everything is thawed when the build ends, as a process
    that builds again (the tests) keeps no cycles of an old build forever."""
    gc.freeze()
    signals.article_generator_finalized.connect(_freeze, weak=False)
    try:
        yield
    finally:
        signals.article_generator_finalized.disconnect(_freeze)
        gc.unfreeze()


def _freeze(generator) -> None:
    gc.freeze()


@contextmanager
def collected_problems(settings: dict) -> Iterator[list[Problem]]:
    """Every problem of the Pelican work done meanwhile, in the list given: our content
    errors, Pelican's own warnings and errors, a crash named. None of them is raised."""
    # Pelican's log drops a warning it already printed in this process; livereload builds
    # again and again in one process, and a warning dropped would let a bad build through.
    pelican_api.forget_logged_messages()
    handler = _PelicanErrors(Path(settings["PATH"]))
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(handler)
    problems: list[Problem] = []
    try:
        yield problems
    except ContentErrors as errors:
        problems.extend(errors.problems)
    except Exception as error:  # a template or plugin bug: named, never a bare traceback
        # Content the check finds wrong may make a plugin fail before the strict check runs
        # (a key written twice): then the content is the problem, not the site code.
        problems.extend(check_site(settings) or [_crash(error)])
    finally:
        pelican_logger.removeHandler(handler)
        problems.extend(_unreported(handler.problems, problems))
        problems[:] = sorted(set(problems))


@contextmanager
def build_lock(final: Path) -> Iterator[None]:
    """Hold the build lock beside output/: a second build waits, and says why."""
    lock_file = final.with_name(f".{final.name}.lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"另一个构建正在进行，等它结束…… (another build of {final.name}/ is running: "
                "waiting for it)",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        # Released when closed, not unlocked: the search process, forked with this file
        # open, keeps the lock until it is done writing the cache, even after a kill.
        yield


def _prepare_staging(final: Path, staging: Path) -> None:
    """An empty staging folder, with the folders the last build kept when there are any.

    First what a killed build left: an output/ that a build killed between two renames
    (where the exchange is not available) had moved is put back; its staging folder (or the
    site it replaced, killed just after the exchange) is emptied of files and used.
    """
    old = final.with_name(f".{final.name}.old")
    if old.exists() and not final.exists():
        old.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    kept = _folders_kept(final)
    if staging.is_dir() and not staging.is_symlink():
        shutil.rmtree(kept, ignore_errors=True)
        _remove_files(staging)
    else:
        with suppress(FileNotFoundError):
            staging.unlink()  # not a folder: nothing of ours
        with suppress(FileNotFoundError):
            kept.rename(staging)


def _folders_kept(final: Path) -> Path:
    """Where the folders of a replaced site wait, empty, for the next build's staging."""
    return final.with_name(f".{final.name}.folders")


def _keep_folders(site: Path, final: Path) -> None:
    """Empty a replaced site (or a failed build's staging folder) of its files and keep its
    folders for the next build (a build that failed before writing made none)."""
    if not site.is_dir():
        return
    _remove_files(site)
    kept = _folders_kept(final)
    shutil.rmtree(kept, ignore_errors=True)  # none unless a killed build left one
    site.rename(kept)


def _remove_files(folder: Path) -> None:
    """Unlink every file under `folder` (links not followed); the folders stay."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _remove_files(Path(entry.path))
            else:
                os.unlink(entry.path)


def _prune_empty_folders(folder: Path) -> bool:
    """Remove the folders under `folder` left without a file (kept from an older site and not
    written in this build); True when `folder` itself holds nothing now."""
    empty = True
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and _prune_empty_folders(Path(entry.path)):
                os.rmdir(entry.path)
            else:
                empty = False
    return empty


def _unreported(pelican_problems: list[Problem], ours: list[Problem]) -> list[Problem]:
    """Pelican's records, minus those about files our own checks already explained.

    Some of Pelican's messages name the files only in their text (two articles with one
    slug), as paths relative to the content folder or absolute.
    """
    explained = {p.path for p in ours}
    names = {str(Path(p).resolve()) for p in explained} | explained
    # A missing file our checks already named, as a dead link or a photo ("Cannot get
    # modification stamp for content/images/x.jpg", "Unable to find 'x.jpg'").
    linked = " ".join(
        p.message for p in ours if p.message.startswith(("链接", "照片", "找不到照片"))
    )

    def about_explained(problem: Problem) -> bool:
        if problem.path in explained or any(name in problem.message for name in names):
            return True
        mentioned = _FILE_NAMES.findall(problem.message)
        # Paths without an extension too (a link to ../../etc/passwd, refused by the check).
        mentioned += [t for t in _PATHS.findall(problem.message) if "/" in t]
        return any(Path(name).name and Path(name).name in linked for name in mentioned)

    return [p for p in pelican_problems if not about_explained(p)]


def _crash(error: Exception) -> Problem:
    """Where an unexpected error happened (a template line, a plugin), as a problem."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = frames[-1] if frames else None
    return Problem(
        display_path(Path(where.filename), Path.cwd()) if where else "pelican",
        where.lineno if where else None,
        f"构建出错 (build crashed): {type(error).__name__}: {error}",
        "这是网站程序或模板的问题，不是文章的问题；请告诉网站维护者 (a bug in the site code)",
    )


def _swap(staging: Path, final: Path) -> None:
    """Put the new site in place in one step: output/ is at every moment either the old site
    or the new one, whenever the build is killed."""
    if not final.exists():
        staging.rename(final)
    elif _exchange(staging, final):
        _keep_folders(staging, final)  # now the old site
    else:  # no renameat2 (macOS): two renames; _prepare_staging repairs a kill between them
        old = final.with_name(f".{final.name}.old")
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return done == 0


def build_and_report(settings_file: str | Path, overrides: dict | None = None) -> int:
    """Build the site and print every problem for the editor; the exit status (0: built)."""
    problems = build_site(str(settings_file), overrides)
    if problems:
        print(format_report(problems), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """python -m kuaixun.tools.build SETTINGS [JSON_OVERRIDES]: the build the tests run."""
    import json

    args = sys.argv[1:] if argv is None else argv
    overrides = json.loads(args[1]) if len(args) > 1 else {}
    return build_and_report(args[0], overrides)


if __name__ == "__main__":
    sys.exit(main())
