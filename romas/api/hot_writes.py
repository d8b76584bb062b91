"""``POST /agents/{name}/inbox``, ``POST /workspaces/{ws}/artefacts/{art}/operations/{op}`` and
``PUT /agents/{name}/code`` answered straight from ASGI, before Litestar routes the request.

Why: sending agents messages and invoking artefacts' operations are the busiest writes of a running MAS, and
Litestar's per-request machinery (routing, the before-request hook, dependency injection, decoding the body twice,
its response objects) cost about as much CPU as accepting the message or invocation itself. The hot path decodes the
body once (strictly, as the OpenAPI document says), runs the same write as the controller (a light write of one
statement: ``Runtime.accept_from_client``, which accepts the messages waiting beside it in the same statement,
``invocations.accept_if_live``) and answers the same 202 with the same body and headers.

A code deployment (hot deployment from an editor or a pipeline, one agent after another) is decided on the agent as
committed, outside the write transaction, and written by one statement that applies only if the agent is still at
the revision read (``AgentService.put_code_unlocked``): the group commit's transaction is held for that one round
trip, not for a read, the decision, the rendering and a second round trip, so concurrent deployments share batches
instead of queueing behind each other's work. An agent that moved meanwhile is read again. On PostgreSQL the
deployments waiting at the same time share that one statement, and a deployment decides on the agent as this process
last wrote it, without reading it (``romas/services/agents_deploy.py``).

Only the plain case is answered here: no query, a JSON ``Content-Type`` (UTF-8 code for ``PUT .../code``) and
``Content-Length`` (at most ``MAX_HOT_BODY`` bytes), no ``Idempotency-Key``, ``Prefer``, ``Origin`` (when CORS is
on), ``If-Match``/``If-None-Match`` (nor a server that requires them) or ``in_reply_to``, a sender that is a name,
arguments the operation takes, and a token with the scope the controller asks for when tokens are configured.
Anything else goes to Litestar with the body as it came. A write that was refused before anything was written (no
such agent or artefact, deleted, stopped, code that does not parse, a batch another request broke) goes to Litestar
too, which tries it again and answers as it always did; a write that failed otherwise (the database, say) is
answered 500 here, never tried twice, since it may have committed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from litestar.types import HTTPScope, Receive, ReceiveMessage

from romas.agentspeak import AgentSpeakSyntaxError, parse_term, source_term
from romas.api.agents import render_agent
from romas.api.auth import ANONYMOUS, token_of
from romas.api.conditional import etag
from romas.api.hot_reads import Answer, route_of
from romas.api.media import CODE_BODIES, HAL_JSON, JSON_BODIES, PROBLEM_JSON, base_type, charset
from romas.api.messages import MAX_CONTENT, MessageInput, render_message
from romas.api.nesting import too_deep
from romas.api.operations import OperationInput, render_invocation
from romas.api.problems import Problem, problem_type
from romas.config import Settings
from romas.domain.artefact_types import check_call
from romas.domain.errors import DomainError, NotFound
from romas.domain.names import is_name
from romas.records import record
from romas.runtime.ids import new_id
from romas.services.agents import validate_code
from romas.services.container import Services
from romas.services.workspaces import artefact_key
from romas.store import invocations
from romas.store.eventstore import WriteContext
from romas.store.group_commit import BatchBroken
from romas.store.invocations import NewInvocation

log = logging.getLogger("romas.api")

MAX_HOT_BODY = 64 * 1024
"""A larger message (up to the server's body limit) goes through Litestar, which reads it in pieces."""
_OPERATION = re.compile(r"^[a-z][a-zA-Z0-9_]{0,63}$")
_HAL = HAL_JSON.encode()
_MESSAGE = msgspec.json.Decoder(MessageInput, strict=True)
_OPERATION_INPUT = msgspec.json.Decoder(OperationInput, strict=True)
T = TypeVar("T")
Headers = list[tuple[bytes, bytes]]
Reply = tuple[int, Headers, bytes]
"""The status, headers and body of a hot write's answer."""
_LITESTARS = frozenset({b"idempotency-key", b"prefer", b"transfer-encoding", b"content-encoding", b"expect"})
"""Headers that send the request to Litestar: what they ask is the controller's to do."""
_PRECONDITIONS = frozenset({b"if-match", b"if-none-match"})
_CODE_CHARSETS = frozenset({None, "utf-8", "utf8", "us-ascii"})
CODE_ATTEMPTS = 3
"""Reads and decisions a code deployment makes before leaving the agent to Litestar, which writes under the lock."""


@record
class Request:
    """A plain write as the hot path read it: who sends it, the names in its path, its body."""

    services: Services
    names: tuple[str, ...]
    actor: str
    request_id: str | None
    body: bytes
    path: str

    def context(self) -> WriteContext:
        return WriteContext(actor=self.actor, request_id=self.request_id)


async def _post_message(request: Request) -> Reply | None:
    data = _decode(_MESSAGE, request.body)
    if data is None or data.in_reply_to is not None or (data.sender is not None and not is_name(data.sender)):
        return None
    if len(data.content) > MAX_CONTENT:
        return None
    contents = request.services.runtime.contents
    if contents.parsed(data.content) is not None:  # parsed before, and already in its printed form
        content = data.content
    else:
        try:
            term = parse_term(data.content)
        except AgentSpeakSyntaxError:
            return None
        content = source_term(term)
        if content == data.content:
            contents.remember(content, term)  # delivery takes it instead of parsing again
    (agent,) = request.names
    row = await request.services.runtime.accept_from_client(
        request.context(),
        agent,
        sender=data.sender if data.sender is not None else request.actor,
        performative=data.performative,
        content=content,
        expires_at=data.expires_at,
    )
    return _accepted(f"/agents/{agent}/inbox/{row.id}", msgspec.json.encode(render_message(row)))


async def _invoke(request: Request) -> Reply | None:
    ws, art, operation = request.names
    data = _decode(_OPERATION_INPUT, request.body)
    if data is None or not _OPERATION.match(operation):
        return None
    services = request.services
    artefacts = services.artefacts
    key = artefact_key(ws, art)
    new = NewInvocation(new_id(), ws, art, operation, list(data.args), request.actor, "rest")
    for _attempt in range(2):
        # The type as remembered: the accept writes only if the artefact is still of it.
        kind = await artefacts.type_of(key)
        artefact_type = services.registry.get(kind)
        if artefact_type is None or check_call(artefact_type, operation, data.args) is not None:
            return None
        gate, at = await artefacts.accepts.submit((new, request.context(), kind))
        if not gate.exists or gate.deleted:
            artefacts.learned_type(key, None)
            raise NotFound(f"there is no live artefact {art} in {ws}")  # nothing written; Litestar says which
        if gate.accepted:
            location = f"/workspaces/{ws}/artefacts/{art}/invocations/{new.id}"
            return _accepted(location, msgspec.json.encode(render_invocation(invocations.accepted_row(new, at))))
        artefacts.learned_type(key, gate.type)  # made again with another type meanwhile: check the call again
    return None


async def _put_code(request: Request) -> Reply | None:
    try:
        code = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    (name,) = request.names
    agents = request.services.agents
    validate_code(code, await agents.code_files(code), name)
    for _attempt in range(CODE_ATTEMPTS):
        written = await agents.put_code_unlocked(name, code, request.context())
        if written is not None:
            break
    else:
        return None
    location = f"/agents/{name}"
    body = msgspec.json.encode(render_agent(written.row, location))
    where = location.encode()
    headers = [(b"etag", etag(written.row.revision).encode()), (b"content-location", where)]
    if written.created:
        headers.append((b"location", where))
    headers += [(b"content-type", _HAL), (b"content-length", str(len(body)).encode())]
    return 201 if written.created else 200, headers, body


def _accepted(location: str, body: bytes) -> Reply:
    """202 with the new resource as written, where it is (``Location``) and that the body is it."""
    where = location.encode()
    headers = [
        (b"location", where),
        (b"content-location", where),
        (b"content-type", _HAL),
        (b"content-length", str(len(body)).encode()),
    ]
    return 202, headers, body


@record
class HotWrite:
    template: str
    """The route as Litestar names it (the metrics' and the request log's ``route``)."""
    path: re.Pattern[str]
    run: Callable[[Request], Awaitable[Reply | None]]
    """Runs the write; the answer, or None when Litestar must answer."""
    scope: str = "operate"
    """What a token must allow (the controller's scope)."""
    code: bool = False
    """The body is AgentSpeak code (text), not JSON, and preconditions are the controller's."""


_WRITES = {
    "POST": (
        HotWrite("/agents/{name}/inbox", re.compile(r"/agents/([^/]+)/inbox"), _post_message),
        HotWrite(
            "/workspaces/{ws}/artefacts/{art}/operations/{operation}",
            re.compile(r"/workspaces/([^/]+)/artefacts/([^/]+)/operations/([^/]+)"),
            _invoke,
        ),
    ),
    "PUT": (HotWrite("/agents/{name}/code", re.compile(r"/agents/([^/]+)/code"), _put_code, "write", code=True),),
}
METHODS = frozenset(_WRITES)
"""The methods some hot write answers."""


class HotWrites:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cors = bool(settings.cors_origins)

    def _plain(self, scope: HTTPScope, write: HotWrite) -> tuple[str | None, int]:
        """The actor when Litestar is not needed for these headers (else None), and the body's length."""
        if write.code and self.settings.require_preconditions:
            return None, 0
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
            elif name in _LITESTARS or (name == b"origin" and self.cors) or (write.code and name in _PRECONDITIONS):
                return None, 0
            elif name == b"authorization" and authorization is None:
                authorization = value  # the first one, as Litestar's hook reads it
        if content_type is None or not _takes(write, content_type.decode("latin-1")):
            return None, 0
        if length is None or not length.isdigit() or int(length) > MAX_HOT_BODY:
            return None, 0
        if not self.settings.tokens:
            return ANONYMOUS, int(length)
        token = token_of((authorization or b"").decode("latin-1"), self.settings)
        if token is None or not (write.scope in token.scopes or "admin" in token.scopes):
            return None, 0
        return token.name, int(length)

    async def answer(self, scope: HTTPScope, receive: Receive, services: Services) -> tuple[Answer | None, Receive]:
        """The answer to a plain write, or None and what Litestar must receive (the body, read or not)."""
        routed = route_of(scope, _WRITES[scope["method"]], named=2)  # an operation's name is checked by _invoke
        if routed is None:
            return None, receive
        write, names = routed
        path = scope["path"]
        actor, length = self._plain(scope, write)
        if actor is None:
            return None, receive
        body, receive = await _read(receive, length)
        if body is None:
            return None, receive
        request_id = scope.get("state", {}).get("request_id")
        request = Request(services, names, actor, str(request_id) if request_id else None, body, path)
        try:
            accepted = await write.run(request)
        except (DomainError, BatchBroken):  # nothing was written: Litestar tries again and answers as it does
            return None, receive
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], path)
            return _internal_error(write.template, path), receive
        if accepted is None:
            return None, receive
        return Answer(write.template, *accepted), receive


def _takes(write: HotWrite, content_type: str) -> bool:
    if not write.code:
        return base_type(content_type) in JSON_BODIES
    return base_type(content_type) in CODE_BODIES and charset(content_type) in _CODE_CHARSETS


def _decode(decoder: msgspec.json.Decoder[T], body: bytes) -> T | None:
    if too_deep(body):
        return None
    try:
        return decoder.decode(body)
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


def _internal_error(template: str, path: str) -> Answer:
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
    return Answer(template, 500, headers, body)
