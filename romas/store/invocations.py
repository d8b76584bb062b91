"""Invocations of artefact operations: accepted when committed, then succeeded (with a result) or failed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from romas.records import field_names, record
from romas.store.eventstore import Change, NewEvent, Store, WriteContext, Writer, one_run
from romas.store.raw import aware, document, json_rows, optional_document, raw_statement, resources_by_stream_sqlite
from romas.store.tables import invocations

FINAL_STATUSES = frozenset({"succeeded", "failed"})


@record
class InvocationRow:
    id: str
    seq: int
    workspace: str
    artefact: str
    operation: str
    args: list[Any]
    invoker: str
    origin: str
    status: str
    version: int
    accepted_at: datetime
    finished_at: datetime | None
    result: Any
    error: dict[str, Any] | None
    artefact_revision: int | None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@record
class NewInvocation:
    id: str
    workspace: str
    artefact: str
    operation: str
    args: list[Any]
    invoker: str
    origin: str


@record
class InvocationEnd:
    id: str
    workspace: str
    artefact: str
    version: int
    status: str
    at: datetime
    result: Any = None
    error: dict[str, Any] | None = None
    artefact_revision: int | None = None
    signals: list[dict[str, Any]] | None = None
    invoker: str | None = None


def invocation_stream(workspace: str, artefact: str, invocation_id: str) -> str:
    return f"/workspaces/{workspace}/artefacts/{artefact}/invocations/{invocation_id}"


def _row(row: RowMapping) -> InvocationRow:
    return InvocationRow(**{name: row[name] for name in field_names(InvocationRow)})


# The executor of artefact operations and agents' actions write these at every operation: straight through the
# driver.
_END = raw_statement(
    "UPDATE invocations SET status = $2, version = $3, finished_at = $4, result = $5, error = $6, "
    "artefact_revision = COALESCE($7, artefact_revision) WHERE id = $1"
)
_END_PG = raw_statement(
    "UPDATE invocations SET status = $2, version = $3, finished_at = $4, result = $5::jsonb, error = $6::jsonb, "
    "artefact_revision = COALESCE($7::int, artefact_revision) WHERE id = $1"
)
_INSERT = raw_statement(
    "INSERT INTO invocations (id, workspace, artefact, operation, args, invoker, origin, status, version, "
    "accepted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', 1, $8)"
)


# Invocations on PostgreSQL, in one round trip whatever their number: each one's artefact is read, and its row and
# first event are inserted only if the artefact exists, is not deleted and (when asked) is of the type the operation
# was checked against; nothing is written for the others, so the request needs no undo. The invocations come as JSON
# rows ($1, raw.json_rows says why), their artefacts' streams also as an array ($3, for the index on resources). The
# events take positions in the order given; one row comes back per invocation, in that order.
_ACCEPT_MANY_IF_LIVE_PG = raw_statement(
    "WITH u AS (SELECT x->>0 AS artefact_stream, x->>1 AS id, x->>2 AS workspace, x->>3 AS artefact, "
    "x->>4 AS operation, x->5 AS args, x->>6 AS invoker, x->>7 AS origin, x->>8 AS kind, x->>9 AS stream_id, "
    "x->10 AS data, x->11 AS metadata, (x->>12)::timestamptz AS recorded_at, n "
    "FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS j(x, n)), "
    "a AS (SELECT u.*, r.deleted, r.revision, r.state->>'type' AS type FROM u LEFT JOIN resources r "
    "ON r.stream_id = u.artefact_stream AND r.stream_id = ANY($3::text[])), "
    "i AS (INSERT INTO invocations (id, workspace, artefact, operation, args, invoker, origin, status, version, "
    "accepted_at) SELECT id, workspace, artefact, operation, args, invoker, origin, 'accepted', 1, "
    "$2::timestamptz FROM a WHERE NOT a.deleted AND (a.kind IS NULL OR a.type = a.kind) ORDER BY n RETURNING id), "
    "e AS (INSERT INTO events (stream_type, stream_id, version, type, data, metadata, recorded_at) "
    "SELECT 'invocation', a.stream_id, 1, 'invocation.accepted', a.data, a.metadata, a.recorded_at "
    "FROM a JOIN i ON i.id = a.id ORDER BY a.n RETURNING stream_id, position) "
    "SELECT a.deleted, a.revision, a.type, e.position FROM a LEFT JOIN e ON e.stream_id = a.stream_id ORDER BY a.n"
)


@record
class ArtefactGate:
    """What an invocation's artefact was when the invocation came: accepted only if it exists, not deleted."""

    exists: bool
    deleted: bool = False
    revision: int = 0
    type: str | None = None
    """The artefact's type as the statement read it."""
    accepted: bool = False
    """The invocation was written: the artefact exists, is not deleted and is of the type asked for (if any)."""


