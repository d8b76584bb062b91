"""Reads every revisioned resource answers the same way: current state, state at an instant, one revision,
the list of revisions (the Memento TimeMap), and listings with cursors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response

from romas.api.conditional import etag, not_modified
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.pagination import cursor_number, decode_cursor, encode_cursor
from romas.api.schemas import RevisionEntry, RevisionList, RevisionsEmbedded
from romas.api.timetravel import http_date, memento_headers, requested_instant
from romas.domain.errors import Gone
from romas.services.resources import ResourceKey, RevisionedService
from romas.store.eventstore import ResourceRow, RevisionInfo

Render = Callable[[ResourceRow, str], msgspec.Struct]
"""Builds a representation; the second argument is the ``self`` href (the resource or one revision)."""

IMMUTABLE = "public, max-age=31536000, immutable"


def encoded(
    body: msgspec.Struct | bytes,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = HAL_JSON,
) -> Response[Any]:
    content = body if isinstance(body, bytes) else msgspec.json.encode(body)
    return Response(content, status_code=status, media_type=media_type, headers=headers)


async def read_state(
    request: Request[Any, Any, Any], service: RevisionedService, key: ResourceKey, at: str | None
) -> tuple[ResourceRow, dict[str, str]]:
    """The state to show (current or as of an instant) and the headers that describe it."""
    instant = requested_instant(request, at)
    if instant is None:
        row = await service.get(key)
        return row, {"ETag": etag(row.revision), "Vary": "Accept-Datetime"}
    row = await service.as_of(key, instant)
    headers = memento_headers(key.stream_id, f"{key.stream_id}/revisions/{row.revision}", row.updated_at)
    headers["ETag"] = etag(row.revision)
    return row, headers


async def read_resource(
    request: Request[Any, Any, Any], service: RevisionedService, key: ResourceKey, at: str | None, render: Render
) -> Response[Any]:
    row, headers = await read_state(request, service, key, at)
    if not_modified(request, row.revision):
        return Response(b"", status_code=304, headers=headers)
    return encoded(render(row, key.stream_id), headers=headers)


async def read_revision(
    service: RevisionedService, key: ResourceKey, revision: int
) -> tuple[ResourceRow, dict[str, str]]:
    row = await service.revision(key, revision)
    if row.deleted:
        raise Gone(f"revision {revision} of {key.label} is its deletion", f"{key.stream_id}/revisions")
    path = f"{key.stream_id}/revisions/{revision}"
    headers = memento_headers(key.stream_id, path, row.updated_at)
    headers.update({"ETag": etag(revision), "Cache-Control": IMMUTABLE})
    del headers["Content-Location"]
    return row, headers


async def revision_resource(
    service: RevisionedService, key: ResourceKey, revision: int, render: Render
) -> Response[Any]:
    row, headers = await read_revision(service, key, revision)
    return encoded(render(row, f"{key.stream_id}/revisions/{revision}"), headers=headers)


def revision_entry(base: str, info: RevisionInfo, *, restorable: bool = True) -> RevisionEntry:
    links = {"self": link(f"{base}/revisions/{info.revision}")}
    if restorable and not info.deleted:
        links["restore"] = link(
            f"{base}/revisions/{info.revision}/restore", title="POST to make this the current state"
        )
    return RevisionEntry(
        revision=info.revision,
        recorded_at=info.recorded_at,
        type=info.event_type.rsplit(".", 1)[-1],
        actor=info.actor,
        summary=info.summary,
        changed=list(info.changed),
        deleted=info.deleted,
        meta=info.meta,
        links=links,
    )


async def revision_list(
    request: Request[Any, Any, Any],
    service: RevisionedService,
    key: ResourceKey,
    cursor: str | None,
    limit: int,
    *,
    base: str | None = None,
    changed: str | None = None,
    original: str | None = None,
) -> Response[Any]:
    """Newest first; ``base`` is the path revisions hang under (``/agents/a/code`` for code revisions)."""
    base = base or key.stream_id
    after = decode_cursor("revisions", cursor)
    before = cursor_number(after) if after is not None else None
    infos = await service.history(key, before=before, limit=limit + 1, changed=changed)
    page, more = infos[:limit], len(infos) > limit
    links: dict[str, Link] = {
        "self": link(with_query(f"{base}/revisions", cursor=cursor, limit=limit if cursor or limit != 50 else None)),
        "original": link(original or base),
    }
    headers: dict[str, str] = {}
    if more:
        next_href = with_query(
            f"{base}/revisions", cursor=encode_cursor("revisions", str(page[-1].revision)), limit=limit
        )
        links["next"] = link(next_href)
        headers["Link"] = f'<{next_href}>; rel="next"'
    body = RevisionList(
        count=len(page),
        links=links,
        embedded=RevisionsEmbedded([revision_entry(base, info) for info in page]),
    )
    return encoded(body, headers=headers)


def page_links(
    path: str, rows: list[ResourceRow], limit: int, cursor: str | None, at: str | None, kind: str
) -> tuple[dict[str, Link], dict[str, str]]:
    """``self`` and, when the page is full, ``next`` (also as a Link header)."""
    links = {"self": link(with_query(path, at=at, cursor=cursor, limit=limit if limit != 50 else None))}
    headers: dict[str, str] = {}
    if len(rows) > limit:
        next_href = with_query(path, at=at, cursor=encode_cursor(kind, rows[limit - 1].name), limit=limit)
        links["next"] = link(next_href)
        headers["Link"] = f'<{next_href}>; rel="next"'
    return links, headers


async def listing(
    request: Request[Any, Any, Any],
    service: RevisionedService,
    parent: str,
    cursor: str | None,
    limit: int,
    at: str | None,
) -> tuple[list[ResourceRow], dict[str, Link], dict[str, str]]:
    """One page of a collection, now or as of an instant; rows are ``limit`` long at most."""
    after = decode_cursor(service.kind, cursor)
    instant = requested_instant(request, at)
    if instant is None:
        rows = await service.listing(parent, after=after, limit=limit + 1)
    else:
        rows = await service.listing_as_of(parent, instant, after=after, limit=limit + 1)
    path = f"{parent}/{ResourceKey(service.kind, parent, 'x').collection}"
    links, headers = page_links(path, rows, limit, cursor, at, service.kind)
    if instant is not None:
        headers["Memento-Datetime"] = http_date(instant)
        headers["Vary"] = "Accept-Datetime"
    return rows[:limit], links, headers


def instant_of(request: Request[Any, Any, Any], at: str | None) -> datetime | None:
    return requested_instant(request, at)
