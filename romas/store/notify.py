"""Wake-ups for event streams: "new events may be in the table, read again".

Event streams (``GET /events`` as ``text/event-stream``) read every event from the ``events`` table; this
module only tells them when another read is worthwhile, so an idle stream costs no queries. Commits made by
this process ring through :attr:`Store.on_commit`. On PostgreSQL every write transaction also queues
``NOTIFY romas_events, '<last position>'`` (:func:`announce`, delivered at commit and dropped on rollback), and
:class:`CommitSignal` listens on one dedicated connection, so writes made by other romas processes sharing the
database wake streams here too.

A wake-up is only a hint. Streams also re-read after :attr:`CommitSignal.fallback_poll` seconds without one, so
a dropped LISTEN connection, a bogus notification, or several processes on one SQLite file can delay an event
but never lose it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from romas.store.eventstore import RecordedEvent, Store

log = logging.getLogger("romas.events")

CHANNEL = "romas_events"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
# Query options of the URL that configure SQLAlchemy's asyncpg dialect; libpq and asyncpg do not know them.
_SQLALCHEMY_OPTIONS = frozenset({"prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback"})


async def announce(connection: AsyncConnection, recorded: Sequence[RecordedEvent]) -> None:
    """Queue a NOTIFY in the write transaction that recorded these events (PostgreSQL only).

    Appends hold a transaction-scoped lock, so notifications arrive in commit order, after the events are visible.
    """
    if recorded and connection.dialect.name == "postgresql":
        await connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": str(recorded[-1].position)})


async def commit_raw(driver: Any, recorded: Sequence[RecordedEvent]) -> None:
    """Commit the group commit's transaction straight through asyncpg, with the NOTIFY of :func:`announce` in the
    same round trip (one simple query: the payload is a number, the channel a constant)."""
    if recorded:
        await driver.execute(f"SELECT pg_notify('{CHANNEL}', '{int(recorded[-1].position)}'); COMMIT")
    else:
        await driver.execute("COMMIT")


def listen_dsn(url: URL) -> str:
    """The engine's URL as a plain PostgreSQL DSN that asyncpg accepts."""
    query = {key: value for key, value in url.query.items() if key not in _SQLALCHEMY_OPTIONS}
    return url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)


class CommitSignal:
    """Tells waiting event streams that events past a position may have committed.

    ``latest`` is the highest committed position this process has heard of. A stream that has read everything
    up to some position waits in :meth:`wait_past` until ``latest`` passes it, bounded by its own timeouts
    (keep-alive, fallback poll).
    """

    def __init__(
        self,
        store: Store,
        *,
        keepalive: float = 15.0,
        fallback_poll: float = 5.0,
        heartbeat: float = 20.0,
        reconnect_delay: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.store = store
        self.keepalive = keepalive
        """Seconds of silence after which a stream sends a keep-alive comment (proxies drop idle connections)."""
        self.fallback_poll = fallback_poll
        """Seconds after which a stream re-reads the table even without a wake-up."""
        self.heartbeat = heartbeat
        """Seconds between probes of an idle LISTEN connection: a peer that vanished may never say so."""
        self.reconnect_delay = reconnect_delay
        """The first and the longest wait before reconnecting; it doubles after each failed attempt."""
        self.latest = 0
        self.listening = False
        """True while the LISTEN connection is up (PostgreSQL)."""
        self._changed = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Hook into the store's commits and, on PostgreSQL, start listening.

        The first LISTEN is awaited so that a server that answers requests already hears other processes; if it
        fails, the listener keeps retrying in the background and streams rely on the fallback poll meanwhile.
        """
        self._loop = asyncio.get_running_loop()
        self.store.on_commit.append(self._on_commit)
        if self.store.dialect != "postgresql":
            return
        first: asyncpg.Connection | None = None
        try:
            first = await self._connect()
        except Exception as exc:
            log.warning("event listener: cannot LISTEN yet (%s); retrying in the background", exc)
        self._task = asyncio.create_task(self._listen(first), name="romas-event-listener")

    async def stop(self) -> None:
        if self._on_commit in self.store.on_commit:
            self.store.on_commit.remove(self._on_commit)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- waking ------------------------------------------------------------------------------------------------

    def advance(self, position: int) -> None:
        """Note that ``position`` has committed and wake the streams that have not read that far."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                # asyncio.Event is not thread-safe: a commit made from another thread rings on our loop.
                loop.call_soon_threadsafe(self.advance, position)
                return
        if position <= self.latest:
            return
        self.latest = position
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_past(self, seen: int) -> None:
        """Return once a position past ``seen`` has committed (callers bound the wait with a timeout)."""
        while self.latest <= seen:
            await self._changed.wait()

    def _on_commit(self, recorded: list[RecordedEvent]) -> None:
        self.advance(max(event.position for event in recorded))

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            position = int(payload)
        except ValueError:
            log.debug("event listener: ignoring notification %r", payload)
            return
        self.advance(position)

    # -- the LISTEN connection (PostgreSQL) --------------------------------------------------------------------

    async def _connect(self) -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(
            listen_dsn(self.store.engine.url),
            timeout=10,
            server_settings={"application_name": "romas-events"},
        )
        try:
            await connection.add_listener(CHANNEL, self._on_notify)
        except BaseException:
            connection.terminate()
            raise
        self.listening = True
        return connection

    async def _listen(self, connection: asyncpg.Connection | None) -> None:
        """Keep one LISTEN connection up for as long as the server runs, reconnecting with backoff."""
        shortest, longest = self.reconnect_delay
        delay = shortest
        while True:
            if connection is None:
                # Not at once: a database that just dropped us is often restarting.
                await asyncio.sleep(delay)
                try:
                    connection = await self._connect()
                except Exception as exc:
                    delay = min(delay * 2, longest)
                    log.warning("event listener: cannot connect (%s); retrying in %.1fs", exc, delay)
                    continue
                log.info("event listener: listening again")
                # Whatever committed while we were deaf: streams behind the newest position re-read.
                with contextlib.suppress(Exception):
                    self.advance(await self.store.last_position())
            delay = shortest
            try:
                await self._watch(connection)
                reason = "closed by the server"
            except Exception as exc:
                reason = str(exc) or type(exc).__name__
            finally:
                self.listening = False
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
            log.warning("event listener: connection lost (%s); reconnecting in %.1fs", reason, delay)
            connection = None

    async def _watch(self, connection: asyncpg.Connection) -> None:
        """Return (or raise) once the connection is gone; an idle one is probed, since a dead peer may be silent."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.heartbeat):
                    await lost.wait()
            if not lost.is_set():
                await connection.execute("SELECT 1", timeout=10)
