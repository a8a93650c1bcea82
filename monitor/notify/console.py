"""Alerts and notices printed to a text stream, standard output by default."""

from __future__ import annotations

import sys
from typing import TextIO

from monitor.errors import NotifyError
from monitor.model import Message
from monitor.render import console_line


class ConsoleNotifier:
    """Writes one ``console_line`` per alert and flushes; never closes the stream.

    The stream is resolved at each send when none was given, so a test or the
    daemon replacing ``sys.stdout`` is honoured.
    """

    def __init__(self, name: str = "console", stream: TextIO | None = None) -> None:
        self._name = name
        self._stream = stream

    @property
    def name(self) -> str:
        return self._name

    async def send(self, message: Message) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        try:
            stream.write(console_line(message) + "\n")
            stream.flush()
        except (OSError, ValueError) as e:  # ValueError: the stream is closed
            raise NotifyError(f"console {self._name}: {e}", retryable=True) from e

    async def aclose(self) -> None:
        """Nothing to release: the stream belongs to the caller."""
