"""``/workspaces/{ws}/artefacts``: typed artefacts with observable properties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from romas.api import writes
from romas.api.conditional import not_modified, preconditions
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_docs import NoContentOperation
from romas.api.openapi_truth import closed_body
from romas.api.problems import problem_specs
from romas.api.schemas import At, Cursor, Limit, Name, RevisionList, RevisionNumber
from romas.api.views import encoded, listing, read_state, revision_list, revision_resource
from romas.domain.artefact_types import Registry
from romas.domain.errors import FieldError, InvalidInput
from romas.services.container import Services
from romas.services.workspaces import artefact_key, workspace_key
from romas.store import environment
from romas.store.eventstore import ResourceRow


@closed_body("name", "workspace", "revision", "updated_at", "observers", "operations", "_links", "_embedded")
class ArtefactInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    type: str
    properties: dict[str, Any] = msgspec.field(default_factory=dict)
    description: str = ""
    name: str | None = None
    workspace: str | None = None
    revision: int | None = None
    updated_at: str | None = None
    observers: list[str] | None = None
    links: dict[str, Any] | None = msgspec.field(default=None, name="_links")


class OperationInfo(msgspec.Struct, kw_only=True):
    """An operation of the artefact's type: POST ``{"args": [...]}`` (as ``args_schema`` says) to its ``invoke``."""

    name: str
    signature: str
    description: str
    params: list[dict[str, Any]]
    args_schema: dict[str, Any]
    returns: dict[str, Any] | None
    links: dict[str, Link] = msgspec.field(name="_links")


class Artefact(msgspec.Struct, kw_only=True):
    name: str
    workspace: str
    revision: int
    updated_at: datetime
    type: str
    properties: dict[str, Any]
    description: str
    observers: list[str] | None = None
    """Agents focusing on it now (only in the current representation, not in past revisions)."""
    operations: list[OperationInfo] = msgspec.field(default_factory=list)
    """What a client can run on it (from its type), each with its parameters and the URL to POST to."""
    links: dict[str, Link | list[Link]] = msgspec.field(name="_links")


class ArtefactsEmbedded(msgspec.Struct):
    artefacts: list[Artefact]


class ArtefactList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: ArtefactsEmbedded = msgspec.field(name="_embedded")


def describe_operations(registry: Registry | None, type_name: str, base: str) -> list[OperationInfo]:
    """The operations of an artefact of that type at ``base`` (none when the type is no longer installed)."""
    artefact_type = registry.get(type_name) if registry is not None else None
    if artefact_type is None:
        return []
    operations: dict[str, dict[str, Any]] = artefact_type.describe()["operations"]
    return [
        OperationInfo(
            name=name,
            signature=spec["signature"],
            description=spec["description"],
            params=spec["params"],
            args_schema=spec["args_schema"],
            returns=spec["returns"],
            links={"invoke": link(f"{base}/operations/{name}", title=f'POST {{"args": [...]}} to run {name}')},
        )
        for name, spec in sorted(operations.items())
    ]


def render_artefact(row: ResourceRow, self_href: str, registry: Registry | None = None) -> Artefact:
    """With the registry, the representation also lists the type's operations and links each one."""
    workspace = row.parent.rsplit("/", 1)[-1]
    base = f"{row.parent}/artefacts/{row.name}"
    links: dict[str, Link | list[Link]] = {
        "self": link(self_href),
        "collection": link(f"{row.parent}/artefacts"),
        "workspace": link(row.parent),
        "type": link(f"/artefact-types/{row.state['type']}"),
        "revisions": link(f"{base}/revisions"),
        "operation": link(f"{base}/operations/{{op}}", templated=True, title='POST {"args": [...]} to run it'),
        "invocations": link(f"{base}/invocations"),
        "events": link(with_query("/events", stream=base)),
    }
    if self_href != base:
        links["original"] = link(base)
    operations = describe_operations(registry, row.state["type"], base)
    for operation in operations:
        links[f"operation:{operation.name}"] = link(
            f"{base}/operations/{operation.name}", title=f"POST to run {operation.signature}"
        )
    return Artefact(
        name=row.name,
        workspace=workspace,
        revision=row.revision,
        updated_at=row.updated_at,
        type=row.state["type"],
        properties=row.state["properties"],
        description=row.state["description"],
        operations=operations,
        links=links,
    )


