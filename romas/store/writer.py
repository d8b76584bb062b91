"""A write request's hold on the batch's transaction (see group_commit.py): appends with optimistic concurrency,
revisions and current state in the same transaction, straight through the driver on the hot paths."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, overload

import asyncpg  # type: ignore[import-untyped]
import msgspec
from sqlalchemy import insert, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows

from romas.store.group_commit import Member
from romas.store.raw import (
    RawStatement,
    aware,
    decode,
    document,
    instant,
    json_rows,
    sqlite_text,
)
from romas.store.reads import CURRENT, CURRENT_FOR_UPDATE, RESOURCE_COLUMNS, resource, resource_row
from romas.store.storable import storable_args, storable_text
from romas.store.tables import idempotency_keys, resources
from romas.store.values import (
    Change,
    ConcurrencyConflict,
    NewEvent,
    RecordedEvent,
    ResourceRow,
    StoredResponse,
    WriteContext,
)

if TYPE_CHECKING:
    from romas.store.eventstore import Store

_TICK = timedelta(microseconds=1)
_Row = TypeVar("_Row", bound=tuple[Any, ...])


class _EventRow:
    """An event about to be inserted, its JSON encoded once. A plain class, not a frozen dataclass, whose
    ``__init__`` cost twice as much: one is built for every event written."""

    __slots__ = (
        "data",
        "data_json",
        "metadata",
        "metadata_json",
        "recorded_at",
        "stream_id",
        "stream_type",
        "type",
        "version",
    )

    def __init__(
        self,
        stream_type: str,
        stream_id: str,
        version: int,
        type: str,
        data: dict[str, Any],
        metadata: dict[str, Any],
        recorded_at: datetime,
    ) -> None:
        self.stream_type = stream_type
        self.stream_id = storable_text(stream_id)
        self.version = version
        self.type = storable_text(type)
        self.data = data
        self.metadata = metadata
        self.recorded_at = recorded_at
        self.data_json = document(data)
        self.metadata_json = document(metadata)


PreparedEvent = _EventRow
"""An event prepared by :meth:`Writer.prepare` for a statement of the caller's own."""

# The hot writes, straight through the driver ($n parameters; SQLite gets ?n).
_EVENT_COLUMNS = "stream_type, stream_id, version, type, data, metadata, recorded_at"
_INSERT_EVENT = f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING position"
_INSERT_EVENTS_PG = (
    f"INSERT INTO events ({_EVENT_COLUMNS}) SELECT st, sid, v, t, d::jsonb, m::jsonb, at "
    "FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) "
    "AS u(st, sid, v, t, d, m, at) RETURNING position"
)
# Writer.append on PostgreSQL: the events only if none of their (stream, version) is taken, all or none.
_APPEND_EVENT_PG = (
    f"INSERT INTO events ({_EVENT_COLUMNS}) SELECT $1::text, $2::text, $3::integer, $4::text, $5::jsonb, $6::jsonb, "
    "$7::timestamptz WHERE NOT EXISTS (SELECT 1 FROM events WHERE stream_id = $2::text AND version = $3::integer) "
    "RETURNING position"
)
_APPEND_EVENTS_PG = (
    f"INSERT INTO events ({_EVENT_COLUMNS}) SELECT st, sid, v, t, d::jsonb, m::jsonb, at "
    "FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) "
    "AS u(st, sid, v, t, d, m, at) WHERE NOT EXISTS (SELECT 1 FROM events e JOIN unnest($2::text[], $3::int[]) "
    "AS k(sid, v) ON e.stream_id = k.sid AND e.version = k.v) RETURNING position"
)
_SQLITE_CHUNK = 100


