"""Inbox messages: a row with the current status, and a stream of status events for watchers.

A message is ``accepted`` when its row is committed (before the client hears 202), ``delivered`` once the agent
has it, then ``processed`` or ``failed``; ``expired`` when its ``expires_at`` passed before delivery;
``cancelled`` when it was dropped on request (A2A CancelTask) before it ended.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping

from romas.records import field_names, record
from romas.store import at_work, checkpoints
from romas.store.eventstore import (
    INTEGRITY_ERRORS,
    ConcurrencyConflict,
    NewEvent,
    Store,
    WriteContext,
    Writer,
    event_rows,
)
from romas.store.raw import (
    aware,
    document,
    json_rows,
    optional_document,
    raw_select,
    raw_statement,
    resources_by_stream_sqlite,
)
from romas.store.tables import messages

FINAL_STATUSES = frozenset({"processed", "failed", "expired", "cancelled"})


@record
class MessageRow:
    id: str
    seq: int
    agent: str
    sender: str
    origin: str
    performative: str
    content: str
    in_reply_to: str | None
    status: str
    version: int
    accepted_at: datetime
    delivered_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    reply: str | None
    error: dict[str, Any] | None
    retry_of: str | None = None
    """The failed or expired message this one reprocesses."""
    retried_by: str | None = None
    """The message that reprocessed this one."""

    @property
    def stream_id(self) -> str:
        return message_stream(self.agent, self.id)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@record
class NewMessage:
    id: str
    agent: str
    sender: str
    origin: str
    performative: str
    content: str
    in_reply_to: str | None = None
    expires_at: datetime | None = None
    retry_of: str | None = None


@record
class MessageChange:
    """A status change; ``version`` is the message's version before it."""

    id: str
    agent: str
    version: int
    status: str
    at: datetime
    reply: str | None = None
    error: dict[str, Any] | None = None


# One statement for every kind of change, so a batch of changes is a single executemany on SQLite; sent straight
# through the driver, as is the INSERT of new messages (the runtime's flush and every inbox POST run them).
_CHANGE = raw_statement(
    "UPDATE messages SET status = $2, version = $3, delivered_at = COALESCE($4, delivered_at), "
    "finished_at = COALESCE($5, finished_at), reply = COALESCE($6, reply), error = COALESCE($7, error) "
    "WHERE id = $1"
)
# PostgreSQL's status changes in one round trip: the rows (as _CHANGE, one per message) and their events (in the order
# given, so their positions follow it), each given as one JSON array of rows (raw.json_rows says why). The messages'
# ids also come as an array ($9): PostgreSQL takes a JSON array for 100 rows whatever it holds, and would join them
# by a sequential scan of the whole messages table; ``= ANY`` of the array it reads through the index on ``id``.
_CHANGE_MANY_STATEMENT = raw_statement(
    "WITH c AS (UPDATE messages SET status = u.status, version = u.version, "
    "delivered_at = COALESCE(u.delivered_at, messages.delivered_at), "
    "finished_at = COALESCE(u.finished_at, messages.finished_at), reply = COALESCE(u.reply, messages.reply), "
    "error = COALESCE(u.error::jsonb, messages.error) "
    "FROM (SELECT r->>0 AS id, r->>1 AS status, (r->>2)::int AS version, (r->>3)::timestamptz AS delivered_at, "
    "(r->>4)::timestamptz AS finished_at, r->>5 AS reply, r->>6 AS error FROM jsonb_array_elements($1::jsonb) AS j(r)) "
    "AS u WHERE messages.id = u.id AND messages.id = ANY($9::text[]) RETURNING 1), "
    "e AS (INSERT INTO events (stream_type, stream_id, version, type, data, metadata, recorded_at) "
    "SELECT r->>0, r->>1, (r->>2)::int, r->>3, (r->4)::jsonb, (r->5)::jsonb, (r->>6)::timestamptz "
    "FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(r, n) ORDER BY n RETURNING position), "
    # what the runtime's flush writes beside (see Along): the agents' checkpoints, and the at-work marks it clears
    "k AS (INSERT INTO checkpoints (agent, code_revision, state, updated_at) SELECT a, r, s::json, $6::timestamptz "
    "FROM unnest($3::text[], $4::int[], $5::text[]) AS k(a, r, s) ON CONFLICT (agent) DO UPDATE SET "
    "code_revision = excluded.code_revision, state = excluded.state, updated_at = excluded.updated_at), "
    "w AS (DELETE FROM agents_at_work WHERE agent = ANY($7::text[]) AND since <= $8::timestamptz) "
    "SELECT position FROM e"
)
_INSERT = raw_statement(
    "INSERT INTO messages (id, agent, sender, origin, performative, content, in_reply_to, status, version, "
    "accepted_at, expires_at, retry_of) VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', 1, $8, $9, $10)"
)


