"""``/``: the entry point a client starts from, plus ``/health``, ``/ready`` and the problem types."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from romas import __version__
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link
from romas.api.media import HAL_JSON
from romas.api.problems import PROBLEM_TYPES, problem_specs
from romas.api.schemas import ExportStatus, Health
from romas.api.views import encoded
from romas.store.migrate import is_up_to_date


class EntryPoint(msgspec.Struct, kw_only=True):
    name: str
    version: str
    description: str
    links: dict[str, Link] = msgspec.field(name="_links")


class ProblemType(msgspec.Struct, kw_only=True):
    type: str
    description: str
    links: dict[str, Link] = msgspec.field(name="_links")


ENTRY_LINKS: dict[str, Link] = {
    "self": link("/"),
    "agents": link("/agents", title="The agents"),
    "agent": link("/agents/{name}", templated=True),
    "messages": link(
        "/messages{?status,cursor,limit}",
        templated=True,
        title="Every agent's messages; ?status=failed or expired: the dead letters",
    ),
    "metrics": link("/metrics", type="text/plain", title="Prometheus metrics"),
    "workspaces": link("/workspaces", title="Workspaces and their artefacts"),
    "workspace": link("/workspaces/{ws}", templated=True),
    "artefact_types": link("/artefact-types", title="The artefact types this server knows"),
    "organisations": link("/organisations", title="Organisations (Moise specifications)"),
    "organisation": link("/organisations/{org}", templated=True),
    "overview": link("/overview{?at}", templated=True, title="The whole MAS, now or at an instant"),
    "directory": link(
        "/directory{?at}", templated=True, title="The yellow pages: services and the agents providing them"
    ),
    "deployments": link("/deployments", title="Whole-MAS deployments, newest first; POST to deploy"),
    "manifest": link("/manifest{?at}", templated=True, title="The MAS as a deployable manifest"),
    "events": link("/events{?after,limit,stream_type,stream}", templated=True, title="The global event log"),
    "health": link("/health"),
    "ready": link("/ready"),
    "openapi": link("/schema/openapi.json", type="application/json", title="OpenAPI document"),
    "docs": link("/schema", type="text/html", title="Browsable API documentation"),
    "console": link("/console", type="text/html", title="The console: watch and work on the MAS in a browser"),
    "whoami": link("/auth/whoami", title="Whether tokens are required, and the scopes of yours"),
    "cluster": link("/cluster", title="The romas processes sharing the database, and the work each runs"),
}


class RootController(Controller):
    path = "/"
    tags = ["entry point"]

    @get("/", summary="Entry point: links to everything", media_type=HAL_JSON)
    async def root(self) -> Response[EntryPoint]:
        body = EntryPoint(
            name="romas",
            version=__version__,
            description="A resource-oriented server for multi-agent systems",
            links=ENTRY_LINKS,
        )
        return encoded(body)

    @get("/health", summary="Liveness: the process answers", opt={"public": True})
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        summary="Readiness: the database answers and its schema is current",
        opt={"public": True},
        responses=problem_specs(503),
    )
    async def ready(self, services: ServicesDep) -> Response[Health]:
        try:
            await services.store.ping()
            current = await is_up_to_date(services.store.engine)
        except Exception as exc:  # the point of /ready is to report any database failure
            return Response(Health(status="unavailable", database=type(exc).__name__), status_code=503)
        if not current:
            return Response(Health(status="unavailable", database="ok", schema_revision="outdated"), status_code=503)
        export = None if services.export is None else ExportStatus(**services.export.status())
        return Response(Health(status="ok", database="ok", schema_revision="current", export=export))

    @get(
        "/problems/{slug:str}",
        summary="What a problem type means",
        opt={"public": True},
        responses=problem_specs(400, 404),
    )
    async def problem(
        self, slug: Annotated[str, PathParameter(max_length=64, description="A problem type.")]
    ) -> Response[ProblemType]:
        description = PROBLEM_TYPES.get(slug)
        if description is None:
            raise NotFoundException(f"there is no problem type {slug!r}")
        return Response(
            ProblemType(type=f"/problems/{slug}", description=description, links={"self": link(f"/problems/{slug}")})
        )
