"""``/agents``: the agents of the MAS, their revisions and their state at any past instant."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, JSONBody

from romas.api import writes
from romas.api.conditional import not_modified, preconditions
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_docs import MergePatchOperation, NoContentOperation
from romas.api.openapi_truth import closed_body
from romas.api.problems import ProblemError, problem_specs
from romas.api.schemas import At, Cursor, Limit, Name, RevisionList, RevisionNumber
from romas.api.views import encoded, listing, read_state, revision_list, revision_resource
from romas.cluster import view as cluster_view
from romas.domain.errors import FieldError, InvalidInput
from romas.interop.egress import EgressRefused, EgressRule
from romas.interop.webhooks import check_secret, new_secret
from romas.services.agents import agent_key, validate_code
from romas.services.container import Services
from romas.services.preconditions import Preconditions
from romas.store.eventstore import ResourceRow, Writer
from romas.store.webhooks import agent_secret_key, secret_in, set_secret

MAX_CODE_CHARS = 1024 * 1024
MAX_OFFERS = 100


class ServiceOffer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A directory entry of an external agent: the service it provides and its type."""

    service: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    type: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


@closed_body(
    "name",
    "revision",
    "updated_at",
    "code_revision",
    "running_code_revision",
    "workspaces",
    "focus",
    "process",
    "_links",
)
class AgentInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The writable fields; the read-only ones a GET returns are accepted and ignored so GET-edit-PUT works."""

    code: str = ""
    description: str = ""
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    state: Literal["running", "stopped"] = "running"
    kind: Literal["agentspeak", "external"] = "agentspeak"
    """``external``: romas does not run it but POSTs what is sent to it to ``endpoint`` (see the README)."""
    endpoint: Annotated[str, msgspec.Meta(min_length=8, max_length=2000)] | None = None
    services: list[ServiceOffer] | None = None
    """An external agent's entries in the directory (``GET /directory``, ``.df_search`` finds it), which a PUT
    with the field replaces; agents romas runs register with ``.df_register``."""
    secret: str | None = None
    """An external agent's signing secret (``whsec_`` + base64); romas makes one when it has none and answers it
    once in the ``Webhook-Secret`` header."""
    name: str | None = None
    revision: int | None = None
    updated_at: str | None = None
    code_revision: int | None = None
    running_code_revision: int | None = None
    stopped_reason: str | None = None
    workspaces: list[str] | None = None
    """Writable for an external agent: the workspaces it joined (they must exist); read-only otherwise."""
    focus: list[str] | None = None
    process: str | None = None
    links: dict[str, Any] | None = msgspec.field(default=None, name="_links")


class Agent(msgspec.Struct, kw_only=True):
    name: str
    revision: int
    updated_at: datetime
    code: str
    description: str
    metadata: dict[str, Any]
    state: Literal["running", "stopped"]
    code_revision: int
    stopped_reason: str | None = None
    """Why the runtime stopped the agent (it ran over its memory budget, or was at work through repeated
    crashes); null when it runs or a client stopped it. Setting ``state`` to ``running`` clears it."""
    kind: Literal["agentspeak", "external"] = "agentspeak"
    endpoint: str | None = None
    running_code_revision: int | None = None
    """The code revision the running agent uses now (only in the current representation; null when stopped)."""
    workspaces: list[str] | None = None
    """Workspaces it joined (for an agent romas runs, in the current representation only)."""
    focus: list[str] | None = None
    """Artefacts it focuses on, as ``workspace/artefact`` (current representation only)."""
    process: str | None = None
    """The id of the romas process that runs it (see ``GET /cluster``; current representation only): null when
    it is stopped, external, or its shard is between two processes."""
    links: dict[str, Link | list[Link]] = msgspec.field(name="_links")


class AgentSummary(msgspec.Struct, kw_only=True):
    name: str
    revision: int
    updated_at: datetime
    description: str
    state: Literal["running", "stopped"]
    code_revision: int
    links: dict[str, Link] = msgspec.field(name="_links")


class AgentsEmbedded(msgspec.Struct):
    agents: list[AgentSummary]


class AgentList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: AgentsEmbedded = msgspec.field(name="_embedded")


def agent_links(name: str, self_href: str) -> dict[str, Link | list[Link]]:
    """A fresh dict (a representation adds its live links to it) of links made once per agent and href."""
    return dict(_agent_links(name, self_href))


@functools.lru_cache(maxsize=4096)
def _agent_links(name: str, self_href: str) -> dict[str, Link | list[Link]]:
    base = f"/agents/{name}"
    links: dict[str, Link | list[Link]] = {
        "self": link(self_href),
        "collection": link("/agents"),
        "code": link(f"{base}/code", type="text/x-asl"),
        "revisions": link(f"{base}/revisions"),
        "code_revisions": link(f"{base}/code/revisions"),
        "diff": link(f"{base}/diff{{?from,to}}", templated=True, type="text/x-diff"),
        "inbox": link(f"{base}/inbox", title="POST a message; GET the messages"),
        "outbox": link(f"{base}/outbox"),
        "commands": link(f"{base}/commands", title="POST a plan body to run"),
        "mind": link(f"{base}/mind"),
        "log": link(f"{base}/log"),
        "events": link(with_query("/events", stream=base)),
    }
    if self_href != base:
        links["original"] = link(base)
        links["restore"] = link(f"{self_href}/restore", title="POST to make this the current state")
    return links


def render_agent(row: ResourceRow, self_href: str) -> Agent:
    state = row.state
    return Agent(
        name=row.name,
        revision=row.revision,
        updated_at=row.updated_at,
        code=state["code"],
        description=state["description"],
        metadata=state["metadata"],
        state=state["state"],
        code_revision=state["code_revision"],
        stopped_reason=state.get("stopped_reason"),
        kind="external" if state.get("kind") == "external" else "agentspeak",
        endpoint=state.get("endpoint"),
        workspaces=list(state.get("workspaces", [])) if state.get("kind") == "external" else None,
        links=agent_links(row.name, self_href),
    )


async def put_external_agent(
    request: Request[Any, Any, Any], services: Services, name: str, data: AgentInput, pre: Preconditions
) -> Response[Agent]:
    """An agent romas does not run: its endpoint must pass the egress rule, and it has a signing secret."""
    if data.kind != "external" or data.endpoint is None:
        raise InvalidInput(
            "an external agent needs kind and endpoint", [FieldError("/endpoint", 'give "kind": "external" and a URL')]
        )
    if data.code.strip():
        raise InvalidInput("romas does not run an external agent's code", [FieldError("/code", "leave it empty")])
    try:
        await EgressRule.parse(services.settings.egress_allow).check(data.endpoint)
    except EgressRefused as exc:
        raise ProblemError(422, "egress-refused", str(exc)) from None
    if data.secret is not None and (why := check_secret(data.secret)) is not None:
        raise InvalidInput(why, [FieldError("/secret", why)])
    if data.services is not None and len(data.services) > MAX_OFFERS:
        raise InvalidInput("too many services", [FieldError("/services", f"at most {MAX_OFFERS}")])
    if data.workspaces is not None and len(data.workspaces) > MAX_OFFERS:
        raise InvalidInput("too many workspaces", [FieldError("/workspaces", f"at most {MAX_OFFERS}")])
    endpoint = data.endpoint
    path = f"/agents/{name}"

    async def operation(writer: Writer) -> writes.Reply:
        joined = data.workspaces
        if joined is None:  # a PUT without them keeps the workspaces it joined
            current = await writer.current(path, lock=False)
            joined = list(current.state.get("workspaces", [])) if current is not None and not current.deleted else []
        for index, workspace in enumerate(joined):
            row = await writer.current(f"/workspaces/{workspace}", lock=False)
            if row is None or row.deleted:
                raise InvalidInput(
                    f"there is no workspace {workspace!r} to join",
                    [FieldError(f"/workspaces/{index}", "no such workspace")],
                )
        written = await services.agents.put_agent(
            writer,
            name,
            code="",
            description=data.description,
            metadata=data.metadata,
            state=data.state,
            pre=pre,
            endpoint=endpoint,
            workspaces=joined,
        )
        if data.services is not None:
            await services.directory.offer(writer, name, [(s.service, s.type) for s in data.services])
        key = agent_secret_key(name)
        extra: dict[str, str] = {}
        if data.secret is not None:
            await set_secret(await writer.connection(), key, data.secret)
        elif await secret_in(await writer.connection(), key) is None:
            extra["Webhook-Secret"] = new_secret()
            await set_secret(await writer.connection(), key, extra["Webhook-Secret"])
        return writes.representation(written, render_agent(written.row, path), path, extra)

    response: Response[Agent] = await writes.perform(request, services, operation)
    return response


async def describe_live_state(services: Services, body: Agent) -> None:
    """What the runtime knows now: the code it runs, the workspaces it joined, what it focuses on, and which
    process runs it. For an agent another process runs, what that process last wrote (its checkpoint). An
    external agent's workspaces are in its state."""
    if body.kind == "external":
        body.links["workspaces"] = [link(f"/workspaces/{ws}") for ws in body.workspaces or []]
        return
    runtime = services.runtime
    if runtime.runs(body.name):
        body.running_code_revision = runtime.running_code_revision(body.name)
        joined, focused = runtime.environment.of_agent(body.name)
    else:
        saved = await cluster_view.checkpointed(runtime, body.name) if body.state == "running" else None
        body.running_code_revision = saved[0] if saved is not None else None
        joined, focused = await cluster_view.environment_of(runtime, body.name)
    if body.state == "running":
        where = await cluster_view.placement(runtime, body.name)
        body.process = where.process
        body.links["process"] = link("/cluster", title=f"the process running it: {where.url or 'none now'}")
    body.workspaces = joined
    body.focus = [f"{ws}/{art}" for ws, art in focused]
    body.links["workspaces"] = [link(f"/workspaces/{ws}") for ws in joined]
    body.links["focus"] = [link(f"/workspaces/{ws}/artefacts/{art}") for ws, art in focused]


