"""The event store: appends with optimistic concurrency, projections in the same transaction, reads by
revision and by instant.

Every write goes through :meth:`Store.write`, which yields a :class:`Writer` bound to one transaction; the
transaction commits when the block exits cleanly, so whoever answers a client does so only after the commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from romas.store.engine import WRITE_OPTION
from romas.store.notify import announce
from romas.store.raw import RawSelect, raw_select
from romas.store.tables import events, idempotency_keys, resources, revisions

# Any constant works; it only has to be the same for every romas process sharing the database.
_APPEND_LOCK_KEY = 0x726F6D6173  # "romas"
_TICK = timedelta(microseconds=1)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreError(Exception):
    """Base of the store's own errors."""


class ConcurrencyConflict(StoreError):
    """Someone else appended to the stream first."""

    def __init__(self, stream_id: str, expected: int) -> None:
        super().__init__(f"{stream_id} moved past revision {expected} concurrently")
        self.stream_id = stream_id
        self.expected = expected


@dataclass(frozen=True, slots=True)
class WriteContext:
    """Who is writing and why; it becomes each event's metadata."""

    actor: str = "anonymous"
    request_id: str | None = None
    idempotency_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"actor": self.actor}
        if self.request_id:
            meta["request_id"] = self.request_id
        if self.idempotency_key:
            meta["idempotency_key"] = self.idempotency_key
        meta.update({k: v for k, v in self.extra.items() if v is not None})
        return meta


