"""``/agents/{name}/mind`` and ``/agents/{name}/log``: what an agent believes and intends, and what it said."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get
from litestar.params import Parameter

from romas.agentspeak import parse_program
from romas.agentspeak.agent import Agent
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.problems import problem_specs
from romas.api.schemas import Name
from romas.api.views import encoded
from romas.services.agents import agent_key
from romas.store import agent_log


class Mind(msgspec.Struct, kw_only=True):
    name: str
    running: bool
    """False when the agent is stopped: then this is the state it stopped in (or starts from)."""
    code_revision: int
    beliefs: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    intentions: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    events: list[dict[str, Any]]
    links: dict[str, Link] = msgspec.field(name="_links")


class LogEntry(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: int
    at: datetime
    kind: str
    text: str
    command: str | None = None


class AgentLog(msgspec.Struct, kw_only=True):
    agent: str
    count: int
    lines: list[LogEntry]
    links: dict[str, Link] = msgspec.field(name="_links")


class MindController(Controller):
    path = "/agents/{name:str}"
    tags = ["agents"]

    @get(
        "/mind",
        summary="The live mental state: beliefs, goals, intentions (plan and line), plans",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def mind(self, services: ServicesDep, name: Name) -> Response[Mind]:
        row = await services.agents.get(agent_key(name))
        runtime = services.runtime
        state = await runtime.mind(name)
        running = runtime.running_code_revision(name)
        if state is None:
            # Never ran: show what it would start with.
            state = Agent(name, parse_program(row.state["code"]), runtime.host).mind()
        body = Mind(
            name=name,
            running=running is not None,
            code_revision=running if running is not None else int(row.state["code_revision"]),
            beliefs=state.get("beliefs", []),
            rules=state.get("rules", []),
            goals=state.get("goals", []),
            intentions=state.get("intentions", []),
            plans=state.get("plans", []),
            events=state.get("events", []),
            links={
                "self": link(f"/agents/{name}/mind"),
                "agent": link(f"/agents/{name}"),
                "log": link(f"/agents/{name}/log"),
            },
        )
        return encoded(body)

    @get(
        "/log",
        summary="What the agent printed and the runtime's notes about it, newest last",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def log(
        self,
        services: ServicesDep,
        name: Name,
        after: Annotated[
            int | None,
            # Litestar leaves ge=0 out of the OpenAPI schema (0 is falsy); schema_extra states it.
            Parameter(ge=0, le=2**62, description="Lines after this id (to follow)", schema_extra={"minimum": 0}),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000, description="At most this many lines")] = 100,
    ) -> Response[AgentLog]:
        await services.agents.get(agent_key(name))
        lines = await agent_log.read(services.store, name, after=after, limit=limit)
        last = lines[-1].id if lines else after
        links = {
            "self": link(with_query(f"/agents/{name}/log", after=after, limit=limit if limit != 100 else None)),
            "agent": link(f"/agents/{name}"),
        }
        if last is not None:
            links["next"] = link(with_query(f"/agents/{name}/log", after=last, limit=limit if limit != 100 else None))
        entries = [LogEntry(id=x.id, at=x.at, kind=x.kind, text=x.text, command=x.command) for x in lines]
        return encoded(AgentLog(agent=name, count=len(entries), lines=entries, links=links))
