"""``/agents/{name}/mind`` and ``/agents/{name}/log``: what an agent believes and intends, and what it said."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.params import Parameter

from romas.agentspeak import AgentSpeakSyntaxError, Program, parse_program
from romas.agentspeak.agent import Agent
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.pagination import decode_cursor, encode_cursor
from romas.api.problems import bad_request, problem_specs
from romas.api.schemas import Cursor, Name
from romas.api.views import encoded
from romas.cluster import view as cluster_view
from romas.services.agents import agent_key
from romas.store import agent_log

BELIEF_PAGE = 1000
"""Beliefs per page unless ``limit`` says otherwise: every belief of a typical agent, in one answer."""
MAX_BELIEF_PAGE = 5000

PART_LIMIT = 1000
"""Intentions, goals and pending events shown at most (their counts say how many there are)."""
STACK_LIMIT = 100
"""Frames shown of each intention, top first (its ``depth`` says how deep it is)."""

BeliefLimit = Annotated[
    int, Parameter(ge=1, le=MAX_BELIEF_PAGE, description=f"Beliefs per page (1 to {MAX_BELIEF_PAGE}).")
]


class Mind(msgspec.Struct, kw_only=True):
    name: str
    running: bool
    """False when the agent is stopped: then this is the state it stopped in (or starts from)."""
    code_revision: int
    beliefs: list[dict[str, Any]]
    """One page of the beliefs, in the order the agent added them; ``_links.next`` continues when there are more."""
    belief_count: int
    """How many beliefs the agent holds in all."""
    rules: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    intentions: list[dict[str, Any]]
    """At most 1000, each with its top 100 frames; ``depth`` is the whole stack's."""
    intention_count: int
    plans: list[dict[str, Any]]
    events: list[str]
    """The pending events, at most 1000."""
    event_count: int
    source: Literal["live", "checkpoint", "code"] = "live"
    """Where this state comes from: the running agent (in the process that runs it), its latest checkpoint (when
    it is stopped, or another process runs it: ``checkpoint_age_s`` says how old), or its code (never ran)."""
    checkpoint_age_s: float | None = None
    """Seconds since the checkpoint shown was written (``source`` is ``checkpoint``)."""
    process: str | None = None
    """The id of the process running the agent (see ``GET /cluster``); null when none runs it."""
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


def _belief_offset(cursor: str | None) -> int:
    after = decode_cursor("beliefs", cursor)
    if after is None:
        return 0
    if not after.isdigit() or len(after) > 18:
        raise bad_request("cursor is not one this server handed out; follow the next link instead")
    return int(after)


class MindController(Controller):
    path = "/agents/{name:str}"
    tags = ["agents"]

    @get(
        "/mind",
        summary="The live mental state: beliefs (a page at a time), goals, intentions (plan and line), plans",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def mind(
        self, services: ServicesDep, name: Name, cursor: Cursor = None, limit: BeliefLimit = BELIEF_PAGE
    ) -> Response[Mind]:
        offset = _belief_offset(cursor)
        row = await services.agents.get(agent_key(name))
        runtime = services.runtime
        shown = {"belief_offset": offset, "belief_limit": limit, "part_limit": PART_LIMIT, "stack_limit": STACK_LIMIT}
        state = await runtime.mind(name, **shown)
        running = runtime.running_code_revision(name)
        source: Literal["live", "checkpoint", "code"] = "live"
        age: float | None = None
        where = await cluster_view.placement(runtime, name) if row.state["state"] == "running" else None
        if running is None and state is not None:
            source = "checkpoint"
            saved = await cluster_view.checkpointed(runtime, name)
            if saved is not None:
                age = round(max((datetime.now(UTC) - saved[1]).total_seconds(), 0.0), 3)
                if where is not None and where.process is not None:
                    running = saved[0]  # another process runs it: the revision it last wrote
        if state is None:
            # Never ran: show what it would start with.
            source = "code"
            code = row.state["code"]
            try:
                program = parse_program(code, await services.agents.code_files(code), f"{name}.asl")
            except AgentSpeakSyntaxError:
                program = Program()  # a file it includes is gone: it would not start
            initial = Agent(name, program, runtime.host)
            state = initial.mind(**shown)
        beliefs: list[dict[str, Any]] = state.get("beliefs", [])
        count = int(state.get("belief_count", len(beliefs)))
        path = f"/agents/{name}/mind"
        links = {"self": link(with_query(path, cursor=cursor, limit=limit if limit != BELIEF_PAGE else None))}
        headers: dict[str, str] = {}
        if offset + len(beliefs) < count:
            href = with_query(path, cursor=encode_cursor("beliefs", str(offset + len(beliefs))), limit=limit)
            links["next"] = link(href)
            headers["Link"] = f'<{href}>; rel="next"'
        body = Mind(
            name=name,
            running=running is not None,
            code_revision=running if running is not None else int(row.state["code_revision"]),
            beliefs=beliefs,
            belief_count=count,
            rules=state.get("rules", []),
            goals=state.get("goals", []),
            intentions=state.get("intentions", []),
            intention_count=int(state.get("intention_count", 0)),
            plans=state.get("plans", []),
            events=state.get("events", []),
            event_count=int(state.get("event_count", 0)),
            source=source,
            checkpoint_age_s=age,
            process=where.process if where is not None else None,
            links={**links, "agent": link(f"/agents/{name}"), "log": link(f"/agents/{name}/log")},
        )
        return encoded(body, headers=headers)

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
