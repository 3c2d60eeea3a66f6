"""A build killed with SIGKILL at a chosen point, for the tests of an atomic build.

    python -m kuaixun.testing.killer POINT SETTINGS [JSON_OVERRIDES]

POINT is one of KILL_POINTS. Nothing in the site code knows about this: the point is
reached by wrapping a function of the build before it runs. The points in the cold build's
tail (search/tail.py, a fresh interpreter the indexing process execs) are reached by
exec'ing this module's `tail` in its place, which wraps the tail's functions the same way:

    python -m kuaixun.testing.killer tail POINT CACHE_FOLDER

The points at the exchange of the folders are reached in the build's waiter too (a one-shot
build's process replaced by tools/finish_build.py), by exec'ing this module's `waiter`:

    python -m kuaixun.testing.killer waiter POINT PLAN_JSON

And Whoosh's process (search/whoosh_index.py) of a build killed at "tail-storing-whoosh-
waits" is this module's `whoosh-waits`, which waits for a file `WHOOSH_GO` in the search
cache before it writes the index, so that a test sees it outlive the build:

    python -m kuaixun.testing.killer whoosh-waits INDEX_FOLDER
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kuaixun.core.search import export, tail, whoosh_index
from kuaixun.core.search.export import pack
from kuaixun.hooks import search
from kuaixun.rules import build_check
from kuaixun.tools import build, finish_build, staging

_real_exchange = staging.exchange
_real_finish = search.finish


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after_search_wrote(pelican) -> None:
    """The search process has updated the cached export; nothing is published yet."""
    job = pelican.settings.get("SEARCH_JOB")
    if job is not None:
        search.pages_written()  # as `finish` does before it waits: a whole export waits for it
        job.join()
    _die()


def _after_pages_written(pelican) -> None:
    """Pelican is done and search's `finish` ran: in a build that ends in one process the
    export is linked into the staging folder; in a one-shot build the indexing process is
    handed to the waiter, and goes on alone once the build dies."""
    _real_finish(pelican)
    _die()


def _after_exchange(first, second) -> bool:
    done = _real_exchange(first, second)
    _die()
    return done


def _tail_killed_at(point: str):
    """The indexing process's exec of the tail made an exec of this module's `tail`, which
    kills the tail at `point` (TAIL_POINTS)."""
    real_execv = os.execv

    def execv(path, args):
        if args[1:3] == ["-m", tail.__name__]:
            args = [args[0], "-m", "kuaixun.testing.killer", "tail", point, *args[3:]]
        real_execv(path, args)

    return lambda: setattr(os, "execv", execv)


def _waiter_killed_at(point: str):
    """Wrap the staging folder's function at `point` (WAITER_POINTS) here, for a build that
    ends in this process, and in the waiter's image, for a build that hands its end over."""
    real_execv = os.execv

    def execv(path, args):
        if args[1:3] == ["-m", finish_build.__name__]:
            args = [args[0], "-m", "kuaixun.testing.killer", "waiter", point, *args[3:]]
        real_execv(path, args)

    def wrap() -> None:
        WAITER_POINTS[point]()
        os.execv = execv

    return wrap


# In the search cache folder: the go of a Whoosh process that waits (`whoosh-waits`).
WHOOSH_GO = "whoosh.go"


def _whoosh_waits() -> None:
    """Whoosh's process started in place of search/whoosh_index.py is this module's
    `whoosh-waits`, which waits for `WHOOSH_GO` (`_wait_and_write_whoosh`)."""
    real_popen = subprocess.Popen

    class Popen(real_popen):  # type: ignore[misc,valid-type]
        def __init__(self, args, *rest, **options):
            if list(args[1:3]) == ["-m", whoosh_index.__name__]:
                args = [args[0], "-m", "kuaixun.testing.killer", "whoosh-waits", *args[3:]]
            super().__init__(args, *rest, **options)

    subprocess.Popen = Popen  # type: ignore[misc]