async def accept_if_live(
    writer: Writer, new: NewInvocation, at: datetime, *, artefact_type: str | None = None
) -> ArtefactGate:
    """Record one invocation as accepted, with its first event, if its artefact exists (read in the writer's
    transaction) and, when ``artefact_type`` is given, is still of the type the operation was checked against;
    otherwise write nothing, so a light write (``Store.write(light=True)``) may fail without undoing anything.
    :func:`accept_many_if_live` of one (one statement on PostgreSQL)."""
    (gate,) = await accept_many_if_live(writer, [(new, writer.context, artefact_type)], at)
    return gate


Asked = tuple[NewInvocation, WriteContext, str | None]
"""An invocation, the context of the request that made it (its event's metadata) and the type it was checked
against (None: any)."""


async def accept_many_if_live(writer: Writer, asked: Sequence[Asked], at: datetime) -> list[ArtefactGate]:
    """:func:`accept_if_live` for several invocations, in one write; their events take positions in the order
    given. On PostgreSQL one statement, which writes the invocations whose artefact is live (and of the type asked)
    and nothing for the others, so it may be a light write; on SQLite three (the artefacts read in one)."""
    fresh = not writer.touched
    if writer.dialect != "postgresql":
        return await _accept_many_sqlite(writer, asked, at, fresh)
    events = [writer.prepare(_accepted_event(new), context) for new, context, _ in asked]
    streams = [f"/workspaces/{new.workspace}/artefacts/{new.artefact}" for new, _, _ in asked]
    rows = await writer.run(
        _ACCEPT_MANY_IF_LIVE_PG,
        json_rows(
            [
                (
                    stream,
                    new.id,
                    new.workspace,
                    new.artefact,
                    new.operation,
                    msgspec.Raw(document(new.args)),
                    new.invoker,
                    new.origin,
                    kind,
                    e.stream_id,
                    msgspec.Raw(e.data_json),
                    msgspec.Raw(e.metadata_json),
                    aware(e.recorded_at),
                )
                for stream, (new, _, kind), e in zip(streams, asked, events, strict=True)
            ]
        ),
        writer.instant(at),
        sorted(set(streams)),
    )
    gates = []
    wrote = False
    for (deleted, revision, kind, position), event in zip(rows, events, strict=True):
        if deleted is None:
            gates.append(ArtefactGate(False))
        elif position is None:
            gates.append(ArtefactGate(True, bool(deleted), int(revision), kind))
        else:
            writer.inserted(position, event)
            gates.append(ArtefactGate(True, bool(deleted), int(revision), kind, True))
            wrote = True
    if fresh and not wrote:
        writer.wrote_nothing()
    return gates


_ARTEFACT_GATE_COLUMNS = "stream_id, deleted, revision, json_extract(state, '$.type')"


async def _accept_many_sqlite(writer: Writer, asked: Sequence[Asked], at: datetime, fresh: bool) -> list[ArtefactGate]:
    streams = sorted({f"/workspaces/{new.workspace}/artefacts/{new.artefact}" for new, _, _ in asked})
    found = {
        row[0]: (bool(row[1]), int(row[2]), row[3])
        for row in await writer.run(resources_by_stream_sqlite(_ARTEFACT_GATE_COLUMNS, len(streams)), *streams)
    }
    gates = []
    for new, _, asked_type in asked:
        artefact = found.get(f"/workspaces/{new.workspace}/artefacts/{new.artefact}")
        if artefact is None:
            gates.append(ArtefactGate(False))
            continue
        deleted, revision, kind = artefact
        live = not deleted and (asked_type is None or kind == asked_type)
        gates.append(ArtefactGate(True, deleted, revision, kind, live))
    taken = [(new, context) for (new, context, _), gate in zip(asked, gates, strict=True) if gate.accepted]
    if not taken:
        if fresh:
            writer.wrote_nothing()  # a read, in SQLite's transaction: nothing to undo
        return gates
    await _insert_rows(writer, [new for new, _ in taken], at)
    await writer.append_prepared([writer.prepare(_accepted_event(new), context) for new, context in taken])
    return gates


def accepted_row(new: NewInvocation, at: datetime) -> InvocationRow:
    """The row :func:`accept` writes for an invocation (``seq`` is not known; 0)."""
    return InvocationRow(
        new.id,
        0,
        new.workspace,
        new.artefact,
        new.operation,
        list(new.args),
        new.invoker,
        new.origin,
        "accepted",
        1,
        at,
        None,
        None,
        None,
        None,
    )


def _accepted_event(i: NewInvocation) -> NewEvent:
    return NewEvent(
        "invocation",
        invocation_stream(i.workspace, i.artefact, i.id),
        "invocation.accepted",
        {
            "status": "accepted",
            "id": i.id,
            "workspace": i.workspace,
            "artefact": i.artefact,
            "operation": i.operation,
            "args": i.args,
            "invoker": i.invoker,
            "origin": i.origin,
        },
        expected_version=0,
        actor=i.invoker if i.origin == "agent" else None,
    )


