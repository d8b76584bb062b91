"""The most frequent reads answered straight from ASGI, before Litestar routes the request.

Why: ``GET /agents/{name}`` and the other current-state reads are most of a busy server's requests, and Litestar's
per-request machinery (routing, the guard, the hooks, dependency injection, parameter parsing, its response
objects) cost more CPU than reading the row and encoding the representation. A hot read builds the same body
with the same functions as its controller, and the same headers.

Only the plain case is answered here: a GET without a query, without ``Accept-Datetime``, without ``Origin`` when
CORS is on, and with a token allowed to read when tokens are configured. Anything else, and any failure (an unknown
or deleted resource, a malformed ``If-None-Match``, a database error), goes to Litestar, which answers it as
before (its 404, 410, 400 or 503 problem).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import msgspec
from litestar.types import HTTPScope

from romas.api.agents import describe_live_state, render_agent
from romas.api.artefacts import describe_observers, render_artefact
from romas.api.auth import token_of
from romas.api.conditional import _revisions, entity_tags, etag
from romas.api.media import ASL, HAL_JSON, JSON_BODIES, XML_BODIES, prefers
from romas.api.organisations import render_organisation
from romas.api.workspaces import workspace_now
from romas.config import Settings
from romas.domain.names import NAME_PATTERN
from romas.records import record
from romas.services.agents import agent_key
from romas.services.container import Services
from romas.services.organisations import organisation_key
from romas.services.resources import ResourceKey, RevisionedService
from romas.services.workspaces import artefact_key, workspace_key
from romas.store.eventstore import ResourceRow

_NAME = re.compile(NAME_PATTERN)
_HAL = HAL_JSON.encode()
_ASL = f"{ASL}; charset=utf-8".encode()

Body = Callable[[Services, ResourceRow, tuple[str, ...]], Awaitable[bytes]]


@record
class HotRead:
    template: str
    """The route as Litestar names it (the metrics' and the request log's ``route``)."""
    path: re.Pattern[str]
    service: Callable[[Services], RevisionedService]
    key: Callable[..., ResourceKey]
    body: Body
    content_type: bytes
    conditional: bool = True
    """Whether a matching If-None-Match gets 304 (not where embedded resources change without the ETag)."""
    vary: bytes = b"Accept-Datetime"
    negotiated: bool = False
    """The controller answers another type to some Accept headers: only a JSON-preferring one is answered here."""


@record
class Answer:
    template: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


async def _agent(services: Services, row: ResourceRow, names: tuple[str, ...]) -> bytes:
    body = render_agent(row, f"/agents/{names[0]}")
    await describe_live_state(services, body)
    return msgspec.json.encode(body)


async def _agent_code(services: Services, row: ResourceRow, names: tuple[str, ...]) -> bytes:
    return str(row.state["code"]).encode()


async def _workspace(services: Services, row: ResourceRow, names: tuple[str, ...]) -> bytes:
    return msgspec.json.encode(await workspace_now(services, row, names[0]))


async def _organisation(services: Services, row: ResourceRow, names: tuple[str, ...]) -> bytes:
    return msgspec.json.encode(render_organisation(row, f"/organisations/{names[0]}"))


async def _artefact(services: Services, row: ResourceRow, names: tuple[str, ...]) -> bytes:
    ws, art = names
    body = render_artefact(row, f"/workspaces/{ws}/artefacts/{art}", services.registry)
    await describe_observers(services, body, ws, art)
    return msgspec.json.encode(body)


HOT_READS = (
    HotRead("/agents/{name}", re.compile(r"/agents/([^/]+)"), lambda s: s.agents, agent_key, _agent, _HAL),
    HotRead(
        "/agents/{name}/code", re.compile(r"/agents/([^/]+)/code"), lambda s: s.agents, agent_key, _agent_code, _ASL
    ),
    HotRead(
        "/workspaces/{ws}",
        re.compile(r"/workspaces/([^/]+)"),
        lambda s: s.workspaces,
        workspace_key,
        _workspace,
        _HAL,
        conditional=False,
    ),
    HotRead(
        "/organisations/{org}",
        re.compile(r"/organisations/([^/]+)"),
        lambda s: s.organisations,
        organisation_key,
        _organisation,
        _HAL,
        vary=b"Accept-Datetime, Accept",
        negotiated=True,
    ),
    HotRead(
        "/workspaces/{ws}/artefacts/{art}",
        re.compile(r"/workspaces/([^/]+)/artefacts/([^/]+)"),
        lambda s: s.artefacts,
        artefact_key,
        _artefact,
        _HAL,
    ),
)


class _Routed(Protocol):
    @property
    def path(self) -> re.Pattern[str]: ...


RouteT = TypeVar("RouteT", bound=_Routed)


def route_of(
    scope: HTTPScope, routes: Sequence[RouteT], named: int | None = None
) -> tuple[RouteT, tuple[str, ...]] | None:
    """The route of a plain request (no query) among the hot ones, and the names its path holds, when the first
    ``named`` of them (all by default) are resource names; None leaves the request to Litestar."""
    if scope["query_string"]:
        return None
    path = scope["path"]
    for route in routes:
        found = route.path.fullmatch(path)
        if found is not None:
            names = found.groups()
            return (route, names) if all(_NAME.match(name) for name in names[:named]) else None
    return None


class HotReads:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cors = bool(settings.cors_origins)

    def _plain(self, scope: HTTPScope, read: HotRead) -> tuple[bool, bytes | None]:
        """Whether Litestar is not needed for these headers, and the If-None-Match value if any."""
        if_none_match: bytes | None = None
        authorization: bytes | None = None
        accept: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"accept" and read.negotiated:
                if accept is not None:
                    return False, None  # repeated: Litestar joins them
                accept = value
            elif name == b"if-none-match":
                if if_none_match is not None:
                    return False, None  # repeated: Litestar joins them
                if_none_match = value
            elif name == b"accept-datetime" or (name == b"origin" and self.cors):
                return False, None
            elif name == b"authorization" and authorization is None:
                authorization = value  # the first one, as Litestar's guard reads it
        if accept is not None and prefers(accept.decode("latin-1"), XML_BODIES, JSON_BODIES):
            return False, None
        if not self.settings.tokens:
            return True, if_none_match
        token = token_of((authorization or b"").decode("latin-1"), self.settings)
        return token is not None and ("read" in token.scopes or "admin" in token.scopes), if_none_match

    async def answer(self, scope: HTTPScope, services: Services) -> Answer | None:
        """The answer to a plain current-state read, or None when Litestar must answer."""
        routed = route_of(scope, HOT_READS)
        if routed is None:
            return None
        read, names = routed
        plain, if_none_match = self._plain(scope, read)
        if not plain:
            return None
        try:
            row = await read.service(services).get(read.key(*names))
            tag = etag(row.revision).encode()
            if if_none_match is not None and read.conditional:
                any_tag, tags = entity_tags(if_none_match.decode("latin-1"), "If-None-Match")
                if any_tag or row.revision in _revisions(tags, weak=True):
                    return Answer(read.template, 304, [(b"etag", tag), (b"vary", read.vary)], b"")
            body = await read.body(services, row, names)
        except Exception:  # Litestar reads it again and answers the problem
            return None
        headers = [
            (b"etag", tag),
            (b"vary", read.vary),
            (b"content-type", read.content_type),
            (b"content-length", str(len(body)).encode()),
        ]
        return Answer(read.template, 200, headers, body)
