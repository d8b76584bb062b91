"""Group commit: one writer per process runs the write requests that are waiting in one transaction.

Why: a commit costs a flush to disk (SQLite ``synchronous=FULL``, PostgreSQL's WAL) and appends hold the global
append lock through it, so committing requests one at a time caps every write at the disk's commit rate and at
the per-transaction overhead. Here requests queue; the writer opens one transaction, takes the append lock once,
hands its connection to the waiting requests one after another, and commits once the queue is empty (or the batch
is full). At low load the queue is empty after each request, so a write commits at once; under load the requests
that arrived during one commit form the next batch, so batches grow with the load.

Each request keeps its own atomicity and outcome: from the second request of a batch on, each runs inside its own
savepoint, so one that raises (a failed optimistic-concurrency check, a constraint, a bug) is rolled back alone and
its error goes to it alone; the first request of a batch needs no savepoint, since rolling back the whole
transaction undoes only its work. A request's ``write()`` returns only after the batch holding it committed.

On PostgreSQL the savepoint is a round trip of its own, and round trips, not CPU, bound a batch there (the requests
of a batch run one after the other on its connection). So a request takes it only before its first statement that
needs it (see :class:`Member`): appends with their expected versions, checked in their statement, need none. And a
*light* request (``Store.write(light=True)``) takes none: it promises one statement that either writes and succeeds
or writes nothing and says so (``Writer.wrote_nothing``), as the one-statement accepts of inbox messages and
invocations do; should it fail after writing anyway, the whole batch is undone and its other requests get
:class:`BatchBroken`. The batch's own statements go straight through asyncpg too: ``BEGIN``, the append lock and a
check that the log's end and the leases' epoch are as this process's last batch left them in one simple query (they
are read only when they are not), and at the end the ``NOTIFY`` and the ``COMMIT`` in one round trip.

On SQLite the statements of a batch's requests run on the event loop's own thread, on the ``sqlite3`` connection
under aiosqlite's (made with ``check_same_thread=False``; aiosqlite's thread has nothing of the batch's to do
meanwhile). With the write lock held since ``BEGIN IMMEDIATE`` they wait for nobody and take microseconds, where a
trip to aiosqlite's thread and back cost more CPU than the statement (two thread switches, a wake-up of the loop) on
the server's core. ``BEGIN IMMEDIATE`` runs there too when the write lock is free (it waits on aiosqlite's thread
when another connection holds it); ``COMMIT`` (which waits for the disk) and ``ROLLBACK`` go through aiosqlite's
thread.

On PostgreSQL a batch that holds a quick request takes no *bulk* one after it (``Store.write(bulk=True)``: the
runtime's flush, whose one statement writes the status changes, events and checkpoints of dozens of messages and holds
the batch for milliseconds): it commits, and the bulk request opens the next batch. Why: under load the requests that
clients wait for (an inbox POST's accept, say) queued just before a flush waited for its statement too before their
commit: two fifths of a client's cycle under ``bench.runtime throughput`` on PostgreSQL. A bulk request that
comes first still takes the quick ones queued behind it: they arrived while it ran, and joining its batch costs
them no more than waiting for the next one. On SQLite the statements take microseconds and the commit's flush to disk
is what costs, so there every request waiting joins the batch.

The writer keeps its connection from batch to batch (a pool's checkout and reset cost a batch more than its
statements at low load) and runs the transaction by hand on both databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from romas.store import metrics
from romas.store.engine import SQLITE_BUSY_TIMEOUT_MS, WRITE_OPTION
from romas.store.notify import commit_raw
from romas.store.storable import storable_args, storable_rows

if TYPE_CHECKING:
    from romas.store.eventstore import RecordedEvent

log = logging.getLogger("romas.store")

# Any constant works; it only has to be the same for every romas process sharing the database.
APPEND_LOCK_KEY = 0x726F6D6173  # "romas"
TAKE_APPEND_LOCK = f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"
"""Waits for the append lock, then holds it until the transaction ends: every batch on PostgreSQL, and whatever
must not commit between a batch's opening and its commit (a process taking shards over, ``cluster/leases.py``)."""
MAX_MEMBERS = 64
"""A batch takes no more requests than this; the rest wait for the next one."""
MAX_SPAN_S = 0.050
"""Nor does it take more once its first request has been running this long, so that request is not held up for
long by a stream of later ones."""

