"""``/workspaces``: the environment's workspaces; their artefacts are under ``/workspaces/{ws}/artefacts``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from romas.api import writes
from romas.api.conditional import preconditions
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_docs import NoContentOperation
from romas.api.openapi_truth import closed_body
from romas.api.problems import problem_specs
from romas.api.schemas import At, Cursor, Limit, Name, RevisionList, RevisionNumber
from romas.api.timetravel import requested_instant
from romas.api.views import encoded, listing, read_state, revision_list, revision_resource
from romas.domain.errors import FieldError, InvalidInput
from romas.services.container import Services
from romas.services.workspaces import workspace_key
from romas.store.eventstore import ResourceRow


@closed_body("name", "revision", "updated_at", "_links", "_embedded")
class WorkspaceInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    description: str = ""
    name: str | None = None
    revision: int | None = None
    updated_at: str | None = None
    links: dict[str, Any] | None = msgspec.field(default=None, name="_links")


class ArtefactSummary(msgspec.Struct, kw_only=True):
    name: str
    type: str
    revision: int
    updated_at: datetime
    description: str
    links: dict[str, Link] = msgspec.field(name="_links")


class WorkspaceContents(msgspec.Struct):
    artefacts: list[ArtefactSummary]


class Workspace(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    revision: int
    updated_at: datetime
    description: str
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: WorkspaceContents | None = msgspec.field(default=None, name="_embedded")
    """Its artefacts (name, type, revision) as they were at the same instant, in GET answers."""


EMBEDDED_ARTEFACTS = 200


def summarise_artefact(row: ResourceRow) -> ArtefactSummary:
    href = f"{row.parent}/artefacts/{row.name}"
    return ArtefactSummary(
        name=row.name,
        type=row.state["type"],
        revision=row.revision,
        updated_at=row.updated_at,
        description=row.state["description"],
        links={"self": link(href)},
    )


class WorkspacesEmbedded(msgspec.Struct):
    workspaces: list[Workspace]


class WorkspaceList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: WorkspacesEmbedded = msgspec.field(name="_embedded")


def render_workspace(row: ResourceRow, self_href: str) -> Workspace:
    base = f"/workspaces/{row.name}"
    links = {
        "self": link(self_href),
        "collection": link("/workspaces"),
        "artefacts": link(f"{base}/artefacts"),
        "artefact": link(f"{base}/artefacts/{{art}}", templated=True),
        "revisions": link(f"{base}/revisions"),
        "events": link(with_query("/events", stream=base)),
    }
    if self_href != base:
        links["original"] = link(base)
    return Workspace(
        name=row.name,
        revision=row.revision,
        updated_at=row.updated_at,
        description=row.state["description"],
        links=links,
    )


async def workspace_now(services: Services, row: ResourceRow, ws: str) -> Workspace:
    """The current representation, with the artefacts the workspace holds now."""
    body = render_workspace(row, f"/workspaces/{ws}")
    rows = await services.artefacts.listing(f"/workspaces/{ws}", after=None, limit=EMBEDDED_ARTEFACTS)
    body.embedded = WorkspaceContents([summarise_artefact(r) for r in rows])
    return body


class WorkspaceController(Controller):
    path = "/workspaces"
    tags = ["workspaces"]

    @get(
        "/",
        summary="List workspaces (now, or as they were at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def list_workspaces(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        cursor: Cursor = None,
        limit: Limit = 50,
        at: At = None,
    ) -> Response[WorkspaceList]:
        rows, links, headers = await listing(request, services.workspaces, "", cursor, limit, at)
        links["workspace"] = link("/workspaces/{ws}", templated=True)
        items = [render_workspace(r, f"/workspaces/{r.name}") for r in rows]
        return encoded(
            WorkspaceList(count=len(items), links=links, embedded=WorkspacesEmbedded(items)), headers=headers
        )

    @get(
        "/{ws:str}",
        summary="Read a workspace (now, or as it was at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_workspace(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, at: At = None
    ) -> Response[Workspace]:
        row, headers = await read_state(request, services.workspaces, workspace_key(ws), at)
        # No 304 here: the embedded artefacts change without the workspace's revision (its ETag) changing.
        instant = requested_instant(request, at)
        if instant is None:
            return encoded(await workspace_now(services, row, ws), headers=headers)
        body = render_workspace(row, f"/workspaces/{ws}")
        rows = await services.artefacts.listing_as_of(
            f"/workspaces/{ws}", instant, after=None, limit=EMBEDDED_ARTEFACTS
        )
        body.embedded = WorkspaceContents([summarise_artefact(r) for r in rows])
        return encoded(body, headers=headers)

    @put(
        "/{ws:str}",
        summary="Create or replace a workspace",
        media_type=HAL_JSON,
        status_code=200,
        responses={
            201: ResponseSpec(Workspace, description="Created", media_type=HAL_JSON, generate_examples=False),
            **problem_specs(400, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_workspace(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, data: JSONBody[WorkspaceInput]
    ) -> Response[Workspace]:
        if data.name is not None and data.name != ws:
            raise InvalidInput("the body names another workspace", [FieldError("/name", f"expected {ws!r}")])
        pre = preconditions(request, required=services.settings.require_preconditions)
        return await writes.write_resource(
            request,
            services,
            lambda writer: services.workspaces.put_workspace(writer, ws, description=data.description, pre=pre),
            render_workspace,
            f"/workspaces/{ws}",
        )

    @delete(
        "/{ws:str}",
        operation_class=NoContentOperation,
        summary="Delete a workspace and its artefacts (their history stays readable)",
        status_code=204,
        responses=problem_specs(400, 404, 410, 412, 428),
    )
    async def delete_workspace(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name
    ) -> Response[None]:
        return await writes.delete_resource(request, services, services.workspaces, workspace_key(ws))

    @get(
        "/{ws:str}/revisions",
        summary="The workspace's revisions, newest first",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def workspace_revisions(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[RevisionList]:
        return await revision_list(request, services.workspaces, workspace_key(ws), cursor, limit)

    @get(
        "/{ws:str}/revisions/{revision:int}",
        summary="The workspace as of one revision",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def workspace_revision(
        self, services: ServicesDep, ws: Name, revision: RevisionNumber
    ) -> Response[Workspace]:
        return await revision_resource(services.workspaces, workspace_key(ws), revision, render_workspace)

    @post(
        "/{ws:str}/revisions/{revision:int}/restore",
        summary="Make an earlier revision the current state",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 412, 428),
    )
    async def restore_workspace(
        self, request: Request[Any, Any, Any], services: ServicesDep, ws: Name, revision: RevisionNumber
    ) -> Response[Workspace]:
        return await writes.restore_resource(
            request, services, services.workspaces, workspace_key(ws), revision, render_workspace
        )
