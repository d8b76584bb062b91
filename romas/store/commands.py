"""Commands: a plan body run as a new intention, with a status a client follows.

``queued`` when committed, ``running`` once the agent started it, then ``succeeded``, ``failed``, ``timed_out``
or ``cancelled``. Like messages, each status change is also an event of the command's stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from romas.records import field_names, record
from romas.store.eventstore import NewEvent, Store, Writer
from romas.store.raw import optional_document, raw_select, raw_statement
from romas.store.tables import commands

FINAL_STATUSES = frozenset({"succeeded", "failed", "timed_out", "cancelled"})


@record
class CommandRow:
    id: str
    seq: int
    agent: str
    actor: str
    body: str
    timeout_s: float
    status: str
    version: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    deadline_at: datetime
    result: dict[str, Any] | None
    error: dict[str, Any] | None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@record
class CommandChange:
    """A status change; ``version`` is the command's version before it."""

    id: str
    agent: str
    version: int
    status: str
    at: datetime
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


def command_stream(agent: str, command_id: str) -> str:
    return f"/agents/{agent}/commands/{command_id}"


def _row(row: RowMapping) -> CommandRow:
    return CommandRow(**{name: row[name] for name in field_names(CommandRow)})


# Straight through the driver, like the messages' (see inbox.py).
_CHANGE = raw_statement(
    "UPDATE commands SET status = $2, version = $3, started_at = COALESCE($4, started_at), "
    "finished_at = COALESCE($5, finished_at), result = COALESCE($6, result), error = COALESCE($7, error) "
    "WHERE id = $1"
)
_CHANGE_PG = raw_statement(
    "UPDATE commands SET status = $2, version = $3, started_at = COALESCE($4::timestamptz, started_at), "
    "finished_at = COALESCE($5::timestamptz, finished_at), result = COALESCE($6::jsonb, result), "
    "error = COALESCE($7::jsonb, error) WHERE id = $1"
)


async def queue(
    writer: Writer,
    *,
    command_id: str,
    agent: str,
    actor: str,
    body: str,
    timeout_s: float,
    at: datetime,
    deadline: datetime,
) -> None:
    await writer.execute(
        commands.insert().values(
            id=command_id,
            agent=agent,
            actor=actor,
            body=body,
            timeout_s=timeout_s,
            status="queued",
            version=1,
            queued_at=at,
            deadline_at=deadline,
        )
    )
    await writer.append(
        [
            NewEvent(
                "command",
                command_stream(agent, command_id),
                "command.queued",
                {
                    "status": "queued",
                    "id": command_id,
                    "agent": agent,
                    "body": body,
                    "timeout_s": timeout_s,
                    "deadline_at": deadline.isoformat(),
                },
                expected_version=0,
            )
        ]
    )


async def change(writer: Writer, changes: Sequence[CommandChange]) -> None:
    if not changes:
        return
    await writer.run_many(
        _CHANGE_PG if writer.dialect == "postgresql" else _CHANGE,
        [
            (
                c.id,
                c.status,
                c.version + 1,
                writer.instant(c.at) if c.status == "running" else None,
                writer.instant(c.at) if c.status in FINAL_STATUSES else None,
                optional_document(c.result),
                optional_document(c.error),
            )
            for c in changes
        ],
    )
    await writer.append(
        [
            NewEvent(
                "command",
                command_stream(c.agent, c.id),
                f"command.{c.status}",
                {
                    "status": c.status,
                    "id": c.id,
                    "agent": c.agent,
                    **({"result": c.result} if c.result is not None else {}),
                    **({"error": c.error} if c.error is not None else {}),
                },
                expected_version=c.version,
                actor=c.agent,
            )
            for c in changes
        ]
    )


_GET = raw_select(commands, field_names(CommandRow), "WHERE id = $1 AND agent = $2")


async def get(store: Store, agent: str, command_id: str) -> CommandRow | None:
    """Clients poll their commands, and every POST answers with one: straight through the driver."""
    rows = await store.fetch(_GET, command_id, agent)
    return CommandRow(*rows[0]) if rows else None


async def listing(
    store: Store, *, agent: str, status: str | None = None, before: int | None = None, limit: int = 50
) -> list[CommandRow]:
    """Newest first."""
    query = select(commands).where(commands.c.agent == agent)
    if status is not None:
        query = query.where(commands.c.status == status)
    if before is not None:
        query = query.where(commands.c.seq < before)
    async with store.reads.connect() as conn:
        rows = await conn.execute(query.order_by(commands.c.seq.desc()).limit(limit))
        return [_row(r) for r in rows.mappings()]


async def unfinished(store: Store, agent: str) -> list[CommandRow]:
    """Queued and running commands, oldest first: what a (re)started agent must pick up again."""
    query = (
        select(commands)
        .where(commands.c.agent == agent, commands.c.status.in_(("queued", "running")))
        .order_by(commands.c.seq)
    )
    async with store.reads.connect() as conn:
        return [_row(r) for r in (await conn.execute(query)).mappings()]
