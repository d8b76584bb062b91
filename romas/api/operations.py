"""``/workspaces/{ws}/artefacts/{art}/operations/{op}`` and ``.../invocations``: operations as resources with a
status, run one at a time per artefact in arrival order."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter

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
from romas.domain.artefact_types import check_call
from romas.domain.errors import FieldError, Gone, InvalidInput, NotFound
from romas.runtime.ids import ID_PATTERN, new_id
from romas.services.container import Services
from romas.services.workspaces import artefact_key
from romas.store import invocations
from romas.store.eventstore import Writer
from romas.store.invocations import InvocationRow, NewInvocation

InvocationId = Annotated[str, Parameter(pattern=ID_PATTERN, description="An invocation id.")]
OperationName = Annotated[str, Parameter(pattern=r"^[a-z][a-zA-Z0-9_]{0,63}$", description="An operation name.")]


@closed_body()
class OperationInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    args: list[Any] = msgspec.field(default_factory=list)


class InvocationBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    workspace: str
    artefact: str
    operation: str
    args: list[Any]
    invoker: str
    origin: Literal["rest", "agent"]
    status: Literal["accepted", "succeeded", "failed"]
    accepted_at: datetime
    succeeded_at: datetime | None = None
    failed_at: datetime | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    artefact_revision: int | None = None
    links: dict[str, Link] = msgspec.field(name="_links")


class InvocationsEmbedded(msgspec.Struct):
    invocations: list[InvocationBody]


class InvocationList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: InvocationsEmbedded = msgspec.field(name="_embedded")


def render_invocation(row: InvocationRow) -> InvocationBody:
    artefact = f"/workspaces/{row.workspace}/artefacts/{row.artefact}"
    base = f"{artefact}/invocations/{row.id}"
    links = {
        "self": link(base),
        "artefact": link(artefact),
        "events": link(with_query("/events", stream=base)),
    }
    if row.artefact_revision is not None:
        links["artefact_revision"] = link(f"{artefact}/revisions/{row.artefact_revision}")
    if row.origin == "agent":
        links["invoker"] = link(f"/agents/{row.invoker}")
    finished = {f"{row.status}_at": row.finished_at} if row.finished_at is not None else {}
    result = row.result.get("value") if isinstance(row.result, dict) else None
    return InvocationBody(
        id=row.id,
        workspace=row.workspace,
        artefact=row.artefact,
        operation=row.operation,
        args=row.args,
        invoker=row.invoker,
        origin="agent" if row.origin == "agent" else "rest",
        status=row.status,  # type: ignore[arg-type]
        accepted_at=row.accepted_at,
        result=result,
        error=row.error,
        artefact_revision=row.artefact_revision,
        links=links,
        **finished,
    )


async def _invocation(services: Services, ws: str, art: str, invocation_id: str, wait: float | None) -> InvocationRow:
    """The invocation, after waiting up to ``wait`` seconds for it to end."""

    async def load() -> InvocationRow:
        row = await invocations.get(services.store, ws, art, invocation_id)
        if row is None:
            raise NotFound(f"artefact {art} has no invocation {invocation_id}")
        return row

    return await read_after_waiting(services.runtime.waiters, f"invocation:{invocation_id}", load, wait)


class OperationController(Controller):
    path = "/workspaces/{ws:str}/artefacts/{art:str}"
    tags = ["workspaces"]

    @post(
        "/operations/{operation:str}",
        summary="Run an operation of the artefact; 202 + Location of the invocation, or 200 with its outcome "
        "under Prefer: wait=N",
        media_type=HAL_JSON,
        status_code=202,
        opt={"scope": "operate"},
        responses={
            200: ResponseSpec(
                InvocationBody, description="Outcome (Prefer: wait)", media_type=HAL_JSON, generate_examples=False
            ),
            **problem_specs(400, 404, 410, 413, 415, 422),
        },
    )
    async def invoke(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        ws: Name,
        art: Name,
        operation: OperationName,
        data: JSONBody[OperationInput],
    ) -> Response[InvocationBody]:
        row = await services.artefacts.get(artefact_key(ws, art))
        artefact_type = services.registry.get(row.state["type"])
        if artefact_type is None:
            raise NotFound(f"artefact type {row.state['type']} is not installed in this server")
        refused = check_call(artefact_type, operation, data.args)
        if refused is not None:
            if refused.kind == "unknown_operation":
                raise NotFound(refused.message)
            errors = list(refused.errors) or [FieldError("/args", refused.message)]
            raise InvalidInput(refused.message, errors)
        actor = actor_of(request)
        invocation_id = new_id()
        location = f"/workspaces/{ws}/artefacts/{art}/invocations/{invocation_id}"

        new = NewInvocation(invocation_id, ws, art, operation, list(data.args), actor, "rest")
        written: list[InvocationRow] = []

        async def operation_(writer: Writer) -> writes.Reply:
            at = services.store.clock()
            gate = await invocations.accept_if_live(writer, new, at)
            key = artefact_key(ws, art)
            if not gate.exists:
                raise NotFound(f"there is no {key.label}")
            if gate.deleted:
                raise Gone(f"{key.label} was deleted at revision {gate.revision}", f"{key.stream_id}/revisions")
            written[:] = [invocations.accepted_row(new, at)]
            body = {"id": invocation_id, "status": "accepted", "_links": {"self": {"href": location}}}
            return writes.Reply(202, msgspec.json.encode(body), HAL_JSON, {"Location": location})

        # One statement (the artefact checked and the invocation written together): no savepoint needed.
        response = await writes.perform(request, services, operation_, light=True)
        location = response.headers.get("Location", location)
        wait = preferred_wait(request)
        replayed = any(key.lower() == "idempotent-replayed" for key in response.headers)
        headers = {"Location": location, "Content-Location": location}
        if wait is None and not replayed and written and location.endswith(f"/{written[0].id}"):
            # The invocation as this request wrote it: no read after the commit.
            return encoded(render_invocation(written[0]), status=202, headers=headers)
        found = await _invocation(services, ws, art, location.rsplit("/", 1)[-1], wait)
        if wait is not None:
            headers["Preference-Applied"] = f"wait={wait:g}"
        return encoded(
            render_invocation(found), status=200 if found.final and wait is not None else 202, headers=headers
        )

    @get(
        "/invocations",
        summary="The artefact's invocations, newest first",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def list_invocations(
        self, services: ServicesDep, ws: Name, art: Name, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[InvocationList]:
        await services.artefacts.get(artefact_key(ws, art))
        before = before_cursor("invocations", cursor)
        rows = await invocations.listing(services.store, ws, art, before=before, limit=limit + 1)
        page = rows[:limit]
        more = page[-1].seq if len(rows) > limit else None
        path = f"/workspaces/{ws}/artefacts/{art}/invocations"
        links, headers = newest_first_links("invocations", path, cursor, limit, more)
        body = InvocationList(
            count=len(page), links=links, embedded=InvocationsEmbedded([render_invocation(r) for r in page])
        )
        return encoded(body, headers=headers)

    @get(
        "/invocations/{invocation_id:str}",
        summary="One invocation: its status, result or problem",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def get_invocation(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, art: Name, invocation_id: InvocationId
    ) -> Response[InvocationBody]:
        row = await _invocation(services, ws, art, invocation_id, preferred_wait(request))
        return encoded(render_invocation(row))
