"""Alert channels. Each module holds one mechanism behind the ``Notifier`` protocol."""

from __future__ import annotations

from typing import Protocol

from monitor.model import Message


class Notifier(Protocol):
    """Delivers messages (alerts, digests of alerts, notices) over one channel.

    ``send`` either delivers the whole message or raises ``NotifyError``; it does
    not retry itself: the outbox decides when to try again, so a crash between
    attempts loses nothing. ``send`` must be safe to call again for the same
    message after a failure.
    """

    @property
    def name(self) -> str: ...

    async def send(self, message: Message) -> None: ...

    async def aclose(self) -> None: ...
