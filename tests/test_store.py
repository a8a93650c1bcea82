import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.dedup import sketch
from monitor.errors import StoreError
from monitor.model import Alert, Entry, Match, TextSource
from monitor.store import SqliteStore

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def entry(n: int, url: str | None = None) -> Entry:
    return Entry(
        guid=f"g{n}",
        url=url if url is not None else f"https://example.org/{n}",
        title=f"Story {n}",
        summary="",
        published_at=NOW,
    )


def alert() -> Alert:
    return Alert(
        story_id=0,
        feed="desk",
        title="Taliban in Kazan",
        url="https://example.org/1",
        found_at=NOW,
        published_at=NOW - timedelta(hours=1),
        matches=(Match("taliban", ("Taliban", "Kazan"), ("…Taliban leaders in Kazan…",)),),
        text_source=TextSource.SUMMARY,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "state" / "monitor.sqlite3")
    yield store
    await store.aclose()


async def test_feed_state_round_trips_and_resets_when_the_url_changes(store: SqliteStore) -> None:
    state = await store.feed_state("desk", "https://a.example/rss")
    assert state.consecutive_errors == 0
    saved = replace(state, etag='"x"', consecutive_errors=3, next_poll_at=NOW, gone=False)
    await store.save_feed_state(saved)
    assert await store.feed_state("desk", "https://a.example/rss") == saved
    fresh = await store.feed_state("desk", "https://b.example/rss")
    assert fresh.etag is None
    assert fresh.url == "https://b.example/rss"


async def test_unseen_by_guid_or_link_within_the_feed(store: SqliteStore) -> None:
    await store.mark_seen("desk", [entry(1)], NOW)
    # Seen: the same GUID, or a re-published entry (new GUID, same link); listed twice: once.
    candidates = [entry(1), entry(2), replace(entry(3), url="https://example.org/1"), entry(2)]
    fresh = await store.unseen("desk", candidates)
    assert [e.guid for e in fresh] == ["g2"]
    # Another feed may use the same GUID for a different story, and may carry the
    # same link under its own rules (record_story then alerts only whom it owes).
    assert [e.guid for e in await store.unseen("wire", [entry(1, url="")])] == ["g1"]
    assert [e.guid for e in await store.unseen("wire", [entry(9, url=entry(1).url)])] == ["g9"]


async def test_story_and_outbox_rows_are_written_together(store: SqliteStore) -> None:
    recorded = await store.record_story("desk", entry(1), alert(), ["slack", "email"])
    assert recorded is not None
    due = await store.due_deliveries(NOW, ["slack", "email"], 10)
    assert {d.notifier for d in due} == {"slack", "email"}
    assert due[0].message == replace(alert(), story_id=recorded.story_id)
    # The same story recorded again (by another feed, say) owes nothing more.
    assert await store.record_story("desk", entry(1), alert(), ["slack"]) is None
    assert len(await store.due_deliveries(NOW, ["slack", "email"], 10)) == 2


async def test_outbox_lifecycle(store: SqliteStore) -> None:
    await store.record_story("desk", entry(1), alert(), ["slack", "email"])
    due = {d.notifier: d for d in await store.due_deliveries(NOW, ["slack", "email"], 10)}
    slack, email = due["slack"], due["email"]
    await store.mark_delivered([slack.id], NOW)
    later = NOW + timedelta(minutes=5)
    await store.mark_failed([email.id], "SMTP 451", later)
    assert await store.due_deliveries(NOW, ["slack", "email"], 10) == []
    assert await store.next_attempt_at(["slack", "email"]) == later
    (retry,) = await store.due_deliveries(later, ["slack", "email"], 10)
    assert retry.attempts == 1
    await store.mark_failed([retry.id], "535 auth failed", None)
    assert await store.pending_count(["slack", "email"]) == 0
    assert await store.outbox_counts() == {"delivered": 1, "dead": 1}


async def test_rows_for_an_unconfigured_notifier_wait(store: SqliteStore) -> None:
    await store.record_story("desk", entry(1), alert(), ["old-slack"])
    assert await store.due_deliveries(NOW, ["console"], 10) == []
    assert len(await store.due_deliveries(NOW, ["old-slack"], 10)) == 1


