"""Work run in forked processes, a few at once: a fork reads the parent's records without
copying or pickling them, hands back only its result, and takes its memory with it when it
ends (Python keeps what a process freed; docs/search.md, "Cold build")."""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator

# The build's second core: Pelican is done when the export runs.
PROCESSES = min(2, os.cpu_count() or 1)


def in_processes(calls: Iterable[tuple[Callable, tuple]], processes: int = PROCESSES) -> Iterator:
    """`function(*args)` for each (function, args) of `calls`, each in a forked process of
    its own, `processes` at once; yields the results in the order of `calls`."""
    context = multiprocessing.get_context("fork")
    waiting = iter(calls)
    running: deque = deque()

    def start(function: Callable, args: tuple) -> None:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_run, args=(function, args, send), daemon=True)
        child.start()
        send.close()
        running.append((function, child, receive))

    try:
        for call in waiting:
            start(*call)
            if len(running) == processes:
                break
        while running:
            function, child, receive = running.popleft()
            try:
                done, result = receive.recv()
            except EOFError:  # it died before it could answer
                done, result = False, "no answer"
            receive.close()
            child.join()
            if not done:
                raise RuntimeError(f"{function.__name__} failed in a forked process:\n{result}")
            if (following := next(waiting, None)) is not None:
                start(*following)
            yield result
    finally:
        for _, child, receive in running:
            child.kill()
            child.join()
            receive.close()


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