REPLAN_FROM = 1_000
"""On PostgreSQL a writer connection's prepared statements are prepared again each time the log has doubled since
they were, from this many events on (see ``GroupCommit._fresh_plans``)."""

# The lock in the simple query that opens the transaction (constants only), then what the batch needs to know in a
# statement of its own: a statement's snapshot is taken when it starts, so one that waited for the lock would not see
# the events (or the leases) of the batch that held it. What it needs: the newest event, and the leases' epoch (see
# ``Batch.leases_epoch``). When this process knows both as its last batch left them, the opening query checks that
# they are still so (``romas_unchanged``, prepared on the writer's connection: planned once, not at every batch) and
# says it by its command tag, "SELECT 0"; only "SELECT 1" (someone else wrote since, or a shard changed holder) costs
# the read, ``_PG_LAST``.
_PG_BEGIN = f"BEGIN; {TAKE_APPEND_LOCK}"
_PG_UNCHANGED = "; EXECUTE romas_unchanged({position}, '{at}', {epoch})"
_PG_PREPARE_UNCHANGED = (
    "PREPARE romas_unchanged(bigint, timestamptz, bigint) AS "
    "SELECT 1 FROM (SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1) newest "
    "WHERE position <> $1 OR recorded_at <> $2 "
    "UNION ALL SELECT 1 FROM cluster_shards HAVING coalesce(sum(fence), 0) <> $3"
)
_PG_STILL_NEWEST = "SELECT 0"
_PG_LAST = (
    "SELECT newest.recorded_at, newest.position, shards.epoch "
    "FROM (SELECT coalesce(sum(fence), 0)::bigint AS epoch FROM cluster_shards) shards "
    "LEFT JOIN LATERAL (SELECT recorded_at, position FROM events ORDER BY position DESC LIMIT 1) newest ON true"
)
# The writer's connection plans without sequential scans wherever an index serves (a session setting, made once):
# every statement of a write finds its rows by key, but PostgreSQL keeps the plan it made for a prepared statement
# after a few runs, and one made while a table was young (and unanalysed) joins the rows of an ``unnest`` to it by a
# sequential scan, which every later run pays, the whole table each time (an artefact's run of operations read every
# invocation to end its own). Without JIT compilation: a sequential scan that remains (of a table of a few rows, or
# one with no index to use) is priced so high by then that PostgreSQL would compile the statement, ~60 ms each time.
# Given back to the pool, the connection plans as any other again.
_PG_WRITER_SESSION = f"SET enable_seqscan = off; SET jit = off; {_PG_PREPARE_UNCHANGED}"
_PG_ANY_SESSION = "RESET enable_seqscan; RESET jit; DEALLOCATE romas_unchanged"
_SQLITE_LAST = "SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1"
# Savepoints are never released: a new one of the same name is pushed for each request, and rolling back to the
# name goes to the newest one, the failing request's own. That saves a round trip per request; a batch has at most
# MAX_MEMBERS of them.
_SAVEPOINT = "SAVEPOINT romas_request"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT romas_request"
# Member.undo on PostgreSQL (the only database where a request appends before its savepoint): the events deleted and
# the positions they took given back to the identity sequence, so the log stays gapless.
_UNDO_APPEND_PG = (
    "WITH gone AS (DELETE FROM events WHERE position = ANY($1::bigint[]) RETURNING 1) "
    "SELECT setval(pg_get_serial_sequence('events', 'position'), $2::bigint, false) FROM (SELECT count(*) FROM gone) g"
)


class BatchBroken(RuntimeError):
    """The batch's transaction could not go on (a savepoint could not be rolled back, the commit failed)."""


