"""``/directory``: the yellow pages agents keep with ``.df_register`` and read with ``.df_search``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get

from romas.api.deps import ServicesDep
from romas.api.hal import Link, link
from romas.api.media import HAL_JSON
from romas.api.problems import problem_specs
from romas.api.schemas import At, Cursor, Limit, RevisionList, RevisionNumber, RevisionsEmbedded
from romas.api.timetravel import requested_instant
from romas.api.views import encoded, revision_list, revision_resource
from romas.services.directory import DIRECTORY_KEY, by_service


class DirectoryEntry(msgspec.Struct, kw_only=True):
    service: str
    type: str
    agents: list[str]
    """The agents providing it, in the order they registered."""
    links: dict[str, Link] = msgspec.field(name="_links")


class DirectorySubscription(msgspec.Struct, kw_only=True):
    agent: str
    service: str
    type: str | None


class Directory(msgspec.Struct, kw_only=True):
    revision: int
    """Revision of the directory (0 before any agent registered anything)."""
    services: list[DirectoryEntry]
    subscriptions: list[DirectorySubscription]
    links: dict[str, Link] = msgspec.field(name="_links")


def render_directory(state: dict[str, Any], revision: int, self_href: str) -> Directory:
    return Directory(
        revision=revision,
        services=[
            DirectoryEntry(
                service=s["service"],
                type=s["type"],
                agents=s["agents"],
                links={f"agent_{i}": link(f"/agents/{a}") for i, a in enumerate(s["agents"])},
            )
            for s in by_service(state)
        ],
        subscriptions=[
            DirectorySubscription(agent=e["agent"], service=e["service"], type=e["type"])
            for e in state.get("subscriptions", [])
        ],
        links={"self": link(self_href), "revisions": link("/directory/revisions"), "agents": link("/agents")},
    )


class DirectoryController(Controller):
    path = "/directory"
    tags = ["agents"]

    @get(
        "/",
        summary="The directory: services and the agents providing them (.df_register, .df_search), now or then",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def directory(
        self, request: Request[Any, Any, Any], services: ServicesDep, at: At = None
    ) -> Response[Directory]:
        state: dict[str, Any] = await services.directory.view(requested_instant(request, at))
        return encoded(render_directory(state, int(state["revision"]), "/directory"))

    @get(
        "/revisions",
        summary="The directory's revisions, newest first (each names the agent that changed it)",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def directory_revisions(
        self, request: Request[Any, Any, Any], services: ServicesDep, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[RevisionList]:
        if await services.store.current(DIRECTORY_KEY.stream_id) is None:  # nothing registered yet: no history
            links = {"self": link("/directory/revisions"), "original": link("/directory")}
            return encoded(RevisionList(count=0, links=links, embedded=RevisionsEmbedded([])))
        return await revision_list(request, services.directory, DIRECTORY_KEY, cursor, limit)

    @get(
        "/revisions/{revision:int}",
        summary="The directory as of one revision",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def directory_revision(self, services: ServicesDep, revision: RevisionNumber) -> Response[Directory]:
        return await revision_resource(
            services.directory,
            DIRECTORY_KEY,
            revision,
            lambda row, href: render_directory(dict(row.state), row.revision, href),
        )
