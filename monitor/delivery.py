"""Delivering the outbox: each owed alert or notice to its notifier, retried until it lands.

At-least-once: a row is marked delivered only after the notifier returned, so
a crash mid-send resends that one message and nothing else. Retryable failures
wait with exponential backoff (or the server's Retry-After); permanent ones,
and retryable ones older than ``DELIVERY_GIVE_UP_AFTER``, become dead letters,
and the admin is told. A notifier with quiet hours holds its alerts until the
window ends; one with a digest sends what gathered in one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.errors import NotifyError
from monitor.metrics import Metrics
from monitor.model import Alert, Delivery, Digest, Message, Notice
from monitor.notify import Notifier
from monitor.schedule import DELIVERY_GIVE_UP_AFTER, next_delivery_at
from monitor.store import Store
from monitor.units import QuietHours

log = logging.getLogger(__name__)

BATCH = 100
DIGEST_MAX = 200  # alerts in one digest; more wait for the next
# While idle, look at the outbox at least this often (rows may come from another process).
IDLE_WAKE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a notifier wants its alerts: held through quiet hours, gathered into digests."""

    quiet_hours: QuietHours | None = None
    digest: timedelta | None = None


class Dispatcher:
    """Drains the outbox into the notifiers. ``wake()`` after writing to the outbox."""

    def __init__(
        self,
        store: Store,
        notifiers: Mapping[str, Notifier],
        clock: Callable[[], datetime],
        *,
        pacing: Mapping[str, Pacing] | None = None,
        admin: Sequence[str] = (),
        concurrency: int = 8,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.notifiers = notifiers
        self.pacing = pacing or {}
        self.admin = tuple(admin)
        self.metrics = metrics or Metrics()
        self._clock = clock
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(concurrency)
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets
        self.delivered = 0
        self.failed = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set. Sends in flight when it is set are finished.

        A failing store (locked past its busy timeout, a full disk) pauses delivery
        and is tried again with backoff; it never ends it.
        """
        failures = 0
        while not stop.is_set():
            try:
                await self.deliver_due()
                await self._sleep_until_due(stop)
                failures = 0
            except Exception:  # whatever it was, the alerts are still owed: keep going
                failures += 1
                pause = min(2.0**failures, IDLE_WAKE.total_seconds())
                log.exception("delivery paused", extra={"retry_in": f"{pause:.0f}s"})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)

    async def deliver_due(self) -> int:
        """Send every delivery due now; return how many messages were sent or tried."""
        attempted = 0
        while due := await self.store.due_deliveries(self._clock(), self.notifiers, BATCH):
            by_notifier: dict[str, list[Delivery]] = {}
            for delivery in due:
                by_notifier.setdefault(delivery.notifier, []).append(delivery)
            counts = await asyncio.gather(
                *(self._deliver_for(name, rows) for name, rows in by_notifier.items())
            )
            attempted += sum(counts)
        return attempted

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

    async def _deliver_for(self, name: str, due: list[Delivery]) -> int:
        """Deliver one notifier's due rows as its pacing says; return messages tried."""
        pacing = self.pacing.get(name, Pacing())
        now = self._clock()
        alerts = [d for d in due if isinstance(d.message, Alert)]
        if pacing.quiet_hours is not None and pacing.quiet_hours.contains(now) and alerts:
            # Notices about the daemon are not held: they may be what the admin needs now.
            await self.store.postpone([d.id for d in alerts], pacing.quiet_hours.ends_after(now))
            due = [d for d in due if not isinstance(d.message, Alert)]
        elif pacing.digest is not None and alerts:
            sent = await self._digest(name, pacing.digest, alerts)
            due = [d for d in due if not isinstance(d.message, Alert)]
            return sent + await self._each(name, due)
        return await self._each(name, due)

    async def _each(self, name: str, due: Sequence[Delivery]) -> int:
        await asyncio.gather(*(self._send(name, d.message, [d]) for d in due))
        return len(due)

    async def _digest(self, name: str, every: timedelta, due: Sequence[Delivery]) -> int:
        """Once the oldest owed alert has waited ``every``, send all owed alerts as one."""
        pending = await self.store.pending_deliveries(name, DIGEST_MAX)
        if not pending:
            return 0
        oldest = min(d.created_at for d in pending)
        if oldest + every > self._clock():
            await self.store.postpone([d.id for d in due], oldest + every)
            return 0
        alerts = tuple(d.message for d in pending if isinstance(d.message, Alert))
        await self._send(name, Digest(alerts), pending)
        return 1

    async def _send(self, name: str, message: Message, rows: Sequence[Delivery]) -> None:
        notifier = self.notifiers.get(name)
        if notifier is None:
            return  # removed by a reload meanwhile: its rows wait for it to come back
        async with self._limit:
            try:
                await notifier.send(message)
            except NotifyError as e:
                await self._failed(name, message, rows, e)
                return
            except Exception as e:  # a notifier bug must not stop the others
                log.exception("notifier crashed", extra={"notifier": name})
                error = NotifyError(f"internal error: {e!r}", retryable=True)
                await self._failed(name, message, rows, error)
                return
        await self.store.mark_delivered([d.id for d in rows], self._clock())
        self.delivered += 1
        self.metrics.delivered(name)
        log.info("delivered", extra={"notifier": name, **_describe(message)})

    async def _failed(
        self, name: str, message: Message, rows: Sequence[Delivery], error: NotifyError
    ) -> None:
        self.failed += 1
        now = self._clock()
        attempts = max(d.attempts for d in rows) + 1
        too_old = now - min(d.created_at for d in rows) > DELIVERY_GIVE_UP_AFTER
        retry_at = (
            next_delivery_at(now, attempts, retry_after=error.retry_after, draw=self._rng.random())
            if error.retryable and not too_old
            else None
        )
        await self.store.mark_failed([d.id for d in rows], str(error), retry_at)
        self.metrics.delivery_failed(name, dead=retry_at is None)
        fields: dict[str, object] = {
            "notifier": name,
            **_describe(message),
            "attempt": attempts,
            "error": str(error),
        }
        if retry_at is not None:
            fields["retry_in"] = f"{(retry_at - now).total_seconds():.0f}s"
            log.warning("delivery failed; will retry", extra=fields)
            return
        log.error("delivery failed for good; kept as a dead letter", extra=fields)
        if not isinstance(message, Notice):
            await self._tell_admin(name, message, error, now)

    async def _tell_admin(
        self, name: str, message: Alert | Digest, error: NotifyError, now: datetime
    ) -> None:
        # Never through the channel that just failed, and never about a notice:
        # a broken admin channel must not feed on itself.
        others = [n for n in self.admin if n != name and n in self.notifiers]
        if not others:
            return
        alerts = message.alerts if isinstance(message, Digest) else (message,)
        titles = "\n".join(f"- {a.title} ({a.url or 'no link'})" for a in alerts)
        notice = Notice(
            subject=f"alerts could not be delivered by {name}",
            body=f"{name} refused {len(alerts)} alert(s) for good: {error}\n{titles}\n"
            "They are kept as dead letters in the store.",
            created_at=now,
        )
        await self.store.enqueue_notice(notice, others)
        self.wake()


def _describe(message: Message) -> dict[str, object]:
    if isinstance(message, Notice):
        return {"notice": message.subject}
    if isinstance(message, Digest):
        return {"digest": len(message.alerts)}
    return {"story": message.story_id, "rules": ",".join(message.rules), "title": message.title}
