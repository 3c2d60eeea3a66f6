"""A one-shot build whose waiter (tools/finish_build.py) says what it was, for the tests.

    python -m kuaixun.testing.waiter_probe REPORT INDEXING SETTINGS [JSON_OVERRIDES]

The build runs as `python -m kuaixun.tools.build` does, with two changes. Its indexing
process first waits until the build's process has become the waiter (so the waiter always
has it to wait for, however fast the site indexes), then indexes (INDEXING "runs") or is
killed with SIGKILL ("killed"). And the build's exec of the waiter becomes an exec of this
module's `waiter`, which runs the waiter's `main` and writes REPORT (JSON): its process
number and the build's, whether the indexing process was its child, whether the build lock
was held while output/ was exchanged, its largest resident memory, and the modules it
imported; and REPORT.indexing says when the indexing process was forked and how many of
Pelican's articles it holds from the fork. Only the standard library is imported at the
top, as in the waiter.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import signal
import sys
import time
from pathlib import Path

# How long the indexing process waits for the build's process to become the waiter before
# it goes on anyway (a build that never hands over: the test then fails on the report).
_WAIT_FOR_WAITER = 300
_MODULE = "kuaixun.testing.waiter_probe"  # run as __main__


def build(report: str, indexing: str, argv: list[str]) -> int:
    from kuaixun.hooks import search
    from kuaixun.tools import build, finish_build

    build_pid = os.getpid()
    real_execv, real_index = os.execv, search._index_in_child
    real_preloaded = search._index_preloaded

    def execv(path, args):
        if args[1:3] == ["-m", finish_build.__name__]:
            args = [args[0], "-m", _MODULE, "waiter", report, str(build_pid), *args[3:]]
        real_execv(path, args)

    def inherited(how: str) -> None:
        # What the indexing process got of Pelican's by forking: the articles it had read.
        from pelican.contents import Article

        gc.unfreeze()  # the build froze what Pelican had made (tools/build.py): seen again
        held = sum(isinstance(o, Article) for o in gc.get_objects())
        gc.freeze()
        Path(f"{report}.indexing").write_text(json.dumps({"started": how, "articles": held}))

    def index_in_child(settings, contents):
        inherited("with the articles")
        _wait_for_waiter(build_pid)
        if indexing == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        real_index(settings, contents)

    def index_preloaded(*args):
        # The indexing process started as Pelican starts (hooks/search.preload).
        inherited("with Pelican")
        _wait_for_waiter(build_pid)
        if indexing == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        real_preloaded(*args)

    os.execv = execv
    search._index_in_child = index_in_child
    search._index_preloaded = index_preloaded
    return build.main(argv)


def _wait_for_waiter(build_pid: int) -> None:
    cmdline = Path(f"/proc/{build_pid}/cmdline")
    for _ in range(_WAIT_FOR_WAITER * 50):
        if f"\0{_MODULE}\0waiter\0".encode() in cmdline.read_bytes():
            return
        time.sleep(0.02)


def waiter(report: str, build_pid: str, argv: list[str]) -> int:
    from kuaixun.tools import finish_build, staging

    plan = json.loads(argv[0])
    said: dict = {"pid": os.getpid(), "build_pid": int(build_pid)}
    try:
        stat = Path(f"/proc/{plan['indexing']}/stat").read_text()
        said["indexing_parent"] = int(stat.rsplit(")", 1)[1].split()[1])
    except OSError:
        said["indexing_parent"] = None
    real_swap = staging.swap

    def swap(staging: Path, final: Path) -> None:
        said["locked_at_swap"] = _locked(final.with_name(f".{final.name}.lock"))
        real_swap(staging, final)

    staging.swap = swap
    code = finish_build.main(argv)
    status = Path("/proc/self/status").read_text().splitlines()
    said["peak_rss_kb"] = int(next(x for x in status if x.startswith("VmHWM:")).split()[1])
    said["modules"] = sorted(sys.modules)
    Path(report).write_text(json.dumps(said))
    return code


def _locked(lock_file: Path) -> bool:
    """Whether some open file holds the lock (a new open file of ours cannot take it)."""
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


if __name__ == "__main__":
    if sys.argv[1] == "waiter":
        sys.exit(waiter(sys.argv[2], sys.argv[3], sys.argv[4:]))
    sys.exit(build(sys.argv[1], sys.argv[2], sys.argv[3:]))