# Writer.run_and_append on PostgreSQL: a run of changes of one resource (the current row checked at the revision the
# run starts from, their events and revisions) and more events after them, and the caller's own data-modifying
# ``tail`` (parameters from $12), in one statement that writes all of it or, when the check fails, nothing. The
# events ($7) and the revisions ($11) come as JSON rows (raw.json_rows says why), the events inserted in the order
# given, so their positions follow it.
_RUN_AND_APPEND_PG = (
    "WITH u AS (UPDATE resources SET revision = $3::integer, deleted = $4::boolean, state = $5::jsonb, "
    "updated_at = $6::timestamptz WHERE stream_id = $1::text AND revision = $2::integer RETURNING 1), "
    f"e AS (INSERT INTO events ({_EVENT_COLUMNS}) SELECT x->>0, x->>1, (x->>2)::int, x->>3, x->4, x->5, "
    "(x->>6)::timestamptz FROM jsonb_array_elements($7::jsonb) WITH ORDINALITY AS j(x, n) WHERE {guard} ORDER BY n "
    "RETURNING position, stream_id, version), "
    "r AS (INSERT INTO revisions (stream_id, revision, stream_type, parent, name, position, event_type, actor, "
    "summary, changed, deleted, state, meta, recorded_at) SELECT $1::text, (y->>0)::int, $8::text, $9::text, "
    "$10::text, e.position, y->>1, y->>2, y->>3, y->>4, (y->>5)::boolean, y->6, y->7, (y->>8)::timestamptz "
    "FROM jsonb_array_elements($11::jsonb) AS k(y) JOIN e ON e.stream_id = $1::text AND e.version = (y->>0)::int)"
    "{tail} SELECT position FROM e ORDER BY position"
)


@functools.cache
def _run_and_append_pg(tail: str, checked: bool) -> str:
    """The statement above with the caller's tail (its ``{guard}`` too: true only if the check passed)."""
    guard = "EXISTS (SELECT 1 FROM u)" if checked else "TRUE"
    return _RUN_AND_APPEND_PG.format(guard=guard, tail=tail.format(guard=guard) if tail else "")


@functools.cache
def _sqlite_insert_events(count: int) -> str:
    """The multi-row INSERT for ``count`` events (at most ``_SQLITE_CHUNK``), built once per count: every flush used
    to build it again."""
    values = ", ".join(
        f"(?{i * 7 + 1}, ?{i * 7 + 2}, ?{i * 7 + 3}, ?{i * 7 + 4}, ?{i * 7 + 5}, ?{i * 7 + 6}, ?{i * 7 + 7})"
        for i in range(count)
    )
    return f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES {values} RETURNING position"