@dataclass(frozen=True, slots=True)
class ResourceRow:
    """A resource's state at one revision (the current one, or a past one)."""

    stream_id: str
    stream_type: str
    parent: str
    name: str
    revision: int
    deleted: bool
    state: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One entry of a resource's history (its TimeMap)."""

    revision: int
    recorded_at: datetime
    event_type: str
    actor: str
    summary: str
    changed: tuple[str, ...]
    deleted: bool
    meta: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    position: int
    stream_type: str
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class NewEvent:
    stream_type: str
    stream_id: str
    type: str
    data: dict[str, Any]
    expected_version: int | None = None
    """None appends at the stream's end without checking; a number must match the stream's last version."""
    actor: str | None = None
    """Who caused this event when it is not the transaction's actor (an agent, in a runtime flush)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A new revision of a revisioned resource: one event plus the state it leads to."""

    stream_id: str
    stream_type: str
    parent: str
    name: str
    expected_revision: int
    event_type: str
    data: dict[str, Any]
    state: dict[str, Any]
    summary: str
    changed: tuple[str, ...] = ()
    deleted: bool = False
    actor: str | None = None
    """Who made this revision when it is not the transaction's actor (an agent's operation on an artefact)."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    method: str
    path: str
    fingerprint: str
    status: int
    headers: dict[str, str]
    body: bytes


_RESOURCE_COLUMNS = (
    resources.c.stream_id,
    resources.c.stream_type,
    resources.c.parent,
    resources.c.name,
    resources.c.revision,
    resources.c.deleted,
    resources.c.state,
    resources.c.updated_at,
)
_REVISION_STATE_COLUMNS = (
    revisions.c.stream_id,
    revisions.c.stream_type,
    revisions.c.parent,
    revisions.c.name,
    revisions.c.revision,
    revisions.c.deleted,
    revisions.c.state,
    revisions.c.recorded_at,
)
_REVISION_INFO_COLUMNS = (
    revisions.c.revision,
    revisions.c.recorded_at,
    revisions.c.event_type,
    revisions.c.actor,
    revisions.c.summary,
    revisions.c.changed,
    revisions.c.deleted,
    revisions.c.meta,
)


def _resource(row: RowMapping) -> ResourceRow:
    return ResourceRow(
        stream_id=row["stream_id"],
        stream_type=row["stream_type"],
        parent=row["parent"],
        name=row["name"],
        revision=row["revision"],
        deleted=bool(row["deleted"]),
        state=row["state"],
        updated_at=row["updated_at"] if "updated_at" in row else row["recorded_at"],
    )


def _revision_info(row: RowMapping) -> RevisionInfo:
    return RevisionInfo(
        revision=row["revision"],
        recorded_at=row["recorded_at"],
        event_type=row["event_type"],
        actor=row["actor"],
        summary=row["summary"],
        changed=tuple(filter(None, row["changed"].split(","))),
        deleted=bool(row["deleted"]),
        meta=row["meta"],
    )


def _event(row: RowMapping) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        stream_type=row["stream_type"],
        stream_id=row["stream_id"],
        version=row["version"],
        type=row["type"],
        data=row["data"],
        metadata=row["metadata"],
        recorded_at=row["recorded_at"],
    )


class Writer:
    """One write transaction. Reads through it see its own uncommitted changes."""

    def __init__(self, store: Store, connection: AsyncConnection, context: WriteContext) -> None:
        self._store = store
        self.connection = connection
        self.context = context
        self._locked = False
        self._last_recorded: datetime | None = None
        self.recorded: list[RecordedEvent] = []

    async def current(self, stream_id: str, *, lock: bool = True) -> ResourceRow | None:
        """The current state; ``lock`` holds the row until commit on PostgreSQL (SQLite has one writer)."""
        query = select(*_RESOURCE_COLUMNS).where(resources.c.stream_id == stream_id)
        if lock and self._store.dialect == "postgresql":
            query = query.with_for_update()
        row = (await self.connection.execute(query)).mappings().first()
        return _resource(row) if row else None

    async def children(self, stream_type: str, parent: str) -> list[ResourceRow]:
        """Every live child of a parent (for cascading deletes), locked like :meth:`current`."""
        query = (
            select(*_RESOURCE_COLUMNS)
            .where(resources.c.stream_type == stream_type, resources.c.parent == parent, ~resources.c.deleted)
            .order_by(resources.c.name)
        )
        if self._store.dialect == "postgresql":
            query = query.with_for_update()
        return [_resource(r) for r in (await self.connection.execute(query)).mappings()]

    async def _take_append_lock(self) -> None:
        """Serialise appends until commit, so readers paging by position never skip a late commit; the newest
        recorded_at comes back in the same round trip so instants stay monotonic."""
        if self._locked:
            return
        if self._store.dialect == "postgresql":
            last = (
                await self.connection.execute(
                    text(
                        "SELECT pg_advisory_xact_lock(:key) AS locked, "
                        "(SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1) AS last"
                    ),
                    {"key": _APPEND_LOCK_KEY},
                )
            ).one()[1]
        else:
            last = (
                await self.connection.execute(select(events.c.recorded_at).order_by(events.c.position.desc()).limit(1))
            ).scalar()
        self._last_recorded = last
        self._locked = True

    def _next_instant(self) -> datetime:
        now = self._store.clock()
        if self._last_recorded is not None and now <= self._last_recorded:
            now = self._last_recorded + _TICK
        self._last_recorded = now
        return now

    async def _insert_event(
        self,
        stream_type: str,
        stream_id: str,
        version: int,
        event_type: str,
        data: dict[str, Any],
        metadata: dict[str, Any],
    ) -> RecordedEvent:
        await self._take_append_lock()
        recorded_at = self._next_instant()
        try:
            position = (
                await self.connection.execute(
                    insert(events)
                    .values(
                        stream_type=stream_type,
                        stream_id=stream_id,
                        version=version,
                        type=event_type,
                        data=data,
                        metadata=metadata,
                        recorded_at=recorded_at,
                    )
                    .returning(events.c.position)
                )
            ).scalar_one()
        except IntegrityError as exc:
            raise ConcurrencyConflict(stream_id, version - 1) from exc
        recorded = RecordedEvent(position, stream_type, stream_id, version, event_type, data, metadata, recorded_at)
        self.recorded.append(recorded)
        return recorded

    async def record(self, change: Change) -> tuple[ResourceRow, RecordedEvent]:
        """Append the change's event and bring the projections to the new revision."""
        metadata = self.context.metadata()
        if change.actor is not None:
            metadata["actor"] = change.actor
        revision = change.expected_revision + 1
        recorded = await self._insert_event(
            change.stream_type, change.stream_id, revision, change.event_type, change.data, metadata
        )
        await self.connection.execute(
            insert(revisions).values(
                stream_id=change.stream_id,
                revision=revision,
                stream_type=change.stream_type,
                parent=change.parent,
                name=change.name,
                position=recorded.position,
                event_type=change.event_type,
                actor=metadata["actor"],
                summary=change.summary,
                changed=",".join(change.changed),
                deleted=change.deleted,
                state=change.state,
                meta={k: v for k, v in metadata.items() if k != "actor"},
                recorded_at=recorded.recorded_at,
            )
        )
        values = {
            "revision": revision,
            "deleted": change.deleted,
            "state": change.state,
            "updated_at": recorded.recorded_at,
        }
        if change.expected_revision == 0:
            await self.connection.execute(
                insert(resources).values(
                    stream_id=change.stream_id,
                    stream_type=change.stream_type,
                    parent=change.parent,
                    name=change.name,
                    **values,
                )
            )
        else:
            result = await self.connection.execute(
                update(resources)
                .where(resources.c.stream_id == change.stream_id, resources.c.revision == change.expected_revision)
                .values(**values)
            )
            if result.rowcount != 1:
                raise ConcurrencyConflict(change.stream_id, change.expected_revision)
        row = ResourceRow(
            change.stream_id,
            change.stream_type,
            change.parent,
            change.name,
            revision,
            change.deleted,
            change.state,
            recorded.recorded_at,
        )
        return row, recorded

    async def append(self, new_events: Sequence[NewEvent]) -> list[RecordedEvent]:
        """Append events to streams that have no projection here (messages, commands, deployments).

        Events that state their ``expected_version`` go in one multi-row INSERT; a clash with a concurrent
        writer raises :class:`ConcurrencyConflict`.
        """
        if not new_events:
            return []
        metadata = self.context.metadata()
        await self._take_append_lock()
        rows: list[dict[str, Any]] = []
        for new in new_events:
            if new.expected_version is None:
                last = (
                    await self.connection.execute(
                        select(func.max(events.c.version)).where(events.c.stream_id == new.stream_id)
                    )
                ).scalar()
                version = (last or 0) + 1
            else:
                version = new.expected_version + 1
            rows.append(
                {
                    "stream_type": new.stream_type,
                    "stream_id": new.stream_id,
                    "version": version,
                    "type": new.type,
                    "data": new.data,
                    "metadata": metadata if new.actor is None else {**metadata, "actor": new.actor},
                    "recorded_at": self._next_instant(),
                }
            )
        try:
            query = insert(events).returning(events.c.position, sort_by_parameter_order=True)
            result = await self.connection.execute(query, rows)
            positions = [row[0] for row in result]
        except IntegrityError as exc:
            raise ConcurrencyConflict(new_events[0].stream_id, rows[0]["version"] - 1) from exc
        recorded = [
            RecordedEvent(
                position,
                r["stream_type"],
                r["stream_id"],
                r["version"],
                r["type"],
                r["data"],
                r["metadata"],
                r["recorded_at"],
            )
            for position, r in zip(positions, rows, strict=True)
        ]
        self.recorded.extend(recorded)
        return recorded

    async def stored_response(self, principal: str, key: str) -> StoredResponse | None:
        row = (
            (
                await self.connection.execute(
                    select(idempotency_keys).where(
                        idempotency_keys.c.principal == principal, idempotency_keys.c.key == key
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return StoredResponse(
            row["method"], row["path"], row["fingerprint"], row["status"], dict(row["headers"]), bytes(row["body"])
        )

    async def store_response(self, principal: str, key: str, response: StoredResponse) -> None:
        await self.connection.execute(
            insert(idempotency_keys).values(
                principal=principal,
                key=key,
                method=response.method,
                path=response.path,
                fingerprint=response.fingerprint,
                status=response.status,
                headers=response.headers,
                body=response.body,
                created_at=self._store.clock(),
            )
        )


_RESOURCE_FIELDS = ("stream_id", "stream_type", "parent", "name", "revision", "deleted", "state")
_CURRENT = raw_select(resources, (*_RESOURCE_FIELDS, "updated_at"), "WHERE stream_id = $1")
_REVISION = raw_select(revisions, (*_RESOURCE_FIELDS, "recorded_at"), "WHERE stream_id = $1 AND revision = $2")
_EVENT_FIELDS = ("position", "stream_type", "stream_id", "version", "type", "data", "metadata", "recorded_at")
_EVENTS = {
    (False, False): raw_select(events, _EVENT_FIELDS, "WHERE position > $1 ORDER BY position LIMIT $2"),
    (True, False): raw_select(
        events, _EVENT_FIELDS, "WHERE position > $1 AND stream_type = $3 ORDER BY position LIMIT $2"
    ),
    (False, True): raw_select(
        events, _EVENT_FIELDS, "WHERE position > $1 AND stream_id = $3 ORDER BY position LIMIT $2"
    ),
    (True, True): raw_select(
        events, _EVENT_FIELDS, "WHERE position > $1 AND stream_type = $3 AND stream_id = $4 ORDER BY position LIMIT $2"
    ),
}
"""The event log as the runtime's follower and every event stream read it, after each commit."""


def _resource_row(row: Sequence[Any]) -> ResourceRow:
    return ResourceRow(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])


class Store:
    """Reads and write transactions over one database."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # Reads need no transaction: on PostgreSQL they skip the BEGIN and ROLLBACK round trips.
        self.reads = engine.execution_options(isolation_level="AUTOCOMMIT") if self.dialect == "postgresql" else engine
        self.clock = clock
        # SQLite has a single writer anyway; queueing here is cheaper than spinning on SQLITE_BUSY.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self.on_commit: list[Callable[[list[RecordedEvent]], None]] = []

    @asynccontextmanager
    async def write(self, context: WriteContext | None = None) -> AsyncIterator[Writer]:
        """A write transaction; it commits when the block ends without an exception."""
        lock = self._write_lock
        if lock is not None:
            await lock.acquire()
        try:
            async with self.engine.connect() as conn:
                await conn.execution_options(**{WRITE_OPTION: True})
                async with conn.begin():
                    writer = Writer(self, conn, context or WriteContext())
                    yield writer
                    # Event streams: on PostgreSQL, NOTIFY other romas processes at commit (romas/store/notify.py).
                    await announce(conn, writer.recorded)
            for hook in self.on_commit:
                if writer.recorded:
                    hook(writer.recorded)
        finally:
            if lock is not None:
                lock.release()

    async def dispose(self) -> None:
        await self.engine.dispose()

    # -- reads ---------------------------------------------------------------------------------------------

    async def current(self, stream_id: str) -> ResourceRow | None:
        """The hottest read of the API (every GET of a resource): straight through the driver."""
        rows = await self.fetch(_CURRENT, stream_id)
        return _resource_row(rows[0]) if rows else None

    async def list_current(self, stream_type: str, parent: str, *, after: str | None, limit: int) -> list[ResourceRow]:
        query = select(*_RESOURCE_COLUMNS).where(
            resources.c.stream_type == stream_type, resources.c.parent == parent, ~resources.c.deleted
        )
        if after is not None:
            query = query.where(resources.c.name > after)
        query = query.order_by(resources.c.name).limit(limit)
        async with self.reads.connect() as conn:
            return [_resource(r) for r in (await conn.execute(query)).mappings()]

    async def fetch(self, query: RawSelect, *args: Any) -> list[Sequence[Any]]:
        """A read sent straight through the driver (see raw.py); on SQLite, timestamps and JSON are decoded
        here as the column types would."""
        async with self.reads.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            if self.dialect == "postgresql":
                return list(await driver.fetch(query.sql, *args))
            cursor = await driver.execute(query.sqlite_sql, args)
            rows: list[Sequence[Any]] = list(await cursor.fetchall())
            await cursor.close()
        if not (query.instants or query.documents):
            return rows
        decoded: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for i in query.instants:
                if values[i] is not None:
                    values[i] = datetime.fromisoformat(values[i])
            for i in query.documents:
                if values[i] is not None:
                    values[i] = msgspec.json.decode(values[i])
            decoded.append(values)
        return decoded

    async def revision(self, stream_id: str, revision: int) -> ResourceRow | None:
        """Old revisions are read as often as current ones (links, diffs, ``?at=``): the same fast path."""
        rows = await self.fetch(_REVISION, stream_id, revision)
        return _resource_row(rows[0]) if rows else None

    async def as_of(self, stream_id: str, instant: datetime) -> ResourceRow | None:
        """The revision in force at ``instant``: the last one recorded at or before it."""
        query = (
            select(*_REVISION_STATE_COLUMNS)
            .where(revisions.c.stream_id == stream_id, revisions.c.recorded_at <= instant)
            .order_by(revisions.c.recorded_at.desc())
            .limit(1)
        )
        async with self.reads.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _resource(row) if row else None

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
            select(*_REVISION_STATE_COLUMNS)
            .join(latest, and_(revisions.c.stream_id == latest.c.stream_id, revisions.c.revision == latest.c.revision))
            .where(~revisions.c.deleted)
        )
        if after is not None:
            query = query.where(revisions.c.name > after)
        query = query.order_by(revisions.c.parent, revisions.c.name)
        if limit is not None:
            query = query.limit(limit)
        async with self.reads.connect() as conn:
            return [_resource(r) for r in (await conn.execute(query)).mappings()]

    async def history(
        self, stream_id: str, *, before: int | None, limit: int, changed: str | None = None
    ) -> list[RevisionInfo]:
        """Revisions newest first; ``changed`` keeps those that changed that field."""
        query = select(*_REVISION_INFO_COLUMNS).where(revisions.c.stream_id == stream_id)
        if before is not None:
            query = query.where(revisions.c.revision < before)
        if changed is not None:
            query = query.where(("," + revisions.c.changed + ",").contains("," + changed + ",", autoescape=True))
        query = query.order_by(revisions.c.revision.desc()).limit(limit)
        async with self.reads.connect() as conn:
            return [_revision_info(r) for r in (await conn.execute(query)).mappings()]

    async def revision_info(self, stream_id: str, revision: int) -> RevisionInfo | None:
        query = select(*_REVISION_INFO_COLUMNS).where(
            revisions.c.stream_id == stream_id, revisions.c.revision == revision
        )
        async with self.reads.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _revision_info(row) if row else None

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
        query = _EVENTS[(stream_type is not None, stream_id is not None)]
        rows = await self.fetch(query, after, limit, *filters)
        return [RecordedEvent(*r) for r in rows]

    async def last_position(self) -> int:
        async with self.reads.connect() as conn:
            return int((await conn.execute(select(func.coalesce(func.max(events.c.position), 0)))).scalar_one())

    async def ping(self) -> None:
        async with self.reads.connect() as conn:
            await conn.execute(text("SELECT 1"))
