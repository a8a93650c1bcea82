"""The outbox drained into real notifiers: retries, Retry-After, dead letters,
quiet hours, digests and notices to the admin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from servers import FakeSlack, FakeSmtp

from monitor.delivery import Dispatcher, Pacing
from monitor.errors import StoreError
from monitor.model import Alert, Delivery, Entry, Match, Notice
from monitor.notify import Notifier
from monitor.notify.email import EmailNotifier
from monitor.notify.slack import SlackNotifier
from monitor.store import SqliteStore
from monitor.units import QuietHours


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "monitor.sqlite3")
    yield store
    await store.aclose()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def owe_alert(store: SqliteStore, n: int = 1) -> None:
    entry = Entry(f"g{n}", f"https://example.org/{n}", f"Kazan story {n}", "", None)
    alert = Alert(
        story_id=0,
        feed="desk",
        title=entry.title,
        url=entry.url,
        found_at=now(),
        published_at=None,
        matches=(Match("kazan", ("Kazan",), ("…talks in Kazan…",)),),
    )
    await store.record_story("desk", entry, alert, ["slack"])


def mailer(smtp: FakeSmtp) -> EmailNotifier:
    return EmailNotifier(
        "mail",
        host=smtp.host,
        port=smtp.port,
        security="none",
        username=None,
        password=None,
        sender="monitor@example.org",
        to=["desk@example.org"],
    )


def dispatcher(store: SqliteStore, slack: FakeSlack, session: aiohttp.ClientSession) -> Dispatcher:
    return Dispatcher(store, {"slack": SlackNotifier("slack", slack.url, session)}, now)


async def test_rate_limited_delivery_waits_for_retry_after_then_lands_once(
    store: SqliteStore, fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    await owe_alert(store)
    fake_slack.fail_next(429, retry_after=1)
    pending = await dispatcher(store, fake_slack, session).drain(timedelta(seconds=10))
    assert pending == 0
    assert fake_slack.requests == 2
    assert len(fake_slack.received) == 1
    assert await store.outbox_counts() == {"delivered": 1}


async def test_outage_keeps_the_alert_owed_and_a_later_run_delivers_it(
    store: SqliteStore, fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    await owe_alert(store)
    fake_slack.fail_next(500)
    # Not willing to wait for the backoff: the alert stays owed.
    assert await dispatcher(store, fake_slack, session).drain(timedelta(0)) == 1
    assert fake_slack.received == []
    # As after a restart, once the retry is due: delivered, once.
    later = Dispatcher(
        store,
        {"slack": SlackNotifier("slack", fake_slack.url, session)},
        lambda: now() + timedelta(hours=1),
    )
    assert await later.deliver_due() == 1
    assert len(fake_slack.received) == 1
    # And a restart after that sends nothing again.
    assert await dispatcher(store, fake_slack, session).deliver_due() == 0


async def test_a_payload_slack_rejects_becomes_a_dead_letter(
    store: SqliteStore, fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    await owe_alert(store)
    fake_slack.fail_next(400, body="invalid_payload")
    assert await dispatcher(store, fake_slack, session).drain(timedelta(seconds=5)) == 0
    assert await store.outbox_counts() == {"dead": 1}
    assert fake_slack.requests == 1  # retrying cannot fix it, so it was not retried


async def test_many_alerts_are_all_delivered(
    store: SqliteStore, fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    for n in range(30):
        await owe_alert(store, n)
    assert await dispatcher(store, fake_slack, session).drain(timedelta(seconds=5)) == 0
    assert len(fake_slack.received) == 30


async def test_quiet_hours_hold_alerts_until_the_window_ends_but_not_notices(
    store: SqliteStore, fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    await owe_alert(store)
    await store.enqueue_notice(Notice("feed desk is failing", "HTTP 503", now()), ["slack"])
    start = now()
    # A window around the present, whatever the time of day the test runs.
    always_quiet = QuietHours(
        (start - timedelta(hours=1)).time().replace(microsecond=0),
        (start + timedelta(hours=1)).time().replace(microsecond=0),
        "UTC",
    )
    quiet = Dispatcher(
        store,
        {"slack": SlackNotifier("slack", fake_slack.url, session)},
        now,
        pacing={"slack": Pacing(quiet_hours=always_quiet)},
    )
    await quiet.deliver_due()
    assert [p["text"] for p in fake_slack.received] == ["monitor: feed desk is failing"]
    assert await store.next_attempt_at(["slack"]) == always_quiet.ends_after(start)


async def test_a_digest_gathers_alerts_into_one_email(
    store: SqliteStore, fake_smtp: FakeSmtp
) -> None:
    mail = mailer(fake_smtp)
    hourly = {"mail": Pacing(digest=timedelta(hours=1))}
    for n in range(3):
        entry = Entry(f"g{n}", f"https://example.org/{n}", f"Kazan story {n}", "", None)
        alert = Alert(0, "desk", entry.title, entry.url, now(), None, (Match("k", ("Kazan",), ()),))
        await store.record_story("desk", entry, alert, ["mail"])
    early = Dispatcher(store, {"mail": mail}, now, pacing=hourly)
    assert await early.deliver_due() == 0  # the first alert has not waited an hour yet
    later = Dispatcher(store, {"mail": mail}, lambda: now() + timedelta(hours=1), pacing=hourly)
    assert await later.deliver_due() == 1
    await fake_smtp.wait_for(1)
    (received,) = fake_smtp.messages
    assert received.message["Subject"] == "[monitor] 3 stories: k"
    body = received.message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert all(f"Kazan story {n}" in text for n in range(3))
    assert await store.outbox_counts() == {"delivered": 3}


async def test_a_dead_letter_is_reported_to_the_admin_through_another_channel(
    store: SqliteStore, fake_slack: FakeSlack, fake_smtp: FakeSmtp, session: aiohttp.ClientSession
) -> None:
    await owe_alert(store)
    fake_slack.fail_next(404, body="no_service")
    mail = mailer(fake_smtp)
    notifiers: dict[str, Notifier] = {
        "slack": SlackNotifier("slack", fake_slack.url, session),
        "mail": mail,
    }
    dispatcher = Dispatcher(store, notifiers, now, admin=["slack", "mail"])
    assert await dispatcher.drain(timedelta(seconds=5)) == 0
    await fake_smtp.wait_for(1)
    (received,) = fake_smtp.messages
    assert received.message["Subject"] == "[monitor] notice: alerts could not be delivered by slack"
    assert fake_slack.requests == 1  # the failing channel is not asked to report on itself


class LockedOnce(SqliteStore):
    """The real store, whose first look at the outbox fails as a locked database would."""

    failed = False

    async def due_deliveries(
        self, now: datetime, notifiers: Iterable[str], limit: int
    ) -> list[Delivery]:
        if not self.failed:
            self.failed = True
            raise StoreError("store read failed: database is locked")
        return await super().due_deliveries(now, notifiers, limit)


async def test_a_store_failure_pauses_delivery_but_never_ends_it(
    tmp_path: Path, fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    store = await LockedOnce.open(tmp_path / "monitor.sqlite3")
    try:
        await owe_alert(store)
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher(store, fake_slack, session).run(stop))
        await fake_slack.wait_for(1, timeout=10)
        stop.set()
        await asyncio.wait_for(running, 10)
    finally:
        await store.aclose()
    assert store.failed
    assert len(fake_slack.received) == 1
