"""``/organisations/{org}/obligations``: the normative state, computed from the norms, groups and schemes.

Nothing is stored for obligations: they follow from the group and scheme revisions in force at an instant and
from the instant itself (deadlines), so ``?at=`` (or ``Accept-Datetime``) gives the obligations of any past
instant exactly as they were then. The semantics are in :mod:`romas.domain.obligations`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter

from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.problems import problem_specs
from romas.api.schemas import At, Name
from romas.api.timetravel import http_date, requested_instant
from romas.api.views import encoded
from romas.domain.names import NAME_PATTERN
from romas.domain.obligations import Committed, Obligation, ObligationState, obligations

AgentFilter = Annotated[
    str | None,
    QueryParameter(pattern=NAME_PATTERN, max_length=64, description="Only the obligations of this agent."),
]
StateFilter = Annotated[
    Literal["active", "fulfilled", "violated"] | None,
    QueryParameter(name="state", description="Only the obligations in this state."),
]


class CommittedView(msgspec.Struct, kw_only=True):
    agent: str
    mission: str
    scheme: str


class DoneView(msgspec.Struct, kw_only=True):
    scheme: str
    goal: str
    agent: str


class WhatView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Exactly one member: ``committed`` (commit to a mission) or ``done`` (achieve a goal)."""

    committed: CommittedView | None = None
    done: DoneView | None = None


class ObligationView(msgspec.Struct, kw_only=True):
    norm: str
    agent: str
    role: str
    """The role the agent plays that the norm concerns (the norm's role or one extending it)."""
    group: str
    scheme: str
    what: WhatView
    state: ObligationState
    since: datetime
    until: datetime | None
    """When it was fulfilled or violated; null while active."""
    deadline: datetime | None
    """``since`` plus the norm's ``deadline_s``; null when the norm has none."""
    done_at: datetime | None
    """When what it asks was done: for a violated obligation, done late (or null: still not done)."""
    links: dict[str, Link] = msgspec.field(name="_links")


class ObligationsEmbedded(msgspec.Struct):
    obligations: list[ObligationView]


class ObligationList(msgspec.Struct, kw_only=True):
    organisation: str
    at: datetime
    """The instant the obligations were computed for."""
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: ObligationsEmbedded = msgspec.field(name="_embedded")


def render_obligation(org: str, o: Obligation) -> ObligationView:
    base = f"/organisations/{org}"
    links = {
        "agent": link(f"/agents/{o.agent}"),
        "group": link(f"{base}/groups/{o.group}"),
        "scheme": link(f"{base}/schemes/{o.scheme}"),
        "norm": link(base, title=f"norm {o.norm} in the specification"),
    }
    if isinstance(o.what, Committed):
        what = WhatView(committed=CommittedView(agent=o.what.agent, mission=o.what.mission, scheme=o.what.scheme))
        links["commitments"] = link(f"{base}/schemes/{o.scheme}/commitments", title="POST {agent, mission}")
    else:
        what = WhatView(done=DoneView(scheme=o.what.scheme, goal=o.what.goal, agent=o.what.agent))
        links["goal"] = link(f"{base}/schemes/{o.scheme}/goals/{o.what.goal}")
    return ObligationView(
        norm=o.norm,
        agent=o.agent,
        role=o.role,
        group=o.group,
        scheme=o.scheme,
        what=what,
        state=o.state,
        since=o.since,
        until=o.until,
        deadline=o.deadline,
        done_at=o.done_at,
        links=links,
    )


class ObligationController(Controller):
    path = "/organisations/{org:str}/obligations"
    tags = ["organisations"]

    @get(
        "/",
        summary="The organisation's obligations: active, fulfilled or violated (now, or at an instant)",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def list_obligations(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        org: Name,
        agent: AgentFilter = None,
        state_filter: StateFilter = None,
        at: At = None,
    ) -> Response[ObligationList]:
        instant = requested_instant(request, at)
        view = await services.org_runtime.view(org, instant)
        found = [
            render_obligation(org, o)
            for o in obligations(view)
            if (agent is None or o.agent == agent) and (state_filter is None or o.state.value == state_filter)
        ]
        path = f"/organisations/{org}/obligations"
        links = {
            "self": link(with_query(path, agent=agent, state=state_filter, at=at)),
            "organisation": link(f"/organisations/{org}"),
        }
        headers = {"Vary": "Accept-Datetime"}
        if instant is not None:
            headers["Memento-Datetime"] = http_date(instant)
        body = ObligationList(
            organisation=org,
            at=view.at,
            count=len(found),
            links=links,
            embedded=ObligationsEmbedded(found),
        )
        return encoded(body, headers=headers)
