"""Which agents the runtime is running now, kept in the database so that the next process, after a crash,
knows which agents were at work when it happened (see runtime/quarantine.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from romas.store.eventstore import Writer
from romas.store.tables import agents_at_work


@dataclass(frozen=True, slots=True)
class AtWork:
    agent: str
    at_work: bool
    crashes: int
    """Consecutive crashes of the process during which the agent was at work, before this one."""


_CHUNK = 1000


async def mark(writer: Writer, agents: Collection[str], at: datetime) -> None:
    """The agents are about to run: a crash from now on happens while they are at work."""
    if not agents:
        return
    module = postgresql if writer.connection.dialect.name == "postgresql" else sqlite
    names = sorted(agents)
    for first in range(0, len(names), _CHUNK):  # a statement takes at most 32,767 parameters (4 a row here)
        statement = module.insert(agents_at_work).values(
            [{"agent": name, "at_work": True, "crashes": 0, "since": at} for name in names[first : first + _CHUNK]]
        )
        await writer.connection.execute(
            statement.on_conflict_do_update(index_elements=["agent"], set_={"at_work": True, "since": at})
        )


async def clear(writer: Writer, agents: Collection[str]) -> None:
    """The agents ended their work cleanly: whatever crashes they were at work through are forgiven."""
    names = sorted(agents)
    for first in range(0, len(names), _CHUNK):
        chunk = names[first : first + _CHUNK]
        await writer.connection.execute(delete(agents_at_work).where(agents_at_work.c.agent.in_(chunk)))


async def clear_all(writer: Writer) -> None:
    await writer.connection.execute(delete(agents_at_work))


async def load(writer: Writer) -> list[AtWork]:
    rows = await writer.connection.execute(
        select(agents_at_work.c.agent, agents_at_work.c.at_work, agents_at_work.c.crashes).order_by(
            agents_at_work.c.agent
        )
    )
    return [AtWork(r.agent, bool(r.at_work), int(r.crashes)) for r in rows]


async def suspect(writer: Writer, crashes: Mapping[str, int]) -> None:
    """After a crash: each agent keeps its count of crashes, and is no longer at work until it runs again."""
    for name, count in sorted(crashes.items()):
        await writer.connection.execute(
            update(agents_at_work).where(agents_at_work.c.agent == name).values(at_work=False, crashes=count)
        )
