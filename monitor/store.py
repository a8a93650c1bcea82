"""The SQLite store: feeds' state, stories seen, and the outbox of alerts owed.

The only module with SQL. WAL mode, so ``monitor feeds`` and ``monitor alerts``
can read while the daemon writes. A story and its outbox rows are written in
one transaction: once a match is committed, its alerts are owed until delivered
or dead-lettered, whatever crashes in between.

Schema changes are numbered migrations applied at open; a store written by a
newer monitor is refused rather than guessed at.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Sequence, Sized
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from monitor.dedup import Sketch, same_story
from monitor.errors import StoreError
from monitor.model import (
    Alert,
    Delivery,
    DeliveryRecord,
    Entry,
    FeedState,
    Match,
    Notice,
    TextSource,
)

# How far back a syndicated copy of an alerted story is recognised.
DEDUP_WINDOW = timedelta(days=3)

_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        configured_url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        first_polled_at TEXT,
        last_poll_at TEXT,
        last_status TEXT,
        consecutive_errors INTEGER NOT NULL DEFAULT 0,
        next_poll_at TEXT,
        stories_seen INTEGER NOT NULL DEFAULT 0,
        last_alert_at TEXT,
        gone INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        feed TEXT NOT NULL,
        guid TEXT NOT NULL,
        url TEXT,
        title TEXT NOT NULL,
        found_at TEXT NOT NULL,
        published_at TEXT,
        alerted INTEGER NOT NULL DEFAULT 0,
        sketch TEXT,  -- JSON bottom-k sketch of an alerted story's text (dedup.py)
        duplicate_of INTEGER REFERENCES stories (id),  -- not alerted: same text as this one
        UNIQUE (feed, guid)
    );
    CREATE INDEX stories_url ON stories (url) WHERE url IS NOT NULL;
    CREATE INDEX stories_sketched ON stories (found_at) WHERE sketch IS NOT NULL;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        story_id INTEGER REFERENCES stories (id),  -- NULL for notices to the admin
        notifier TEXT NOT NULL,
        message TEXT NOT NULL,  -- JSON of the Alert or Notice
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        UNIQUE (story_id, notifier)
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
    """,
)


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