async def test_the_store_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "monitor.sqlite3"
    store = await SqliteStore.open(path)
    await store.record_story("desk", entry(1), alert(), ["slack"])
    await store.aclose()
    again = await SqliteStore.open(path)
    try:
        assert len(await again.due_deliveries(NOW, ["slack"], 10)) == 1
    finally:
        await again.aclose()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_store_from_a_newer_monitor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "monitor.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError, match="newer"):
        await SqliteStore.open(path)


async def test_an_unwritable_state_dir_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open"):
        await SqliteStore.open(blocker / "monitor.sqlite3")


async def test_the_same_link_from_another_feed_alerts_each_notifier_once(
    store: SqliteStore,
) -> None:
    first = await store.record_story("desk", entry(1), alert(), ["slack"])
    assert first is not None
    assert first.notified == ("slack",)
    # Another feed, whose rules route the story to email as well: email only.
    second = await store.record_story(
        "wire", entry(2, url=entry(1).url), alert(), ["slack", "email"]
    )
    assert second is not None
    assert second.notified == ("email",)
    assert second.first_copy == first.story_id
    # A third carrier owes nobody anything.
    third = await store.record_story(
        "blog", entry(3, url=entry(1).url), alert(), ["email", "slack"]
    )
    assert third is not None
    assert third.notified == ()
    due = await store.due_deliveries(NOW, ["slack", "email"], 10)
    assert sorted(d.notifier for d in due) == ["email", "slack"]


async def test_a_story_first_seen_without_a_match_still_alerts_from_another_feed(
    store: SqliteStore,
) -> None:
    await store.record_story("wire", entry(1), None, [])
    later = await store.record_story("desk", entry(2, url=entry(1).url), alert(), ["slack"])
    assert later is not None
    assert later.notified == ("slack",)


async def test_counts_shown_by_monitor_feeds_survive_the_poll_saving_its_state(
    store: SqliteStore,
) -> None:
    state = await store.feed_state("desk", "https://a.example/rss")
    await store.mark_seen("desk", [entry(1)], NOW)
    await store.record_story("desk", entry(2), alert(), ["slack"])
    await store.save_feed_state(replace(state, last_status="ok"))
    (saved,) = await store.all_feed_states()
    assert saved.stories_seen == 2
    assert saved.last_alert_at == NOW


async def test_a_syndicated_copy_is_recorded_but_not_alerted(store: SqliteStore) -> None:
    words = " ".join(f"word{i}" for i in range(200))
    original = sketch(words)
    copy = sketch("Republished with permission. " + words)
    other = sketch(" ".join(f"other{i}" for i in range(200)))
    assert original is not None
    assert copy is not None
    assert other is not None
    first = await store.record_story("desk", entry(1), alert(), ["slack"], sketch=original)
    assert first is not None
    second = await store.record_story("wire", entry(2), alert(), ["slack"], sketch=copy)
    assert second is not None
    assert second.first_copy == first.story_id
    assert second.notified == ()
    third = await store.record_story("wire", entry(3), alert(), ["slack"], sketch=other)
    assert third is not None
    assert third.first_copy is None
    assert len(await store.due_deliveries(NOW, ["slack"], 10)) == 2


async def test_a_copy_alerted_under_another_link_counts_for_the_same_text(
    store: SqliteStore,
) -> None:
    words = " ".join(f"word{i}" for i in range(200))
    text = sketch(words)
    assert text is not None
    # A: first at link 1, matched no rule. B: same text at link 2, alerted slack.
    await store.record_story("a", entry(1), None, [], sketch=text)
    b = await store.record_story("b", entry(2), alert(), ["slack"], sketch=text)
    assert b is not None
    assert b.notified == ("slack",)
    # C: link 1 again, same text: slack had it already through B.
    c = await store.record_story("c", entry(3, url=entry(1).url), alert(), ["slack"], sketch=text)
    assert c is not None
    assert c.notified == ()
