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
    def __init__(self, max_workers: int | None = None) -> None:
        self._max_workers = max_workers or max(1, min(os.cpu_count() or 1, 4))
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
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs)
        try:
            return await loop.run_in_executor(self._executor(), call)
        except BrokenProcessPool:
            # One crashed worker must not end all later work: start afresh.
            self.shutdown()
            raise

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