class SqliteStore:
    """``Store`` on one aiosqlite connection; every write is serialised by a lock
    so transactions of concurrent coroutines never interleave."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, aiosqlite.Error) as e:
            raise StoreError(f"cannot open the store {path}: {e}") from e
        store = cls(db, path)
        try:
            await store._setup()
        except aiosqlite.Error as e:
            await db.close()
            raise StoreError(f"cannot prepare the store {path}: {e}") from e
        except StoreError:
            await db.close()
            raise
        return store

    async def _setup(self) -> None:
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._db.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable in WAL mode except against power loss mid-checkpoint.
        await self._db.execute("PRAGMA synchronous=NORMAL")
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(_MIGRATIONS):
            raise StoreError(
                f"the store {self.path} has schema version {version}, newer than this "
                f"monitor knows ({len(_MIGRATIONS)}): upgrade monitor"
            )
        for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version={number}; COMMIT;"
            )

    async def aclose(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            except aiosqlite.Error as e:
                raise StoreError(f"store write failed: {e}") from e

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            try:
                async with self._db.execute(sql, params) as cur:
                    return list(await cur.fetchall())
            except aiosqlite.Error as e:
                raise StoreError(f"store read failed: {e}") from e

    async def ping(self) -> None:
        """Prove the store can take a write now (what recording a story needs): take
        the write lock and let go. Raises ``StoreError`` if it cannot within the
        busy timeout."""
        async with self._transaction():
            pass

    # -- feeds ---------------------------------------------------------------

    async def feed_state(self, name: str, configured_url: str) -> FeedState:
        """The stored state of a feed; a fresh one if the feed is new or its URL
        was changed in the config (then its validators and redirects are stale)."""
        rows = await self._fetchall("SELECT * FROM feeds WHERE name = ?", (name,))
        fresh = FeedState(name=name, url=configured_url, configured_url=configured_url)
        if not rows:
            return fresh
        state = _feed_state(rows[0])
        if state.configured_url != configured_url:
            return fresh
        return state

    async def all_feed_states(self) -> list[FeedState]:
        return [_feed_state(r) for r in await self._fetchall("SELECT * FROM feeds ORDER BY name")]

    async def save_feed_state(self, state: FeedState) -> None:
        values = asdict(state)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        async with self._transaction() as db:
            await db.execute(
                f"INSERT OR REPLACE INTO feeds ({columns}) VALUES ({marks})",
                [_to_sql(v) for v in values.values()],
            )

    # -- stories -------------------------------------------------------------

    async def unseen(self, feed: str, entries: Sequence[Entry]) -> list[Entry]:
        """Entries of ``feed`` not seen before: neither their GUID in this feed nor
        their canonical URL in any feed."""
        if not entries:
            return []
        guids = await self._fetchall(
            f"SELECT guid FROM stories WHERE feed = ? AND guid IN ({_marks(entries)})",
            [feed, *(e.guid for e in entries)],
        )
        urls = [e.url for e in entries if e.url]
        known_urls = (
            await self._fetchall(
                f"SELECT url FROM stories WHERE url IN ({_marks(urls)})",
                urls,
            )
            if urls
            else []
        )
        seen_guids = {row[0] for row in guids}
        seen_urls = {row[0] for row in known_urls}
        fresh: list[Entry] = []
        for entry in entries:
            if entry.guid in seen_guids or (entry.url and entry.url in seen_urls):
                continue
            # A feed may list the same story twice: keep the first.
            seen_guids.add(entry.guid)
            if entry.url:
                seen_urls.add(entry.url)
            fresh.append(entry)
        return fresh

    async def mark_seen(self, feed: str, entries: Sequence[Entry], now: datetime) -> None:
        """Remember entries without alerting (a new feed's backlog beyond lookback)."""
        async with self._transaction() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO stories (feed, guid, url, title, found_at, published_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (feed, e.guid, e.url, e.title, _to_sql(now), _to_sql(e.published_at))
                    for e in entries
                ],
            )
            await db.execute(
                "UPDATE feeds SET stories_seen = stories_seen + ? WHERE name = ?",
                (len(entries), feed),
            )

    async def record_story(
        self,
        feed: str,
        entry: Entry,
        alert: Alert | None,
        notifiers: Sequence[str],
        *,
        sketch: Sketch | None = None,
    ) -> Recorded | None:
        """Store a new story and, in the same transaction, an outbox row per notifier.

        Returns None if the story is known already: its GUID in this feed, or its
        link from any feed (checked here again, under the write lock, so two feeds
        carrying one story at the same moment cannot both record it). A story
        whose ``sketch`` matches one alerted in the last ``DEDUP_WINDOW`` (the same
        wire story at another outlet) is recorded without alerting.
        ``alert.story_id`` is filled in here.
        """
        found_at = alert.found_at if alert else datetime.now(UTC)
        async with self._transaction() as db:
            if entry.url and await _exists(db, "SELECT 1 FROM stories WHERE url = ?", entry.url):
                return None
            twin = None
            if alert is not None and sketch is not None:
                twin = await _near_duplicate(db, sketch, found_at - DEDUP_WINDOW)
            alerting = alert is not None and twin is None
            cur = await db.execute(
                "INSERT OR IGNORE INTO stories (feed, guid, url, title, found_at, published_at,"
                " alerted, sketch, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feed,
                    entry.guid,
                    entry.url,
                    entry.title,
                    _to_sql(found_at),
                    _to_sql(entry.published_at),
                    int(alerting),
                    json.dumps(sketch) if alerting and sketch else None,
                    twin,
                ),
            )
            if cur.rowcount == 0:
                return None
            story_id = cur.lastrowid
            assert story_id is not None  # an INSERT that inserted a row has one
            await db.execute(
                "UPDATE feeds SET stories_seen = stories_seen + 1 WHERE name = ?", (feed,)
            )
            if alerting and alert is not None and notifiers:
                await _owe(db, Alert(**{**_fields(alert), "story_id": story_id}), notifiers)
                await db.execute(
                    "UPDATE feeds SET last_alert_at = ? WHERE name = ?", (_to_sql(found_at), feed)
                )
            return Recorded(story_id, duplicate_of=twin)

    # -- outbox --------------------------------------------------------------

    async def enqueue_notice(self, notice: Notice, notifiers: Sequence[str]) -> None:
        """Owe ``notice`` to each of ``notifiers``, durably like an alert."""
        at = _to_sql(notice.created_at)
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
            f" WHERE state = 'pending' AND next_attempt_at <= ? AND notifier IN ({_marks(names)})"
            " ORDER BY next_attempt_at, id LIMIT ?",
            [_to_sql(now), *names, limit],
        )
        return [_delivery(row) for row in rows]

    async def pending_deliveries(self, notifier: str, limit: int) -> list[Delivery]:
        """Every pending delivery of one notifier, due or not, oldest first (for digests)."""
        rows = await self._fetchall(
            "SELECT id, notifier, message, attempts, created_at FROM outbox"
            " WHERE state = 'pending' AND notifier = ? ORDER BY id LIMIT ?",
            [notifier, limit],
        )
        return [_delivery(row) for row in rows]

    async def postpone(self, ids: Sequence[int], until: datetime) -> None:
        """Hold deliveries until ``until`` without counting an attempt (quiet hours, digests)."""
        async with self._transaction() as db:
            await db.executemany(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ?",
                [(_to_sql(until), i) for i in ids],
            )

    async def next_attempt_at(self, notifiers: Iterable[str]) -> datetime | None:
        names = list(notifiers)
        if not names:
            return None
        rows = await self._fetchall(
            "SELECT MIN(next_attempt_at) FROM outbox"
            f" WHERE state = 'pending' AND notifier IN ({_marks(names)})",
            names,
        )
        return _from_sql(rows[0][0]) if rows else None

    async def pending_count(self, notifiers: Iterable[str]) -> int:
        names = list(notifiers)
        if not names:
            return 0
        rows = await self._fetchall(
            "SELECT COUNT(*) FROM outbox"
            f" WHERE state = 'pending' AND notifier IN ({_marks(names)})",
            names,
        )
        return int(rows[0][0])

    async def mark_delivered(self, ids: Sequence[int], now: datetime) -> None:
        async with self._transaction() as db:
            await db.executemany(
                "UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1,"
                " last_error = NULL WHERE id = ?",
                [(_to_sql(now), i) for i in ids],
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
                    [(error, _to_sql(retry_at), i) for i in ids],
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
                created_at=_required_time(row[4]),
                next_attempt_at=_required_time(row[5]),
                delivered_at=_from_sql(row[6]),
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
                (_to_sql(now),),
            )
            return cur.rowcount

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        return {row[0]: row[1] for row in rows}


