"""A unix datagram socket standing in for systemd's ``NOTIFY_SOCKET``."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[dict[str, str]] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._sock.setblocking(False)

    def close(self) -> None:
        self._sock.close()

    def _drain(self) -> None:
        while True:
            try:
                data = self._sock.recv(4096)
            except BlockingIOError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.messages.append(fields)

    def count(self, key: str) -> int:
        self._drain()
        return sum(1 for m in self.messages if key in m)

    def index(self, key: str, after: int = -1) -> int:
        """Position of the first message holding ``key`` after position ``after``; -1 if none."""
        self._drain()
        for i, message in enumerate(self.messages):
            if i > after and key in message:
                return i
        return -1

    async def wait_for(self, key: str, after: int = -1, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while (found := self.index(key, after)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {key} after message {after}: {self.messages}")
            await asyncio.sleep(0.05)
        return found
