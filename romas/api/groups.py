"""``/organisations/{org}/groups``: group instances, their players, and whether they are well formed.

Adopting a role is ``POST .../players`` ``{agent, role}``; leaving it is ``DELETE .../players/{agent}/{role}``.
Both answer 200 with the group's new representation (a new revision), or a problem with the reason: 409 when
the organisation's rules refuse (cardinality, compatibility, a commitment that needs the role), 422 when the
body names an agent, role or type that does not exist. ``well_formed`` and ``shortfalls`` are computed when
read, against the specification and subgroups of the same instant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

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
from romas.api.timetravel import requested_instant
from romas.api.views import encoded, listing, read_revision, read_state, revision_list
from romas.domain.errors import FieldError, Gone, InvalidInput, NotFound
from romas.domain.names import NAME_PATTERN
from romas.domain.obligations import OrgView
from romas.domain.org_instances import GroupState, group_shortfalls, load
from romas.services.container import Services
from romas.services.groups import group_key
from romas.services.resources import Written
from romas.store.eventstore import ResourceRow, Writer

NameField = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN, max_length=64)]


@closed_body(
    "name",
    "organisation",
    "revision",
    "updated_at",
    "since",
    "players",
    "well_formed",
    "shortfalls",
    "subgroups",
    "schemes",
    "_links",
)
class GroupInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``type`` is a group type of the specification; ``parent`` makes this group a subgroup of another.
    The other fields are read-only and ignored, so a representation can be sent back as it was read."""

    type: NameField
    parent: NameField | None = None
    name: str | None = None
    organisation: str | None = None
    revision: int | None = None
    updated_at: str | None = None
    since: str | None = None
    players: Any = None
    well_formed: Any = None
    shortfalls: Any = None
    subgroups: Any = None
    schemes: Any = None
    links: dict[str, Any] | None = msgspec.field(default=None, name="_links")


@closed_body()
class PlayerInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    agent: NameField
    role: NameField


class Player(msgspec.Struct, kw_only=True):
    agent: str
    role: str
    since: datetime
    links: dict[str, Link] = msgspec.field(name="_links")


class Group(msgspec.Struct, kw_only=True):
    name: str
    organisation: str
    revision: int
    updated_at: datetime
    type: str
    parent: str | None
    since: datetime
    players: list[Player]
    well_formed: bool
    shortfalls: list[str]
    """Why the group is not well formed: role minimums not reached, subgroups missing or not well formed."""
    subgroups: list[str]
    schemes: list[str]
    """The schemes this group is responsible for."""
    links: dict[str, Link] = msgspec.field(name="_links")


class GroupsEmbedded(msgspec.Struct):
    groups: list[Group]


class GroupList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: GroupsEmbedded = msgspec.field(name="_embedded")


async def org_view(services: Services, org: str, at: datetime | None) -> OrgView | None:
    """The organisation at that instant for computed fields; None when it cannot be read then."""
    try:
        return await services.org_runtime.view(org, at)
    except (NotFound, Gone):
        return None


def render_group(row: ResourceRow, self_href: str, view: OrgView | None) -> Group:
    org = row.parent.rsplit("/", 1)[-1]
    base = f"{row.parent}/groups/{row.name}"
    state = load(row.state, GroupState)
    links = {
        "self": link(self_href),
        "collection": link(f"{row.parent}/groups"),
        "organisation": link(row.parent),
        "players": link(f"{base}/players", title="POST {agent, role} to adopt a role"),
        "obligations": link(f"{row.parent}/obligations"),
        "revisions": link(f"{base}/revisions"),
        "events": link(with_query("/events", stream=base)),
    }
    if state.parent is not None:
        links["parent"] = link(f"{row.parent}/groups/{state.parent}")
    if self_href != base:
        links["original"] = link(base)
    players = [
        Player(
            agent=p.agent,
            role=p.role,
            since=p.since,
            links={
                "agent": link(f"/agents/{p.agent}"),
                "leave": link(f"{base}/players/{p.agent}/{p.role}", title="DELETE to leave the role"),
            },
        )
        for p in state.players
    ]
    if view is None:
        shortfalls, subgroups, schemes = ["the organisation's specification cannot be read at that instant"], [], []
    else:
        groups = {**view.groups, row.name: state}
        shortfalls = group_shortfalls(view.spec, row.name, groups)
        subgroups = sorted(n for n, g in groups.items() if g.parent == row.name)
        schemes = sorted(n for n, s in view.schemes.items() if s.group == row.name)
    return Group(
        name=row.name,
        organisation=org,
        revision=row.revision,
        updated_at=row.updated_at,
        type=state.type,
        parent=state.parent,
        since=state.since,
        players=players,
        well_formed=not shortfalls,
        shortfalls=shortfalls,
        subgroups=subgroups,
        schemes=schemes,
        links=links,
    )


Change = Callable[[Writer], Awaitable[Written]]


def unchanged(headers: dict[str, str]) -> Response[Any]:
    """304 Not Modified for a GET whose If-None-Match names the revision it would show."""
    return Response(b"", status_code=304, headers=headers)


