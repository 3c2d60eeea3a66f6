"""A strict, atomic Pelican build.

Pelican skips a broken file with exit code 0 and writes straight into output/. Here the
site is built into a sibling temporary folder; every problem (ours and Pelican's own
errors) is collected, and output/ is replaced only when there were none.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pelican import Pelican, signals
from pelican.settings import read_settings

from kuaixun import pelican_api
from kuaixun.core.memo import Memo, settle_cache_path
from kuaixun.core.problems import (
    ContentErrors,
    Problem,
    crash_problem,
    display_path,
    format_report,
)
from kuaixun.rules import BEFORE_READING, CHANGES, Changes, build_check, check_changes, check_site
from kuaixun.tools import finish_build
from kuaixun.tools import staging as staging_folder

# The setting naming the site a build replaces (hooks/pages.py links unchanged files from it).
PREVIOUS_OUTPUT = "PREVIOUS_OUTPUT_PATH"
_FILE_NAMES = re.compile(r"[\w./-]+\.[A-Za-z0-9]{1,5}\b")
_PATHS = re.compile(r"[^\s'\":]+")
# The verdicts of the check before reading, in the build's versioned cache folder.
BEFORE_READING_MEMO = "rules-memo-before-reading.pickle"
# The plugins whose work the build settles or starts ahead (named: tools import no hooks).
CACHES_PLUGIN = "kuaixun.hooks.caches"
STRICT_PLUGIN = "kuaixun.hooks.bulletin"


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


def build_site(
    settings_file: str, overrides: dict | None = None, *, one_shot: bool = False, built: str = ""
) -> list[Problem]:
    """Build the site; return the problems found (empty when output/ was replaced).

    One build at a time (a lock beside output/); the site is built into a staging folder
    and exchanged with output/ in one step, so a failed, interrupted or killed build leaves
    output/ as it was, and the scratch folders it left are emptied by the next build.
    The staging folder starts from the folders of the site before the last one (kept empty
    beside output/): a site of 7,183 articles has ≈ 9,500 folders, and making and removing
    them all at every build cost more than rendering the few pages an edit changes.

    A `one_shot` build (the process ends with it) whose search indexing process ran does
    not return once Pelican is done without a problem: its process becomes the waiter
    (tools/finish_build.py), which publishes the index, replaces output/, prints `built`,
    and exits with the build's status (or prints the problem and exits 1).
    """
    settings = read_settings(settings_file, override=overrides or {})
    final = Path(settings["OUTPUT_PATH"]).resolve()
    staging = final.with_name(f".{final.name}.building")
    with build_lock(final) as lock:
        staging_folder.prepare(final, staging)
        # The content folder is read once for both checks: this one and the strict check
        # before writing (hooks/bulletin/strict.py) share it through the settings.
        changes = settings[CHANGES] = Changes(None)
        settings["OUTPUT_PATH"] = str(staging)
        settings["DELETE_OUTPUT_DIRECTORY"] = False
        # Files whose inputs did not change are linked from the site this build replaces.
        settings[PREVIOUS_OUTPUT] = str(final)
        if one_shot:  # hooks/search.finish leaves the indexing process to the waiter
            settings[finish_build.WAITER] = {}
        # A symbolic link, FIFO, control characters or deep nesting: Pelican would follow,
        # block, crash or recurse while reading. The content check alone reports them all.
        if _check_before_reading(settings, changes):
            return check_changes(settings, changes)[0]
        if STRICT_PLUGIN in settings.get("PLUGINS", []):
            build_check.check_ahead(settings)  # the strict check's content rules, meanwhile
        try:
            problems = _run_pelican(settings)
        finally:
            build_check.forget_ahead(changes)  # Pelican failed before the strict check asked
        waiting = settings.pop(finish_build.WAITER, None) or {}
        if "job" in waiting and not problems:
            finish_build.hand_over(waiting["job"], waiting["index"], lock, staging, final, built)
        _search_hook("pages_written")  # its forks wait for Pelican's pages (hooks/search.py)
        if "job" in waiting:
            waiting["job"].join()  # failed anyway: its own error, if any, is on stderr
        if problems:
            staging_folder.keep_folders(staging, final)
            return problems
        staging_folder.prune_empty_folders(staging)
        staging_folder.swap(staging, final)
    return []


def _check_before_reading(settings: dict, changes: Changes) -> list[Problem]:
    """The problems Pelican must not read. The verdicts on each file's text are remembered
    as the strict check's are (a rebuild judges again only the files that changed), in the
    cache folder of these settings and this code, settled here as the caches plugin would:
    the settings are the ones Pelican is given."""
    if CACHES_PLUGIN not in (settings.get("PLUGINS") or []):
        return check_changes(settings, changes, BEFORE_READING)[0]
    settle_cache_path(settings, passing=(CHANGES,))
    memo = Memo(Path(settings["CACHE_PATH"]) / BEFORE_READING_MEMO)
    problems = check_changes(settings, changes, BEFORE_READING, memo)[0]
    memo.save()
    return problems


def _run_pelican(settings: dict) -> list[Problem]:
    with collected_problems(settings) as problems, lasting_objects_frozen():
        try:
            Pelican(settings).run()
        finally:
            # A Pelican run that failed sends no `finalized`: the indexing process the search
            # plugin started with Pelican still waits for the articles, and the process would
            # hang at exit joining it.
            _search_hook("_close_preloaded")
    return problems


def _search_hook(name: str) -> None:
    """Call the search plugin's function `name` if the plugin is loaded. Looked up, not
    imported: a build without the plugin (bare) does not load the search's modules."""
    search = sys.modules.get("kuaixun.hooks.search")
    if search is not None:
        getattr(search, name)()


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
        problems.extend(check_site(settings) or [crash_problem(error)])
    finally:
        pelican_logger.removeHandler(handler)
        problems.extend(_unreported(handler.problems, problems))
        problems[:] = sorted(set(problems))


@contextmanager
def build_lock(final: Path) -> Iterator[int]:
    """Hold the build lock beside output/: a second build waits, and says why. Yields the
    lock file's descriptor (the waiter keeps it open: tools/finish_build.py)."""
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
        yield handle.fileno()


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


def build_and_report(
    settings_file: str | Path,
    overrides: dict | None = None,
    *,
    one_shot: bool = False,
    built: str = "",
) -> int:
    """Build the site and print every problem for the editor, or `built` once output/ is
    replaced; the exit status (0: built). A `one_shot` build may end the process itself
    (`build_site`)."""
    problems = build_site(str(settings_file), overrides, one_shot=one_shot, built=built)
    if problems:
        print(format_report(problems), file=sys.stderr)
        return 1
    if built:
        print(built)
    return 0


def ends_process() -> bool:
    """Whether a build may end this process in the waiter's image: not under a profiler
    or a tracer (cProfile, coverage), which write what they saw when the process ends."""
    return sys.getprofile() is None and sys.gettrace() is None


def main(argv: list[str] | None = None) -> int:
    """python -m kuaixun.tools.build SETTINGS [JSON_OVERRIDES]: the build the tests run."""
    import json

    args = sys.argv[1:] if argv is None else argv
    overrides = json.loads(args[1]) if len(args) > 1 else {}
    return build_and_report(args[0], overrides, one_shot=ends_process())


if __name__ == "__main__":
    sys.exit(main())
