"""One aiosqlite connection: opening, migrating, and transactions that never interleave."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence, Sized
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

import aiosqlite

from monitor.errors import StoreError
from monitor.store.schema import MIGRATIONS

_WAL_TRIES = 50
_WAL_PAUSE = 0.1  # seconds: 50 tries span the busy timeout


class Connection:
    """Every read and write goes through one lock, so the transactions of
    concurrent coroutines on the single connection never interleave."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Self:
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
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._wal()
        await self._db.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable in WAL mode except against power loss mid-checkpoint.
        await self._db.execute("PRAGMA synchronous=NORMAL")
        version = await self._version()
        while version < len(MIGRATIONS):
            # Read again under the write lock: another process (the daemon, while
            # `monitor feeds` opens the store) may have migrated it meanwhile.
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                version = await self._version()
                if version < len(MIGRATIONS):
                    # Statement by statement: executescript would commit first.
                    for statement in _statements(MIGRATIONS[version]):
                        await self._db.execute(statement)
                    version += 1
                    await self._db.execute(f"PRAGMA user_version={version}")
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _wal(self) -> None:
        """Switch to WAL. The switch fails at once, without the busy timeout,
        while another process opens the same new store (the daemon starting as
        `monitor feeds` runs): try again for as long as that timeout."""
        for _ in range(_WAL_TRIES - 1):
            try:
                await self._db.execute("PRAGMA journal_mode=WAL")
                return
            except aiosqlite.OperationalError as e:
                if "locked" not in str(e):
                    raise
                await asyncio.sleep(_WAL_PAUSE)
        await self._db.execute("PRAGMA journal_mode=WAL")

    async def _version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the store {self.path} has schema version {version}, newer than this "
                f"monitor knows ({len(MIGRATIONS)}): upgrade monitor"
            )
        return version

    async def aclose(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                if self._db.in_transaction:
                    # Left open by a caller cancelled mid-BEGIN (the statement ran on
                    # in aiosqlite's thread): nothing of it was committed, drop it.
                    await self._db.execute("ROLLBACK")
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


def _statements(script: str) -> list[str]:
    """A script's SQL statements, one by one."""
    found, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending)
            pending = ""
    return found


def marks(items: Sized) -> str:
    """``?, ?, ?``: placeholders for an ``IN`` list; values are always bound."""
    return ", ".join("?" * len(items))
