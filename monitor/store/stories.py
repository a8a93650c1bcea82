"""Feeds' poll state and the stories seen, with the alerts each story owes."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from monitor.dedup import Sketch, same_story
from monitor.errors import StoreError
from monitor.model import Alert, Entry, FeedState, StoredStory, Story, TextSource
from monitor.store.codec import (
    alert_fields,
    encode_message,
    from_sql,
    pack_text,
    required_time,
    to_sql,
    unpack_text,
)
from monitor.store.connection import Connection, marks

log = logging.getLogger(__name__)

# How far back a syndicated copy of an alerted story is recognised.
DEDUP_WINDOW = timedelta(days=3)
# How long the text a story was matched on is kept, for `monitor backtest`.
TEXT_KEPT = timedelta(days=14)
_BACKTEST_PAGE = 200  # stories read from the store at a time

# What a poll writes; the counts shown beside them are derived from `stories`.
_POLL_COLUMNS = (
    "name", "url", "configured_url", "etag", "last_modified", "first_polled_at",
    "last_poll_at", "last_status", "consecutive_errors", "next_poll_at", "gone",
)  # fmt: skip
_FEED_SELECT = (
    f"SELECT {', '.join(_POLL_COLUMNS)},"
    " (SELECT COUNT(*) FROM stories WHERE stories.feed = feeds.name),"
    " (SELECT MAX(found_at) FROM stories WHERE stories.feed = feeds.name AND alerted = 1)"
    " FROM feeds"
)


@dataclass(frozen=True, slots=True)
class Recorded:
    """A story just stored, and which notifiers it now owes an alert."""

    story_id: int
    notified: tuple[str, ...] = ()
    # The first copy of this story (same link from another feed, or near-identical
    # text): notifiers it alerted already are not alerted again.
    first_copy: int | None = None


class Stories(Connection):
    async def feed_state(self, name: str, configured_url: str) -> FeedState:
        """The stored state of a feed; a fresh one if the feed is new or its URL
        was changed in the config (then its validators and redirects are stale)."""
        rows = await self._fetchall(f"{_FEED_SELECT} WHERE name = ?", (name,))
        fresh = FeedState(name=name, url=configured_url, configured_url=configured_url)
        if not rows:
            return fresh
        state = _feed_state(rows[0])
        if state.configured_url != configured_url:
            return fresh
        return state

    async def all_feed_states(self) -> list[FeedState]:
        return [_feed_state(r) for r in await self._fetchall(f"{_FEED_SELECT} ORDER BY name")]

    async def save_feed_state(self, state: FeedState) -> None:
        values = asdict(state)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _POLL_COLUMNS[1:])
        async with self._transaction() as db:
            await db.execute(
                f"INSERT INTO feeds ({', '.join(_POLL_COLUMNS)})"
                f" VALUES ({marks(_POLL_COLUMNS)}) ON CONFLICT (name) DO UPDATE SET {updates}",
                [to_sql(values[c]) for c in _POLL_COLUMNS],
            )

    async def unseen(self, feed: str, entries: Sequence[Entry]) -> list[Entry]:
        """Entries of ``feed`` it has not carried before, by GUID or by link.

        A link already seen in *another* feed is still new here: this feed's
        rules and notifiers may differ, and ``record_story`` alerts only the
        notifiers that have not had it.
        """
        if not entries:
            return []
        urls = [e.url for e in entries if e.url]
        rows = await self._fetchall(
            f"SELECT guid, url FROM stories WHERE feed = ? AND (guid IN ({marks(entries)})"
            f" OR url IN ({marks(urls)}))",
            [feed, *(e.guid for e in entries), *urls],
        )
        seen = {row[0] for row in rows} | {row[1] for row in rows if row[1]}
        fresh: list[Entry] = []
        for entry in entries:
            if entry.guid in seen or (entry.url and entry.url in seen):
                continue
            # A feed may list the same story twice: keep the first.
            seen.add(entry.guid)
            if entry.url:
                seen.add(entry.url)
            fresh.append(entry)
        return fresh

    async def mark_seen(self, feed: str, entries: Sequence[Entry], now: datetime) -> None:
        """Remember entries without alerting (a new feed's backlog beyond lookback)."""
        async with self._transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO stories (feed, guid, url, title, found_at, published_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (feed, e.guid, e.url, e.title, to_sql(now), to_sql(e.published_at))
                    for e in entries
                ],
            )

    async def record_story(
        self,
        feed: str,
        entry: Entry,
        alert: Alert | None,
        notifiers: Sequence[str],
        *,
        sketch: Sketch | None = None,
        story: Story | None = None,
    ) -> Recorded | None:
        """Store a story seen in ``feed`` and, in the same transaction, an outbox row
        for each of ``notifiers`` that has not had this story yet, and the text it
        was matched on (``story``), kept for ``TEXT_KEPT``.

        The story's first copy is found here, under the write lock, so two feeds
        carrying one story at the same moment cannot both alert a notifier: by its
        link, else by near-identical text (``sketch``) within ``DEDUP_WINDOW``.
        Returns None if this feed recorded this GUID before. ``alert.story_id`` is
        filled in here.
        """
        found_at = alert.found_at if alert else datetime.now(UTC)
        async with self._transaction() as db:
            firsts = await _first_copies(db, entry.url, sketch, found_at - DEDUP_WINDOW)
            had = await _notifiers_alerted(db, firsts)
            owed = tuple(n for n in notifiers if n not in had) if alert else ()
            first = min(firsts, default=None)
            keep_sketch = bool(owed) and sketch is not None
            cur = await db.execute(
                "INSERT OR IGNORE INTO stories (feed, guid, url, title, found_at, published_at,"
                " alerted, sketch, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feed, entry.guid, entry.url, entry.title, to_sql(found_at),
                    to_sql(entry.published_at), int(bool(owed)),
                    json.dumps(sketch) if keep_sketch else None, first,
                ),
            )  # fmt: skip
            if cur.rowcount == 0:
                return None
            story_id = cur.lastrowid
            assert story_id is not None  # an INSERT that inserted a row has one
            if alert is not None and owed:
                await _owe(db, Alert(**{**alert_fields(alert), "story_id": story_id}), owed)
            if story is not None:
                await _keep_text(db, story_id, story, found_at)
            return Recorded(story_id, notified=owed, first_copy=first)

    async def stored_stories(self, since: datetime) -> AsyncIterator[StoredStory]:
        """The stories found since ``since`` whose text is still kept, in the
        order they were found, read a page at a time: a fortnight of a busy
        desk's stories need not fit in memory at once. A row that cannot be read
        is logged and skipped."""
        after = 0
        while True:
            rows = await self._fetchall(
                "SELECT s.id, COALESCE(s.duplicate_of, s.id) AS first, s.feed, s.url,"
                " s.published_at,"
                # Alerted: this copy, or any copy of the same story (a later copy
                # owes nothing when the first one alerted).
                " EXISTS (SELECT 1 FROM stories c WHERE c.alerted = 1"
                "   AND (c.id = COALESCE(s.duplicate_of, s.id)"
                "        OR c.duplicate_of = COALESCE(s.duplicate_of, s.id))),"
                " t.found_at, t.source, t.title, t.summary, t.body"
                " FROM story_texts t JOIN stories s ON s.id = t.story_id"
                " WHERE t.found_at >= ? AND t.story_id > ? ORDER BY t.story_id LIMIT ?",
                (to_sql(since), after, _BACKTEST_PAGE),
            )
            for row in rows:
                try:
                    stored = _stored_story(row)
                except (StoreError, ValueError) as e:
                    # One damaged row costs that story, not the backtest.
                    log.warning(
                        "stored story unreadable; skipped", extra={"story": row[0], "error": str(e)}
                    )
                    continue
                yield stored
            if len(rows) < _BACKTEST_PAGE:
                return
            after = int(rows[-1][0])