async def change_group(
    request: Request[Any, Any, Any], services: Services, org: str, name: str, change: Change
) -> Response[Any]:
    """POST/DELETE on players: apply ``change(writer) -> Written`` and answer 200 with the group."""
    path = group_key(org, name).stream_id

    async def operation(writer: Writer) -> writes.Reply:
        written = await change(writer)
        view = await services.org_runtime.view_in(writer, org)
        reply = writes.representation(written, render_group(written.row, path, view), path)
        reply.status = 200
        reply.headers.pop("Location", None)
        return reply

    return await writes.perform(request, services, operation)


class GroupController(Controller):
    path = "/organisations/{org:str}/groups"
    tags = ["organisations"]

    @get(
        "/",
        summary="List an organisation's groups (now, or as they were at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def list_groups(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
        at: At = None,
    ) -> Response[GroupList]:
        instant = requested_instant(request, at)
        view = await services.org_runtime.view(org, instant)
        rows, links, headers = await listing(
            request, services.org_runtime.groups, f"/organisations/{org}", cursor, limit, at
        )
        links["organisation"] = link(f"/organisations/{org}")
        links["group"] = link(f"/organisations/{org}/groups/{{g}}", templated=True)
        items = [render_group(r, f"{r.parent}/groups/{r.name}", view) for r in rows]
        return encoded(GroupList(count=len(items), links=links, embedded=GroupsEmbedded(items)), headers=headers)

    @get(
        "/{g:str}",
        summary="Read a group: its players and whether it is well formed (now, or at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_group(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, g: Name, at: At = None
    ) -> Response[Group]:
        key = group_key(org, g)
        row, headers = await read_state(request, services.org_runtime.groups, key, at)
        if not_modified(request, row.revision):
            return unchanged(headers)
        view = await org_view(services, org, requested_instant(request, at))
        return encoded(render_group(row, key.stream_id, view), headers=headers)

    @put(
        "/{g:str}",
        summary="Create a group of a type of the specification (or change its type while nobody plays in it)",
        media_type=HAL_JSON,
        status_code=200,
        responses={
            201: ResponseSpec(Group, description="Created", media_type=HAL_JSON, generate_examples=False),
            **problem_specs(400, 404, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_group(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, g: Name, data: JSONBody[GroupInput]
    ) -> Response[Group]:
        errors = []
        if data.name is not None and data.name != g:
            errors.append(FieldError("/name", f"expected {g!r}"))
        if data.organisation is not None and data.organisation != org:
            errors.append(FieldError("/organisation", f"expected {org!r}"))
        if errors:
            raise InvalidInput("the body names another group", errors)
        pre = preconditions(request, required=services.settings.require_preconditions)
        path = group_key(org, g).stream_id

        async def operation(writer: Writer) -> writes.Reply:
            written = await services.org_runtime.groups.put_group(writer, org, g, data.type, data.parent, pre)
            view = await services.org_runtime.view_in(writer, org)
            return writes.representation(written, render_group(written.row, path, view), path)

        return await writes.perform(request, services, operation)

    @delete(
        "/{g:str}",
        operation_class=NoContentOperation,
        summary="Delete a group (refused while a scheme or a subgroup depends on it; its history stays readable)",
        status_code=204,
        responses=problem_specs(400, 404, 409, 410, 412, 428),
    )
    async def delete_group(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, g: Name
    ) -> Response[None]:
        return await writes.delete_resource(request, services, services.org_runtime.groups, group_key(org, g))

    @post(
        "/{g:str}/players",
        summary="An agent adopts a role in the group (409 with the reason when the organisation refuses)",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 410, 412, 413, 415, 422),
    )
    async def adopt_role(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, g: Name, data: JSONBody[PlayerInput]
    ) -> Response[Group]:
        pre = preconditions(request)
        groups = services.org_runtime.groups
        return await change_group(
            request, services, org, g, lambda w: groups.adopt_role(w, org, g, data.agent, data.role, pre)
        )

    @delete(
        "/{g:str}/players/{agent:str}/{role:str}",
        summary="An agent leaves a role in the group (409 while one of its commitments needs the role)",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 410, 412),
    )
    async def leave_role(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, g: Name, agent: Name, role: Name
    ) -> Response[Group]:
        pre = preconditions(request)
        groups = services.org_runtime.groups
        return await change_group(request, services, org, g, lambda w: groups.leave_role(w, org, g, agent, role, pre))

    @get(
        "/{g:str}/revisions",
        summary="The group's revisions, newest first: who adopted and left which role, and when",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def group_revisions(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        g: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[RevisionList]:
        return await revision_list(request, services.org_runtime.groups, group_key(org, g), cursor, limit)

    @get(
        "/{g:str}/revisions/{revision:int}",
        summary="The group as of one revision",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def group_revision(
        self, services: ServicesDep, org: Name, g: Name, revision: RevisionNumber
    ) -> Response[Group]:
        key = group_key(org, g)
        row, headers = await read_revision(services.org_runtime.groups, key, revision)
        view = await org_view(services, org, row.updated_at)
        return encoded(render_group(row, f"{key.stream_id}/revisions/{revision}", view), headers=headers)

    @post(
        "/{g:str}/revisions/{revision:int}/restore",
        summary="Make an earlier revision current again, if today's rules allow its players",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 412, 428),
    )
    async def restore_group(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, g: Name, revision: RevisionNumber
    ) -> Response[Group]:
        pre = preconditions(request)
        groups = services.org_runtime.groups
        return await change_group(
            request, services, org, g, lambda w: groups.restore(w, group_key(org, g), revision, pre)
        )
