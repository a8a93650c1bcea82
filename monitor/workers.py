"""The process pool for CPU work (feed parsing, extraction), so the event loop
never stalls on a large page. A worker that dies (out of memory on a hostile
page, say) breaks the pool; the next call builds a new one."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

ORPHAN_CHECK_SECONDS = 1.0
# Parsing a feed or extracting a page takes milliseconds to a second or two;
# anything past this is a pathological input, not a slow one.
TIMEOUT_SECONDS = 60.0


def _exit_with_daemon(daemon_pid: int) -> None:
    """In each worker: exit once the daemon that started the pool is gone.

    A worker blocks on its task queue forever; if the daemon is killed (``kill -9``,
    OOM) nothing would tell it to stop. Its parent is the forkserver, which in
    turn stays up while any worker lives, so neither would ever leave: orphans
    piling up, holding memory and the daemon's stdout.
    """

    def watch() -> None:
        while True:
            time.sleep(ORPHAN_CHECK_SECONDS)
            try:
                os.kill(daemon_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-daemon", daemon=True).start()


class Workers:
    def __init__(self, max_workers: int | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        self._max_workers = max_workers or max(1, min(os.cpu_count() or 1, 4))
        self.timeout = timeout
        # Calls beyond the workers wait here, not in the pool's queue, so the
        # timeout measures work, not waiting behind a backlog.
        self._slots = asyncio.Semaphore(self._max_workers)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: forking a process that runs threads (aiosqlite, the
            # resolver) can deadlock a child; spawn-like start avoids that.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(
                self._max_workers,
                mp_context=context,
                initializer=_exit_with_daemon,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker process. Raises ``TimeoutError`` if it
        takes longer than ``self.timeout`` seconds (the worker is then killed), and
        ``BrokenProcessPool`` if a worker died; either way the next call gets a
        fresh pool."""
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs)
        async with self._slots:
            pool = self._executor()
            return await self._run(loop, pool, call)

    async def _run(
        self, loop: asyncio.AbstractEventLoop, pool: ProcessPoolExecutor, call: Callable[[], T]
    ) -> T:
        try:
            return await asyncio.wait_for(loop.run_in_executor(pool, call), self.timeout)
        except TimeoutError:
            # A worker stuck on one input (a pathological page) would hold its
            # slot forever; a process, unlike a thread, can be stopped.
            self._discard(pool, kill=True)
            raise
        except BrokenProcessPool:
            self._discard(pool)
            raise

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
        if self._pool is pool:  # not a newer pool another task started meanwhile
            self._pool = None
        if kill:
            # ProcessPoolExecutor offers no public way to stop a busy worker
            # before Python 3.14 (terminate_workers); its process table is it.
            for process in list((pool._processes or {}).values()):
                process.kill()
        # Not cancel_futures: other callers' calls on this pool then fail with
        # BrokenProcessPool, which they handle, instead of a CancelledError.
        pool.shutdown(wait=False)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