_INSERT_REVISION = (
    "INSERT INTO revisions (stream_id, revision, stream_type, parent, name, position, event_type, actor, summary, "
    "changed, deleted, state, meta, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
)
_INSERT_RESOURCE = (
    "INSERT INTO resources (stream_id, stream_type, parent, name, revision, deleted, state, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
)
_UPDATE_RESOURCE = (
    "UPDATE resources SET revision = $3, deleted = $4, state = $5, updated_at = $6 "
    "WHERE stream_id = $1 AND revision = $2 RETURNING revision"
)
_LAST_VERSION = "SELECT max(version) FROM events WHERE stream_id = $1"
# Writer.record on PostgreSQL: event, revision and current state in one statement (data-modifying CTEs). $1-$7 are
# the event's columns, $8.. the revision's, $16 the expected revision; no row back means the check failed.
_RECORD_EVENT_AND_REVISION_PG = (
    f"WITH e AS (INSERT INTO events ({_EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING position), "
    "r AS (INSERT INTO revisions (stream_id, revision, stream_type, parent, name, position, event_type, actor, "
    "summary, changed, deleted, state, meta, recorded_at) SELECT $2, $3, $1, $8::text, $9::text, e.position, $4, "
    "$10::text, $11::text, $12::text, $13::boolean, $14::jsonb, $15::jsonb, $7 FROM e) "
)
_RECORD_CREATE_PG = (
    _RECORD_EVENT_AND_REVISION_PG
    + "INSERT INTO resources (stream_id, stream_type, parent, name, revision, deleted, state, updated_at) "
    "SELECT $2, $1, $8::text, $9::text, $3, $13::boolean, $14::jsonb, $7 FROM e RETURNING (SELECT position FROM e)"
)
_RECORD_UPDATE_PG = (
    _RECORD_EVENT_AND_REVISION_PG
    + "UPDATE resources SET revision = $3, deleted = $13::boolean, state = $14::jsonb, updated_at = $7 "
    "WHERE stream_id = $2 AND revision = $16 RETURNING (SELECT position FROM e)"
)
# Writer.record_if_current on PostgreSQL: the projection's row first, written only at the revision the caller read
# (or created only when there is none); the event and the revision follow from it, so a resource that moved meanwhile
# gets nothing written and no position taken. Same parameters as above.
_RECORD_IF_TAIL_PG = (
    f"e AS (INSERT INTO events ({_EVENT_COLUMNS}) SELECT $1::text, $2::text, $3::integer, $4::text, $5::jsonb, "
    "$6::jsonb, $7::timestamptz FROM u RETURNING position), "
    "r AS (INSERT INTO revisions (stream_id, revision, stream_type, parent, name, position, event_type, actor, "
    "summary, changed, deleted, state, meta, recorded_at) SELECT $2, $3, $1, $8::text, $9::text, e.position, $4, "
    "$10::text, $11::text, $12::text, $13::boolean, $14::jsonb, $15::jsonb, $7 FROM e) "
    "SELECT position FROM e"
)
_RECORD_IF_CREATE_PG = (
    "WITH u AS (INSERT INTO resources (stream_id, stream_type, parent, name, revision, deleted, state, updated_at) "
    "VALUES ($2::text, $1::text, $8::text, $9::text, $3::integer, $13::boolean, $14::jsonb, $7::timestamptz) "
    "ON CONFLICT (stream_id) DO NOTHING RETURNING 1), " + _RECORD_IF_TAIL_PG
)
_RECORD_IF_UPDATE_PG = (
    "WITH u AS (UPDATE resources SET revision = $3::integer, deleted = $13::boolean, state = $14::jsonb, "
    "updated_at = $7::timestamptz WHERE stream_id = $2::text AND revision = $16::integer RETURNING 1), "
    + _RECORD_IF_TAIL_PG
)
_INSERT_RESOURCE_IF_NONE = _INSERT_RESOURCE + " ON CONFLICT (stream_id) DO NOTHING RETURNING revision"
_INSERT_RESOURCE_IF_NONE_SQLITE = sqlite_text(_INSERT_RESOURCE_IF_NONE)
_INSERT_REVISION_SQLITE = sqlite_text(_INSERT_REVISION)
_INSERT_RESOURCE_SQLITE = sqlite_text(_INSERT_RESOURCE)
_UPDATE_RESOURCE_SQLITE = sqlite_text(_UPDATE_RESOURCE)
_LAST_VERSION_SQLITE = sqlite_text(_LAST_VERSION)
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
"""What the drivers raise when a constraint (a unique version, a primary key) refuses a row."""


