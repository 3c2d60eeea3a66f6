"""Work run in forked processes, a few at once: a fork reads the parent's records without
copying or pickling them, hands back only its result, and takes its memory with it when it
ends (Python keeps what a process freed; docs/search.md, "Cold build")."""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait

# The build's second core: Pelican is done when the export runs.
PROCESSES = min(2, os.cpu_count() or 1)


def in_processes(calls: Iterable[tuple[Callable, tuple]], processes: int = PROCESSES) -> Iterator:
    """`function(*args)` for each (function, args) of `calls`, each in a forked process of
    its own, `processes` at once; yields the results in the order of `calls`.

    The next call starts as soon as any running one has answered, not only the oldest: one
    long call (the pinyin layer, ≈ 5 s at 7,183 articles, beside ranges of ≈ 1 s) left the
    other core idle while it ran (docs/search.md, "Cold build", tenth pass). An answer that
    came before its turn waits here. `calls` is read lazily, a call taken once a process is
    free: what a later call needs may be made by the generator meanwhile."""
    context = multiprocessing.get_context("fork")
    waiting = iter(calls)
    running: dict = {}  # a running call's receiving end → (its number, function, process)
    answered: dict[int, object] = {}
    started = given = 0

    def start(function: Callable, args: tuple) -> None:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_run, args=(function, args, send), daemon=True)
        child.start()
        send.close()
        running[receive] = (started, function, child)

    try:
        while True:
            while len(running) < processes and (call := next(waiting, None)) is not None:
                start(*call)
                started += 1
            if given in answered:
                yield answered.pop(given)
                given += 1
                continue
            if not running:
                return
            ready = wait(list(running))
            for receive in [r for r in running if r in ready]:
                number, function, child = running.pop(receive)
                try:
                    done, result = receive.recv()
                except EOFError:  # it died before it could answer
                    done, result = False, "no answer"
                receive.close()
                child.join()
                if not done:
                    raise RuntimeError(f"{function.__name__} failed in a forked process:\n{result}")
                answered[number] = result
    finally:
        for receive, (_, _, child) in running.items():
            child.kill()
            child.join()
            receive.close()


class started:  # noqa: N801  (read as a verb: `counting = started(count, args)`)
    """`function(*args)` started now in a forked process of its own, while this process goes
    on; calling it waits for the result (raises if the call failed), `close` ends the
    process if no one waited for it."""

    def __init__(self, function: Callable, args: tuple):
        context = multiprocessing.get_context("fork")
        self.function = function
        self.receive, send = context.Pipe(duplex=False)
        self.child = context.Process(target=_run, args=(function, args, send), daemon=True)
        self.child.start()
        send.close()

    def __call__(self):
        try:
            done, result = self.receive.recv()
        except EOFError:  # it died before it could answer
            done, result = False, "no answer"
        self.close()
        if not done:
            raise RuntimeError(f"{self.function.__name__} failed in a forked process:\n{result}")
        return result

    def close(self) -> None:
        if self.child.is_alive():
            self.child.kill()
        self.child.join()
        self.receive.close()


def _run(function: Callable, args: tuple, send) -> None:
    # What the fork inherited stays shared: a collector pass writes to every object it
    # tracks (as in the indexing process, hooks/search.py).
    gc.freeze()
    try:
        result = (True, function(*args))
    except BaseException:
        result = (False, traceback.format_exc())
    send.send(result)
    send.close()
