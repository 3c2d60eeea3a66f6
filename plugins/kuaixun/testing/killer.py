"""A build killed with SIGKILL at a chosen point, for the tests of an atomic build.

    python -m kuaixun.testing.killer POINT SETTINGS [JSON_OVERRIDES]

POINT is one of KILL_POINTS. Nothing in the site code knows about this: the point is
reached by wrapping a function of the build before it runs.
"""

from __future__ import annotations

import os
import signal
import sys

from kuaixun.core.search import export
from kuaixun.hooks import search
from kuaixun.tools import build

_real_exchange = build._exchange
_real_finish = search.finish


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after_search_wrote(pelican) -> None:
    """The search process has updated the cached export; nothing is published yet."""
    job = pelican.settings.get("SEARCH_JOB")
    if job is not None:
        job.join()
    _die()


def _after_pages_written(pelican) -> None:
    _real_finish(pelican)  # the export is linked into the staging folder too
    _die()


def _after_exchange(first, second) -> bool:
    done = _real_exchange(first, second)
    _die()
    return done


def _saving_killed(*_) -> None:
    """The index is published and the build goes on; the indexing process's saving of the
    caches for the next build dies after the records and the export's files, before its
    state and fingerprint."""
    _die()


KILL_POINTS = {
    "saving": lambda: setattr(export, "save_state", _saving_killed),
    "search-written": lambda: setattr(search, "finish", _after_search_wrote),
    "pages-written": lambda: setattr(search, "finish", _after_pages_written),
    "before-swap": lambda: setattr(build, "_swap", lambda *_: _die()),
    "after-exchange": lambda: setattr(build, "_exchange", _after_exchange),
}


if __name__ == "__main__":
    KILL_POINTS[sys.argv[1]]()
    sys.exit(build.main(sys.argv[2:]))
