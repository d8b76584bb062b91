"""The event store: appends with optimistic concurrency, projections in the same transaction, reads by
revision and by instant.

Every write goes through :meth:`Store.write`, which yields a :class:`Writer` for one write request. The requests
waiting at the same time share one transaction (group commit, see group_commit.py), each keeping its own atomicity
and outcome; ``write()`` returns only after that transaction committed, so whoever answers a client does so only
after the commit. The hot statements (events, revisions, current state) go straight through the driver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from romas.store import metrics
from romas.store.group_commit import GroupCommit, Ticket, begin_member, end_member
from romas.store.raw import (
    RawSelect,
    decode,
)
from romas.store.read_pool import ReadPool, SqliteReadPool
from romas.store.reads import (
    CURRENT,
    EVENTS,
    RESOURCE_COLUMNS,
    REVISION,
    REVISION_INFO_COLUMNS,
    REVISION_STATE_COLUMNS,
    resource,
    resource_row,
    revision_info,
)
from romas.store.tables import events, resources, revisions
from romas.store.values import (
    Change,
    Clock,
    ConcurrencyConflict,
    NewEvent,
    RecordedEvent,
    ResourceRow,
    RevisionInfo,
    StoredResponse,
    StoreError,
    WriteContext,
    utc_now,
)
from romas.store.writer import INTEGRITY_ERRORS, Writer, changed_row, event_rows, one_run

__all__ = [
    "INTEGRITY_ERRORS",
    "Change",
    "Clock",
    "ConcurrencyConflict",
    "NewEvent",
    "RecordedEvent",
    "ResourceRow",
    "RevisionInfo",
    "Store",
    "StoreError",
    "StoredResponse",
    "WriteContext",
    "Writer",
    "changed_row",
    "event_rows",
    "one_run",
    "utc_now",
]

_inside: ContextVar[tuple[Store, Ticket, asyncio.Task[Any] | None] | None] = ContextVar(
    "romas_store_inside_write", default=None
)
"""The write request whose block runs in this context, and its task: tasks started inside the block inherit the
variable, yet they may write (they wait for the batch like anyone else)."""


class Store:
    """Reads and write transactions over one database."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # Reads need no transaction: on PostgreSQL they skip the BEGIN and ROLLBACK round trips.
        self.reads = engine.execution_options(isolation_level="AUTOCOMMIT") if self.dialect == "postgresql" else engine
        self.clock = clock
        self.on_commit: list[Callable[[list[RecordedEvent]], None]] = []
        """Called with the events of each committed batch, in log order, before its writes return."""
        self.group_commit = GroupCommit(engine, self.on_commit)
        # As many read connections as SQLAlchemy's pool would open (pool size + overflow): when PostgreSQL is slow to
        # answer, concurrent reads need as many connections as before.
        size = getattr(engine.pool, "size", lambda: 20)() + max(0, getattr(engine.pool, "_max_overflow", 0))
        self._read_pool = ReadPool(engine.url, size) if self.dialect == "postgresql" else None
        database = engine.url.database
        self._sqlite_reads = (
            SqliteReadPool(database, 4)
            if self.dialect == "sqlite" and database is not None and SqliteReadPool.usable(database)
            else None
        )

    @asynccontextmanager
    async def write(
        self, context: WriteContext | None = None, *, light: bool = False, bulk: bool = False
    ) -> AsyncIterator[Writer]:
        """A write request: its block runs in the transaction of the current batch (see group_commit.py) and
        this returns once that transaction committed. An exception in the block undoes the block's changes
        alone and propagates.

        ``light`` saves the savepoint's round trip, for blocks that run one statement which either writes and
        succeeds or writes nothing and says so (:meth:`Writer.wrote_nothing`), before they raise: such a
        failure needs no undo. A light block that raises after it wrote undoes the whole batch (the other
        requests of the batch get :class:`~romas.store.group_commit.BatchBroken`).

        ``bulk`` marks a block whose statements hold the batch for long (the runtime's flush): on PostgreSQL a batch
        holding a quick request commits before it, so that request does not wait for them (see group_commit.py)."""
        inside = _inside.get()
        if (
            inside is not None
            and inside[0] is self
            and not inside[1].released.done()
            and inside[2] is asyncio.current_task()
        ):
            raise RuntimeError("a write block of this store may not open another one: it would wait for itself")
        entered = time.perf_counter()
        ticket = self.group_commit.enqueue(bulk=bulk)
        try:
            batch = await ticket.granted
        except asyncio.CancelledError:
            if ticket.granted.done() and not ticket.granted.cancelled() and ticket.granted.exception() is None:
                ticket.released.set_result(False)  # granted just as it was cancelled: hand the batch on
            raise
        metrics.WRITES.inc()
        stays = False
        token = _inside.set((self, ticket, asyncio.current_task()))
        try:
            member = await begin_member(batch, light=light)
            writer = Writer(self, member, context or WriteContext())
            try:
                yield writer
            except BaseException:
                await end_member(member, undo=writer.touched)
                raise
            batch.recorded.extend(writer.recorded)
            stays = True
        finally:
            _inside.reset(token)
            ticket.released.set_result(stays)
        await asyncio.shield(ticket.committed)
        metrics.WRITE_SECONDS.observe(time.perf_counter() - entered)

    async def dispose(self) -> None:
        await self.group_commit.stop()
        if self._read_pool is not None:
            await self._read_pool.close()
        if self._sqlite_reads is not None:
            await self._sqlite_reads.close()
        await self.engine.dispose()

    # -- reads ---------------------------------------------------------------------------------------------

    async def current(self, stream_id: str) -> ResourceRow | None:
        """The hottest read of the API (every GET of a resource): straight through the driver."""
        rows = await self.fetch(CURRENT, stream_id)
        return resource_row(rows[0]) if rows else None

    async def list_current(self, stream_type: str, parent: str, *, after: str | None, limit: int) -> list[ResourceRow]:
        query = select(*RESOURCE_COLUMNS).where(
            resources.c.stream_type == stream_type, resources.c.parent == parent, ~resources.c.deleted
        )
        if after is not None:
            query = query.where(resources.c.name > after)
        query = query.order_by(resources.c.name).limit(limit)
        async with self.reads.connect() as conn:
            return [resource(r) for r in (await conn.execute(query)).mappings()]

    async def fetch(self, query: RawSelect, *args: Any) -> list[Sequence[Any]]:
        """A read sent straight through the driver (see raw.py); on SQLite, timestamps and JSON are decoded
        here as the column types would."""
        if self._read_pool is not None:
            return await self._read_pool.fetch(query.sql, args)
        if self._sqlite_reads is not None:
            return decode(query, await self._sqlite_reads.fetch(query.sqlite_sql, args))
        async with self.reads.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            rows: list[Sequence[Any]] = list(await driver.execute_fetchall(query.sqlite_sql, args))
        return decode(query, rows)

    async def revision(self, stream_id: str, revision: int) -> ResourceRow | None:
        """Old revisions are read as often as current ones (links, diffs, ``?at=``): the same fast path."""
        rows = await self.fetch(REVISION, stream_id, revision)
        return resource_row(rows[0]) if rows else None

    async def as_of(self, stream_id: str, instant: datetime) -> ResourceRow | None:
        """The revision in force at ``instant``: the last one recorded at or before it."""
        query = (
            select(*REVISION_STATE_COLUMNS)
            .where(revisions.c.stream_id == stream_id, revisions.c.recorded_at <= instant)
            .order_by(revisions.c.recorded_at.desc())
            .limit(1)
        )
        async with self.reads.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return resource(row) if row else None

    async def list_as_of(
        self, stream_type: str, parent: str | None, instant: datetime, *, after: str | None, limit: int | None
    ) -> list[ResourceRow]:
        """The resources of a collection that existed (and were not deleted) at ``instant``."""
        conditions = [revisions.c.stream_type == stream_type, revisions.c.recorded_at <= instant]
        if parent is not None:
            conditions.append(revisions.c.parent == parent)
        latest = (
            select(revisions.c.stream_id, func.max(revisions.c.revision).label("revision"))
            .where(*conditions)
            .group_by(revisions.c.stream_id)
            .subquery()
        )
        query = (
            select(*REVISION_STATE_COLUMNS)
            .join(latest, and_(revisions.c.stream_id == latest.c.stream_id, revisions.c.revision == latest.c.revision))
            .where(~revisions.c.deleted)
        )
        if after is not None:
            query = query.where(revisions.c.name > after)
        query = query.order_by(revisions.c.parent, revisions.c.name)
        if limit is not None:
            query = query.limit(limit)
        async with self.reads.connect() as conn:
            return [resource(r) for r in (await conn.execute(query)).mappings()]

    async def history(
        self, stream_id: str, *, before: int | None, limit: int, changed: str | None = None
    ) -> list[RevisionInfo]:
        """Revisions newest first; ``changed`` keeps those that changed that field."""
        query = select(*REVISION_INFO_COLUMNS).where(revisions.c.stream_id == stream_id)
        if before is not None:
            query = query.where(revisions.c.revision < before)
        if changed is not None:
            query = query.where(("," + revisions.c.changed + ",").contains("," + changed + ",", autoescape=True))
        query = query.order_by(revisions.c.revision.desc()).limit(limit)
        async with self.reads.connect() as conn:
            return [revision_info(r) for r in (await conn.execute(query)).mappings()]

    async def revision_info(self, stream_id: str, revision: int) -> RevisionInfo | None:
        query = select(*REVISION_INFO_COLUMNS).where(
            revisions.c.stream_id == stream_id, revisions.c.revision == revision
        )
        async with self.reads.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return revision_info(row) if row else None

    async def read_events(
        self,
        *,
        after: int = 0,
        limit: int = 100,
        stream_type: str | None = None,
        stream_id: str | None = None,
    ) -> list[RecordedEvent]:
        """Every commit wakes the runtime's follower and each event stream to read here: the store's hottest
        read, so it goes straight through the driver."""
        filters = [f for f in (stream_type, stream_id) if f is not None]
        query = EVENTS[(stream_type is not None, stream_id is not None)]
        rows = await self.fetch(query, after, limit, *filters)
        return [RecordedEvent(*r) for r in rows]

    async def last_position(self) -> int:
        async with self.reads.connect() as conn:
            return int((await conn.execute(select(func.coalesce(func.max(events.c.position), 0)))).scalar_one())

    async def ping(self) -> None:
        async with self.reads.connect() as conn:
            await conn.execute(text("SELECT 1"))
