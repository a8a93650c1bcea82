"""Run ``monitor`` as a real subprocess, the way systemd or a user would."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Generous: CI is a loaded 2-core machine, and a pass costs none of it.
CONDITION_TIMEOUT = 60.0


class DaemonProcess:
    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.argv = [sys.executable, "-m", "monitor", "run", "-c", str(config), *args]
        self.env = {**os.environ, **(env or {})}
        self.proc: asyncio.subprocess.Process | None = None
        self.stdout = bytearray()
        self.stderr = bytearray()
        self._readers: list[asyncio.Task[None]] = []

    async def start(self) -> DaemonProcess:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )
        assert self.proc.stdout
        assert self.proc.stderr
        self._readers = [
            asyncio.create_task(_drain(self.proc.stdout, self.stdout)),
            asyncio.create_task(_drain(self.proc.stderr, self.stderr)),
        ]
        return self

    @property
    def log(self) -> str:
        return self.stderr.decode(errors="replace")

    async def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + CONDITION_TIMEOUT
        while not condition():
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"daemon exited before {what}:\n{self.log}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; daemon log:\n{self.log}")
            await asyncio.sleep(0.05)

    async def wait(self, timeout: float = 30) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        # The output ends when every process holding the pipes is gone (worker processes
        # included); waiting for it makes sure the whole log is read.
        await asyncio.wait_for(asyncio.gather(*self._readers), timeout)
        return code

    async def terminate(self, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


async def _drain(stream: asyncio.StreamReader, sink: bytearray) -> None:
    while chunk := await stream.read(65536):
        sink.extend(chunk)