# Client messages accepted on PostgreSQL in one round trip (see accept_many_if_running): each agent's resource is
# read, and a message's row and first event are inserted only if its agent is running (nothing is written otherwise,
# so the request needs no undo). The rows (one JSON array of them, raw.json_rows says why) hold, in arrival order,
# each message's agent stream, its row, and its first event; the events are inserted in that order, so their
# positions follow it. One row back per message: why not, or its event's position. The agents' streams also come as an
# array ($4), for the index on resources (see _CHANGE_MANY_STATEMENT).
_ACCEPT_MANY_IF_RUNNING_PG = (
    "WITH u AS (SELECT r->>0 AS agent_stream, r->>1 AS id, r->>2 AS agent, r->>3 AS sender, r->>4 AS origin, "
    "r->>5 AS performative, r->>6 AS content, r->>7 AS in_reply_to, (r->>8)::timestamptz AS accepted_at, "
    "(r->>9)::timestamptz AS expires_at, r->>10 AS retry_of, r->>11 AS stream_id, r->12 AS data, r->13 AS metadata, "
    "(r->>14)::timestamptz AS recorded_at, n FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS j(r, n)), "
    "a AS (SELECT u.*, r.deleted, r.state->>'state' AS state FROM u LEFT JOIN resources r "
    "ON r.stream_id = u.agent_stream AND r.stream_id = ANY($4::text[])), "
    "m AS (INSERT INTO messages (id, agent, sender, origin, performative, content, in_reply_to, status, version, "
    "accepted_at, expires_at, retry_of) SELECT id, agent, sender, origin, performative, content, in_reply_to, "
    "'accepted', 1, accepted_at, expires_at, retry_of FROM a WHERE NOT a.deleted AND a.state = 'running' "
    "ORDER BY n RETURNING id), "
    "e AS (INSERT INTO events (stream_type, stream_id, version, type, data, metadata, recorded_at) "
    "SELECT 'message', a.stream_id, 1, 'message.accepted', a.data::jsonb, a.metadata::jsonb, a.recorded_at "
    "FROM a JOIN m ON m.id = a.id ORDER BY a.n RETURNING stream_id, position), "
    # the agents the runtime marks at work with their messages (see at_work.py): distinct names, one upsert each
    "w AS (INSERT INTO agents_at_work (agent, at_work, crashes, since) SELECT x, TRUE, 0, $3::timestamptz "
    "FROM unnest($2::text[]) AS x ON CONFLICT (agent) DO UPDATE SET at_work = TRUE, since = excluded.since) "
    "SELECT a.deleted, a.state, e.position FROM a LEFT JOIN e ON e.stream_id = a.stream_id ORDER BY a.n"
)
_ACCEPT_MANY_IF_RUNNING_STATEMENT = raw_statement(_ACCEPT_MANY_IF_RUNNING_PG)


def message_stream(agent: str, message_id: str) -> str:
    return f"/agents/{agent}/inbox/{message_id}"


def _row(row: RowMapping) -> MessageRow:
    return MessageRow(**{name: row[name] for name in field_names(MessageRow)})


