"""What agents printed and the runtime's notes about them, newest last, kept to a bounded number of lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select

from romas.records import record
from romas.store.eventstore import Store, Writer
from romas.store.raw import raw_statement
from romas.store.tables import agent_log

KEEP_LINES = 1000


@record
class LogLine:
    agent: str
    at: datetime
    kind: str
    """``print`` (the agent printed it), ``note`` (the runtime says something about it) or ``error``."""
    text: str
    command: str | None = None
    id: int = 0


_APPEND = raw_statement("INSERT INTO agent_log (agent, at, kind, text, command) VALUES ($1, $2, $3, $4, $5)")


async def append(writer: Writer, lines: Sequence[LogLine]) -> None:
    """Straight through the driver: agents print in every flush of the runtime."""
    await writer.run_many(_APPEND, [(x.agent, writer.instant(x.at), x.kind, x.text, x.command) for x in lines])


async def prune(writer: Writer, agent: str, keep: int = KEEP_LINES) -> None:
    """Drop all but the newest ``keep`` lines of an agent."""
    newest = (await writer.execute(select(func.max(agent_log.c.id)).where(agent_log.c.agent == agent))).scalar()
    if newest is not None and newest > keep:
        await writer.execute(delete(agent_log).where(agent_log.c.agent == agent, agent_log.c.id <= newest - keep))


async def read(store: Store, agent: str, *, after: int | None, limit: int) -> list[LogLine]:
    """Newest last: lines after ``after``, or the last ``limit`` lines when ``after`` is None."""
    query = select(agent_log).where(agent_log.c.agent == agent)
    if after is not None:
        query = query.where(agent_log.c.id > after).order_by(agent_log.c.id).limit(limit)
    else:
        query = query.order_by(agent_log.c.id.desc()).limit(limit)
    async with store.reads.connect() as conn:
        rows = [
            LogLine(r["agent"], r["at"], r["kind"], r["text"], r["command"], r["id"])
            for r in (await conn.execute(query)).mappings()
        ]
    return rows if after is not None else rows[::-1]


async def read_all(store: Store, *, after: int, limit: int) -> list[LogLine]:
    """Every agent's lines after ``after``, oldest first (``romas run`` follows them all)."""
    query = select(agent_log).where(agent_log.c.id > after).order_by(agent_log.c.id).limit(limit)
    async with store.reads.connect() as conn:
        return [
            LogLine(r["agent"], r["at"], r["kind"], r["text"], r["command"], r["id"])
            for r in (await conn.execute(query)).mappings()
        ]
