"""Connections for the hottest reads, outside SQLAlchemy's pool.

Why: a checkout from SQLAlchemy's async pool runs through a greenlet and, on PostgreSQL, sets the isolation level
(AUTOCOMMIT) on every checkout and return; on SQLite, more concurrent readers than the pool keeps open made it
open and close connections (with their PRAGMAs) all the time. For a one-row read (every ``GET`` of a resource,
every answer to an inbox POST, every event-stream read after a commit) that cost as much CPU as the query itself.
The PostgreSQL connections decode JSON columns exactly as the engine's do (msgspec); SQLite's answer text, which
the store decodes as the column types would (raw.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
import msgspec
from sqlalchemy.engine import URL

from romas.store.notify import listen_dsn


async def _codecs(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda data: msgspec.json.decode(data[1:]),
        schema="pg_catalog",
        format="binary",
    )
    await connection.set_type_codec(
        "json", encoder=str.encode, decoder=msgspec.json.decode, schema="pg_catalog", format="binary"
    )


class ReadPool:
    """A few asyncpg connections opened on first use (in the running event loop) and closed with the store.

    Leaner than ``asyncpg.Pool``, whose acquire and release cost as much CPU as a one-row query: an idle
    connection is popped from a list and pushed back, and a read that finds none idle opens one (up to ``size``)
    or waits for one. Reads change no session state, so nothing is reset between them. A connection whose read
    failed other than with PostgreSQL's own error (the connection broke, the read was cancelled) is dropped."""

    def __init__(self, url: URL, size: int) -> None:
        self._dsn = listen_dsn(url)
        self._size = size
        self._idle: list[asyncpg.Connection] = []
        self._open = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def _connect(self) -> asyncpg.Connection:
        self._open += 1
        try:
            connection = await asyncpg.connect(
                self._dsn, server_settings={"application_name": "romas", "timezone": "UTC"}
            )
            await _codecs(connection)
        except BaseException:
            self._open -= 1
            self._wake()
            raise
        return connection

    async def _acquire(self) -> asyncpg.Connection:
        while True:
            if self._idle:
                return self._idle.pop()
            if self._open < self._size:
                return await self._connect()
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken and cancelled at once: pass the turn on
                raise

    def _wake(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _release(self, connection: asyncpg.Connection) -> None:
        if self._closed:
            connection.terminate()
            self._open -= 1
            return
        self._idle.append(connection)
        self._wake()

    def _drop(self, connection: asyncpg.Connection) -> None:
        connection.terminate()
        self._open -= 1
        self._wake()

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        connection = self._idle.pop() if self._idle else await self._acquire()
        try:
            rows = await connection.fetch(sql, *args)
        except asyncpg.PostgresError:
            self._release(connection)  # the query failed, the connection is fine
            raise
        except BaseException:
            self._drop(connection)
            raise
        self._release(connection)
        return list(rows)

    async def close(self) -> None:
        self._closed = True
        connections, self._idle = self._idle, []
        for connection in connections:
            self._open -= 1
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)


_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class SqliteReadPool:
    """A connection that reads in the event loop's own thread, and a few aiosqlite connections kept open (each is a
    thread) for a read it could not do at once.

    Why: reads in WAL mode do not wait for the writer, and a trip to aiosqlite's thread and back (two thread switches
    and a wake-up of the loop) cost more CPU than the read itself; the runtime's follower reads the log after every
    commit, and every GET of a resource reads one row. A read is tried here first with no busy timeout; only one that
    finds the database busy (a recovery, another process's exclusive lock) waits, in a thread, as every read did."""

    def __init__(self, path: str, size: int) -> None:
        self._path = path
        self._size = size
        self._idle: list[aiosqlite.Connection] = []
        self._all: list[aiosqlite.Connection] = []
        self._freed: asyncio.Condition | None = None
        self._here: sqlite3.Connection | None = None

    @staticmethod
    def usable(database: str | None) -> bool:
        return bool(database) and database != ":memory:" and not str(database).startswith("file:")

    async def _acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        if len(self._all) < self._size:
            self._all.append(connection := await self._connect())
            return connection
        if self._freed is None:
            self._freed = asyncio.Condition()
        async with self._freed:
            await self._freed.wait_for(lambda: bool(self._idle))
            return self._idle.pop()

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(Path(self._path), isolation_level=None, check_same_thread=False)
        await connection.execute("PRAGMA busy_timeout=30000")
        await connection.execute("PRAGMA query_only=ON")
        return connection

    async def _release(self, connection: aiosqlite.Connection) -> None:
        self._idle.append(connection)
        if self._freed is not None:
            async with self._freed:
                self._freed.notify()

    def _here_connection(self) -> sqlite3.Connection:
        if self._here is None:
            here = sqlite3.connect(self._path, timeout=0, isolation_level=None, check_same_thread=False)
            here.execute("PRAGMA query_only=ON")
            self._here = here
        return self._here

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        try:
            return self._here_connection().execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) not in _BUSY:
                raise
        connection = await self._acquire()
        try:
            return list(await connection.execute_fetchall(sql, args))
        finally:
            await self._release(connection)

    async def close(self) -> None:
        here, self._here = self._here, None
        if here is not None:
            here.close()
        connections, self._all, self._idle = self._all, [], []
        for connection in connections:
            await connection.close()