class Batch:
    """One transaction shared by the requests of a batch, with the append lock already held.

    ``driver`` is the driver's own connection under ``connection`` (asyncpg or aiosqlite), for the hot statements
    sent straight through it (see :meth:`rows`); on SQLite they run on ``sqlite``, the ``sqlite3`` connection under
    aiosqlite's, in this thread (see the module's docstring).
    """

    __slots__ = (
        "broken",
        "connection",
        "dialect",
        "driver",
        "last_recorded",
        "leases_epoch",
        "members",
        "recorded",
        "serial",
        "sqlite",
    )

    def __init__(
        self,
        serial: int,
        connection: AsyncConnection,
        driver: Any,
        dialect: str,
        last_recorded: datetime | None,
        leases_epoch: int | None = None,
    ) -> None:
        self.serial = serial
        """Which batch of this process this is (1, 2, ...)."""
        self.connection = connection
        self.dialect = dialect
        self.driver = driver
        self.sqlite: sqlite3.Connection | None = sqlite_connection(driver) if dialect == "sqlite" else None
        self.last_recorded = last_recorded
        """The newest ``recorded_at`` in the log, read once per batch under the lock, so instants stay monotonic."""
        self.leases_epoch = leases_epoch
        """PostgreSQL: the sum of the shards' fencing numbers (``cluster_shards.fence``) as this transaction sees them
        under the append lock. Each time a shard changes holder its number grows, and a process taking shards over
        takes the append lock first (``cluster/leases.py``), so while this batch holds the lock no lease changes
        hands: a lease check that found this process's leases at this epoch still holds until the batch commits."""
        self.members = 0
        self.recorded: list[RecordedEvent] = []
        """The events of the requests that kept their changes, in log order."""
        self.broken = False

    async def rows(self, pg_sql: str, sqlite_sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        """Run one statement straight through the driver in the batch's transaction; its rows (maybe none)."""
        args = storable_args(args)
        if self.sqlite is None:
            return list(await self.driver.fetch(pg_sql, *args))
        return self.sqlite.execute(sqlite_sql, args).fetchall()

    async def many(self, pg_sql: str, sqlite_sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters, in one round trip to the driver."""
        rows = storable_rows(rows)
        if self.sqlite is None:
            await self.driver.executemany(pg_sql, rows)
        else:
            self.sqlite.executemany(sqlite_sql, rows)

    async def _plain(self, sql: str) -> None:
        if self.sqlite is None:
            await self.driver.execute(sql)
        else:
            self.sqlite.execute(sql)


class Ticket:
    """A request's place in the queue: granted a batch, then released (True if its changes stay), then
    committed."""

    __slots__ = ("bulk", "committed", "granted", "released")

    def __init__(self, loop: asyncio.AbstractEventLoop, *, bulk: bool = False) -> None:
        self.bulk = bulk
        self.granted: asyncio.Future[Batch] = loop.create_future()
        self.released: asyncio.Future[bool] = loop.create_future()
        self.committed: asyncio.Future[None] = loop.create_future()
        self.committed.add_done_callback(_retrieve)


def sqlite_connection(driver: Any) -> sqlite3.Connection:
    """The ``sqlite3`` connection under an aiosqlite connection."""
    connection: sqlite3.Connection = driver._conn
    return connection


async def _begin_sqlite(driver: Any) -> None:
    """``BEGIN IMMEDIATE`` on the event loop's thread when the write lock is free, as it is unless another process
    (or another connection) writes: at once, no trip to aiosqlite's thread. A busy lock is waited for there."""
    connection = sqlite_connection(driver)
    connection.execute("PRAGMA busy_timeout=0")
    try:
        connection.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
    finally:
        connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    await driver.execute("BEGIN IMMEDIATE")


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark the outcome seen: a request cancelled while waiting for its commit never reads it."""
    if not future.cancelled():
        future.exception()


class GroupCommit:
    """The writer of one store: a task that runs the queued requests in batches."""

    def __init__(self, engine: AsyncEngine, on_commit: list[Callable[[list[RecordedEvent]], None]]) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.on_commit = on_commit
        self._queue: deque[Ticket] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batches = 0
        self._held: AsyncConnection | None = None
        """The writer's connection (see ``_hold``)."""
        self._held_driver: Any = None
        """The driver's connection under it."""
        self._newest: tuple[int, datetime, int] | None = None
        """The position and instant of the event that ended the log when this process's last batch committed, and
        the leases' epoch then, if known (PostgreSQL): checked when the next batch opens instead of read (see
        ``_PG_UNCHANGED``)."""
        self.newest_reads = 0
        """Batches that had to read the newest event and the leases' epoch (PostgreSQL): the first, and those opened
        after another writer, or after a shard changed holder."""
        self._planned_at: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        """For each writer connection (PostgreSQL), the log's end when its statements were last prepared."""
        self.max_members = MAX_MEMBERS
        self.max_span_s = MAX_SPAN_S
        self.bulk_apart = self.dialect == "postgresql"
        """Whether a batch that holds a quick request commits before a bulk one (see the module's docstring)."""

    @property
    def waiting(self) -> int:
        """Requests queued for the writer (not yet granted a batch)."""
        return sum(1 for ticket in self._queue if not ticket.granted.done())

    def enqueue(self, *, bulk: bool = False) -> Ticket:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="romas-group-commit")
        ticket = Ticket(loop, bulk=bulk)
        self._queue.append(ticket)
        assert self._wake is not None
        self._wake.set()
        return ticket

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        assert self._wake is not None
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue:
                    try:
                        await self._batch()
                    except asyncio.CancelledError:
                        raise
                    except Exception:  # already handed to the batch's requests; the writer goes on
                        log.debug("a batch failed", exc_info=True)
        finally:
            await self._let_go()

    async def _hold(self) -> None:
        """Make sure the writer holds its connection (``_held``, and the driver's under it, ``_held_driver``: found
        once, since SQLAlchemy finds it through a greenlet each time). It is kept from batch to batch: taking one
        from the pool and giving it back (with the pool's reset, a ROLLBACK: on SQLite a trip to aiosqlite's thread)
        cost each batch more than its statements at low load. Both databases run the transaction by hand (see
        ``_open``): SQLAlchemy sends no BEGIN, COMMIT or ROLLBACK of its own, told the connection autocommits
        (PostgreSQL) or finding the transaction begun (SQLite, see ``engine._on_begin``). On PostgreSQL it plans by
        key, without JIT, and with the opening's check prepared (``_PG_WRITER_SESSION``)."""
        if self._held is None or self._held.closed or self._held.invalidated:
            options: dict[str, Any] = {WRITE_OPTION: True}
            if self.dialect == "postgresql":  # SQLite's is left alone: the pool would reset it to implicit BEGINs
                options["isolation_level"] = "AUTOCOMMIT"
            connection = await self.engine.connect()
            try:
                await connection.execution_options(**options)
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                if self.dialect == "postgresql":
                    await driver.execute(_PG_WRITER_SESSION)
            except BaseException:
                await connection.close()
                raise
            self._held, self._held_driver = connection, driver

    async def _begin(self) -> Batch:
        """Open a batch on the writer's connection. One kept from an earlier batch may have died since (the
        database restarted, the link dropped): then the batch is opened once more on a new one, so no request
        pays for it."""
        kept = self._held is not None
        try:
            return await self._open_held()
        except Exception as exc:
            if not kept:
                raise
            log.info("the store's writer connection failed (%s); opening the batch on a new one", exc)
        return await self._open_held()

    async def _open_held(self) -> Batch:
        await self._hold()
        try:
            return await self._open()
        except BaseException:
            await self._drop()
            raise

    async def _drop(self) -> None:
        """After a batch failed as a whole: its transaction rolled back if it can be, the connection let go."""
        with contextlib.suppress(Exception):
            await self._abort()
        await self._let_go()

    async def _let_go(self) -> None:
        """Give the writer's connection back to the pool: after a batch that failed as a whole (its state is not
        known), and when the writer stops."""
        connection, driver, self._held, self._held_driver = self._held, self._held_driver, None, None
        if connection is None:
            return
        if self.dialect == "postgresql" and not connection.invalidated:
            try:
                await driver.execute(_PG_ANY_SESSION)
            except Exception:  # not to go back to the pool planning by key: discarded
                with contextlib.suppress(Exception):
                    await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()

    def _next(self) -> Ticket | None:
        while self._queue:
            ticket = self._queue.popleft()
            if not ticket.granted.cancelled():
                return ticket
        return None

    def _bulk_next(self) -> bool:
        """Whether the next request the writer would take is a bulk one."""
        return next((ticket.bulk for ticket in self._queue if not ticket.granted.cancelled()), False)

    async def _batch(self) -> None:
        ticket = self._next()
        if ticket is None:
            return
        kept: list[Ticket] = []
        opened = time.perf_counter()
        try:
            batch = await self._begin()
            try:
                started = time.perf_counter()
                quick = False
                while ticket is not None:
                    batch.members += 1
                    ticket.granted.set_result(batch)
                    if await ticket.released:
                        kept.append(ticket)
                    if batch.broken:
                        break
                    if len(kept) >= self.max_members or time.perf_counter() - started >= self.max_span_s:
                        break
                    quick = quick or not ticket.bulk
                    if quick and self.bulk_apart and self._bulk_next():
                        break  # the bulk request opens the next batch (see the module's docstring)
                    ticket = self._next()
                if not kept or batch.broken:
                    await self._abort()
                elif self.dialect == "postgresql":
                    newest, self._newest = self._newest, None  # unknown should the commit fail
                    await commit_raw(batch.driver, batch.recorded)
                    if batch.recorded and batch.leases_epoch is not None:
                        newest = batch.recorded[-1].position, batch.recorded[-1].recorded_at, batch.leases_epoch
                    self._newest = newest
                else:
                    await batch.driver.commit()
            except BaseException:
                await self._drop()
                raise
        except BaseException as exc:
            error = exc if isinstance(exc, Exception) else BatchBroken("the store's writer stopped")
            if ticket is not None and not ticket.granted.done():
                if isinstance(exc, Exception):
                    ticket.granted.set_exception(error)  # the database is unreachable, say: this request fails
                else:
                    self._queue.appendleft(ticket)
            if kept:
                metrics.BATCHES_FAILED.inc()
            for member in kept:
                member.committed.set_exception(error)
            if ticket is not None and ticket.granted.done() and not ticket.committed.done():
                ticket.committed.set_exception(error)  # granted, still at work: it must not wait for ever
            raise
        if batch.broken and kept:
            metrics.BATCHES_FAILED.inc()
            for member in kept:
                member.committed.set_exception(BatchBroken("a request left the transaction unusable; retry"))
            return
        if kept:
            metrics.BATCH_SIZE.observe(len(kept))
            metrics.COMMIT_SECONDS.observe(time.perf_counter() - opened)
            if batch.recorded:
                for hook in self.on_commit:
                    try:
                        hook(batch.recorded)
                    except Exception:
                        log.exception("a commit hook failed")
        for member in kept:
            member.committed.set_result(None)

    async def _open(self) -> Batch:
        """Take the append lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock) and learn
        the newest instant: on PostgreSQL in the same round trip when the log still ends where this process's last
        batch left it, else with a read. Every batch appends, and taking the lock before any row lock
        means no two processes' batches can deadlock on each other's rows."""
        connection, driver = self._held, self._held_driver
        assert connection is not None
        epoch: int | None = None
        if self.dialect == "postgresql":
            last, epoch = await self._lock_appends(driver)
        else:
            await _begin_sqlite(driver)
            rows = sqlite_connection(driver).execute(_SQLITE_LAST).fetchall()
            last = datetime.fromisoformat(rows[0][0]) if rows else None
        self._batches += 1
        return Batch(self._batches, connection, driver, self.dialect, last, epoch)

    async def _lock_appends(self, driver: Any) -> tuple[datetime | None, int]:
        """PostgreSQL: begin, take the append lock and return the newest instant and the leases' epoch (see
        ``_PG_UNCHANGED``)."""
        known = self._newest
        if known is not None:
            position, at, epoch = known
            unchanged = _PG_UNCHANGED.format(position=int(position), at=at.isoformat(), epoch=int(epoch))
            if await driver.execute(_PG_BEGIN + unchanged) == _PG_STILL_NEWEST:
                await self._fresh_plans(driver, position)
                return at, epoch
        else:
            await driver.execute(_PG_BEGIN)
        self.newest_reads += 1
        recorded_at, position, epoch = await driver.fetchrow(_PG_LAST)
        if position is None:
            self._newest = None
            await self._fresh_plans(driver, 0)
            return None, epoch
        self._newest = position, recorded_at, epoch
        await self._fresh_plans(driver, position)
        return recorded_at, epoch

    async def _fresh_plans(self, driver: Any, end: int) -> None:
        """Prepare this connection's statements again if the log has doubled since they were prepared.

        Why: PostgreSQL plans a prepared statement for good after a few runs, by the sizes of the tables then. A
        statement first run on a young database (a flush's ``UPDATE messages ... FROM unnest(...)``) keeps a
        sequential scan of a table that has grown since, a cost that grows with the table until autovacuum's next
        ANALYZE, or asyncpg's statement lifetime, makes it plan again. Doubling bounds how stale a plan gets at a
        cost that vanishes as the database grows."""
        planned = self._planned_at.get(driver)
        if planned is None:
            self._planned_at[driver] = end
        elif end >= max(REPLAN_FROM, 2 * planned):
            await driver.reload_schema_state()
            self._planned_at[driver] = end
            metrics.PLANS_REFRESHED.inc()

    async def _abort(self) -> None:
        """Roll the batch's transaction back; a connection that cannot is not reused."""
        connection, driver = self._held, self._held_driver
        assert connection is not None
        try:
            if self.dialect == "postgresql":
                await driver.execute("ROLLBACK")
            else:
                await driver.rollback()
        except BaseException:
            await connection.invalidate()
            raise


class Member:
    """A request's hold on its batch: whether a failure of it can be undone without the others, and how.

    On PostgreSQL a request after the batch's first takes its savepoint only when it first needs one (:meth:`protect`,
    before a statement that may have to be undone): a request that fails before it ran anything costs no round trip,
    and events appended by a request's first statements (:meth:`Writer.append`, checked in the statement, so a
    conflict writes nothing) need none. Should such a request fail after all, those events are deleted and the log's
    position sequence set back (:meth:`undo`): exact, since the batch holds the append lock and the request runs
    alone on its connection, so no one else took a position meanwhile. On SQLite the savepoint costs no round trip
    and is taken at once."""

    __slots__ = ("batch", "exposed", "light", "savepoint")

    def __init__(self, batch: Batch, *, light: bool) -> None:
        self.batch = batch
        self.light = light
        """Runs one statement that writes all or nothing (see ``Store.write``): never a savepoint."""
        self.savepoint = False
        """Whether this request's savepoint was taken."""
        self.exposed: list[int] = []
        """Positions of the events this request appended before it had a savepoint."""

    @property
    def protected(self) -> bool:
        """Whether a statement run now could be undone alone: the batch's first request (undone by rolling back the
        whole transaction, which holds nothing else), or a request with its savepoint."""
        return self.savepoint or self.batch.members == 1

    async def protect(self) -> None:
        """Take the savepoint, unless this request needs none (see the class)."""
        if not self.protected and not self.light:
            await self.batch._plain(_SAVEPOINT)
            self.savepoint = True

    async def undo(self) -> None:
        """Undo this failed request's changes: back to its savepoint, then the events it appended before it."""
        batch = self.batch
        try:
            if self.savepoint:
                await batch._plain(_ROLLBACK_TO)
            if self.exposed:
                await batch.rows(_UNDO_APPEND_PG, "", (self.exposed, min(self.exposed)))
        except Exception:
            batch.broken = True
            raise


async def begin_member(batch: Batch, *, light: bool = False) -> Member:
    """Called by a request once granted the batch (see :class:`Member`)."""
    member = Member(batch, light=light)
    if batch.sqlite is not None:
        await member.protect()
    return member


async def end_member(member: Member, *, undo: bool) -> None:
    """Undo a failed request's changes. ``undo`` says whether the request ran a statement without protection that may
    have written (a light write's, or an append that failed midway); that, the failure of the batch's first request,
    or an undo that fails, breaks the batch. A request that succeeded keeps its changes: nothing to do."""
    metrics.WRITES_ROLLED_BACK.inc()
    batch = member.batch
    if member.savepoint:
        await member.undo()
    elif undo or (batch.members == 1 and not member.light):
        batch.broken = True
    elif member.exposed:
        await member.undo()
