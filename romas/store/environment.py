"""Which workspaces each agent joined and which artefacts it focuses on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from romas.records import record
from romas.store.eventstore import Store, Writer
from romas.store.raw import raw_select
from romas.store.tables import memberships, observations
from romas.store.upsert import upsert


@record
class Observation:
    agent: str
    workspace: str
    artefact: str


async def join(writer: Writer, agent: str, workspace: str, at: datetime) -> None:
    await upsert(
        await writer.connection(),
        memberships,
        {"agent": agent, "workspace": workspace, "since": at},
        ["agent", "workspace"],
    )


async def quit(writer: Writer, agent: str, workspace: str) -> None:
    await writer.execute(delete(memberships).where(memberships.c.agent == agent, memberships.c.workspace == workspace))
    await writer.execute(
        delete(observations).where(observations.c.agent == agent, observations.c.workspace == workspace)
    )


async def focus(writer: Writer, agent: str, workspace: str, artefact: str, at: datetime) -> None:
    await upsert(
        await writer.connection(),
        observations,
        {"agent": agent, "workspace": workspace, "artefact": artefact, "since": at},
        ["agent", "workspace", "artefact"],
    )


async def stop_focus(writer: Writer, agent: str, workspace: str, artefact: str) -> None:
    await writer.execute(
        delete(observations).where(
            observations.c.agent == agent, observations.c.workspace == workspace, observations.c.artefact == artefact
        )
    )


async def forget(writer: Writer, agent: str) -> None:
    """A deleted agent leaves every workspace."""
    await writer.execute(delete(memberships).where(memberships.c.agent == agent))
    await writer.execute(delete(observations).where(observations.c.agent == agent))


async def all_memberships(store: Store) -> list[tuple[str, str]]:
    async with store.reads.connect() as conn:
        rows = await conn.execute(select(memberships.c.agent, memberships.c.workspace))
        return [(r[0], r[1]) for r in rows]


async def all_observations(store: Store) -> list[Observation]:
    async with store.reads.connect() as conn:
        rows = await conn.execute(select(observations.c.agent, observations.c.workspace, observations.c.artefact))
        return [Observation(r[0], r[1], r[2]) for r in rows]


_OBSERVERS = raw_select(observations, ("agent",), "WHERE workspace = $1 AND artefact = $2 ORDER BY agent")


async def observers(store: Store, workspace: str, artefact: str) -> list[str]:
    """Every current read of an artefact asks this: straight through the driver (see raw.py)."""
    return [str(row[0]) for row in await store.fetch(_OBSERVERS, workspace, artefact)]
