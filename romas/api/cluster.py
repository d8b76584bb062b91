"""``/cluster``: the romas processes sharing this database, their heartbeats, and the work each runs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec
from litestar import Controller, Response, get

from romas.api.deps import ServicesDep
from romas.api.hal import Link, link
from romas.api.media import HAL_JSON
from romas.api.views import encoded
from romas.cluster import view


class ClusterProcess(msgspec.Struct, kw_only=True):
    id: str
    name: str
    """Host and operating-system process id."""
    url: str
    """Where the process says clients reach it (``ROMAS_PUBLIC_URL`` or its bind address)."""
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_age_s: float
    alive: bool
    """Its heartbeat is younger than the lease time: it holds its shards. A dead process's shards are taken over
    once their leases expire."""
    this: bool
    """True for the process that answered this request."""
    shards: list[int]
    agents: int
    """Running agents in its shards."""


class Cluster(msgspec.Struct, kw_only=True):
    mode: Literal["cluster", "single"]
    """``cluster``: PostgreSQL, every process runs the agents and artefacts of the shards it holds by lease.
    ``single``: SQLite, one process runs everything."""
    shard_count: int
    lease_s: float
    """How long a lease lasts without renewal (heartbeats come every second): a dead process's work is taken
    over that long after its last heartbeat, plus the time to start its agents from their checkpoints."""
    this_process: str
    process_count: int
    processes: list[ClusterProcess]
    unheld_shards: list[int]
    """Shards no live process holds right now (between two holders)."""
    links: dict[str, Link] = msgspec.field(name="_links")


class ClusterController(Controller):
    path = "/cluster"
    tags = ["entry point"]

    @get(
        "/",
        summary="The romas processes sharing the database: heartbeats, shards and agents of each",
        media_type=HAL_JSON,
    )
    async def cluster(self, services: ServicesDep) -> Response[Cluster]:
        seen = await view.describe(services.runtime)
        processes = [
            ClusterProcess(
                id=p.id,
                name=p.name,
                url=p.url,
                started_at=p.started_at,
                heartbeat_at=p.heartbeat_at,
                heartbeat_age_s=round(max((seen.read_at - p.heartbeat_at).total_seconds(), 0.0), 3),
                alive=p.alive,
                this=p.this,
                shards=p.shards,
                agents=p.agents,
            )
            for p in seen.processes
        ]
        body = Cluster(
            mode="cluster" if seen.mode == "cluster" else "single",
            shard_count=seen.shard_count,
            lease_s=services.runtime.leadership.ttl_s,
            this_process=seen.this_process,
            process_count=len(processes),
            processes=processes,
            unheld_shards=seen.unheld,
            links={"self": link("/cluster"), "agents": link("/agents"), "up": link("/")},
        )
        return encoded(body, headers={"Cache-Control": "no-store"})
