"""``POST /agents/{name}/inbox`` answered straight from ASGI, before Litestar routes the request.

Why: sending agents messages is the busiest write of a running MAS, and Litestar's per-request machinery (routing,
the before-request hook, dependency injection, decoding the body twice, its response objects) cost about as much
CPU as accepting the message itself. The hot path decodes the body once (strictly, as the OpenAPI document says),
runs the same write as the controller (``Runtime.accept_client_message``, a light write of one statement) and
answers the same 202 with the same body and headers.

Only the plain case is answered here: no query, a JSON ``Content-Type`` and ``Content-Length`` (at most
``MAX_HOT_BODY`` bytes), no ``Idempotency-Key``, ``Prefer``, ``Origin`` (when CORS is on) or ``in_reply_to``, a
sender that is a name, and a token allowed to operate when tokens are configured. Anything else goes to Litestar
with the body as it came. A write that was refused before anything was written (no such agent, deleted, stopped,
a batch another request broke) goes to Litestar too, which tries it again and answers as it always did; a write
that failed otherwise (the database, say) is answered 500 here, never tried twice, since it may have committed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar.types import HTTPScope, Receive, ReceiveMessage

from romas.agentspeak import AgentSpeakSyntaxError, parse_term, source_term
from romas.api.auth import ANONYMOUS, token_of
from romas.api.hot_reads import Answer
from romas.api.media import HAL_JSON, JSON_BODIES, PROBLEM_JSON, base_type
from romas.api.messages import MAX_CONTENT, MessageInput, render_message
from romas.api.nesting import too_deep
from romas.api.problems import Problem, problem_type
from romas.config import Settings
from romas.domain.errors import DomainError
from romas.domain.names import NAME_PATTERN, is_name
from romas.services.container import Services
from romas.store.eventstore import WriteContext
from romas.store.group_commit import BatchBroken

log = logging.getLogger("romas.api")

TEMPLATE = "/agents/{name}/inbox"
MAX_HOT_BODY = 64 * 1024
"""A larger message (up to the server's body limit) goes through Litestar, which reads it in pieces."""
_PATH = re.compile(r"/agents/([^/]+)/inbox")
_NAME = re.compile(NAME_PATTERN)
_HAL = HAL_JSON.encode()
_DECODER = msgspec.json.Decoder(MessageInput, strict=True)
_LITESTARS = frozenset({b"idempotency-key", b"prefer", b"transfer-encoding", b"content-encoding", b"expect"})
"""Headers that send the request to Litestar: what they ask is the controller's to do."""


class HotWrites:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cors = bool(settings.cors_origins)

    def _plain(self, scope: HTTPScope) -> tuple[str | None, int]:
        """The actor when Litestar is not needed for these headers (else None), and the body's length."""
        content_type: bytes | None = None
        length: bytes | None = None
        authorization: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"content-type" or name == b"content-length":
                if (content_type if name == b"content-type" else length) is not None:
                    return None, 0  # repeated: Litestar decides
                if name == b"content-type":
                    content_type = value
                else:
                    length = value
            elif name in _LITESTARS or (name == b"origin" and self.cors):
                return None, 0
            elif name == b"authorization" and authorization is None:
                authorization = value  # the first one, as Litestar's hook reads it
        if content_type is None or base_type(content_type.decode("latin-1")) not in JSON_BODIES:
            return None, 0
        if length is None or not length.isdigit() or int(length) > MAX_HOT_BODY:
            return None, 0
        if not self.settings.tokens:
            return ANONYMOUS, int(length)
        token = token_of((authorization or b"").decode("latin-1"), self.settings)
        if token is None or not ("operate" in token.scopes or "admin" in token.scopes):
            return None, 0
        return token.name, int(length)

    async def answer(self, scope: HTTPScope, receive: Receive, services: Services) -> tuple[Answer | None, Receive]:
        """The answer to a plain inbox POST, or None and what Litestar must receive (the body, read or not)."""
        if scope["query_string"]:
            return None, receive
        found = _PATH.fullmatch(scope["path"])
        if found is None:
            return None, receive
        agent = found.group(1)
        if not _NAME.match(agent):
            return None, receive
        actor, length = self._plain(scope)
        if actor is None:
            return None, receive
        body, receive = await _read(receive, length)
        if body is None:
            return None, receive
        data = _decode(body)
        if data is None or data.in_reply_to is not None or (data.sender is not None and not is_name(data.sender)):
            return None, receive
        if len(data.content) > MAX_CONTENT:
            return None, receive
        try:
            content = source_term(parse_term(data.content))
        except AgentSpeakSyntaxError:
            return None, receive
        request_id = scope.get("state", {}).get("request_id")
        context = WriteContext(actor=actor, request_id=str(request_id) if request_id else None)
        try:
            async with services.store.write(context, light=True) as writer:
                row = await services.runtime.accept_client_message(
                    writer,
                    agent,
                    sender=data.sender if data.sender is not None else actor,
                    performative=data.performative,
                    content=content,
                    in_reply_to=None,
                    expires_at=data.expires_at,
                )
        except (DomainError, BatchBroken):  # nothing was written: Litestar tries again and answers as it does
            return None, receive
        except Exception:
            log.exception("unhandled error on POST %s", scope["path"])
            return _internal_error(scope["path"]), receive
        location = f"/agents/{agent}/inbox/{row.id}".encode()
        encoded = msgspec.json.encode(render_message(row))
        headers = [
            (b"location", location),
            (b"content-location", location),
            (b"content-type", _HAL),
            (b"content-length", str(len(encoded)).encode()),
        ]
        return Answer(TEMPLATE, 202, headers, encoded), receive


def _decode(body: bytes) -> MessageInput | None:
    if too_deep(body):
        return None
    try:
        return _DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


async def _read(receive: Receive, length: int) -> tuple[bytes | None, Receive]:
    """Read the whole body; answer it (None if the client went away or sent more than it said) and a receive that
    gives Litestar the same messages again."""
    messages: list[ReceiveMessage] = []
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, _replaying(messages, receive)
        part = message.get("body", b"")
        size += len(part)
        parts.append(part)
        if size > length:
            return None, _replaying(messages, receive)
        if not message.get("more_body", False):
            break
    return b"".join(parts), _replaying(messages, receive)


def _replaying(messages: list[ReceiveMessage], receive: Receive) -> Callable[[], Awaitable[Any]]:
    queued = list(messages)

    async def replay() -> Any:
        if queued:
            return queued.pop(0)
        return await receive()

    return replay


def _internal_error(path: str) -> Answer:
    body = msgspec.json.encode(
        Problem(
            type=problem_type("internal-error"),
            title="Internal Server Error",
            status=500,
            detail="the server failed to answer; this is a bug in romas",
            instance=path,
        )
    )
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    return Answer(TEMPLATE, 500, headers, body)