async def accept(writer: Writer, new: Sequence[NewInvocation], at: datetime) -> None:
    if not new:
        return
    await _insert_rows(writer, new, at)
    await writer.append([_accepted_event(i) for i in new])


async def _insert_rows(writer: Writer, new: Sequence[NewInvocation], at: datetime) -> None:
    accepted_at = writer.instant(at)
    await writer.run_many(
        _INSERT,
        [(i.id, i.workspace, i.artefact, i.operation, document(i.args), i.invoker, i.origin, accepted_at) for i in new],
    )


async def end(writer: Writer, ends: Sequence[InvocationEnd]) -> None:
    if not ends:
        return
    await writer.run_many(_END_PG if writer.dialect == "postgresql" else _END, [_end_args(writer, e) for e in ends])
    await writer.append([_end_event(e) for e in ends])


# An invocation's end as the tail of ``Writer.run_and_append``: the ends as JSON rows ($12, the columns of _END_PG;
# raw.json_rows says why), their ids as an array ($13) so that PostgreSQL finds the rows through the index on ``id``.
_END_TAIL_PG = (
    ", i AS (UPDATE invocations SET status = z.status, version = z.version, finished_at = z.at, "
    "result = z.result::jsonb, error = z.error::jsonb, "
    "artefact_revision = COALESCE(z.rev, invocations.artefact_revision) "
    "FROM (SELECT r->>0 AS id, r->>1 AS status, (r->>2)::int AS version, (r->>3)::timestamptz AS at, "
    "r->>4 AS result, r->>5 AS error, (r->>6)::int AS rev FROM jsonb_array_elements($12::jsonb) AS j(r)) AS z "
    "WHERE invocations.id = z.id AND invocations.id = ANY($13::text[]) AND {guard})"
)


async def finish(writer: Writer, changes: Sequence[Change], ends: Sequence[InvocationEnd]) -> None:
    """An artefact's run of changes, then the ends of the invocations that made them. On PostgreSQL one statement
    that writes all of it or nothing, so the executor's write is a light one (no savepoint's round trip); on
    SQLite the run and the ends one after the other."""
    if writer.dialect != "postgresql" or not one_run(changes):
        await writer.record_run(changes)
        await end(writer, ends)
        return
    rows = json_rows([_end_args(writer, e) for e in ends])
    await writer.run_and_append(changes, [_end_event(e) for e in ends], _END_TAIL_PG, [rows, [e.id for e in ends]])


def _end_args(writer: Writer, e: InvocationEnd) -> tuple[Any, ...]:
    """The parameters of _END (and a row of _END_TAIL_PG's $12) for one end."""
    return (
        e.id,
        e.status,
        e.version + 1,
        writer.instant(aware(e.at)),
        optional_document(e.result),
        optional_document(e.error),
        e.artefact_revision,
    )


def _end_event(e: InvocationEnd) -> NewEvent:
    return NewEvent(
        "invocation",
        invocation_stream(e.workspace, e.artefact, e.id),
        f"invocation.{e.status}",
        {
            "status": e.status,
            "id": e.id,
            "workspace": e.workspace,
            "artefact": e.artefact,
            **({"result": e.result} if e.status == "succeeded" else {}),
            **({"error": e.error} if e.error is not None else {}),
            **({"artefact_revision": e.artefact_revision} if e.artefact_revision is not None else {}),
            **({"signals": e.signals} if e.signals else {}),
        },
        expected_version=e.version,
        actor=e.invoker,
    )


async def get(store: Store, workspace: str, artefact: str, invocation_id: str) -> InvocationRow | None:
    query = select(invocations).where(
        invocations.c.id == invocation_id,
        invocations.c.workspace == workspace,
        invocations.c.artefact == artefact,
    )
    async with store.reads.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return _row(row) if row else None


async def by_ids(store: Store, ids: Sequence[str]) -> list[InvocationRow]:
    if not ids:
        return []
    async with store.reads.connect() as conn:
        rows = await conn.execute(select(invocations).where(invocations.c.id.in_(list(ids))))
        return [_row(r) for r in rows.mappings()]


async def listing(
    store: Store, workspace: str, artefact: str, *, before: int | None, limit: int
) -> list[InvocationRow]:
    query = select(invocations).where(invocations.c.workspace == workspace, invocations.c.artefact == artefact)
    if before is not None:
        query = query.where(invocations.c.seq < before)
    async with store.reads.connect() as conn:
        rows = await conn.execute(query.order_by(invocations.c.seq.desc()).limit(limit))
        return [_row(r) for r in rows.mappings()]


async def pending(store: Store) -> list[InvocationRow]:
    """Accepted invocations, oldest first: what the executor still has to run (also after a restart)."""
    query = select(invocations).where(invocations.c.status == "accepted").order_by(invocations.c.seq)
    async with store.reads.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).mappings()]