async def _first_copies(
    db: aiosqlite.Connection, url: str | None, sketch: Sketch | None, since: datetime
) -> set[int]:
    """The first copies of this story: by its link, and by near-identical text
    (a copy under another link may have alerted where the link's first copy did not)."""
    firsts: set[int] = set()
    if url:
        async with db.execute(
            "SELECT COALESCE(duplicate_of, id) FROM stories WHERE url = ? ORDER BY id LIMIT 1",
            (url,),
        ) as cur:
            firsts.update([int(row[0]) async for row in cur])
    if sketch is not None:
        # Only copies that alerted keep a sketch: a few a day, so a scan is cheap.
        async with db.execute(
            "SELECT COALESCE(duplicate_of, id), sketch FROM stories"
            " WHERE sketch IS NOT NULL AND found_at >= ?",
            (to_sql(since),),
        ) as cur:
            async for first, stored in cur:
                if same_story(sketch, tuple(json.loads(stored))):
                    firsts.add(int(first))
    return firsts


async def _notifiers_alerted(db: aiosqlite.Connection, firsts: set[int]) -> set[str]:
    if not firsts:
        return set()
    ids = sorted(firsts)
    async with db.execute(
        "SELECT DISTINCT notifier FROM outbox WHERE story_id IN (SELECT id FROM stories"
        f" WHERE id IN ({marks(ids)}) OR duplicate_of IN ({marks(ids)}))",
        [*ids, *ids],
    ) as cur:
        return {row[0] async for row in cur}


async def _owe(db: aiosqlite.Connection, alert: Alert, notifiers: Sequence[str]) -> None:
    at = to_sql(alert.found_at)
    payload = encode_message(alert)
    await db.executemany(
        "INSERT OR IGNORE INTO outbox (story_id, notifier, message, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(alert.story_id, n, payload, at, at) for n in notifiers],
    )


async def _keep_text(
    db: aiosqlite.Connection, story_id: int, story: Story, found_at: datetime
) -> None:
    await db.execute(
        "INSERT INTO story_texts (story_id, found_at, source, title, summary, body)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            story_id, to_sql(found_at), story.text_source.value, story.title, story.summary,
            pack_text(story.text),
        ),
    )  # fmt: skip
    # Pruned as stories come in: the index makes this a look at the oldest rows.
    await db.execute("DELETE FROM story_texts WHERE found_at < ?", (to_sql(found_at - TEXT_KEPT),))


def _stored_story(row: aiosqlite.Row) -> StoredStory:
    _, first, feed, url, published, alerted, found, source, title, summary, body = row
    return StoredStory(
        first_copy=int(first),
        found_at=required_time(found),
        alerted=bool(alerted),
        story=Story(
            feed=feed,
            url=url,
            title=title,
            summary=summary,
            text=unpack_text(body),
            text_source=TextSource(source),
            published_at=from_sql(published),
        ),
    )


def _feed_state(row: aiosqlite.Row) -> FeedState:
    values = dict(zip(_POLL_COLUMNS, row, strict=False))
    for name in ("first_polled_at", "last_poll_at", "next_poll_at"):
        values[name] = from_sql(values[name])
    values["gone"] = bool(values["gone"])
    return FeedState(
        **values, stories_seen=row[len(_POLL_COLUMNS)], last_alert_at=from_sql(row[-1])
    )
