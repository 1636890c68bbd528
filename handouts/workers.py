"""Worker processes: forked once per build, each given runs of jobs that share what they load;
and one forked process that does a single piece of work beside them (`Forked`).

A worker keeps what one job loaded (a script's fonts, parsed stylesheets) for the next, so the
jobs go out in runs of one key (the locale): a worker meets few scripts in its life and loads
each of them once. Runs shrink as the work runs out (guided self-scheduling), so the last ones
are short and every worker stays busy to the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# A run is at most 1/(RUNS_PER_WORKER x workers) of the jobs not yet handed out.
RUNS_PER_WORKER = 2


def runs(items: Sequence[T], key: Callable[[T], Hashable], workers: int) -> list[list[T]]:
    """`items` (in the order wanted, those sharing a key next to each other) cut into runs of
    one key each, every run at most a 1/(2 x workers) share of the items left."""
    cut: list[list[T]] = []
    start = 0
    while start < len(items):
        limit = max(1, math.ceil((len(items) - start) / (RUNS_PER_WORKER * workers)))
        first = key(items[start])
        end = start + 1
        while end < len(items) and end - start < limit and key(items[end]) == first:
            end += 1
        cut.append(list(items[start:end]))
        start = end
    return cut


class Pool:
    """Forked worker processes, started on first use; each runs `initializer(*initargs)` once.

    Forking lets the workers share the modules the parent imported (WeasyPrint, its C
    libraries) instead of importing them again. Fork before the parent fills its memory with
    anything the workers do not need: they carry a copy of it all their life.
    """

    def __init__(self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool: Any = None

    def map_runs(
        self, function: Callable[[list[T]], list[R]], items: Sequence[T], key: Callable[[T], Hashable]
    ) -> Iterator[R]:
        """`function` over runs of `items` in the workers (they start at once); results in the
        order they are ready, gathered when the returned iterator is read."""
        if self._pool is None:
            import gc
            import multiprocessing

            context = multiprocessing.get_context("fork")
            # What the workers inherit (the modules, the build's inputs) lives as long as they do:
            # frozen at the fork, the workers' garbage collector never walks it again, which spares
            # each collection of a render most of its work (and keeps those pages shared). This
            # process thaws it at once, so that a long-lived caller's garbage stays collectable.
            gc.freeze()
            try:
                self._pool = context.Pool(self.workers, initializer=self._initializer, initargs=self._initargs)
            finally:
                gc.unfreeze()
        done = self._pool.imap_unordered(function, runs(items, key, self.workers), chunksize=1)
        return (result for results in done for result in results)

    def close(self) -> None:
        """Stop the workers (at once: a build that stops early abandons what they were doing)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class Forked:
    """`function(send)` run at once in a forked process; `receive()` gives what it sends, in order.

    The build's inputs load and its checks run so, on a core of their own, while the building
    process imports WeasyPrint and starts the workers. What is sent comes back through a pipe,
    pickled (between these two processes only). Once the process has ended, whether the
    function returned, raised or was stopped, `receive()` gives None: the caller does the work
    itself, meeting any error where it can report it.
    """

    def __init__(self, function: Callable[[Callable[[Any], None]], None]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run_forked, args=(function, send), daemon=True)
        self._process.start()
        send.close()

    def receive(self) -> Any:
        try:
            return self._receive.recv()
        except (EOFError, OSError):
            return None

    def close(self) -> None:
        """Stop the process if it is still running (the build stopped early)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()


def _run_forked(function: Callable[[Callable[[Any], None]], None], send: Any) -> None:
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the building process stops this one
    try:
        function(send.send)
    except BaseException:
        sys.exit(1)  # quietly: the building process does the work again and reports the error
    send.close()