def _accepted_event(m: NewMessage) -> NewEvent:
    return NewEvent(
        "message",
        message_stream(m.agent, m.id),
        "message.accepted",
        {
            "status": "accepted",
            "id": m.id,
            "agent": m.agent,
            "sender": m.sender,
            "origin": m.origin,
            "performative": m.performative,
            "content": m.content,
            **({"in_reply_to": m.in_reply_to} if m.in_reply_to else {}),
            **({"expires_at": m.expires_at.isoformat()} if m.expires_at else {}),
            **({"retry_of": m.retry_of} if m.retry_of else {}),
        },
        expected_version=0,
        actor=m.sender if m.origin == "agent" else None,
    )


@record
class AgentGate:
    """What a message's agent was when the message came: accepted only if it exists, is not deleted and runs."""

    exists: bool
    deleted: bool = False
    state: str | None = None

    @property
    def accepted(self) -> bool:
        return self.exists and not self.deleted and self.state == "running"


async def accept_if_running(writer: Writer, message: NewMessage, at: datetime) -> AgentGate:
    """Record one message as accepted, with its first event, if its agent is running (the agent's resource read
    in the writer's transaction); otherwise write nothing, so a light write (``Store.write(light=True)``) may
    fail without undoing anything. :func:`accept_many_if_running` for one message (one statement on PostgreSQL)."""
    (gate,) = await accept_many_if_running(writer, [(message, writer.context)], at)
    return gate


async def accept_many_if_running(
    writer: Writer,
    messages: Sequence[tuple[NewMessage, WriteContext]],
    at: datetime,
    mark: Collection[str] = (),
    marked_at: datetime | None = None,
) -> list[AgentGate]:
    """:func:`accept_if_running` for several client messages, each with the context of the request that sent it
    (its event's metadata), in one write: their events take positions in the order given. On PostgreSQL this is
    one statement, which writes the messages whose agent runs and nothing for the others (so it may be a light
    write, as :func:`accept_if_running`); on SQLite three (take a savepoint: a failure after the first would have
    something to undo).

    ``mark`` are agents to mark at work at ``marked_at`` in the same write (``at_work.mark``; on PostgreSQL in
    the same statement, where a mark alone does not count as written for a light write's undo: the runtime
    drops the marks of a write that failed)."""
    if writer.dialect != "postgresql":
        gates = await _accept_many_sqlite(writer, messages, at)
        if mark:
            await at_work.mark(writer, mark, marked_at or at)
        return gates
    fresh = not writer.touched
    events = [writer.prepare(_accepted_event(m), context) for m, context in messages]
    accepted_at = writer.instant(at)
    rows = await writer.run(
        _ACCEPT_MANY_IF_RUNNING_STATEMENT,
        json_rows(
            [
                (
                    f"/agents/{m.agent}",
                    *_new_row(m, accepted_at, aware(m.expires_at)),
                    e.stream_id,
                    msgspec.Raw(e.data_json),
                    msgspec.Raw(e.metadata_json),
                    e.recorded_at,
                )
                for (m, _), e in zip(messages, events, strict=True)
            ]
        ),
        sorted(set(mark)),
        writer.instant(marked_at or at),
        sorted({f"/agents/{m.agent}" for m, _ in messages}),
    )
    gates = []
    wrote = False
    for (deleted, state, position), event in zip(rows, events, strict=True):
        if position is None:
            gates.append(AgentGate(False) if deleted is None else AgentGate(True, bool(deleted), state))
            continue
        writer.inserted(position, event)
        gates.append(AgentGate(True, bool(deleted), state))
        wrote = True
    if fresh and not wrote:
        writer.wrote_nothing()
    return gates


_AGENT_GATE_COLUMNS = "stream_id, deleted, json_extract(state, '$.state')"


