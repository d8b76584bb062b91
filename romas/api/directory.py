"""``/directory``: the yellow pages agents keep with ``.df_register`` and read with ``.df_search``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get

from romas.api.deps import ServicesDep
from romas.api.hal import Link, link
from romas.api.media import HAL_JSON
from romas.api.schemas import At
from romas.api.timetravel import requested_instant
from romas.api.views import encoded
from romas.services.directory import by_service


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


class DirectoryController(Controller):
    path = "/directory"
    tags = ["agents"]

    @get(
        "/",
        summary="The directory: services and the agents providing them (.df_register, .df_search)",
        media_type=HAL_JSON,
    )
    async def directory(
        self, request: Request[Any, Any, Any], services: ServicesDep, at: At = None
    ) -> Response[Directory]:
        state: dict[str, Any] = await services.directory.view(requested_instant(request, at))
        body = Directory(
            revision=int(state["revision"]),
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
            links={"self": link("/directory"), "agents": link("/agents")},
        )
        return encoded(body)
