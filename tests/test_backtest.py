"""``monitor backtest``: today's rules over the stories the store kept, as a user
runs it (a subprocess on a real store), and the store's side of it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_cli import monitor

from monitor.daemon import STORE_FILE
from monitor.model import Alert, Entry, Match, Story, TextSource
from monitor.store import TEXT_KEPT, SqliteStore
from monitor.store import stories as stories_module
from monitor.store.schema import MIGRATIONS

CONFIG = """\
feeds:
  - url: https://desk.example.org/rss
    name: desk
  - url: https://wire.example.org/rss
    name: wire
rules:
  - name: kazan
    any: [Kazan]
  - name: wire-lavrov
    any: [Lavrov]
    feeds: [wire]
"""


def write_config(tmp_path: Path, text: str = CONFIG) -> Path:
    """The config, whose store lives in ``tmp_path / "state"``."""
    config = tmp_path / "config.yaml"
    config.write_text(text)
    return config


async def open_store(tmp_path: Path) -> SqliteStore:
    return await SqliteStore.open(tmp_path / "state" / STORE_FILE)


def story(feed: str, title: str, text: str, *, summary: str = "") -> Story:
    source = TextSource.ARTICLE if text else TextSource.SUMMARY
    return Story(feed, None, title, summary, text, text_source=source)


async def record(
    store: SqliteStore,
    feed: str,
    n: int,
    text: Story,
    *,
    url: str | None = None,
    alerted_at: datetime | None = None,
) -> None:
    entry = Entry(f"g{n}", url or f"https://{feed}.example.org/{n}", text.title, "", None)
    alert = None
    if alerted_at is not None:
        match = Match("kazan", ("Kazan",), ("…in Kazan…",))
        alert = Alert(0, feed, entry.title, entry.url, alerted_at, None, (match,))
    await store.record_story(feed, entry, alert, ["slack"] if alert else [], story=text)


async def test_backtest_lists_what_todays_rules_would_alert(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = await open_store(tmp_path)
    now = datetime.now(UTC)
    try:
        talks = story("desk", "Talks in Kazan", "Delegations met in Kazan on Friday.")
        await record(store, "desk", 1, talks, url="https://x.example/talks", alerted_at=now)
        # The same link through the wire: one story, carried by two feeds.
        copy = story("wire", "Talks in Kazan (wire)", "Delegations met in Kazan.")
        await record(store, "wire", 2, copy, url="https://x.example/talks")
        await record(store, "desk", 3, story("desk", "Snow in Moscow", "Heavy snow is due."))
        # Matched then on its feed summary: the page could not be read.
        teaser = story("desk", "A summit", "", summary="Leaders gather in Kazan next week.")
        await record(store, "desk", 4, teaser)
        # A rule scoped to the wire does not apply to the desk's story.
        lavrov = story("desk", "Lavrov speaks", "Sergei Lavrov spoke on Monday.")
        await record(store, "desk", 5, lavrov)
        await record(store, "wire", 6, story("wire", "Lavrov on the wire", "Lavrov spoke."))
        await record(store, "gone", 7, story("gone", "Old feed", "Kazan again."))
        older = story("desk", "Kazan last week", "An older story from Kazan.")
        await record(store, "desk", 8, older, alerted_at=now - timedelta(days=9))
    finally:
        await store.aclose()

    result = await asyncio.to_thread(monitor, "backtest", "-c", str(config))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "desk, wire  Talks in Kazan" in out
    assert out.count("Talks in Kazan") == 1
    assert "Snow in Moscow" not in out
    assert "Lavrov speaks" not in out
    assert "Lavrov on the wire" in out
    assert "NEW: did not alert then (from the feed summary)" in out.split("A summit")[1]
    assert "Kazan last week" not in out  # older than the default 7 days
    assert "Old feed" not in out
    assert "1 story of feeds no longer in the config not matched: gone" in out
    assert "7 stories read; 3 would alert with today's rules (1 alerted then, 2 new)" in out
    assert out.count("NEW: did not alert then") == 2

    wider = await asyncio.to_thread(
        monitor, "backtest", "--since", "10d", "--json", "-c", str(config)
    )
    assert wider.returncode == 0, wider.stderr
    hits = [json.loads(line) for line in wider.stdout.splitlines()]
    assert [h["title"] for h in hits] == [
        "Talks in Kazan",
        "A summit",
        "Lavrov on the wire",
        "Kazan last week",
    ]
    assert hits[0]["feeds"] == ["desk", "wire"]
    assert hits[0]["alerted_then"] is True
    assert hits[1]["text_source"] == "summary"
    assert hits[0]["matches"][0]["rule"] == "kazan"
    assert any("Kazan" in s for s in hits[0]["matches"][0]["snippets"])


def test_backtest_and_test_run_without_the_services_secrets(tmp_path: Path) -> None:
    """The analyst's shell does not hold the service's webhook: reading rules
    over stories must work anyway; running the daemon must not."""
    config = write_config(
        tmp_path,
        CONFIG.replace(
            "rules:\n",
            "notifiers:\n  desk: {type: slack, webhook: '${MONITOR_TEST_ABSENT}'}\nrules:\n",
        )
        + "    notify: [desk]\n",
    )
    backtest = monitor("backtest", "-c", str(config))
    assert backtest.returncode == 0, backtest.stderr
    assert "nothing to backtest yet" in backtest.stdout
    page = tmp_path / "page.html"
    body = "".join(
        f"<p>{p}</p>"
        for p in [
            "Delegations from six countries met in Kazan on Friday for talks on regional trade.",
            "The talks covered transit routes through Central Asia and new customs rules.",
            "Officials said a second round would be held in the spring, venue to be agreed.",
        ]
    )
    page.write_text(
        f"<html><head><title>Talks</title></head><body><article>{body}</article></body></html>"
    )
    test = monitor("test", str(page), "-c", str(config))
    assert test.returncode == 0, test.stderr
    assert "kazan" in test.stdout
    check = monitor("check", "-c", str(config))
    assert check.returncode == 2
    assert "MONITOR_TEST_ABSENT" in check.stderr


def test_backtest_says_so_when_there_is_no_store_and_refuses_a_bad_duration(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    empty = monitor("backtest", "-c", str(config))
    assert empty.returncode == 0, empty.stderr
    assert "nothing to backtest yet" in empty.stdout
    bad = monitor("backtest", "--since", "a week", "-c", str(config))
    assert bad.returncode == 2
    assert "--since 'a week'" in bad.stderr
    assert "Traceback" not in bad.stderr


async def test_story_texts_are_kept_compressed_for_a_while_then_pruned(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    store = await SqliteStore.open(path)
    now = datetime.now(UTC)
    text = "Delegations met in Kazan on Friday. " * 200
    try:
        old = story("desk", "Old", text)
        await record(store, "desk", 1, old, alerted_at=now - TEXT_KEPT - timedelta(hours=1))
        await record(store, "desk", 2, story("desk", "New", text), alerted_at=now)
        kept = [s async for s in store.stored_stories(now - timedelta(days=365))]
    finally:
        await store.aclose()
    assert [s.story.title for s in kept] == ["New"]
    assert kept[0].story.text == text
    assert kept[0].alerted
    with sqlite3.connect(path) as db:
        (size,) = db.execute("SELECT length(body) FROM story_texts").fetchone()
    assert size < len(text) / 10  # compressed: a fortnight of stories stays small


async def test_a_store_from_before_backtests_is_brought_forward(tmp_path: Path) -> None:
    """A store written by the previous schema opens, keeps its stories, and
    keeps texts from now on; its old stories have none to backtest."""
    path = tmp_path / STORE_FILE
    with sqlite3.connect(path) as db:
        db.executescript(f"{MIGRATIONS[0]}; PRAGMA user_version=1;")
        db.execute(
            "INSERT INTO stories (feed, guid, title, found_at) VALUES"
            " ('desk', 'old', 'Old story', '2026-01-01T00:00:00.000000Z')"
        )
    store = await SqliteStore.open(path)
    try:
        assert await store.unseen("desk", [Entry("old", None, "Old story", "", None)]) == []
        await record(store, "desk", 2, story("desk", "New", "Kazan."))
        kept = [s.story.title async for s in store.stored_stories(datetime(2025, 1, 1, tzinfo=UTC))]
    finally:
        await store.aclose()
    assert kept == ["New"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


WIRE = (
    "Delegations from Moscow and Kabul met in Kazan on Friday for a second day of talks"
    " on trade, transit through Central Asia and the security of the Afghan border, officials"
    " from both sides said after the meeting, which ran late into the evening. The talks"
    " covered wheat and fuel deliveries, a rail link through Uzbekistan that has been"
    " discussed for a decade, and the return of refugees who crossed into Tajikistan in 2021."
    " No agreement was signed, but both delegations said they would meet again in the spring,"
    " and a joint working group on transit will hold its first session next month in Tashkent,"
    " according to a statement published after the meeting by the host city's administration."
)


async def test_copies_are_one_story_and_alerted_then_counts_any_copy(tmp_path: Path) -> None:
    """The wire copy under another link is the same story by its text; a later
    copy of a story whose first copy alerted (before the window) alerted then."""
    config = write_config(tmp_path)
    store = await open_store(tmp_path)
    now = datetime.now(UTC)
    try:
        first = story("desk", "Kazan talks", "Delegations met in Kazan.")
        old = now - timedelta(days=9)
        await record(store, "desk", 1, first, url="https://x.example/a", alerted_at=old)
        await record(
            store, "wire", 2, story("wire", "Kazan talks", "In Kazan."), url="https://x.example/a"
        )
        await record(store, "desk", 3, story("desk", "Talks go on", WIRE))
        await record(store, "wire", 4, story("wire", "Talks go on (wire)", WIRE))
    finally:
        await store.aclose()
    result = await asyncio.to_thread(monitor, "backtest", "--json", "-c", str(config))
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(h["title"], h["feeds"], h["alerted_then"]) for h in hits] == [
        ("Kazan talks", ["wire"], True),
        ("Talks go on", ["desk", "wire"], False),
    ]
    assert "3 stories read; 2 would alert" in result.stderr


async def test_the_title_matched_is_the_one_the_daemon_used(tmp_path: Path) -> None:
    """A feed entry without a title is matched on the page's title: so is the backtest."""
    config = write_config(
        tmp_path, CONFIG + "  - name: in-title\n    any: [Kabul]\n    in: [title]\n"
    )
    store = await open_store(tmp_path)
    try:
        entry = Entry("g1", "https://desk.example.org/1", "", "", None)
        page = story("desk", "Kabul\x1b[2J reopens its airport", "Flights resume on Monday.")
        await store.record_story("desk", entry, None, [], story=page)
    finally:
        await store.aclose()
    result = await asyncio.to_thread(monitor, "backtest", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "in-title: Kabul" in result.stdout
    assert "Kabul [2J reopens its airport" in result.stdout
    assert "\x1b" not in result.stdout  # what a feed wrote never drives the terminal


async def test_a_damaged_story_is_skipped_with_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    path = tmp_path / "state" / STORE_FILE
    store = await SqliteStore.open(path)
    try:
        await record(store, "desk", 1, story("desk", "Kazan one", "In Kazan."))
        await record(store, "desk", 2, story("desk", "Kazan two", "In Kazan."))
    finally:
        await store.aclose()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE story_texts SET body = x'00ff' WHERE story_id = 1")
    result = await asyncio.to_thread(monitor, "backtest", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert "Kazan two" in result.stdout
    assert "Kazan one" not in result.stdout
    assert result.stderr.count("stored story unreadable; skipped") == 1
    assert "Traceback" not in result.stderr


def test_an_absurd_duration_is_a_usage_error(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    result = monitor("backtest", "--since", "99999999999999d", "-c", str(config))
    assert result.returncode == 2
    assert "too long" in result.stderr
    assert "Traceback" not in result.stderr


async def test_stored_stories_are_read_page_by_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stories_module, "_BACKTEST_PAGE", 2)
    store = await SqliteStore.open(tmp_path / STORE_FILE)
    try:
        for n in range(5):
            await record(store, "desk", n, story("desk", f"Story {n}", "Text."))
        titles = [
            s.story.title async for s in store.stored_stories(datetime(2025, 1, 1, tzinfo=UTC))
        ]
    finally:
        await store.aclose()
    assert titles == [f"Story {n}" for n in range(5)]


async def test_two_processes_opening_an_old_store_at_once_both_succeed(tmp_path: Path) -> None:
    """The daemon restarting while `monitor feeds` opens the store: one migrates,
    the other finds it migrated."""
    path = tmp_path / STORE_FILE
    for _ in range(10):
        path.unlink(missing_ok=True)
        with sqlite3.connect(path) as db:
            db.executescript(f"{MIGRATIONS[0]}; PRAGMA user_version=1;")
        opened = await asyncio.gather(
            SqliteStore.open(path), SqliteStore.open(path), return_exceptions=True
        )
        for store in opened:
            if isinstance(store, SqliteStore):
                await store.aclose()
        assert all(isinstance(store, SqliteStore) for store in opened), opened
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
