"""What ``GET /cluster`` shows, and what any process can say of an agent another process runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from romas.cluster.shards import SHARDS, agent_shard
from romas.store.tables import checkpoints, cluster_processes, cluster_shards, memberships, observations

if TYPE_CHECKING:
    from romas.runtime.runtime import Runtime


@dataclass(slots=True)
class ProcessView:
    id: str
    name: str
    url: str
    started_at: datetime
    heartbeat_at: datetime
    alive: bool
    shards: list[int]
    agents: int
    this: bool


@dataclass(slots=True)
class ClusterView:
    mode: str
    """``cluster`` (PostgreSQL: every process runs a share) or ``single`` (SQLite: one process runs all)."""
    shard_count: int
    this_process: str
    processes: list[ProcessView]
    unheld: list[int]
    read_at: datetime


async def describe(runtime: Runtime) -> ClusterView:
    leases = runtime.leadership
    now = datetime.now(UTC)
    running_per_shard = [0] * SHARDS
    for name, state in runtime.known.items():
        if state == "running":
            running_per_shard[agent_shard(name)] += 1
    if not leases.clustered:
        this = ProcessView(
            leases.process_id,
            leases.name,
            leases.url,
            now,
            now,
            True,
            list(range(SHARDS)),
            sum(running_per_shard),
            True,
        )
        return ClusterView("single", SHARDS, leases.process_id, [this], [], now)
    async with leases.store.reads.connect() as connection:
        rows = (await connection.execute(select(cluster_processes).order_by(cluster_processes.c.started_at))).all()
        shard_rows = (await connection.execute(select(cluster_shards).order_by(cluster_shards.c.shard))).all()
    held: dict[str, list[int]] = {}
    unheld: list[int] = []
    for shard in shard_rows:
        if shard.owner is not None and shard.expires_at is not None and shard.expires_at > now:
            held.setdefault(shard.owner, []).append(int(shard.shard))
        else:
            unheld.append(int(shard.shard))
    processes = [
        ProcessView(
            row.id,
            row.name,
            row.url,
            row.started_at,
            row.heartbeat_at,
            (now - row.heartbeat_at).total_seconds() < leases.ttl_s,
            held.get(row.id, []),
            sum(running_per_shard[s] for s in held.get(row.id, [])),
            row.id == leases.process_id,
        )
        for row in rows
    ]
    return ClusterView("cluster", SHARDS, leases.process_id, processes, unheld, now)


@dataclass(slots=True)
class Placement:
    """Which process runs an agent, as this process knows it."""

    process: str | None
    url: str | None
    here: bool


async def placement(runtime: Runtime, agent: str) -> Placement:
    leases = runtime.leadership
    shard = agent_shard(agent)
    if runtime.runs(agent):
        return Placement(leases.process_id, leases.url, True)
    holder = leases.holder(shard)
    if holder is None:
        return Placement(None, None, False)
    async with leases.store.reads.connect() as connection:
        url = (
            await connection.execute(select(cluster_processes.c.url).where(cluster_processes.c.id == holder))
        ).scalar()
    return Placement(holder, url, False)


async def checkpointed(runtime: Runtime, agent: str) -> tuple[int, datetime] | None:
    """The code revision and instant of an agent's latest checkpoint (what its owner last wrote)."""
    query = select(checkpoints.c.code_revision, checkpoints.c.updated_at).where(checkpoints.c.agent == agent)
    async with runtime.store.reads.connect() as connection:
        row = (await connection.execute(query)).first()
    return None if row is None else (int(row[0]), row[1])


async def environment_of(runtime: Runtime, agent: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Workspaces joined and artefacts focused, as written with the agent's checkpoints (for an agent another
    process runs)."""
    async with runtime.store.reads.connect() as connection:
        joined = sorted(
            r[0] for r in await connection.execute(select(memberships.c.workspace).where(memberships.c.agent == agent))
        )
        focused = sorted(
            (r[0], r[1])
            for r in await connection.execute(
                select(observations.c.workspace, observations.c.artefact).where(observations.c.agent == agent)
            )
        )
    return joined, focused