async def _accept_many_sqlite(
    writer: Writer, messages: Sequence[tuple[NewMessage, WriteContext]], at: datetime
) -> list[AgentGate]:
    """SQLite's :func:`accept_many_if_running`: the agents read in one statement, the accepted messages' rows
    inserted in one, their events in one."""
    fresh = not writer.touched
    streams = sorted({f"/agents/{m.agent}" for m, _ in messages})
    found = {
        row[0]: AgentGate(True, bool(row[1]), row[2])
        for row in await writer.run(resources_by_stream_sqlite(_AGENT_GATE_COLUMNS, len(streams)), *streams)
    }
    gates = [found.get(f"/agents/{m.agent}", AgentGate(False)) for m, _ in messages]
    taken = [(m, context) for (m, context), gate in zip(messages, gates, strict=True) if gate.accepted]
    if not taken:
        if fresh:
            writer.wrote_nothing()  # a read, in SQLite's transaction: nothing to undo
        return gates
    await _insert_rows(writer, [m for m, _ in taken], at)
    await writer.append_prepared([writer.prepare(_accepted_event(m), context) for m, context in taken])
    return gates


def accepted_row(message: NewMessage, at: datetime) -> MessageRow:
    """The row :func:`accept` writes for a message (``seq`` is not known; 0)."""
    return MessageRow(
        message.id,
        0,
        message.agent,
        message.sender,
        message.origin,
        message.performative,
        message.content,
        message.in_reply_to,
        "accepted",
        1,
        at,
        None,
        None,
        message.expires_at.astimezone(UTC) if message.expires_at is not None else None,
        None,
        None,
        message.retry_of,
    )


def _new_row(m: NewMessage, accepted_at: Any, expires_at: Any) -> tuple[Any, ...]:
    """A new message's columns in the order of ``_INSERT`` (its instants as the statement takes them)."""
    return (
        m.id,
        m.agent,
        m.sender,
        m.origin,
        m.performative,
        m.content,
        m.in_reply_to,
        accepted_at,
        expires_at,
        m.retry_of,
    )


async def _insert_rows(writer: Writer, new: Sequence[NewMessage], at: datetime) -> None:
    """The accepted messages' rows, in one round trip."""
    accepted_at = writer.instant(at)
    await writer.run_many(
        _INSERT,
        [_new_row(m, accepted_at, writer.instant(m.expires_at)) for m in new],
    )


async def accept(writer: Writer, new: Sequence[NewMessage], at: datetime) -> None:
    """Record messages as accepted, with their first event, in the writer's transaction."""
    if not new:
        return
    await _insert_rows(writer, new, at)
    await writer.append([_accepted_event(m) for m in new])


@record
class Along:
    """What the runtime's flush writes beside its messages' changes, in the same statement on PostgreSQL (each a
    round trip of its own otherwise): the agents' checkpoints (``checkpoints.save_many``) and the at-work marks it
    clears (``at_work.clear_marked_by``)."""

    saved: Sequence[tuple[str, int, dict[str, Any]]]
    at: datetime
    rested: Collection[str]
    cutoff: datetime


async def change(writer: Writer, changes: Sequence[MessageChange], along: Along | None = None) -> None:
    """Apply status changes (rows and events) in the writer's transaction, and write ``along``; on PostgreSQL in
    one statement."""
    if along is not None and (writer.dialect != "postgresql" or not changes):  # each statement only if needed
        await checkpoints.save_many(writer, along.saved, along.at)
        await at_work.clear_marked_by(writer, along.rested, along.cutoff)
        along = None
    if not changes and along is None:
        return
    events = [
        NewEvent(
            "message",
            message_stream(c.agent, c.id),
            f"message.{c.status}",
            {
                "status": c.status,
                "id": c.id,
                "agent": c.agent,
                **({"reply": c.reply} if c.reply is not None else {}),
                **({"error": c.error} if c.error is not None else {}),
            },
            expected_version=c.version,
            actor=c.agent,
        )
        for c in changes
    ]
    if writer.dialect != "postgresql":
        await writer.run_many(_CHANGE, _row_changes(writer, changes))
        await writer.append(events)
        return
    rows = _row_changes(writer, changes)
    prepared = [writer.prepare(event) for event in events]
    saved = along.saved if along is not None else ()
    try:
        found = await writer.run(
            _CHANGE_MANY_STATEMENT,
            json_rows(rows),
            json_rows(event_rows(prepared)),
            [agent for agent, _, _ in saved],
            [revision for _, revision, _ in saved],
            [document(state) for _, _, state in saved],
            writer.instant(along.at if along is not None else None),
            sorted(along.rested) if along is not None else [],
            writer.instant(along.cutoff if along is not None else None),
            [row[0] for row in rows],
        )
    except INTEGRITY_ERRORS as exc:  # another writer took a version of one of these messages' streams
        raise ConcurrencyConflict(prepared[0].stream_id, prepared[0].version - 1) from exc
    for position, event in zip(sorted(row[0] for row in found), prepared, strict=True):
        writer.inserted(position, event)


