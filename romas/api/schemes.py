"""``/organisations/{org}/schemes``: scheme instances, commitments to missions, and their goals.

``POST .../commitments`` ``{agent, mission}`` commits an agent to a mission; ``POST .../goals/{goal}/achieved``
``{agent}`` records that it achieved a goal. Both answer 200 with the scheme's new representation (a new
revision), or 409 with the reason when the organisation refuses (no role linking the agent to the mission, the
mission's maximum reached, an agent not committed to a mission holding the goal, a goal not enabled yet).
Each goal carries its state (``waiting``, ``enabled``, ``satisfied``), when it was enabled and satisfied and
who achieved it, so ``?at=`` and ``/revisions`` show the scheme's progress at any past instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from romas.api import writes
from romas.api.conditional import not_modified, preconditions
from romas.api.deps import ServicesDep
from romas.api.groups import Change, NameField, org_view, unchanged
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_docs import NoContentOperation
from romas.api.openapi_truth import closed_body
from romas.api.problems import problem_specs
from romas.api.schemas import At, Cursor, Limit, Name, RevisionList, RevisionNumber
from romas.api.timetravel import requested_instant
from romas.api.views import encoded, listing, read_revision, read_state, revision_list
from romas.domain.errors import FieldError, InvalidInput, NotFound
from romas.domain.goal_tree import GoalState
from romas.domain.obligations import OrgView
from romas.domain.org_instances import GoalRecord, SchemeState, load, scheme_shortfalls
from romas.services.container import Services
from romas.services.schemes import scheme_key
from romas.store.eventstore import ResourceRow, Writer


@closed_body(
    "name",
    "organisation",
    "revision",
    "updated_at",
    "since",
    "satisfied",
    "well_formed",
    "shortfalls",
    "commitments",
    "goals",
    "_links",
)
class SchemeInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``type`` is a scheme of the specification, ``group`` the live group responsible for it. The other
    fields are read-only and ignored, so a representation can be sent back as it was read."""

    type: NameField
    group: NameField
    name: str | None = None
    organisation: str | None = None
    revision: int | None = None
    updated_at: str | None = None
    since: str | None = None
    satisfied: Any = None
    well_formed: Any = None
    shortfalls: Any = None
    commitments: Any = None
    goals: Any = None
    links: dict[str, Any] | None = msgspec.field(default=None, name="_links")


@closed_body()
class CommitmentInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    agent: NameField
    mission: NameField


@closed_body()
class AchievementInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    agent: NameField


class CommitmentView(msgspec.Struct, kw_only=True):
    agent: str
    mission: str
    since: datetime


class Goal(msgspec.Struct, kw_only=True):
    state: GoalState
    enabled_at: datetime | None
    satisfied_at: datetime | None
    achieved_by: str | None
    unneeded: bool
    """True when a choice was satisfied by another branch: the goal is no longer needed and cannot be achieved."""
    links: dict[str, Link] = msgspec.field(name="_links")


class Scheme(msgspec.Struct, kw_only=True):
    name: str
    organisation: str
    revision: int
    updated_at: datetime
    type: str
    group: str
    since: datetime
    satisfied: bool
    """Whether the root goal is satisfied: the scheme is done."""
    well_formed: bool
    shortfalls: list[str]
    """Why it is not well formed: missions short of their minimum of committed agents."""
    commitments: list[CommitmentView]
    goals: dict[str, Goal]
    """Every goal, root first, each before its sub-goals."""
    links: dict[str, Link] = msgspec.field(name="_links")


class SchemesEmbedded(msgspec.Struct):
    schemes: list[Scheme]


class SchemeList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: SchemesEmbedded = msgspec.field(name="_embedded")


class GoalResource(msgspec.Struct, kw_only=True):
    scheme: str
    goal: str
    organisation: str
    revision: int
    """The scheme's revision this state is from."""
    state: GoalState
    enabled_at: datetime | None
    satisfied_at: datetime | None
    achieved_by: str | None
    unneeded: bool
    operator: str | None
    """``sequence``, ``choice`` or ``parallel`` for a goal achieved through sub-goals; None for a leaf."""
    subgoals: list[str]
    parent: str | None
    missions: list[str]
    committed: list[str]
    """Agents committed to a mission holding the goal: those who may achieve it."""
    links: dict[str, Link] = msgspec.field(name="_links")


def _goal_links(base: str, record: GoalRecord) -> dict[str, Link]:
    links = {"self": link(f"{base}/goals/{record.goal}")}
    if record.state is GoalState.ENABLED and record.unneeded_at is None:
        links["achieved"] = link(f"{base}/goals/{record.goal}/achieved", title="POST {agent} once it is achieved")
    return links


