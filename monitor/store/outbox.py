"""The outbox: alerts and notices owed to notifiers, until delivered or dead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import aiosqlite

from monitor.model import Delivery, DeliveryRecord, Notice
from monitor.store.codec import decode_message, encode_message, from_sql, required_time, to_sql
from monitor.store.connection import Connection, marks


class Outbox(Connection):
    async def enqueue_notice(self, notice: Notice, notifiers: Sequence[str]) -> None:
        """Owe ``notice`` to each of ``notifiers``, durably like an alert."""
        at = to_sql(notice.created_at)
        async with self._transaction() as db:
            await db.executemany(
                "INSERT INTO outbox (notifier, message, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?)",
                [(n, encode_message(notice), at, at) for n in notifiers],
            )

    async def due_deliveries(
        self, now: datetime, notifiers: Iterable[str], limit: int
    ) -> list[Delivery]:
        """Pending deliveries due by ``now`` for the given notifiers, oldest first.
        Rows for a notifier no longer configured wait until it comes back."""
        names = list(notifiers)
        if not names:
            return []
        rows = await self._fetchall(
            "SELECT id, notifier, message, attempts, created_at FROM outbox"
            f" WHERE state = 'pending' AND next_attempt_at <= ? AND notifier IN ({marks(names)})"
            " ORDER BY next_attempt_at, id LIMIT ?",
            [to_sql(now), *names, limit],
        )
        return [_delivery(row) for row in rows]

    async def pending_deliveries(self, notifier: str, limit: int) -> list[Delivery]:
        """Every pending alert (not notice) of one notifier, due or not, oldest first:
        what a digest gathers."""
        rows = await self._fetchall(
            "SELECT id, notifier, message, attempts, created_at FROM outbox"
            " WHERE state = 'pending' AND notifier = ? AND story_id IS NOT NULL"
            " ORDER BY id LIMIT ?",
            [notifier, limit],
        )
        return [_delivery(row) for row in rows]

    async def postpone(self, ids: Sequence[int], until: datetime) -> None:
        """Hold deliveries until ``until`` without counting an attempt (quiet hours, digests)."""
        async with self._transaction() as db:
            await db.executemany(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
                [(to_sql(until), i) for i in ids],
            )

    async def next_attempt_at(self, notifiers: Iterable[str]) -> datetime | None:
        names = list(notifiers)
        if not names:
            return None
        rows = await self._fetchall(
            "SELECT MIN(next_attempt_at) FROM outbox"
            f" WHERE state = 'pending' AND notifier IN ({marks(names)})",
            names,
        )
        return from_sql(rows[0][0]) if rows else None

    async def pending_count(self, notifiers: Iterable[str]) -> int:
        names = list(notifiers)
        if not names:
            return 0
        rows = await self._fetchall(
            f"SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND notifier IN ({marks(names)})",
            names,
        )
        return int(rows[0][0])

    async def mark_delivered(self, ids: Sequence[int], now: datetime) -> None:
        async with self._transaction() as db:
            await db.executemany(
                "UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1,"
                " last_error = NULL WHERE id = ?",
                [(to_sql(now), i) for i in ids],
            )

    async def mark_failed(self, ids: Sequence[int], error: str, retry_at: datetime | None) -> None:
        """Count a failed attempt; ``retry_at`` None makes it a dead letter."""
        async with self._transaction() as db:
            if retry_at is None:
                await db.executemany(
                    "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?"
                    " WHERE id = ?",
                    [(error, i) for i in ids],
                )
            else:
                await db.executemany(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
                    " next_attempt_at = ? WHERE id = ?",
                    [(error, to_sql(retry_at), i) for i in ids],
                )

    async def recent_deliveries(self, limit: int, *, failed: bool = False) -> list[DeliveryRecord]:
        """The newest outbox rows; ``failed``: only dead letters and retries under way."""
        where = "WHERE state = 'dead' OR (state = 'pending' AND last_error IS NOT NULL)"
        rows = await self._fetchall(
            "SELECT id, notifier, state, attempts, created_at, next_attempt_at, delivered_at,"
            f" last_error, message FROM outbox {where if failed else ''}"
            " ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [
            DeliveryRecord(
                id=row[0],
                notifier=row[1],
                state=row[2],
                attempts=row[3],
                created_at=required_time(row[4]),
                next_attempt_at=required_time(row[5]),
                delivered_at=from_sql(row[6]),
                last_error=row[7],
                message=decode_message(row[8]),
            )
            for row in rows
        ]

    async def retry_dead(self, now: datetime) -> int:
        """Make every dead letter pending again, due now; return how many."""
        async with self._transaction() as db:
            cur = await db.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ? WHERE state = 'dead'",
                (to_sql(now),),
            )
            return cur.rowcount

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        return {row[0]: row[1] for row in rows}


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row[0],
        notifier=row[1],
        message=decode_message(row[2]),
        attempts=row[3],
        created_at=required_time(row[4]),
    )