def _row_changes(writer: Writer, changes: Sequence[MessageChange]) -> list[list[Any]]:
    """One UPDATE per message: a runtime flush often holds both the delivery and the end of a message, and the row
    after both is what applying them in turn gives (the last status and version, each column's last value given,
    as the statement's COALESCEs keep)."""
    rows: dict[str, list[Any]] = {}
    for c in changes:
        delivered = writer.instant(c.at) if c.status == "delivered" else None
        finished = None if c.status == "delivered" else writer.instant(c.at)
        error = optional_document(c.error)
        row = rows.get(c.id)
        if row is None:
            rows[c.id] = [c.id, c.status, c.version + 1, delivered, finished, c.reply, error]
            continue
        row[1], row[2] = c.status, c.version + 1
        for index, value in ((3, delivered), (4, finished), (5, c.reply), (6, error)):
            if value is not None:
                row[index] = value
    return list(rows.values())


async def mark_retried(writer: Writer, message: MessageRow, retry_id: str) -> None:
    """Link a failed or expired message to the message that reprocesses it; its status stays as it was."""
    await writer.execute(
        update(messages)
        .where(messages.c.id == message.id, messages.c.version == message.version)
        .values(retried_by=retry_id, version=message.version + 1)
    )
    await writer.append(
        [
            NewEvent(
                "message",
                message.stream_id,
                "message.retried",
                {"status": message.status, "id": message.id, "agent": message.agent, "retried_by": retry_id},
                expected_version=message.version,
            )
        ]
    )


async def get_for_update(writer: Writer, agent: str, message_id: str) -> MessageRow | None:
    """The message as the writer's transaction sees it."""
    query = select(messages).where(messages.c.id == message_id, messages.c.agent == agent)
    row = (await writer.execute(query)).mappings().first()
    return _row(row) if row is not None else None


_GET = raw_select(messages, field_names(MessageRow), "WHERE id = $1 AND agent = $2")


async def get(store: Store, agent: str, message_id: str) -> MessageRow | None:
    """Every POST to an inbox answers with the message as written, and clients poll it: straight through the
    driver."""
    rows = await store.fetch(_GET, message_id, agent)
    return MessageRow(*rows[0]) if rows else None


async def listing(
    store: Store,
    *,
    agent: str | None = None,
    sender: str | None = None,
    status: str | None = None,
    after: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[MessageRow]:
    """Oldest first after ``after``, or newest first before ``before``."""
    query = select(messages)
    if agent is not None:
        query = query.where(messages.c.agent == agent)
    if sender is not None:
        query = query.where(messages.c.sender == sender, messages.c.origin == "agent")
    if status is not None:
        query = query.where(messages.c.status == status)
    if before is not None:
        query = query.where(messages.c.seq < before).order_by(messages.c.seq.desc())
    else:
        query = query.where(messages.c.seq > (after or 0)).order_by(messages.c.seq)
    async with store.reads.connect() as conn:
        return [_row(r) for r in (await conn.execute(query.limit(limit))).mappings()]


async def unfinished(store: Store, agent: str) -> list[MessageRow]:
    """Messages not finished, in arrival order: a restarted agent receives the accepted ones again and tracks
    the delivered ones, which its checkpoint already holds."""
    query = (
        select(messages)
        .where(messages.c.agent == agent, messages.c.status.in_(("accepted", "delivered")))
        .order_by(messages.c.seq)
    )
    async with store.reads.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).mappings()]