def render_scheme(row: ResourceRow, self_href: str, view: OrgView | None) -> Scheme:
    base = f"{row.parent}/schemes/{row.name}"
    state = load(row.state, SchemeState)
    links = {
        "self": link(self_href),
        "collection": link(f"{row.parent}/schemes"),
        "organisation": link(row.parent),
        "group": link(f"{row.parent}/groups/{state.group}"),
        "commitments": link(f"{base}/commitments", title="POST {agent, mission} to commit to a mission"),
        "goal": link(f"{base}/goals/{{goal}}", templated=True),
        "obligations": link(f"{row.parent}/obligations"),
        "revisions": link(f"{base}/revisions"),
        "events": link(with_query("/events", stream=base)),
    }
    if self_href != base:
        links["original"] = link(base)
    shortfalls = (
        scheme_shortfalls(view.spec, state)
        if view is not None
        else ["the organisation's specification cannot be read at that instant"]
    )
    return Scheme(
        name=row.name,
        organisation=row.parent.rsplit("/", 1)[-1],
        revision=row.revision,
        updated_at=row.updated_at,
        type=state.type,
        group=state.group,
        since=state.since,
        satisfied=bool(state.goals) and state.goals[0].state is GoalState.SATISFIED,
        well_formed=not shortfalls,
        shortfalls=shortfalls,
        commitments=[CommitmentView(agent=c.agent, mission=c.mission, since=c.since) for c in state.commitments],
        goals={
            r.goal: Goal(
                state=r.state,
                enabled_at=r.enabled_at,
                satisfied_at=r.satisfied_at,
                achieved_by=r.achieved_by,
                unneeded=r.unneeded_at is not None,
                links=_goal_links(base, r),
            )
            for r in state.goals
        },
        links=links,
    )


def render_goal(row: ResourceRow, goal: str, view: OrgView | None) -> GoalResource:
    base = f"{row.parent}/schemes/{row.name}"
    state = load(row.state, SchemeState)
    record = state.goal(goal)
    if record is None:
        raise NotFound(f"scheme {row.name} (a {state.type}) has no goal '{goal}'")
    sspec = view.spec.schemes.get(state.type) if view is not None else None
    spec_goal = sspec.goals.get(goal) if sspec is not None else None
    missions = list(sspec.missions_with_goal(goal)) if sspec is not None else []
    links = {**_goal_links(base, record), "scheme": link(base)}
    parent = sspec.parents().get(goal) if sspec is not None else None
    if parent is not None:
        links["parent"] = link(f"{base}/goals/{parent}")
    return GoalResource(
        scheme=row.name,
        goal=goal,
        organisation=row.parent.rsplit("/", 1)[-1],
        revision=row.revision,
        state=record.state,
        enabled_at=record.enabled_at,
        satisfied_at=record.satisfied_at,
        achieved_by=record.achieved_by,
        unneeded=record.unneeded_at is not None,
        operator=spec_goal.operator if spec_goal is not None else None,
        subgoals=list(spec_goal.children) if spec_goal is not None else [],
        parent=parent,
        missions=missions,
        committed=sorted({c.agent for c in state.commitments if c.mission in missions}),
        links=links,
    )


async def change_scheme(
    request: Request[Any, Any, Any], services: Services, org: str, name: str, change: Change
) -> Response[Any]:
    """A POST that changes the scheme: apply ``change`` and answer 200 with the scheme."""
    path = scheme_key(org, name).stream_id

    async def operation(writer: Writer) -> writes.Reply:
        written = await change(writer)
        view = await services.org_runtime.view_in(writer, org)
        reply = writes.representation(written, render_scheme(written.row, path, view), path)
        reply.status = 200
        reply.headers.pop("Location", None)
        return reply

    return await writes.perform(request, services, operation)