@dataclass(frozen=True, slots=True)
class Recorded:
    story_id: int
    duplicate_of: int | None = None  # set when not alerted: the same text was, as this story


async def _exists(db: aiosqlite.Connection, sql: str, *params: object) -> bool:
    async with db.execute(sql, params) as cur:
        return await cur.fetchone() is not None


async def _near_duplicate(db: aiosqlite.Connection, sketch: Sketch, since: datetime) -> int | None:
    async with db.execute(
        "SELECT id, sketch FROM stories WHERE sketch IS NOT NULL AND found_at >= ?",
        (_to_sql(since),),
    ) as cur:
        async for story_id, stored in cur:
            if same_story(sketch, tuple(json.loads(stored))):
                return int(story_id)
    return None


async def _owe(db: aiosqlite.Connection, alert: Alert, notifiers: Sequence[str]) -> None:
    at = _to_sql(alert.found_at)
    payload = encode_message(alert)
    await db.executemany(
        "INSERT OR IGNORE INTO outbox (story_id, notifier, message, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(alert.story_id, n, payload, at, at) for n in notifiers],
    )


def encode_message(message: Alert | Notice) -> str:
    if isinstance(message, Notice):
        return json.dumps(
            {
                "kind": "notice",
                "subject": message.subject,
                "body": message.body,
                "created_at": _to_sql(message.created_at),
            },
            ensure_ascii=False,
        )
    data = _fields(message)
    data["kind"] = "alert"
    data["found_at"] = _to_sql(message.found_at)
    data["published_at"] = _to_sql(message.published_at)
    data["matches"] = [asdict(m) for m in message.matches]
    data["text_source"] = message.text_source.value
    return json.dumps(data, ensure_ascii=False)


def decode_message(text: str) -> Alert | Notice:
    data = json.loads(text)
    if data["kind"] == "notice":
        return Notice(
            subject=data["subject"],
            body=data["body"],
            created_at=_required_time(data["created_at"]),
        )
    return Alert(
        story_id=data["story_id"],
        feed=data["feed"],
        title=data["title"],
        url=data["url"],
        found_at=_required_time(data["found_at"]),
        published_at=_from_sql(data["published_at"]),
        matches=tuple(
            Match(rule=m["rule"], terms=tuple(m["terms"]), snippets=tuple(m["snippets"]))
            for m in data["matches"]
        ),
        text_source=TextSource(data["text_source"]),
    )


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row[0],
        notifier=row[1],
        message=decode_message(row[2]),
        attempts=row[3],
        created_at=_required_time(row[4]),
    )


def _required_time(value: str | None) -> datetime:
    moment = _from_sql(value)
    if moment is None:
        raise StoreError("an outbox row lacks a time it must have")
    return moment


def _fields(alert: Alert) -> dict[str, Any]:
    # asdict would recurse into matches; a shallow copy keeps the values as they are.
    return {name: getattr(alert, name) for name in Alert.__dataclass_fields__}


def _feed_state(row: aiosqlite.Row) -> FeedState:
    values = dict(zip(FeedState.__dataclass_fields__, row, strict=True))
    for name in ("first_polled_at", "last_poll_at", "next_poll_at", "last_alert_at"):
        values[name] = _from_sql(values[name])
    values["gone"] = bool(values["gone"])
    return FeedState(**values)


def _marks(items: Sized) -> str:
    return ", ".join("?" * len(items))


def _to_sql(value: object) -> object:
    # ISO 8601 in UTC with a fixed width sorts as text, so SQL can compare times.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, bool):
        return int(value)
    return value


def _from_sql(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
