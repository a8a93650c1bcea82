"""Alert channels. Each module holds one mechanism behind the ``Notifier`` protocol."""

from __future__ import annotations

from typing import Protocol

from monitor.model import Alert


class Notifier(Protocol):
    """Delivers alerts over one channel.

    ``send`` either delivers the whole alert or raises ``NotifyError``; it does
    not retry itself: the outbox decides when to try again, so a crash between
    attempts loses nothing. ``send`` must be safe to call again for the same
    alert after a failure.
    """

    @property
    def name(self) -> str: ...

    async def send(self, alert: Alert) -> None: ...

    async def aclose(self) -> None: ...
