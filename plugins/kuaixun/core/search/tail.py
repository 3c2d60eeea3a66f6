"""The indexing process's tail: Whoosh's process, and, after a whole export, storing and
packing it in a fresh process image beside a new Whoosh index.

A cold build's indexing process is a fork of Pelican's that has cut every article and made
the whole export: at its end it held ≈ 700 MB RSS (its records, the vocabulary's lines and
buckets, what Python keeps of freed memory), and the export's compressing forks and the
packer (≈ 11 s of one core, the other idle) ran in it or beside it; Whoosh's new index
(≈ 11 s of one core) ran beside the export's range forks, taking a core from them. After
a whole export the process now replaces itself (`hand_over`: `os.execv`, the same process,
so the build still waits for it and reads its exit status) with `python -m
kuaixun.core.search.tail CACHE`, which compresses the export's texts from their scratch
file, saves it, and packs it while Whoosh writes its index on the other core
(docs/search.md, "Cold build", eighth pass).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import pickle
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from kuaixun.core.search.export import SpilledExport, finish_spilled, refresh_published
from kuaixun.core.search.index import BuildReport, Record, whoosh_document

# In the search cache folder, for the moments between the indexing process and its tail:
# what the tail is handed, and the documents of a new Whoosh index.
HANDOFF = "tail.pickle"
DOCUMENTS = "whoosh-documents.pickle"
# A new Whoosh index's parts, written by a whole export's range forks (export/full.py).
WHOOSH_PARTS = "whoosh-parts"
# Held by the indexing process and the saving it leaves behind (`cache_lock`); and what
# that saving took (`save_detached`).
LOCK = "indexing.lock"
SAVED = "last-save.json"
# The descriptor of `cache_lock` this process holds, if any (a tail: the one it was handed).
_held: list[int] = []


def save_documents(cache_folder: Path, records: dict[str, Record]) -> Path:
    """The records' Whoosh documents pickled into the cache folder, for `start_whoosh`: a
    new index after an export that was not whole (a whole one hands Whoosh the parts its
    forks made: `start_whoosh_from_parts`)."""
    path = cache_folder / DOCUMENTS
    documents = [whoosh_document(record) for record in records.values()]
    with path.open("wb") as sink:
        pickle.dump(documents, sink, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def start_whoosh(folder: Path, documents: dict[str, Record] | Path) -> subprocess.Popen:
    """Start bringing the Whoosh index in `folder` in line with the records (or with the
    documents `save_documents` wrote, a file removed once Whoosh has it open), in a fresh
    interpreter handed their documents (`whoosh_index.main`; `finish_whoosh` waits for it).

    Not a fork: a fork of the indexing process kept the old copy of every page of the
    records that process touched after the fork (≈ 300 MB PSS at 7,183 articles), and a
    fork of a fresh interpreter would import jieba and pypinyin (docs/search.md, "Cold
    build", sixth pass).

    It holds the search cache's lock (`cache_lock`) until it ends, when this process holds
    it: a build whose process alone was killed (not its process group) leaves its Whoosh
    writing, and the next build's indexing process waits for it instead of writing the same
    index beside it."""
    command = [sys.executable, "-m", "kuaixun.core.search.whoosh_index", str(folder)]
    held = tuple(_held[-1:])
    if isinstance(documents, Path):
        with documents.open("rb") as source:
            whoosh = subprocess.Popen(command, stdin=source, stdout=subprocess.PIPE, pass_fds=held)
        documents.unlink()
        return whoosh
    whoosh = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=held)
    assert whoosh.stdin is not None  # a pipe, asked for above
    handed = [whoosh_document(record) for record in documents.values()]
    with contextlib.suppress(BrokenPipeError):  # it failed at once: finish_whoosh says so
        pickle.dump(handed, whoosh.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        whoosh.stdin.close()
    return whoosh


def start_whoosh_from_parts(folder: Path, parts: Path) -> subprocess.Popen:
    """Start writing a new Whoosh index in `folder` from the parts a whole export's range
    forks wrote in `parts` (`whoosh_index.write_from_parts`, which removes them), in a fresh
    interpreter holding the cache's lock as `start_whoosh`'s does."""
    command = [sys.executable, "-m", "kuaixun.core.search.whoosh_index", str(folder)]
    command += ["--parts", str(parts)]
    held = tuple(_held[-1:])
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, pass_fds=held
    )


@dataclass
class HandedWhoosh:
    """A Whoosh process `start_whoosh` started before `hand_over`, as the tail finds it: its
    number (the tail is the same process, so still its parent) and its standard output's
    descriptor, kept open across the exec."""

    pid: int
    stdout: int


def hand_whoosh(whoosh: subprocess.Popen) -> HandedWhoosh:
    """`whoosh` as the tail that replaces this process will find it (`hand_over`)."""
    assert whoosh.stdout is not None  # a pipe (start_whoosh)
    os.set_inheritable(whoosh.stdout.fileno(), True)
    return HandedWhoosh(whoosh.pid, whoosh.stdout.fileno())


def finish_whoosh(whoosh: subprocess.Popen | HandedWhoosh) -> tuple[str, float]:
    """Wait for `start_whoosh`'s process (or the one handed over): what it did and its
    seconds; raises if it failed (its traceback is on the build's standard error)."""
    if isinstance(whoosh, HandedWhoosh):
        with os.fdopen(whoosh.stdout, "rb") as stdout:
            said = stdout.read()
        failed = os.waitstatus_to_exitcode(os.waitpid(whoosh.pid, 0)[1]) != 0
    else:
        assert whoosh.stdout is not None  # a pipe (start_whoosh)
        said = whoosh.stdout.read()
        whoosh.stdout.close()
        failed = whoosh.wait() != 0
    if failed:
        raise RuntimeError("Whoosh index update failed")
    done = json.loads(said)
    return done["whoosh"], done["seconds"]


def save_report(cache_folder: Path, report: BuildReport, started: float) -> None:
    """`last-build.json`: what the build did and how long each step took (`started`: the
    indexing process's start, `time.perf_counter()`, one clock across `hand_over`)."""
    report.seconds["total"] = time.perf_counter() - started
    (cache_folder / "last-build.json").write_text(
        json.dumps(report.__dict__, ensure_ascii=False, indent=1), encoding="utf-8"
    )


def hand_over(
    cache_folder: Path,
    report: BuildReport,
    started: float,
    spilled: SpilledExport,
    whoosh: HandedWhoosh | None,
) -> NoReturn:
    """Replace this process with the tail (`main`), handing it the report so far, the
    export spilled but not stored (`refresh_export(…, spill=True)`) and Whoosh's process
    writing a new index (`hand_whoosh`), if any. The process keeps its number, so whoever
    waits for it (the build) waits for the tail and reads its exit status."""
    handoff = {
        "report": report.__dict__,
        "started": started,
        "export": spilled,
        "whoosh": whoosh,
        "lock": _held[-1] if _held else None,
    }
    with (cache_folder / HANDOFF).open("wb") as sink:
        pickle.dump(handoff, sink, protocol=pickle.HIGHEST_PROTOCOL)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", __name__, str(cache_folder)])


def pack_beside_whoosh(
    cache_folder: Path,
    report: BuildReport,
    whoosh: subprocess.Popen | HandedWhoosh | None,
    logical=None,
    stamp: str | None = None,
    base=None,
) -> None:
    """Pack the export (`logical`, or the one in the cache) into the published index while
    `whoosh` writes, then wait for it; both figure in `report`. `stamp`: the export's
    fingerprint, when its cache is not saved yet; `base`: the published base's state, when
    loaded already (export.CachedExport)."""
    try:
        packing = time.perf_counter()
        published = cache_folder / "published"
        report.packed = refresh_published(cache_folder / "export", logical, published, stamp, base)
        del logical
        report.seconds["pack"] = time.perf_counter() - packing
    finally:  # a build never leaves Whoosh's process writing behind it
        if whoosh is not None:
            report.whoosh, report.seconds["whoosh"] = finish_whoosh(whoosh)


@contextlib.contextmanager
def cache_lock(cache_folder: Path) -> Iterator[int]:
    """Hold the search cache for one indexing process and the saving it leaves behind
    (`save_detached`): an exclusive lock (flock) on `LOCK` in the cache folder, waited for.
    The lock belongs to the open file, so a fork holding the descriptor keeps it after this
    process has let go, and a killed process loses it with its descriptors."""
    cache_folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache_folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # The tail (`hand_over`: an exec) keeps holding it; so does Whoosh's process
        # (`start_whoosh`).
        os.set_inheritable(fd, True)
        _held.append(fd)
        yield fd
    finally:
        if fd in _held:
            _held.remove(fd)
        os.close(fd)


def wait_for_saved(cache_folder: Path) -> None:
    """Return once no indexing process or its saving holds the search cache (the tests read
    the cache after a build; a build's indexing process waits by itself)."""
    if cache_folder.is_dir():
        with cache_lock(cache_folder):
            pass


def save_detached(cache_folder: Path, saving: Callable[[], None]) -> None:
    """Run `saving` (the caches only the next build reads) in a fork of this process that
    outlives it: the build, which waits for this process, publishes the index meanwhile
    and ends. The fork holds the lock of `cache_lock` (its inherited descriptor) until it
    has saved, so the next build's indexing process waits for it; what it took is in
    `SAVED` (seconds, or the error). Called inside `cache_lock`."""
    (cache_folder / SAVED).unlink(missing_ok=True)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    if os.fork() != 0:
        return
    code = 1
    said: dict[str, float | str] = {}  # its seconds, or its error
    try:
        started = time.perf_counter()
        saving()
        said["seconds"] = time.perf_counter() - started
        code = 0
    except BaseException as error:  # said where the build's report is; the next build is whole
        traceback.print_exc()
        said["error"] = f"{type(error).__name__}: {error}"
    finally:
        with contextlib.suppress(Exception):
            (cache_folder / SAVED).write_text(json.dumps(said))
            sys.stderr.flush()
        os._exit(code)


def main(argv: list[str]) -> int:
    """The tail `hand_over` started: the export stored, then packed while Whoosh writes its
    new index, then the report."""
    cache_folder = Path(argv[0])
    whoosh: subprocess.Popen | HandedWhoosh | None = None
    try:
        handoff = pickle.loads((cache_folder / HANDOFF).read_bytes())
        (cache_folder / HANDOFF).unlink()
        report = BuildReport(**handoff["report"])
        if handoff["lock"] is not None:  # the cache's lock, held across the exec
            _held.append(handoff["lock"])
        whoosh = handoff["whoosh"]
        storing = time.perf_counter()
        logical = finish_spilled(cache_folder / "export", handoff.pop("export"))
        report.seconds["export"] += time.perf_counter() - storing
        waiting, whoosh = whoosh, None  # pack_beside_whoosh waits for it, whatever happens
        pack_beside_whoosh(cache_folder, report, waiting, logical)
        save_report(cache_folder, report, handoff["started"])
    except Exception:
        traceback.print_exc()
        if whoosh is not None:  # the store failed: never leave Whoosh writing behind
            with contextlib.suppress(Exception):
                finish_whoosh(whoosh)
        return 1
    return 0


if __name__ == "__main__":
    # Run as the package's module, not as __main__: the handoff holds its HandedWhoosh.
    from kuaixun.core.search import tail

    sys.exit(tail.main(sys.argv[1:]))
