"""The outbox drained into a real notifier: retries, Retry-After, dead letters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from servers import FakeSlack

from monitor.delivery import Dispatcher
from monitor.model import Alert, Entry, Match
from monitor.notify.slack import SlackNotifier
from monitor.store import SqliteStore


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
