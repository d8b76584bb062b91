"""``/agents/{name}/commands``: run an AgentSpeak plan body as a new intention of the agent, and follow it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter, QueryParameter

from romas.agentspeak import AgentSpeakSyntaxError, parse_body
from romas.api import writes
from romas.api.auth import actor_of
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_truth import closed_body
from romas.api.pagination import before_cursor, newest_first_links
from romas.api.prefer import preferred_wait
from romas.api.problems import problem_specs
from romas.api.schemas import Cursor, Limit, Name
from romas.api.views import encoded
from romas.api.waiting import read_after_waiting
from romas.domain.errors import CodeError, Conflict, FieldError, InvalidCode, InvalidInput, NotFound
from romas.runtime.ids import ID_PATTERN
from romas.services.agents import agent_key
from romas.services.container import Services
from romas.store import commands
from romas.store.commands import CommandRow
from romas.store.eventstore import Writer

CommandStatus = Literal["queued", "running", "succeeded", "failed", "timed_out", "cancelled"]
CommandId = Annotated[str, Parameter(pattern=ID_PATTERN, description="A command id.")]
CommandStatusFilter = Annotated[CommandStatus | None, QueryParameter(description="Only commands with this status")]
MAX_BODY_CHARS = 64 * 1024
DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 3600.0
CANCEL_WAIT_S = 5.0


@closed_body()
class CommandInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: str
    """An AgentSpeak plan body, e.g. ``?price(apple, P); .print(P)``."""
    timeout_s: float = DEFAULT_TIMEOUT_S


class CommandBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    agent: str
    actor: str
    body: str
    timeout_s: float
    status: CommandStatus
    queued_at: datetime
    deadline_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    links: dict[str, Link] = msgspec.field(name="_links")


class CommandsEmbedded(msgspec.Struct):
    commands: list[CommandBody]


class CommandList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: CommandsEmbedded = msgspec.field(name="_embedded")


def render_command(row: CommandRow) -> CommandBody:
    base = f"/agents/{row.agent}/commands/{row.id}"
    links = {
        "self": link(base),
        "agent": link(f"/agents/{row.agent}"),
        "events": link(with_query("/events", stream=base)),
        "log": link(f"/agents/{row.agent}/log"),
    }
    if not row.final:
        links["cancel"] = link(base, title="DELETE to cancel")
    return CommandBody(
        id=row.id,
        agent=row.agent,
        actor=row.actor,
        body=row.body,
        timeout_s=row.timeout_s,
        status=row.status,  # type: ignore[arg-type]
        queued_at=row.queued_at,
        deadline_at=row.deadline_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        result=row.result,
        error=row.error,
        links=links,
    )


def _check(data: CommandInput) -> None:
    errors = []
    if not 0 < data.timeout_s <= MAX_TIMEOUT_S:
        errors.append(FieldError("/timeout_s", f"between 0 and {MAX_TIMEOUT_S:g} seconds"))
    if len(data.body) > MAX_BODY_CHARS:
        errors.append(FieldError("/body", f"at most {MAX_BODY_CHARS} characters"))
    if errors:
        raise InvalidInput("the command is not valid", errors)
    try:
        parse_body(data.body)
    except AgentSpeakSyntaxError as exc:
        raise InvalidCode(
            "the body is not an AgentSpeak plan body", [CodeError(d.line, d.column, d.message) for d in exc.diagnostics]
        ) from None


async def _command(services: Services, name: str, command_id: str) -> CommandRow:
    row = await commands.get(services.store, name, command_id)
    if row is None:
        raise NotFound(f"agent {name} has no command {command_id}")
    return row


async def _state_after_waiting(services: Services, name: str, command_id: str, wait: float | None) -> CommandRow:
    return await read_after_waiting(
        services.runtime.waiters, f"command:{command_id}", lambda: _command(services, name, command_id), wait
    )


class CommandController(Controller):
    path = "/agents/{name:str}/commands"
    tags = ["agents"]

    @post(
        "/",
        summary="Run a plan body as a new intention; 202 + Location, or 200 with the result under Prefer: wait=N",
        media_type=HAL_JSON,
        status_code=202,
        opt={"scope": "operate"},
        responses={
            200: ResponseSpec(
                CommandBody, description="Final state (Prefer: wait)", media_type=HAL_JSON, generate_examples=False
            ),
            **problem_specs(400, 404, 409, 410, 413, 415, 422),
        },
    )
    async def post_command(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, data: JSONBody[CommandInput]
    ) -> Response[CommandBody]:
        _check(data)
        actor = actor_of(request)

        async def operation(writer: Writer) -> writes.Reply:
            command_id = await services.runtime.queue_command(
                writer, name, actor=actor, body=data.body, timeout_s=data.timeout_s
            )
            location = f"/agents/{name}/commands/{command_id}"
            body = {"id": command_id, "agent": name, "status": "queued", "_links": {"self": {"href": location}}}
            return writes.Reply(202, msgspec.json.encode(body), HAL_JSON, {"Location": location})

        response = await writes.perform(request, services, operation)
        location = response.headers.get("Location", "")
        wait = preferred_wait(request)
        row = await _state_after_waiting(services, name, location.rsplit("/", 1)[-1], wait)
        headers = {"Location": location, "Content-Location": location}
        if wait is not None:
            headers["Preference-Applied"] = f"wait={wait:g}"
        return encoded(render_command(row), status=200 if row.final and wait is not None else 202, headers=headers)

    @get("/", summary="The agent's commands, newest first", media_type=HAL_JSON, responses=problem_specs(400, 404, 410))
    async def list_commands(
        self,
        services: ServicesDep,
        name: Name,
        status: CommandStatusFilter = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[CommandList]:
        await services.agents.get(agent_key(name))
        before = before_cursor("commands", cursor)
        rows = await commands.listing(services.store, agent=name, status=status, before=before, limit=limit + 1)
        page = rows[:limit]
        more = page[-1].seq if len(rows) > limit else None
        links, headers = newest_first_links("commands", f"/agents/{name}/commands", cursor, limit, more, status=status)
        body = CommandList(count=len(page), links=links, embedded=CommandsEmbedded([render_command(r) for r in page]))
        return encoded(body, headers=headers)

    @get(
        "/{command_id:str}",
        summary="One command and where it stands",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def get_command(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, command_id: CommandId
    ) -> Response[CommandBody]:
        row = await _state_after_waiting(services, name, command_id, preferred_wait(request))
        return encoded(render_command(row))

    @delete(
        "/{command_id:str}",
        summary="Cancel a queued or running command",
        media_type=HAL_JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=problem_specs(400, 404, 409),
    )
    async def cancel_command(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, command_id: CommandId
    ) -> Response[CommandBody]:
        row = await _command(services, name, command_id)
        if row.final:
            raise Conflict(f"command {command_id} already ended: {row.status}")
        key = f"command:{command_id}"
        waiter = services.runtime.waiters.register(key)
        try:
            if not await services.runtime.request_cancel(
                "command", name, command_id, actor=actor_of(request), reason="cancelled on request"
            ):
                raise Conflict(f"command {command_id} cannot be cancelled: agent {name} is stopped")
            await services.runtime.waiters.wait(key, waiter, CANCEL_WAIT_S)
        finally:
            services.runtime.waiters.release(key, waiter)
        row = await _command(services, name, command_id)
        return encoded(render_command(row), status=200 if row.final else 202)