def _wait_and_write_whoosh(folder: str) -> int:
    """Whoosh's process, once `WHOOSH_GO` is in the search cache (at most two minutes). It
    lets go of its standard streams first: the build's standard error, so that the build's
    streams close when the build dies, and its output to the tail, which is dead by then."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    go, deadline = Path(folder).parent / WHOOSH_GO, time.monotonic() + 120
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return whoosh_index.main([folder])


def _killed_with_whoosh_waiting() -> None:
    _whoosh_waits()
    _tail_killed_at("storing")()


def _dying_at_second_call(function):
    calls: list[int] = []

    def wrapped(*args, **kwargs):
        if calls:
            _die()
        calls.append(1)
        return function(*args, **kwargs)

    return wrapped


TAIL_POINTS = {
    # Before the export is stored: the cache holds the state and the scratch texts, no mark.
    "storing": lambda: setattr(tail, "finish_spilled", lambda *_: _die()),
    # The export stored and marked as made from the records; the packer killed after the
    # first file of the new published index, before its entry.
    "packing": lambda: setattr(pack, "_write", _dying_at_second_call(pack._write)),
}


AHEAD_KILLED = "content-check-ahead-killed"


def _check_ahead_killed(settings: dict, *_) -> None:
    (Path(settings["CACHE_PATH"]) / AHEAD_KILLED).touch()
    _die()


# The article `link-after-check-ahead` makes: a link to a file outside content/.
LINKED_ARTICLE = "articles/linked-after-the-check.md"
_real_check_and_send = build_check._check_and_send


def _link_after_check(settings: dict, changes, now, edited, send) -> None:
    class LinkedThenSent:  # the link made once the check has walked the folder
        def send(self, found) -> None:
            (Path(settings["PATH"]) / LINKED_ARTICLE).symlink_to("/etc/hostname")
            send.send(found)

    _real_check_and_send(settings, changes, now, edited, LinkedThenSent())


def _saving_killed(*_) -> None:
    """The index is published and the build goes on; the indexing process's saving of the
    caches for the next build dies after the records and the export's files, before its
    state and fingerprint."""
    _die()


WAITER_POINTS = {
    "before-swap": lambda: setattr(staging, "swap", lambda *_: _die()),
    "after-exchange": lambda: setattr(staging, "exchange", _after_exchange),
}


KILL_POINTS = {
    "tail-storing": _tail_killed_at("storing"),
    "tail-packing": _tail_killed_at("packing"),
    # The tail killed before it stores the export, its Whoosh process (started before the
    # tail) left waiting for WHOOSH_GO: it outlives the build.
    "tail-storing-whoosh-waits": _killed_with_whoosh_waiting,
    "saving": lambda: setattr(export, "save_state", _saving_killed),
    # Pelican's process killed once it has read the articles, before it hands them to the
    # indexing process started at its start (hooks/search.py `preload`), which is left
    # waiting for them with the search cache's lock.
    "articles-read": lambda: setattr(search, "gather", lambda *_: _die()),
    # The fork that sends the articles to that indexing process killed before it sends
    # them: the indexing process reads an empty pipe, and the build must fail.
    "articles-sending": lambda: setattr(search, "_send_articles", lambda *_: _die()),
    "search-written": lambda: setattr(search, "finish", _after_search_wrote),
    "pages-written": lambda: setattr(search, "finish", _after_pages_written),
    # The content check a rebuild starts beside Pelican's reading (rules/build_check.py,
    # check_ahead) killed before it answers, leaving AHEAD_KILLED in the cache folder.
    "content-check-ahead": lambda: setattr(build_check, "_check_and_send", _check_ahead_killed),
    # The check ahead answers, then a symbolic link article appears before Pelican reads.
    "link-after-check-ahead": lambda: setattr(build_check, "_check_and_send", _link_after_check),
    "before-swap": _waiter_killed_at("before-swap"),
    "after-exchange": _waiter_killed_at("after-exchange"),
}


if __name__ == "__main__":
    if sys.argv[1] == "tail":
        TAIL_POINTS[sys.argv[2]]()
        sys.exit(tail.main(sys.argv[3:]))
    if sys.argv[1] == "whoosh-waits":
        sys.exit(_wait_and_write_whoosh(sys.argv[2]))
    if sys.argv[1] == "waiter":
        WAITER_POINTS[sys.argv[2]]()
        sys.exit(finish_build.main(sys.argv[3:]))
    KILL_POINTS[sys.argv[1]]()
    sys.exit(build.main(sys.argv[2:]))
