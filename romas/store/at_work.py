"""Which agents the runtime is running now, kept in the database so that the next process, after a crash,
knows which agents were at work when it happened (see runtime/quarantine.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import delete, select, update

from romas.records import record
from romas.store.eventstore import Writer
from romas.store.raw import raw_statement
from romas.store.tables import agents_at_work


@record
class AtWork:
    agent: str
    at_work: bool
    crashes: int
    """Consecutive crashes of the process during which the agent was at work, before this one."""


# The runtime marks agents before it steps them and clears them once idle, many times a second under load: both
# straight through the driver, one statement per agent in one round trip.
_MARK = raw_statement(
    "INSERT INTO agents_at_work (agent, at_work, crashes, since) VALUES ($1, TRUE, 0, $2) "
    "ON CONFLICT (agent) DO UPDATE SET at_work = TRUE, since = excluded.since"
)
_CLEAR = raw_statement("DELETE FROM agents_at_work WHERE agent = $1")
_CLEAR_MARKED_BY = raw_statement("DELETE FROM agents_at_work WHERE agent = $1 AND since <= $2")


async def mark(writer: Writer, agents: Collection[str], at: datetime) -> None:
    """The agents are about to run: a crash from now on happens while they are at work."""
    since = writer.instant(at)
    await writer.run_many(_MARK, [(name, since) for name in sorted(agents)])


async def clear(writer: Writer, agents: Collection[str]) -> None:
    """The agents ended their work cleanly: whatever crashes they were at work through are forgiven."""
    await writer.run_many(_CLEAR, [(name,) for name in sorted(agents)])


async def clear_marked_by(writer: Writer, agents: Collection[str], cutoff: datetime) -> None:
    """:func:`clear` for the agents whose mark is no newer than ``cutoff``: a mark written after it (the agent
    got work again while this clear was on its way to the database) stays, in whichever order the two commit. So
    the runtime may mark an agent again at once instead of waiting for the clear to commit first. ``cutoff`` and
    the marks' instants must come from one clock that never goes back (the runtime's)."""
    since = writer.instant(cutoff)
    await writer.run_many(_CLEAR_MARKED_BY, [(name, since) for name in sorted(agents)])


async def clear_all(writer: Writer) -> None:
    await writer.execute(delete(agents_at_work))


async def load(writer: Writer) -> list[AtWork]:
    rows = await writer.execute(
        select(agents_at_work.c.agent, agents_at_work.c.at_work, agents_at_work.c.crashes).order_by(
            agents_at_work.c.agent
        )
    )
    return [AtWork(r.agent, bool(r.at_work), int(r.crashes)) for r in rows]


async def suspect(writer: Writer, crashes: Mapping[str, int]) -> None:
    """After a crash: each agent keeps its count of crashes, and is no longer at work until it runs again."""
    for name, count in sorted(crashes.items()):
        await writer.execute(
            update(agents_at_work).where(agents_at_work.c.agent == name).values(at_work=False, crashes=count)
        )