class Writer:
    """One write request, run in the batch's transaction (see group_commit.py). Reads through it see its own
    uncommitted changes and those of the requests before it in the batch."""

    def __init__(self, store: Store, member: Member, context: WriteContext) -> None:
        self._store = store
        self._member = member
        self._batch = member.batch
        self.context = context
        self.recorded: list[RecordedEvent] = []
        self.touched = False
        """Whether a statement that may write ran, or one failed, or the connection was handed out: a failure of a
        request without a savepoint (see ``Store.write(light=True)``) must then undo the whole transaction. A read
        of the current state that succeeded (:meth:`current`) does not count: it changed nothing."""

    async def connection(self) -> AsyncConnection:
        """The batch's connection, for statements the hot paths do not send straight through the driver."""
        await self._member.protect()
        self.touched = True
        return self._batch.connection

    @overload
    async def execute(self, statement: TypedReturnsRows[_Row], parameters: Any = None) -> CursorResult[_Row]: ...
    @overload
    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...
    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        """A SQLAlchemy statement on the batch's connection (see :meth:`connection`)."""
        return await (await self.connection()).execute(statement, parameters)

    def wrote_nothing(self) -> None:
        """The statements so far wrote nothing and left the transaction usable (a conditional insert that
        inserted no row, say): a failure now needs no undo."""
        self.touched = False

    @property
    def dialect(self) -> str:
        return self._store.dialect

    @property
    def batch(self) -> int:
        """The serial number of the batch (the transaction) this request runs in."""
        return self._batch.serial

    @property
    def leases_epoch(self) -> int | None:
        """The leases' epoch under the batch's append lock (PostgreSQL; see ``Batch.leases_epoch``)."""
        return self._batch.leases_epoch

    async def current(self, stream_id: str, *, lock: bool = True) -> ResourceRow | None:
        """The current state; ``lock`` holds the row until commit on PostgreSQL (SQLite has one writer)."""
        query = CURRENT_FOR_UPDATE if lock and self._store.dialect == "postgresql" else CURRENT
        await self._member.protect()
        try:
            rows = await self._batch.rows(query.sql, query.sqlite_sql, (stream_id,))
        except BaseException:
            self.touched = True  # a read that failed may have left PostgreSQL's transaction unusable
            raise
        if not rows:
            return None
        return resource_row(rows[0] if self._store.dialect == "postgresql" else decode(query, rows)[0])

    async def children(self, stream_type: str, parent: str) -> list[ResourceRow]:
        """Every live child of a parent (for cascading deletes), locked like :meth:`current`."""
        query = (
            select(*RESOURCE_COLUMNS)
            .where(resources.c.stream_type == stream_type, resources.c.parent == parent, ~resources.c.deleted)
            .order_by(resources.c.name)
        )
        if self._store.dialect == "postgresql":
            query = query.with_for_update()
        return [resource(r) for r in (await self.execute(query)).mappings()]

    async def _rows(self, pg_sql: str, sqlite_sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        await self._member.protect()
        self.touched = True
        return await self._batch.rows(pg_sql, sqlite_sql, args)

    async def run(self, statement: RawStatement, *args: Any) -> list[Sequence[Any]]:
        """A hot statement straight through the driver (parameters encoded with :meth:`instant` and
        ``raw.document``); the rows it returns, if any."""
        await self._member.protect()
        self.touched = True
        return await self._batch.rows(statement.sql, statement.sqlite_sql, args)

    async def read(self, statement: RawStatement, *args: Any) -> list[Sequence[Any]]:
        """A statement that writes nothing (a read, maybe locking rows), in this transaction: like :meth:`current`,
        one that succeeded leaves a light write nothing to undo."""
        await self._member.protect()
        try:
            return await self._batch.rows(statement.sql, statement.sqlite_sql, args)
        except BaseException:
            self.touched = True
            raise

    async def run_many(self, statement: RawStatement, rows: Sequence[Sequence[Any]]) -> None:
        """A hot statement once per row of parameters, in one round trip."""
        if rows:
            await self._member.protect()
            self.touched = True
            await self._batch.many(statement.sql, statement.sqlite_sql, rows)

    def instant(self, value: datetime | None) -> Any:
        """A timestamp parameter as this database's driver takes it."""
        return None if value is None else instant(value, self._store.dialect)

    def _next_instant(self) -> datetime:
        """Now, or just after the newest instant in the log: ``recorded_at`` never goes back."""
        batch = self._batch
        now = self._store.clock()
        if batch.last_recorded is not None and now <= batch.last_recorded:
            now = batch.last_recorded + _TICK
        batch.last_recorded = now
        return now

    async def _insert_events(self, rows: list[_EventRow]) -> list[RecordedEvent]:
        """Insert events straight through the driver (the append lock is the batch's); a clash on
        ``(stream_id, version)`` is a :class:`ConcurrencyConflict`."""
        dialect = self._store.dialect
        self.touched = True
        try:
            if dialect == "postgresql":
                if len(rows) == 1:
                    r = rows[0]
                    positions = [
                        await self._batch.driver.fetchval(
                            _INSERT_EVENT,
                            r.stream_type,
                            r.stream_id,
                            r.version,
                            r.type,
                            r.data_json,
                            r.metadata_json,
                            r.recorded_at,
                        )
                    ]
                else:
                    found = await self._batch.driver.fetch(_INSERT_EVENTS_PG, *event_columns(rows))
                    positions = sorted(p[0] for p in found)
            else:
                positions = []
                for chunk in range(0, len(rows), _SQLITE_CHUNK):
                    part = rows[chunk : chunk + _SQLITE_CHUNK]
                    args: list[Any] = []
                    for r in part:
                        args += (r.stream_type, r.stream_id, r.version, r.type, r.data_json, r.metadata_json)
                        args.append(instant(r.recorded_at, dialect))
                    found = await self._batch.rows("", _sqlite_insert_events(len(part)), args)
                    positions += sorted(p[0] for p in found)
        except INTEGRITY_ERRORS as exc:
            first = rows[0]
            raise ConcurrencyConflict(first.stream_id, first.version - 1) from exc
        return [self.inserted(p, r) for p, r in zip(positions, rows, strict=True)]

    async def record(self, change: Change) -> tuple[ResourceRow, RecordedEvent]:
        """Append the change's event and bring the projections to the new revision."""
        await self._member.protect()
        row = self._change_event(change)
        if self._store.dialect == "postgresql":
            recorded = await self._record_in_one_statement(change, row)
        else:
            recorded = await self._record_in_three_statements(change, row)
        return changed_row(change, recorded), recorded

    async def record_run(self, changes: Sequence[Change]) -> list[tuple[ResourceRow, RecordedEvent]]:
        """:meth:`record` for changes of one existing resource, one after the other (each expects the revision the
        one before it makes), as an artefact's queued operations are: three statements for the whole run (the
        current row, the events, the revisions) instead of one (PostgreSQL) or three (SQLite) per change. The
        outcome is the same as recording them one by one, except that a failed check writes none of them."""
        if not changes:
            return []
        await self._member.protect()
        first, last = changes[0], changes[-1]
        run = len(changes)
        one_by_one = run < (3 if self._store.dialect == "postgresql" else 2) or first.expected_revision == 0
        if one_by_one or any(
            change.stream_id != first.stream_id or change.expected_revision != first.expected_revision + k
            for k, change in enumerate(changes)
        ):
            return [await self.record(change) for change in changes]
        rows = [self._change_event(change) for change in changes]
        dialect = self._store.dialect
        # The current row first, at the revision the run starts from: a check that fails has written nothing.
        updated = await self._rows(
            _UPDATE_RESOURCE,
            _UPDATE_RESOURCE_SQLITE,
            (
                first.stream_id,
                first.expected_revision,
                first.expected_revision + run,
                last.deleted,
                document(last.state),
                instant(rows[-1].recorded_at, dialect),
            ),
        )
        if len(updated) != 1:
            raise ConcurrencyConflict(first.stream_id, first.expected_revision)
        recorded = await self._insert_events(rows)
        revisions = [
            _revision_args(change, event, document(change.state), instant(event.recorded_at, dialect))
            for change, event in zip(changes, recorded, strict=True)
        ]
        await self._batch.many(_INSERT_REVISION, _INSERT_REVISION_SQLITE, revisions)
        return [(changed_row(change, event), event) for change, event in zip(changes, recorded, strict=True)]

    async def run_and_append(
        self,
        changes: Sequence[Change],
        events: Sequence[NewEvent],
        tail: str = "",
        tail_args: Sequence[Any] = (),
    ) -> tuple[list[tuple[ResourceRow, RecordedEvent]], list[RecordedEvent]]:
        """PostgreSQL only, for changes that :func:`one_run` accepts: :meth:`record_run` then :meth:`append`, and
        the caller's ``tail`` (a data-modifying CTE ``, name AS (...)`` whose parameters start at $12 and whose
        condition includes ``{guard}``), in one statement that writes everything or, when the run's check fails,
        nothing (:class:`ConcurrencyConflict`): it suits a light write (see ``Store.write``), where the calls one
        after the other would not. ``events`` need their expected versions."""
        if self._store.dialect != "postgresql" or not one_run(changes):
            raise ValueError("run_and_append takes a run of changes of one existing resource, on PostgreSQL")
        rows = [self._change_event(change) for change in changes]
        rows += [self.prepare(new) for new in events]
        first = changes[0] if changes else None
        last = changes[-1] if changes else None
        states = [document(change.state) for change in changes]  # each revision's; the last is the current one
        args: list[Any] = [
            None if first is None else first.stream_id,
            None if first is None else first.expected_revision,
            None if first is None else first.expected_revision + len(changes),
            None if last is None else last.deleted,
            states[-1] if states else None,
            None if first is None else rows[len(changes) - 1].recorded_at,
            json_rows(event_rows(rows)),
            None if first is None else first.stream_type,
            None if first is None else first.parent,
            None if first is None else first.name,
            json_rows(
                [
                    (
                        row.version,
                        change.event_type,
                        row.metadata["actor"],
                        storable_text(change.summary),
                        ",".join(change.changed),
                        change.deleted,
                        msgspec.Raw(state),
                        msgspec.Raw(document({k: v for k, v in row.metadata.items() if k != "actor"})),
                        aware(row.recorded_at),
                    )
                    for change, row, state in zip(changes, rows, states, strict=False)
                ]
            ),
            *tail_args,
        ]
        await self._member.protect()
        self.touched = True
        found = await self._batch.rows(_run_and_append_pg(tail, bool(changes)), "", args)
        if len(found) != len(rows):
            if not found:
                self.wrote_nothing()
            assert first is not None
            raise ConcurrencyConflict(first.stream_id, first.expected_revision)
        written = [self.inserted(position[0], row) for position, row in zip(found, rows, strict=True)]
        return (
            [(changed_row(change, event), event) for change, event in zip(changes, written, strict=False)],
            written[len(changes) :],
        )

    async def record_if_current(self, change: Change) -> tuple[ResourceRow, RecordedEvent] | None:
        """:meth:`record` for a change decided on a read made outside this transaction: it is written only if the
        resource is still at ``change.expected_revision`` (absent, for 0), else nothing is written and this answers
        None (read again and decide again). On PostgreSQL one statement that writes all or nothing, so it suits a
        light write (see ``Store.write``)."""
        await self._member.protect()
        row = self._change_event(change)
        if self._store.dialect == "postgresql":
            statement = _RECORD_IF_CREATE_PG if change.expected_revision == 0 else _RECORD_IF_UPDATE_PG
            args = self._record_args(change, row)
            if change.expected_revision != 0:
                args = (*args, change.expected_revision)
            self.touched = True
            found = await self._batch.driver.fetch(statement, *storable_args(args))
            if not found:
                self.wrote_nothing()
                return None
            recorded = self.inserted(found[0][0], row)
            return changed_row(change, recorded), recorded
        # SQLite: the projection's row first, conditionally; the event and the revision only once it was written.
        at = instant(row.recorded_at, self._store.dialect)
        state = document(change.state)
        if change.expected_revision == 0:
            args = (change.stream_id, change.stream_type, change.parent, change.name, row.version, change.deleted)
            create_row = (_INSERT_RESOURCE_IF_NONE, _INSERT_RESOURCE_IF_NONE_SQLITE)
            written = await self._batch.rows(*create_row, (*args, state, at))
        else:
            args = (change.stream_id, change.expected_revision, row.version, change.deleted, state, at)
            written = await self._batch.rows(_UPDATE_RESOURCE, _UPDATE_RESOURCE_SQLITE, args)
        if len(written) != 1:
            return None  # the statement changed nothing: this request has nothing to undo
        self.touched = True
        (recorded,) = await self._insert_events([row])
        await self._insert_revision(change, recorded, state, at)
        return changed_row(change, recorded), recorded

    def _change_event(self, change: Change) -> _EventRow:
        metadata = self.context.metadata()
        if change.actor is not None:
            metadata["actor"] = change.actor
        return _EventRow(
            change.stream_type,
            change.stream_id,
            change.expected_revision + 1,
            change.event_type,
            change.data,
            metadata,
            self._next_instant(),
        )

    @staticmethod
    def _record_args(change: Change, row: _EventRow) -> tuple[Any, ...]:
        """The parameters of the PostgreSQL statements that record a change ($1-$15)."""
        meta = document({k: v for k, v in row.metadata.items() if k != "actor"})
        return (
            row.stream_type,
            row.stream_id,
            row.version,
            row.type,
            row.data_json,
            row.metadata_json,
            row.recorded_at,
            change.parent,
            change.name,
            row.metadata["actor"],
            change.summary,
            ",".join(change.changed),
            change.deleted,
            document(change.state),
            meta,
        )

    async def _record_in_one_statement(self, change: Change, row: _EventRow) -> RecordedEvent:
        """PostgreSQL: the event, the revision and the current state in one round trip."""
        args = self._record_args(change, row)
        self.touched = True
        try:
            if change.expected_revision == 0:
                found = await self._batch.driver.fetch(_RECORD_CREATE_PG, *storable_args(args))
            else:
                found = await self._batch.driver.fetch(
                    _RECORD_UPDATE_PG, *storable_args(args), change.expected_revision
                )
        except INTEGRITY_ERRORS as exc:
            raise ConcurrencyConflict(change.stream_id, change.expected_revision) from exc
        if len(found) != 1:
            raise ConcurrencyConflict(change.stream_id, change.expected_revision)
        return self.inserted(found[0][0], row)

    async def _record_in_three_statements(self, change: Change, row: _EventRow) -> RecordedEvent:
        revision = row.version
        (recorded,) = await self._insert_events([row])
        at = instant(recorded.recorded_at, self._store.dialect)
        state = document(change.state)
        await self._insert_revision(change, recorded, state, at)
        if change.expected_revision == 0:
            try:
                await self._rows(
                    _INSERT_RESOURCE,
                    _INSERT_RESOURCE_SQLITE,
                    (
                        change.stream_id,
                        change.stream_type,
                        change.parent,
                        change.name,
                        revision,
                        change.deleted,
                        state,
                        at,
                    ),
                )
            except INTEGRITY_ERRORS as exc:
                raise ConcurrencyConflict(change.stream_id, 0) from exc
        else:
            updated = await self._rows(
                _UPDATE_RESOURCE,
                _UPDATE_RESOURCE_SQLITE,
                (change.stream_id, change.expected_revision, revision, change.deleted, state, at),
            )
            if len(updated) != 1:
                raise ConcurrencyConflict(change.stream_id, change.expected_revision)
        return recorded

    async def _insert_revision(self, change: Change, recorded: RecordedEvent, state: str, at: Any) -> None:
        await self._rows(_INSERT_REVISION, _INSERT_REVISION_SQLITE, _revision_args(change, recorded, state, at))

    def prepare(self, new: NewEvent, context: WriteContext | None = None) -> PreparedEvent:
        """An event for a statement of the caller's own that inserts it (one round trip for several tables):
        its version (``expected_version`` + 1, which must be given), metadata (of ``context``, else of the
        writer's) and instant, JSON encoded once. The caller passes the position the statement gave it to
        :meth:`inserted`, in the order of the positions."""
        if new.expected_version is None:
            raise ValueError("an event inserted by the caller's own statement needs its expected version")
        metadata = (context or self.context).metadata()
        meta = metadata if new.actor is None else {**metadata, "actor": new.actor}
        return _EventRow(
            new.stream_type, new.stream_id, new.expected_version + 1, new.type, new.data, meta, self._next_instant()
        )

    async def append_prepared(self, rows: list[PreparedEvent]) -> list[RecordedEvent]:
        """Insert events made by :meth:`prepare` (each with the metadata of its own context), in one statement."""
        if not rows:
            return []
        await self._member.protect()
        return await self._insert_events(rows)

    def inserted(self, position: int, row: PreparedEvent) -> RecordedEvent:
        """Note an event (prepared by :meth:`prepare`, or by the writer's own statements) as inserted at ``position``:
        it joins what this request recorded."""
        recorded = RecordedEvent(
            position, row.stream_type, row.stream_id, row.version, row.type, row.data, row.metadata, row.recorded_at
        )
        self.recorded.append(recorded)
        return recorded

    async def append(self, new_events: Sequence[NewEvent]) -> list[RecordedEvent]:
        """Append events to streams that have no projection here (messages, commands, deployments).

        They go in one multi-row INSERT; a clash with a concurrent writer raises :class:`ConcurrencyConflict`.
        On PostgreSQL, events that all carry their expected versions are checked in the statement, which writes all
        of them or none: as a request's first statements they need no savepoint (see ``group_commit.Member``).
        """
        if not new_events:
            return []
        metadata = self.context.metadata()
        checked = self._store.dialect == "postgresql" and all(new.expected_version is not None for new in new_events)
        member = self._member
        if not checked:
            await member.protect()
        rows: list[_EventRow] = []
        for new in new_events:
            if new.expected_version is None:
                found = await self._rows(_LAST_VERSION, _LAST_VERSION_SQLITE, (new.stream_id,))
                version = (found[0][0] or 0) + 1
            else:
                version = new.expected_version + 1
            meta = metadata if new.actor is None else {**metadata, "actor": new.actor}
            rows.append(
                _EventRow(new.stream_type, new.stream_id, version, new.type, new.data, meta, self._next_instant())
            )
        if not checked:
            return await self._insert_events(rows)
        exposed = not member.protected and not member.light
        touched, self.touched = self.touched, True  # until it answers: a failure midway may have written
        try:
            recorded = await self._append_checked(rows)
        except ConcurrencyConflict:
            self.touched = touched  # refused by the check: nothing written
            raise
        if exposed:
            self.touched = touched
            member.exposed += [event.position for event in recorded]
        return recorded

    async def _append_checked(self, rows: list[_EventRow]) -> list[RecordedEvent]:
        """PostgreSQL: insert the events only if none of their versions is taken, else write nothing and raise
        :class:`ConcurrencyConflict` (the transaction stays usable, no position is taken)."""
        keys = {(r.stream_id, r.version) for r in rows}
        if len(keys) != len(rows):
            first = rows[0]
            raise ConcurrencyConflict(first.stream_id, first.version - 1)
        driver = self._batch.driver
        if len(rows) == 1:
            r = rows[0]
            args = (r.stream_type, r.stream_id, r.version, r.type, r.data_json, r.metadata_json, r.recorded_at)
            found = await driver.fetch(_APPEND_EVENT_PG, *args)
        else:
            found = await driver.fetch(_APPEND_EVENTS_PG, *event_columns(rows))
        if len(found) != len(rows):
            taken = next(iter(keys))
            raise ConcurrencyConflict(taken[0], taken[1] - 1)
        positions = sorted(p[0] for p in found)
        return [self.inserted(p, r) for p, r in zip(positions, rows, strict=True)]

    async def stored_response(self, principal: str, key: str) -> StoredResponse | None:
        row = (
            (
                await self.execute(
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
        await self.execute(
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


def event_columns(rows: Sequence[_EventRow]) -> list[list[Any]]:
    """Events as the arrays ``unnest`` takes, in the order of ``_EVENT_COLUMNS``."""
    return [
        [r.stream_type for r in rows],
        [r.stream_id for r in rows],
        [r.version for r in rows],
        [r.type for r in rows],
        [r.data_json for r in rows],
        [r.metadata_json for r in rows],
        [r.recorded_at for r in rows],
    ]


def event_rows(rows: Sequence[_EventRow]) -> list[list[Any]]:
    """Events as rows of :func:`~romas.store.raw.json_rows`, in the order of ``_EVENT_COLUMNS`` (``data`` and
    ``metadata`` as the JSON they were encoded to)."""
    return [
        [
            r.stream_type,
            r.stream_id,
            r.version,
            r.type,
            msgspec.Raw(r.data_json),
            msgspec.Raw(r.metadata_json),
            r.recorded_at,
        ]
        for r in rows
    ]


def one_run(changes: Sequence[Change]) -> bool:
    """Changes of one existing resource, each expecting the revision the one before it makes (or none)."""
    return all(
        change.stream_id == changes[0].stream_id
        and change.expected_revision == changes[0].expected_revision + k
        and change.expected_revision > 0
        for k, change in enumerate(changes)
    )


def _revision_args(change: Change, recorded: RecordedEvent, state: str, at: Any) -> tuple[Any, ...]:
    """The parameters of ``_INSERT_REVISION`` for ``change`` recorded as ``recorded`` (state JSON, instant encoded)."""
    metadata = recorded.metadata
    return (
        change.stream_id,
        recorded.version,
        change.stream_type,
        change.parent,
        change.name,
        recorded.position,
        change.event_type,
        metadata["actor"],
        change.summary,
        ",".join(change.changed),
        change.deleted,
        state,
        document({k: v for k, v in metadata.items() if k != "actor"}),
        at,
    )


def changed_row(change: Change, recorded: RecordedEvent) -> ResourceRow:
    """The resource's current row once ``change`` was recorded as ``recorded``."""
    return ResourceRow(
        change.stream_id,
        change.stream_type,
        change.parent,
        change.name,
        recorded.version,
        change.deleted,
        change.state,
        recorded.recorded_at,
    )