class SchemeController(Controller):
    path = "/organisations/{org:str}/schemes"
    tags = ["organisations"]

    @get(
        "/",
        summary="List an organisation's schemes (now, or as they were at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def list_schemes(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
        at: At = None,
    ) -> Response[SchemeList]:
        view = await services.org_runtime.view(org, requested_instant(request, at))
        rows, links, headers = await listing(
            request, services.org_runtime.schemes, f"/organisations/{org}", cursor, limit, at
        )
        links["organisation"] = link(f"/organisations/{org}")
        links["scheme"] = link(f"/organisations/{org}/schemes/{{s}}", templated=True)
        items = [render_scheme(r, f"{r.parent}/schemes/{r.name}", view) for r in rows]
        return encoded(SchemeList(count=len(items), links=links, embedded=SchemesEmbedded(items)), headers=headers)

    @get(
        "/{s:str}",
        summary="Read a scheme: commitments and goal states (now, or as it was at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_scheme(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, s: Name, at: At = None
    ) -> Response[Scheme]:
        key = scheme_key(org, s)
        row, headers = await read_state(request, services.org_runtime.schemes, key, at)
        if not_modified(request, row.revision):
            return unchanged(headers)
        view = await org_view(services, org, requested_instant(request, at))
        return encoded(render_scheme(row, key.stream_id, view), headers=headers)

    @put(
        "/{s:str}",
        summary="Create a scheme of a type of the specification, with the group responsible for it",
        media_type=HAL_JSON,
        status_code=200,
        responses={
            201: ResponseSpec(Scheme, description="Created", media_type=HAL_JSON, generate_examples=False),
            **problem_specs(400, 404, 409, 412, 413, 415, 422, 428),
        },
    )
    async def put_scheme(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, s: Name, data: JSONBody[SchemeInput]
    ) -> Response[Scheme]:
        errors = []
        if data.name is not None and data.name != s:
            errors.append(FieldError("/name", f"expected {s!r}"))
        if data.organisation is not None and data.organisation != org:
            errors.append(FieldError("/organisation", f"expected {org!r}"))
        if errors:
            raise InvalidInput("the body names another scheme", errors)
        pre = preconditions(request, required=services.settings.require_preconditions)
        path = scheme_key(org, s).stream_id

        async def operation(writer: Writer) -> writes.Reply:
            written = await services.org_runtime.schemes.put_scheme(writer, org, s, data.type, data.group, pre)
            view = await services.org_runtime.view_in(writer, org)
            return writes.representation(written, render_scheme(written.row, path, view), path)

        return await writes.perform(request, services, operation)

    @delete(
        "/{s:str}",
        operation_class=NoContentOperation,
        summary="Delete a scheme (its history stays readable)",
        status_code=204,
        responses=problem_specs(400, 404, 410, 412, 428),
    )
    async def delete_scheme(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, s: Name
    ) -> Response[None]:
        return await writes.delete_resource(request, services, services.org_runtime.schemes, scheme_key(org, s))

    @post(
        "/{s:str}/commitments",
        summary="An agent commits to a mission (409 with the reason when the organisation refuses)",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 410, 412, 413, 415, 422),
    )
    async def commit_mission(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        s: Name,
        data: JSONBody[CommitmentInput],
    ) -> Response[Scheme]:
        pre = preconditions(request)
        schemes = services.org_runtime.schemes
        return await change_scheme(
            request, services, org, s, lambda w: schemes.commit_mission(w, org, s, data.agent, data.mission, pre)
        )

    @get(
        "/{s:str}/goals/{goal:str}",
        summary="One goal of a scheme: its state, who may and who did achieve it (now, or at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def get_goal(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, s: Name, goal: Name, at: At = None
    ) -> Response[GoalResource]:
        key = scheme_key(org, s)
        row, headers = await read_state(request, services.org_runtime.schemes, key, at)
        headers.pop("Content-Location", None)  # a goal has no memento of its own; the scheme's revision has it
        view = await org_view(services, org, requested_instant(request, at))
        body = render_goal(row, goal, view)
        if not_modified(request, row.revision):
            return unchanged(headers)
        return encoded(body, headers=headers)

    @post(
        "/{s:str}/goals/{goal:str}/achieved",
        summary="An agent committed to a mission holding the goal says it achieved it (409 unless it is enabled)",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 410, 412, 413, 415, 422),
    )
    async def goal_achieved(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        s: Name,
        goal: Name,
        data: JSONBody[AchievementInput],
    ) -> Response[Scheme]:
        pre = preconditions(request)
        schemes = services.org_runtime.schemes
        return await change_scheme(
            request, services, org, s, lambda w: schemes.goal_achieved(w, org, s, data.agent, goal, pre)
        )

    @get(
        "/{s:str}/revisions",
        summary="The scheme's revisions, newest first: commitments and achievements, who and when",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def scheme_revisions(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        s: Name,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[RevisionList]:
        return await revision_list(request, services.org_runtime.schemes, scheme_key(org, s), cursor, limit)

    @get(
        "/{s:str}/revisions/{revision:int}",
        summary="The scheme as of one revision",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def scheme_revision(
        self, services: ServicesDep, org: Name, s: Name, revision: RevisionNumber
    ) -> Response[Scheme]:
        key = scheme_key(org, s)
        row, headers = await read_revision(services.org_runtime.schemes, key, revision)
        view = await org_view(services, org, row.updated_at)
        return encoded(render_scheme(row, f"{key.stream_id}/revisions/{revision}", view), headers=headers)

    @post(
        "/{s:str}/revisions/{revision:int}/restore",
        summary="Make an earlier revision current again, replaying its commitments and achievements by today's rules",
        media_type=HAL_JSON,
        status_code=200,
        responses=problem_specs(400, 404, 409, 412, 428),
    )
    async def restore_scheme(
        self, request: Request[Any, Any, Any], services: ServicesDep, org: Name, s: Name, revision: RevisionNumber
    ) -> Response[Scheme]:
        pre = preconditions(request)
        schemes = services.org_runtime.schemes
        return await change_scheme(
            request, services, org, s, lambda w: schemes.restore(w, scheme_key(org, s), revision, pre)
        )