def artefact_renderer(services: Services) -> Callable[[ResourceRow, str], Artefact]:
    return partial(render_artefact, registry=services.registry)


async def describe_observers(services: Services, body: Artefact, ws: str, art: str) -> None:
    """The agents focusing on the artefact now (the current representation only)."""
    body.observers = await environment.observers(services.store, ws, art)
    body.links["observers"] = [link(f"/agents/{agent}") for agent in body.observers]


class ArtefactController(Controller):
    path = "/workspaces/{ws:str}/artefacts"
    tags = ["workspaces"]

    @get(
        "/",
        summary="List a workspace's artefacts (now, or at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def list_artefacts(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        ws: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
        at: At = None,
    ) -> Response[ArtefactList]:
        if at is None and request.headers.get("accept-datetime") is None:
            await services.workspaces.get(workspace_key(ws))
        rows, links, headers = await listing(request, services.artefacts, f"/workspaces/{ws}", cursor, limit, at)
        links["workspace"] = link(f"/workspaces/{ws}")
        items = [render_artefact(r, f"{r.parent}/artefacts/{r.name}", services.registry) for r in rows]
        return encoded(ArtefactList(count=len(items), links=links, embedded=ArtefactsEmbedded(items)), headers=headers)

    @get(
        "/{art:str}",
        summary="Read an artefact (now, or as it was at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_artefact(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, art: Name, at: At = None
    ) -> Response[Artefact]:
        row, headers = await read_state(request, services.artefacts, artefact_key(ws, art), at)
        if not_modified(request, row.revision):
            return Response(None, status_code=304, headers=headers)  # type: ignore[arg-type]
        body = render_artefact(row, f"/workspaces/{ws}/artefacts/{art}", services.registry)
        if "Memento-Datetime" not in headers:
            await describe_observers(services, body, ws, art)
        return encoded(body, headers=headers)

    @put(
        "/{art:str}",
        summary="Create or replace an artefact",
        media_type=HAL_JSON,
        status_code=200,
        responses={
            201: ResponseSpec(Artefact, description="Created", media_type=HAL_JSON, generate_examples=False),
            **problem_specs(400, 404, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_artefact(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, art: Name, data: JSONBody[ArtefactInput]
    ) -> Response[Artefact]:
        errors = []
        if data.name is not None and data.name != art:
            errors.append(FieldError("/name", f"expected {art!r}"))
        if data.workspace is not None and data.workspace != ws:
            errors.append(FieldError("/workspace", f"expected {ws!r}"))
        if errors:
            raise InvalidInput("the body names another artefact", errors)
        desired = services.artefacts.desired_state(data.type, data.properties, data.description)
        pre = preconditions(request, required=services.settings.require_preconditions)
        return await writes.write_resource(
            request,
            services,
            lambda writer: services.artefacts.put_artefact(writer, ws, art, desired, pre),
            artefact_renderer(services),
            f"/workspaces/{ws}/artefacts/{art}",
        )

    @delete(
        "/{art:str}",
        operation_class=NoContentOperation,
        summary="Delete an artefact (its history stays readable)",
        status_code=204,
        responses=problem_specs(400, 404, 410, 412, 428),
    )
    async def delete_artefact(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, art: Name
    ) -> Response[None]:
        return await writes.delete_resource(request, services, services.artefacts, artefact_key(ws, art))

    @get(
        "/{art:str}/revisions",
        summary="The artefact's revisions, newest first",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def artefact_revisions(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        ws: Name,
        art: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[RevisionList]:
        return await revision_list(request, services.artefacts, artefact_key(ws, art), cursor, limit)

    @get(
        "/{art:str}/revisions/{revision:int}",
        summary="The artefact as of one revision",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def artefact_revision(
        self, services: ServicesDep, ws: Name, art: Name, revision: RevisionNumber
    ) -> Response[Artefact]:
        return await revision_resource(services.artefacts, artefact_key(ws, art), revision, artefact_renderer(services))

    @post(
        "/{art:str}/revisions/{revision:int}/restore",
        summary="Make an earlier revision the current state",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 412, 428),
    )
    async def restore_artefact(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, art: Name, revision: RevisionNumber
    ) -> Response[Artefact]:
        return await writes.restore_resource(
            request, services, services.artefacts, artefact_key(ws, art), revision, artefact_renderer(services)
        )
