"""One poll end to end, in process: a real local site, real SQLite, real workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedsite import FeedSite, Story, hours_ago

from monitor.config import Config, FeedConfig, parse
from monitor.http import HttpClient
from monitor.model import Alert, TextSource
from monitor.pipeline import Pipeline
from monitor.runtime import address_policy, routing_for
from monitor.store import SqliteStore
from monitor.workers import Workers


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    workers = Workers(max_workers=1)
    yield workers
    workers.shutdown()


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    yield site
    await site.stop()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "monitor.sqlite3")
    yield store
    await store.aclose()


def config_for(site: FeedSite, extra_feed: str = "") -> Config:
    return parse(
        f"""
http:
  allow_private: [127.0.0.1]
feeds:
  - url: {site.feed_url}
    name: desk
    lookback: 1d
  - url: {site.feed_url}?copy=1
    name: wire
    fetch_article: false
{extra_feed}
rules:
  - name: kazan
    any: [Kazan]
""",
        base_dir=Path("/tmp"),
    )


@pytest.fixture
async def pipeline(site: FeedSite, store: SqliteStore, workers: Workers) -> AsyncIterator[Pipeline]:
    config = config_for(site)
    http = HttpClient(policy=address_policy(config))
    yield Pipeline(http=http, store=store, workers=workers, routing=routing_for(config), clock=now)
    await http.aclose()


async def poll_each(config: Config, store: SqliteStore, workers: Workers) -> list[int]:
    """Poll every feed of ``config`` once, in order; the alerts each raised."""
    http = HttpClient(policy=address_policy(config))
    pipeline = Pipeline(
        http=http, store=store, workers=workers, routing=routing_for(config), clock=now
    )
    alerts = []
    try:
        for feed in config.feeds:
            result = await pipeline.poll(feed, await store.feed_state(feed.name, feed.url))
            alerts.append(result.alerts)
    finally:
        await http.aclose()
    return alerts


async def owed_alerts(store: SqliteStore) -> list[Alert]:
    due = await store.due_deliveries(now(), ["console"], 100)
    return [d.message for d in due if isinstance(d.message, Alert)]


def feed(site: FeedSite, name: str) -> FeedConfig:
    return next(f for f in config_for(site).feeds if f.name == name)


async def poll(pipeline: Pipeline, store: SqliteStore, site: FeedSite, name: str) -> int:
    config = feed(site, name)
    result = await pipeline.poll(config, await store.feed_state(name, config.url))
    await store.save_feed_state(result.state)
    return result.alerts


async def test_first_poll_alerts_only_within_lookback_and_later_polls_only_new(
    pipeline: Pipeline, store: SqliteStore, site: FeedSite
) -> None:
    site.add(Story("old", "Old news from Kazan", ["Kazan, long ago."], published_at=hours_ago(72)))
    site.add(Story("new", "Fresh news from Kazan", ["Kazan today."]))
    assert await poll(pipeline, store, site, "desk") == 1
    assert site.requests["story:old"] == 0  # remembered, never fetched
    assert await poll(pipeline, store, site, "desk") == 0  # 304 Not Modified
    assert site.not_modified == 1
    site.add(Story("newer", "More from Kazan", ["Kazan again."]))
    assert await poll(pipeline, store, site, "desk") == 1
    (alert,) = [a for a in await owed_alerts(store) if "More" in a.title]
    assert alert.matches[0].rule == "kazan"
    assert alert.text_source is TextSource.ARTICLE


async def test_an_unreachable_page_falls_back_to_the_feed_summary(
    pipeline: Pipeline, store: SqliteStore, site: FeedSite
) -> None:
    site.add(
        Story("paywalled", "Talks", ["Nothing"], summary="Delegations met in Kazan.", status=403)
    )
    assert await poll(pipeline, store, site, "desk") == 1
    (alert,) = await owed_alerts(store)
    assert alert.text_source is TextSource.SUMMARY


async def test_the_same_story_in_two_feeds_alerts_once(
    pipeline: Pipeline, store: SqliteStore, site: FeedSite
) -> None:
    site.add(Story("shared", "Kazan summit", ["Kazan hosts a summit."], summary="Kazan"))
    assert await poll(pipeline, store, site, "desk") == 1
    assert await poll(pipeline, store, site, "wire") == 0
    assert len(await store.due_deliveries(now(), ["console"], 10)) == 1


async def test_fetch_article_false_never_fetches_pages(
    pipeline: Pipeline, store: SqliteStore, site: FeedSite
) -> None:
    site.add(Story("s", "Kazan", ["Kazan."], summary="In Kazan"))
    assert await poll(pipeline, store, site, "wire") == 1
    assert site.requests["story:s"] == 0


async def test_a_poll_reports_how_long_the_server_calls_its_feed_fresh(
    pipeline: Pipeline, store: SqliteStore, site: FeedSite
) -> None:
    desk = feed(site, "desk")
    site.feed_headers = {"Cache-Control": "max-age=1200"}
    result = await pipeline.poll(desk, await store.feed_state("desk", desk.url))
    assert result.state.last_status == "ok"
    assert result.fresh_for == timedelta(minutes=20)
    again = await pipeline.poll(desk, result.state)
    assert again.state.last_status == "not modified"
    assert again.fresh_for == timedelta(minutes=20)


async def test_feed_errors_are_state_not_exceptions(
    pipeline: Pipeline, store: SqliteStore, site: FeedSite
) -> None:
    desk = feed(site, "desk")
    site.feed_status, site.feed_headers = 429, {"Retry-After": "600"}
    result = await pipeline.poll(desk, await store.feed_state("desk", desk.url))
    assert result.state.consecutive_errors == 1
    assert result.retry_after == timedelta(seconds=600)
    site.feed_status, site.feed_headers = 410, {}
    result = await pipeline.poll(desk, result.state)
    assert result.state.gone
    assert "410" in (result.state.last_status or "")
    site.feed_status = 200
    site.feed_body = b"<html>not a feed</html>"
    result = await pipeline.poll(desk, await store.feed_state("desk", desk.url))
    assert result.state.last_status == "not an RSS or Atom feed"


async def test_a_wire_story_syndicated_by_two_outlets_alerts_once(
    store: SqliteStore, workers: Workers, site: FeedSite
) -> None:
    other = await FeedSite().start()
    body = [
        "Delegations met in Kazan on Friday for a second round of talks on regional security.",
        "The talks covered trade, transit through Central Asia and the fight against drugs.",
        "Officials from five neighbouring countries attended, along with observers from China.",
        "A joint statement is expected on Saturday, after a closed session on border security.",
    ]
    site.add(Story("kazan-talks", "Talks in Kazan", body))
    other.add(Story("kazan-talks-resume", "Kazan talks resume, officials say", body))
    config = parse(
        "http:\n  allow_private: [127.0.0.1]\n"
        f"feeds:\n  - url: {site.feed_url}\n    name: desk\n"
        f"  - url: {other.feed_url}\n    name: wire\n"
        "rules:\n  - name: kazan\n    any: [Kazan]\n"
    )
    try:
        alerts = await poll_each(config, store, workers)
    finally:
        await other.stop()
    assert sum(alerts) == 1
    assert len(await owed_alerts(store)) == 1


async def test_a_story_first_seen_by_a_feed_outside_the_rules_scope_still_alerts(
    store: SqliteStore, workers: Workers, site: FeedSite
) -> None:
    site.add(Story("scoped", "Kazan summit", ["Kazan hosts a summit of regional leaders."]))
    config = parse(
        "http:\n  allow_private: [127.0.0.1]\n"
        f"feeds:\n  - url: {site.feed_url}?copy=1\n    name: wire\n"
        f"  - url: {site.feed_url}\n    name: desk\n"
        "rules:\n  - name: kazan\n    any: [Kazan]\n    feeds: [desk]\n"
    )
    # wire first: it carries the story, but the rule is desk's.
    alerts = await poll_each(config, store, workers)
    assert alerts == [0, 1]