def summarise_agent(row: ResourceRow) -> AgentSummary:
    state = row.state
    return AgentSummary(
        name=row.name,
        revision=row.revision,
        updated_at=row.updated_at,
        description=state["description"],
        state=state["state"],
        code_revision=state["code_revision"],
        links={"self": link(f"/agents/{row.name}")},
    )


def _validated_patch(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput("a merge patch is a JSON object", [FieldError("", "expected an object")])
    errors: list[FieldError] = []
    expected: dict[str, tuple[type, ...]] = {
        "code": (str,),
        "description": (str,),
        "metadata": (dict,),
        "state": (str,),
    }
    read_only = {
        "name",
        "revision",
        "updated_at",
        "code_revision",
        "running_code_revision",
        "stopped_reason",
        "workspaces",
        "focus",
        "process",
        "_links",
    }
    patch_fields: dict[str, Any] = {}
    for field, value in data.items():
        if field in read_only:
            continue
        if field not in expected:
            errors.append(FieldError(f"/{field}", f"unknown field; writable fields are {', '.join(expected)}"))
        elif value is None and field != "metadata":
            errors.append(FieldError(f"/{field}", "cannot be removed"))
        elif value is not None and not isinstance(value, expected[field]):
            errors.append(FieldError(f"/{field}", f"expected {expected[field][0].__name__}"))
        elif field == "state" and value not in ("running", "stopped"):
            errors.append(FieldError("/state", "expected running or stopped"))
        else:
            patch_fields[field] = {} if field == "metadata" and value is None else value
    if errors:
        raise InvalidInput("the patch is not valid", errors)
    return patch_fields


MergePatchBody = Annotated[
    dict[str, Any],
    Body(description="A JSON merge patch (RFC 7396) of code, description, metadata, state"),
]


class AgentController(Controller):
    path = "/agents"
    tags = ["agents"]

    @get(
        "/",
        summary="List agents (now, or as they were at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def list_agents(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        cursor: Cursor = None,
        limit: Limit = 50,
        at: At = None,
    ) -> Response[AgentList]:
        rows, links, headers = await listing(request, services.agents, "", cursor, limit, at)
        links["agent"] = link("/agents/{name}", templated=True)
        body = AgentList(count=len(rows), links=links, embedded=AgentsEmbedded([summarise_agent(r) for r in rows]))
        return encoded(body, headers=headers)

    @get(
        "/{name:str}",
        summary="Read an agent (now, or as it was at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_agent(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, at: At = None
    ) -> Response[Agent]:
        row, headers = await read_state(request, services.agents, agent_key(name), at)
        if not_modified(request, row.revision):
            return Response(None, status_code=304, headers=headers)  # type: ignore[arg-type]
        body = render_agent(row, f"/agents/{name}")
        if "Memento-Datetime" not in headers:
            await describe_live_state(services, body)
        return encoded(body, headers=headers)

    @put(
        "/{name:str}",
        summary="Create or replace an agent",
        media_type=HAL_JSON,
        status_code=200,
        responses={
            201: ResponseSpec(Agent, description="Created", media_type=HAL_JSON, generate_examples=False),
            **problem_specs(400, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_agent(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, data: JSONBody[AgentInput]
    ) -> Response[Agent]:
        if data.name is not None and data.name != name:
            raise InvalidInput("the body names another agent", [FieldError("/name", f"expected {name!r}")])
        if len(data.code) > MAX_CODE_CHARS:
            raise InvalidInput("the code is too long", [FieldError("/code", f"at most {MAX_CODE_CHARS} characters")])
        validate_code(data.code, await services.agents.code_files(data.code), name)
        pre = preconditions(request, required=services.settings.require_preconditions)
        if data.kind == "external" or data.endpoint is not None:
            return await put_external_agent(request, services, name, data, pre)
        if data.services:
            raise InvalidInput(
                "only an external agent lists its services here",
                [FieldError("/services", "an agent romas runs registers them with .df_register")],
            )
        return await writes.write_resource(
            request,
            services,
            lambda writer: services.agents.put_agent(
                writer,
                name,
                code=data.code,
                description=data.description,
                metadata=data.metadata,
                state=data.state,
                pre=pre,
            ),
            render_agent,
            f"/agents/{name}",
        )

    @patch(
        "/{name:str}",
        summary="Change some fields of an agent (JSON merge patch)",
        media_type=HAL_JSON,
        operation_class=MergePatchOperation,
        responses=problem_specs(400, 404, 409, 410, 412, 413, 415, 422, 428),
    )
    async def patch_agent(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        name: Name,
        data: MergePatchBody,
    ) -> Response[Agent]:
        fields = _validated_patch(data)
        if "code" in fields:
            validate_code(fields["code"], await services.agents.code_files(fields["code"]), name)
        pre = preconditions(request, required=services.settings.require_preconditions)
        return await writes.write_resource(
            request,
            services,
            lambda writer: services.agents.patch_agent(writer, name, fields, pre),
            render_agent,
            f"/agents/{name}",
        )

    @delete(
        "/{name:str}",
        operation_class=NoContentOperation,
        summary="Delete an agent (its history stays readable)",
        status_code=204,
        responses=problem_specs(400, 404, 410, 412, 428),
    )
    async def delete_agent(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> Response[None]:
        """A deleted agent provides nothing any more: its directory entries go in the same transaction."""
        return await writes.delete_resource(
            request,
            services,
            services.agents,
            agent_key(name),
            also=lambda writer: services.directory.forget(writer, name),
        )

    @get(
        "/{name:str}/revisions",
        summary="The agent's revisions, newest first (its Memento TimeMap)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def agent_revisions(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        name: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[RevisionList]:
        return await revision_list(request, services.agents, agent_key(name), cursor, limit)

    @get(
        "/{name:str}/revisions/{revision:int}",
        summary="The agent as of one revision (immutable)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def agent_revision(self, services: ServicesDep, name: Name, revision: RevisionNumber) -> Response[Agent]:
        return await revision_resource(services.agents, agent_key(name), revision, render_agent)

    @post(
        "/{name:str}/revisions/{revision:int}/restore",
        summary="Make an earlier revision the current state",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 412, 428),
    )
    async def restore_agent(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, revision: RevisionNumber
    ) -> Response[Agent]:
        return await writes.restore_resource(
            request, services, services.agents, agent_key(name), revision, render_agent
        )
