"""The SQLite store: feeds' state, stories seen (with the clean text they were
matched on, for a fortnight: ``monitor backtest``), and the outbox of alerts owed.

The only package with SQL. WAL mode, so ``monitor feeds``, ``alerts`` and
``backtest`` can read while the daemon writes. A story and its outbox rows are written in
one transaction: once a match is committed, its alerts are owed until delivered
or dead-lettered, whatever crashes in between.

Schema changes are numbered migrations applied at open (``schema``); a store
written by a newer monitor is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from monitor.dedup import Sketch
from monitor.model import Alert, Delivery, Entry, FeedState, Notice, Story
from monitor.store.codec import decode_message, encode_message
from monitor.store.outbox import Outbox
from monitor.store.stories import DEDUP_WINDOW, TEXT_KEPT, Recorded, Stories

__all__ = [
    "DEDUP_WINDOW",
    "TEXT_KEPT",
    "Recorded",
    "SqliteStore",
    "Store",
    "decode_message",
    "encode_message",
]


class Store(Protocol):
    """What the pipeline and the dispatcher need from storage."""

    async def feed_state(self, name: str, configured_url: str) -> FeedState: ...
    async def save_feed_state(self, state: FeedState) -> None: ...
    async def unseen(self, feed: str, entries: Sequence[Entry]) -> list[Entry]: ...
    async def mark_seen(self, feed: str, entries: Sequence[Entry], now: datetime) -> None: ...
    async def record_story(
        self,
        feed: str,
        entry: Entry,
        alert: Alert | None,
        notifiers: Sequence[str],
        *,
        sketch: Sketch | None = None,
        story: Story | None = None,
    ) -> Recorded | None: ...
    async def due_deliveries(
        self, now: datetime, notifiers: Iterable[str], limit: int
    ) -> list[Delivery]: ...
    async def next_attempt_at(self, notifiers: Iterable[str]) -> datetime | None: ...
    async def pending_count(self, notifiers: Iterable[str]) -> int: ...
    async def enqueue_notice(self, notice: Notice, notifiers: Sequence[str]) -> None: ...
    async def pending_deliveries(self, notifier: str, limit: int) -> list[Delivery]: ...
    async def postpone(self, ids: Sequence[int], until: datetime) -> None: ...
    async def mark_delivered(self, ids: Sequence[int], now: datetime) -> None: ...
    async def mark_failed(
        self, ids: Sequence[int], error: str, retry_at: datetime | None
    ) -> None: ...
    async def ping(self) -> None: ...


class SqliteStore(Stories, Outbox):
    """``Store`` on one aiosqlite connection."""
