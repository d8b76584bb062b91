"""``/overview``: the whole MAS in one document, now or as it was at an instant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get

from romas.api.agents import AgentSummary, summarise_agent
from romas.api.artefacts import Artefact, render_artefact
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.problems import problem_specs
from romas.api.schemas import At
from romas.api.timetravel import http_date, requested_instant
from romas.api.views import encoded
from romas.domain.org_instances import GroupState, SchemeState, load
from romas.store.eventstore import ResourceRow


class WorkspaceOverview(msgspec.Struct, kw_only=True):
    name: str
    revision: int
    description: str
    artefacts: list[Artefact]
    links: dict[str, Link] = msgspec.field(name="_links")


class GroupOverview(msgspec.Struct, kw_only=True):
    name: str
    type: str
    revision: int
    players: list[str]
    """``agent:role`` for each role played."""
    links: dict[str, Link] = msgspec.field(name="_links")


class SchemeOverview(msgspec.Struct, kw_only=True):
    name: str
    type: str
    group: str
    revision: int
    goals: dict[str, str]
    """Each goal's state (``waiting``, ``enabled``, ``satisfied``), root first."""
    commitments: list[str]
    """``agent:mission`` for each commitment."""
    links: dict[str, Link] = msgspec.field(name="_links")


class OrganisationOverview(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    revision: int
    groups: list[GroupOverview]
    schemes: list[SchemeOverview]
    description: str | None = None
    links: dict[str, Link] = msgspec.field(name="_links")


class Overview(msgspec.Struct, kw_only=True):
    at: datetime
    agents: list[AgentSummary]
    workspaces: list[WorkspaceOverview]
    organisations: list[OrganisationOverview]
    links: dict[str, Link] = msgspec.field(name="_links")


class OverviewController(Controller):
    path = "/overview"
    tags = ["entry point"]

    @get(
        "/",
        summary="The whole MAS: agents, workspaces with artefacts, organisations (now or at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def overview(
        self, request: Request[Any, Any, Any], services: ServicesDep, at: At = None
    ) -> Response[Overview]:
        instant = requested_instant(request, at) or datetime.now(UTC)
        store = services.store

        async def rows(kind: str, parent: str | None) -> list[ResourceRow]:
            return await store.list_as_of(kind, parent, instant, after=None, limit=None)

        artefacts: dict[str, list[Artefact]] = {}
        for row in await rows("artefact", None):
            artefacts.setdefault(row.parent, []).append(
                render_artefact(row, f"{row.parent}/artefacts/{row.name}", services.registry)
            )
        workspaces = [
            WorkspaceOverview(
                name=row.name,
                revision=row.revision,
                description=row.state["description"],
                artefacts=artefacts.get(f"/workspaces/{row.name}", []),
                links={"self": link(f"/workspaces/{row.name}")},
            )
            for row in await rows("workspace", "")
        ]
        groups: dict[str, list[GroupOverview]] = {}
        for row in await rows("group", None):
            group = load(row.state, GroupState)
            groups.setdefault(row.parent, []).append(
                GroupOverview(
                    name=row.name,
                    type=group.type,
                    revision=row.revision,
                    players=[f"{p.agent}:{p.role}" for p in group.players],
                    links={"self": link(f"{row.parent}/groups/{row.name}")},
                )
            )
        schemes: dict[str, list[SchemeOverview]] = {}
        for row in await rows("scheme", None):
            scheme = load(row.state, SchemeState)
            schemes.setdefault(row.parent, []).append(
                SchemeOverview(
                    name=row.name,
                    type=scheme.type,
                    group=scheme.group,
                    revision=row.revision,
                    goals={g.goal: g.state.value for g in scheme.goals},
                    commitments=[f"{c.agent}:{c.mission}" for c in scheme.commitments],
                    links={"self": link(f"{row.parent}/schemes/{row.name}")},
                )
            )
        organisations = [
            OrganisationOverview(
                name=r.name,
                revision=r.revision,
                description=r.state.get("description"),
                groups=groups.get(f"/organisations/{r.name}", []),
                schemes=schemes.get(f"/organisations/{r.name}", []),
                links={"self": link(f"/organisations/{r.name}")},
            )
            for r in await rows("organisation", "")
        ]
        body = Overview(
            at=instant,
            agents=[summarise_agent(r) for r in await rows("agent", "")],
            workspaces=workspaces,
            organisations=organisations,
            links={"self": link(with_query("/overview", at=at)), "events": link("/events")},
        )
        headers = {"Vary": "Accept-Datetime"}
        if at is not None or request.headers.get("accept-datetime"):
            headers["Memento-Datetime"] = http_date(instant)
        return encoded(body, headers=headers)
