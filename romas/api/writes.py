"""Every write runs here: one transaction, the answer rendered inside it and, with an Idempotency-Key,
stored with it, so a 2xx always means committed and a retry replays the first answer."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Request, Response
from sqlalchemy.exc import IntegrityError

from romas.api.auth import actor_of
from romas.api.conditional import etag, preconditions
from romas.api.media import HAL_JSON
from romas.api.problems import ProblemError
from romas.services.container import Services
from romas.services.resources import ResourceKey, RevisionedService, Written
from romas.store.eventstore import ConcurrencyConflict, ResourceRow, StoredResponse, WriteContext, Writer

MAX_IDEMPOTENCY_KEY = 200


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    media_type: str = HAL_JSON
    headers: dict[str, str] = field(default_factory=dict)


Operation = Callable[[Writer], Awaitable[Reply]]


def representation(written: Written, body: msgspec.Struct, location: str, extra: dict[str, str] | None = None) -> Reply:
    """200 with the new state, or 201 + Location when the write brought the resource into being."""
    headers = {"ETag": etag(written.row.revision), "Content-Location": location}
    if written.created:
        headers["Location"] = location
    if extra:
        headers.update(extra)
    return Reply(201 if written.created else 200, msgspec.json.encode(body), HAL_JSON, headers)


def request_id(request: Request[Any, Any, Any]) -> str:
    """The id the request log shows and the answer's ``X-Request-Id`` carries (see observe.py)."""
    given = request.scope.get("state", {}).get("request_id")
    return str(given) if given else uuid.uuid4().hex


async def _fingerprint(request: Request[Any, Any, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.url.path.encode() + b"?" + request.url.query.encode() + b"\0")
    digest.update(await request.body())
    return digest.hexdigest()


def _response(reply: Reply, *, replayed: bool = False) -> Response[Any]:
    headers = dict(reply.headers)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)


def _replay(stored: StoredResponse, fingerprint: str, key: str) -> Response[Any]:
    if stored.fingerprint != fingerprint:
        raise ProblemError(
            422,
            "invalid-content",
            f"Idempotency-Key {key!r} was already used for a different request",
        )
    return _response(
        Reply(stored.status, stored.body, stored.headers.pop("content-type", HAL_JSON), stored.headers), replayed=True
    )


async def perform(
    request: Request[Any, Any, Any],
    services: Services,
    operation: Operation,
    *,
    extra_metadata: dict[str, Any] | None = None,
    light: bool = False,
) -> Response[Any]:
    """Run ``operation`` as one write request. ``light``: the operation runs one statement that writes nothing
    when the operation then fails (see ``Store.write``); a request with an Idempotency-Key is never light, since
    storing its answer is a second statement."""
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        raise ProblemError(400, "malformed-request", f"Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY} characters")
    actor = actor_of(request)
    context = WriteContext(
        actor=actor,
        request_id=request_id(request),
        idempotency_key=key,
        extra=extra_metadata or {},
    )
    fingerprint = await _fingerprint(request) if key else ""
    try:
        async with services.store.write(context, light=light and not key) as writer:
            if key:
                stored = await writer.stored_response(actor, key)
                if stored is not None:
                    return _replay(stored, fingerprint, key)
            reply = await operation(writer)
            if key and 200 <= reply.status < 300:
                headers = {**reply.headers, "content-type": reply.media_type}
                await writer.store_response(
                    actor,
                    key,
                    StoredResponse(request.method, request.url.path, fingerprint, reply.status, headers, reply.body),
                )
    except ConcurrencyConflict as exc:
        if request.headers.get("if-match") or request.headers.get("if-none-match"):
            raise ProblemError(412, "precondition-failed", f"{exc.stream_id} was changed concurrently") from None
        raise ProblemError(409, "conflict", f"{exc.stream_id} was changed concurrently; retry") from None
    except IntegrityError:
        # Two requests with one Idempotency-Key raced: the first committed, so replay its answer.
        if not key:
            raise
        async with services.store.write(context) as writer:
            stored = await writer.stored_response(actor, key)
        if stored is None:
            raise
        return _replay(stored, fingerprint, key)
    return _response(reply)


Change = Callable[[Writer], Awaitable[Written]]
Render = Callable[[ResourceRow, str], msgspec.Struct]


async def write_resource(
    request: Request[Any, Any, Any], services: Services, change: Change, render: Render, path: str
) -> Response[Any]:
    """PUT/PATCH: apply ``change`` and answer with the resource's new representation."""

    async def operation(writer: Writer) -> Reply:
        written = await change(writer)
        return representation(written, render(written.row, path), path)

    return await perform(request, services, operation)


async def delete_resource(
    request: Request[Any, Any, Any],
    services: Services,
    service: RevisionedService,
    key: ResourceKey,
    also: Callable[[Writer], Awaitable[None]] | None = None,
) -> Response[Any]:
    """DELETE: 204; ``also`` runs in the same transaction after the deletion."""
    pre = preconditions(request, required=services.settings.require_preconditions)

    async def operation(writer: Writer) -> Reply:
        written = await service.delete(writer, key, pre)
        if also is not None:
            await also(writer)
        return Reply(204, b"", HAL_JSON, {"ETag": etag(written.row.revision)})

    return await perform(request, services, operation)


async def restore_resource(
    request: Request[Any, Any, Any],
    services: Services,
    service: RevisionedService,
    key: ResourceKey,
    revision: int,
    render: Render,
) -> Response[Any]:
    """POST .../revisions/{n}/restore: a new revision equal to revision n (200, the resource's new state)."""
    pre = preconditions(request)

    async def operation(writer: Writer) -> Reply:
        written = await service.restore(writer, key, revision, pre)
        reply = representation(written, render(written.row, key.stream_id), key.stream_id)
        reply.status = 200
        reply.headers.pop("Location", None)
        return reply

    return await perform(request, services, operation)
