"""Which process runs the agents.

Several romas processes may share one PostgreSQL database. One of them holds a session-level advisory lock and
runs every agent; the others serve the API and wait. When the holder dies, PostgreSQL ends its session and frees
the lock, and the next process takes over from the checkpoints, which are exactly what the database says was
processed. Every flush of the runtime first checks, inside its own transaction, that this process still holds
the lock, so a process that lost it commits nothing more. SQLite serves one process, which always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from romas.store.eventstore import Store
from romas.store.notify import listen_dsn

log = logging.getLogger("romas.leadership")

RUNTIME_LOCK = 0x726F6D72  # any constant below 2**31 every romas process shares ("romr")
_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :key "
    "AND objsubid = 1 AND pid = :pid AND granted)"
)


class LeadershipLost(RuntimeError):
    """This process no longer holds the lock: another one may be running the agents."""


class Leadership:
    def __init__(self, store: Store, *, retry_s: float = 2.0, heartbeat_s: float = 5.0) -> None:
        self.store = store
        self.retry_s = retry_s
        self.heartbeat_s = heartbeat_s
        self.held = False
        self.backend_pid: int | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.settled = asyncio.Event()
        """Set once the first attempt is over: this process leads (and has started), or knows it waits."""

    def start(self, on_acquired: Callable[[], Awaitable[None]], on_lost: Callable[[], Awaitable[None]]) -> None:
        self._stopping.clear()
        self.settled.clear()
        self._task = asyncio.create_task(self._run(on_acquired, on_lost), name="romas-leadership")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self, connection: AsyncConnection) -> None:
        """Raise LeadershipLost unless this process still holds the lock (run inside a write transaction)."""
        if self.store.dialect != "postgresql":
            return
        if not self.held or self.backend_pid is None:
            raise LeadershipLost("this process does not run the agents")
        held = (await connection.execute(_HELD, {"key": RUNTIME_LOCK, "pid": self.backend_pid})).scalar()
        if not held:
            raise LeadershipLost("this process lost the lock that lets it run the agents")

    async def _pause(self, seconds: float) -> bool:
        """Sleep unless asked to stop; True when stopping."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        return self._stopping.is_set()

    async def _run(self, on_acquired: Callable[[], Awaitable[None]], on_lost: Callable[[], Awaitable[None]]) -> None:
        if self.store.dialect != "postgresql":
            self.held = True
            try:
                await on_acquired()
            finally:
                self.settled.set()
            await self._stopping.wait()
            self.held = False
            return
        announced_wait = False
        while not self._stopping.is_set():
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(
                    listen_dsn(self.store.engine.url),
                    timeout=10,
                    server_settings={"application_name": "romas-runtime-lock"},
                )
                while not await connection.fetchval("SELECT pg_try_advisory_lock($1)", RUNTIME_LOCK):
                    self.settled.set()
                    if not announced_wait:
                        log.info("another romas process runs the agents; this one serves the API and waits")
                        announced_wait = True
                    if await self._pause(self.retry_s):
                        return
                self.backend_pid = connection.get_server_pid()
                self.held = True
                log.info("this process runs the agents")
                try:
                    await on_acquired()
                finally:
                    self.settled.set()
                while not await self._pause(self.heartbeat_s):
                    await connection.fetchval("SELECT 1")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("the runtime lock's connection failed: %s", exc)
                self.settled.set()
            finally:
                if self.held:
                    self.held = False
                    self.backend_pid = None
                    await on_lost()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close()
            if await self._pause(self.retry_s):
                return
