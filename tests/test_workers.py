"""The process pool: a stuck or crashing worker costs one call, never the pool."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from monitor.workers import Workers


def square(n: int) -> int:
    return n * n


def stuck(seconds: float) -> None:
    time.sleep(seconds)


def crash() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture
def workers() -> Iterator[Workers]:
    workers = Workers(max_workers=1, timeout=2)
    yield workers
    workers.shutdown()


async def test_work_runs_in_another_process(workers: Workers) -> None:
    assert await workers.run(square, 7) == 49
    assert await workers.run(os.getpid) != os.getpid()


async def test_a_stuck_worker_is_killed_and_the_next_call_gets_a_fresh_pool(
    workers: Workers,
) -> None:
    with pytest.raises(TimeoutError):
        await workers.run(stuck, 600)
    assert await workers.run(square, 3) == 9


async def test_a_crashed_worker_costs_one_call(workers: Workers) -> None:
    with pytest.raises(BrokenProcessPool):
        await workers.run(crash)
    assert await workers.run(square, 4) == 16


async def test_the_timeout_counts_work_not_waiting_for_a_free_worker() -> None:
    workers = Workers(max_workers=1, timeout=1.5)
    try:
        # Three 1 s calls on one worker: the last waits 2 s, yet none timed out.
        results = await asyncio.gather(*(workers.run(stuck, 1.0) for _ in range(3)))
    finally:
        workers.shutdown()
    assert results == [None, None, None]


async def test_several_stuck_calls_each_time_out_cleanly() -> None:
    workers = Workers(max_workers=2, timeout=1)
    try:
        outcomes = await asyncio.gather(
            *(workers.run(stuck, 600) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(o, TimeoutError | BrokenProcessPool) for o in outcomes), outcomes
        assert await workers.run(square, 5) == 25
    finally:
        workers.shutdown()
