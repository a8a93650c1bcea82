"""Delivering the outbox: each owed alert to its notifier, retried until it lands.

At-least-once: a row is marked delivered only after the notifier returned, so
a crash mid-send resends that one alert and nothing else. Retryable failures
wait with exponential backoff (or the server's Retry-After); permanent ones,
and retryable ones older than ``DELIVERY_GIVE_UP_AFTER``, become dead letters.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from monitor.errors import NotifyError
from monitor.model import Delivery
from monitor.notify import Notifier
from monitor.schedule import DELIVERY_GIVE_UP_AFTER, next_delivery_at
from monitor.store import Store

log = logging.getLogger(__name__)

BATCH = 100
# While idle, look at the outbox at least this often (rows may come from another process).
IDLE_WAKE = timedelta(seconds=30)


class Dispatcher:
    """Drains the outbox into the notifiers. ``wake()`` after writing to the outbox."""

    def __init__(
        self,
        store: Store,
        notifiers: Mapping[str, Notifier],
        clock: Callable[[], datetime],
        *,
        concurrency: int = 8,
    ) -> None:
        self.store = store
        self.notifiers = notifiers
        self._clock = clock
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets
        self.delivered = 0
        self.failed = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set. Sends in flight when it is set are finished."""
        while not stop.is_set():
            await self.deliver_due()
            await self._sleep_until_due(stop)

    async def deliver_due(self) -> int:
        """Send every delivery due now; return how many were attempted."""
        attempted = 0
        while True:
            due = await self.store.due_deliveries(self._clock(), self.notifiers, BATCH)
            if not due:
                return attempted
            await asyncio.gather(*(self._deliver(d) for d in due))
            attempted += len(due)

    async def drain(self, patience: timedelta) -> int:
        """Deliver everything owed, waiting for retries due within ``patience``;
        return how many deliveries are still pending after that."""
        deadline = self._clock() + patience
        while True:
            await self.deliver_due()
            upcoming = await self.store.next_attempt_at(self.notifiers)
            if upcoming is None:
                return 0
            if upcoming > deadline:
                return await self.store.pending_count(self.notifiers)
            await asyncio.sleep(max((upcoming - self._clock()).total_seconds(), 0))

    async def _sleep_until_due(self, stop: asyncio.Event) -> None:
        upcoming = await self.store.next_attempt_at(self.notifiers)
        now = self._clock()
        wait = IDLE_WAKE if upcoming is None else min(max(upcoming - now, timedelta(0)), IDLE_WAKE)
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=wait.total_seconds(), return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, delivery: Delivery) -> None:
        notifier = self.notifiers[delivery.notifier]
        async with self._limit:
            try:
                await notifier.send(delivery.alert)
            except NotifyError as e:
                await self._failed(delivery, e)
                return
            except Exception as e:  # a notifier bug must not stop the others
                log.exception(
                    "notifier crashed",
                    extra={"notifier": delivery.notifier, "story": delivery.alert.story_id},
                )
                await self._failed(delivery, NotifyError(f"internal error: {e!r}", retryable=True))
                return
        await self.store.mark_delivered(delivery.id, self._clock())
        self.delivered += 1
        log.info(
            "alert delivered",
            extra={
                "notifier": delivery.notifier,
                "story": delivery.alert.story_id,
                "rules": ",".join(delivery.alert.rules),
                "title": delivery.alert.title,
            },
        )

    async def _failed(self, delivery: Delivery, error: NotifyError) -> None:
        self.failed += 1
        now = self._clock()
        attempts = delivery.attempts + 1
        too_old = now - delivery.created_at > DELIVERY_GIVE_UP_AFTER
        retry_at = (
            next_delivery_at(now, attempts, retry_after=error.retry_after, draw=self._rng.random())
            if error.retryable and not too_old
            else None
        )
        await self.store.mark_failed(delivery.id, str(error), retry_at)
        fields: dict[str, object] = {
            "notifier": delivery.notifier,
            "story": delivery.alert.story_id,
            "attempt": attempts,
            "error": str(error),
        }
        if retry_at is None:
            log.error("delivery failed for good; kept as a dead letter", extra=fields)
        else:
            fields["retry_in"] = f"{(retry_at - now).total_seconds():.0f}s"
            log.warning("delivery failed; will retry", extra=fields)
