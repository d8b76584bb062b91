"""``/agents/{name}/inbox`` and ``/agents/{name}/outbox``: messages as resources with a status to follow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter

from romas.agentspeak import AgentSpeakSyntaxError, parse_term, source_term
from romas.api import writes
from romas.api.auth import actor_of
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_truth import closed_body
from romas.api.pagination import before_cursor, newest_first_links
from romas.api.prefer import preferred_wait
from romas.api.problems import problem_specs
from romas.api.schemas import Cursor, Limit, Name
from romas.api.views import encoded
from romas.api.waiting import read_after_waiting
from romas.domain.errors import CodeError, FieldError, InvalidCode, InvalidInput, NotFound
from romas.domain.names import NAME_PATTERN, is_name
from romas.interop.external import settle_answer
from romas.runtime.ids import ID_PATTERN
from romas.runtime.runtime import RETRYABLE_STATUSES
from romas.services.agents import agent_key
from romas.services.container import Services
from romas.store import inbox
from romas.store.eventstore import Writer
from romas.store.inbox import MessageRow

Performative = Literal[
    "tell", "untell", "achieve", "unachieve", "askOne", "askAll", "tellHow", "untellHow", "askHow", "signal"
]
MessageStatus = Literal["accepted", "delivered", "processed", "failed", "expired", "cancelled"]
MessageId = Annotated[str, Parameter(pattern=ID_PATTERN, description="A message id.")]
StatusFilter = Annotated[MessageStatus | None, Parameter(description="Only messages with this status")]
MAX_CONTENT = 256 * 1024


@closed_body()
class MessageInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    performative: Performative
    content: str
    """An AgentSpeak term (for tellHow, a plan in a string)."""
    sender: str | None = None
    """Who the agent sees as the source; defaults to the caller's name."""
    in_reply_to: str | None = None
    expires_at: datetime | None = None


class MessageBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    agent: str
    sender: str
    origin: Literal["rest", "agent"]
    performative: str
    content: str
    status: MessageStatus
    accepted_at: datetime
    in_reply_to: str | None = None
    delivered_at: datetime | None = None
    processed_at: datetime | None = None
    failed_at: datetime | None = None
    expired_at: datetime | None = None
    cancelled_at: datetime | None = None
    expires_at: datetime | None = None
    reply: str | None = None
    error: dict[str, Any] | None = None
    retry_of: str | None = None
    """The failed or expired message this one reprocesses."""
    retried_by: str | None = None
    """The message that reprocesses this one."""
    links: dict[str, Link] = msgspec.field(name="_links")


class MessagesEmbedded(msgspec.Struct):
    messages: list[MessageBody]


class MessageList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: MessagesEmbedded = msgspec.field(name="_embedded")


def render_message(row: MessageRow) -> MessageBody:
    base = f"/agents/{row.agent}/inbox/{row.id}"
    finished = {f"{row.status}_at": row.finished_at} if row.finished_at is not None else {}
    links = {
        "self": link(base),
        "agent": link(f"/agents/{row.agent}"),
        "inbox": link(f"/agents/{row.agent}/inbox"),
        "events": link(with_query("/events", stream=base)),
    }
    if row.origin == "agent":
        links["sender"] = link(f"/agents/{row.sender}")
    if row.in_reply_to is not None:
        links["in_reply_to"] = link(f"/agents/{row.sender}/inbox/{row.in_reply_to}")
    if row.retry_of is not None:
        links["retry_of"] = link(f"/agents/{row.agent}/inbox/{row.retry_of}")
    if row.retried_by is not None:
        links["retried_by"] = link(f"/agents/{row.agent}/inbox/{row.retried_by}")
    elif row.status in RETRYABLE_STATUSES:
        links["retry"] = link(f"{base}/retry", title="POST: reprocess it as a new message")
    return MessageBody(
        id=row.id,
        agent=row.agent,
        sender=row.sender,
        origin="agent" if row.origin == "agent" else "rest",
        performative=row.performative,
        content=row.content,
        status=row.status,  # type: ignore[arg-type]
        accepted_at=row.accepted_at,
        in_reply_to=row.in_reply_to,
        delivered_at=row.delivered_at,
        expires_at=row.expires_at,
        reply=row.reply,
        error=row.error,
        retry_of=row.retry_of,
        retried_by=row.retried_by,
        links=links,
        **finished,
    )


def _content(text: str) -> str:
    """The content as the agent will read it: an AgentSpeak term, checked and normalised now."""
    if len(text) > MAX_CONTENT:
        raise InvalidInput("the content is too long", [FieldError("/content", f"at most {MAX_CONTENT} characters")])
    try:
        return source_term(parse_term(text))
    except AgentSpeakSyntaxError as exc:
        raise InvalidCode(
            "the content is not an AgentSpeak term",
            [CodeError(d.line, d.column, d.message) for d in exc.diagnostics],
        ) from None


async def message_page(
    path: str, rows_query: Any, cursor: str | None, limit: int, status: str | None
) -> Response[MessageList]:
    before = before_cursor("messages", cursor)
    rows: list[MessageRow] = await rows_query(before=before, limit=limit + 1)
    page = rows[:limit]
    more = page[-1].seq if len(rows) > limit else None
    links, headers = newest_first_links("messages", path, cursor, limit, more, status=status)
    body = MessageList(count=len(page), links=links, embedded=MessagesEmbedded([render_message(r) for r in page]))
    return encoded(body, headers=headers)


async def _require_agent(services: Services, name: str) -> None:
    await services.agents.get(agent_key(name))


class InboxController(Controller):
    path = "/agents/{name:str}/inbox"
    tags = ["agents"]

    @post(
        "/",
        summary="Send the agent a message; 202 + Location of the message, or 200 with its final state under "
        "Prefer: wait=N",
        media_type=HAL_JSON,
        status_code=202,
        opt={"scope": "operate"},
        responses={
            200: ResponseSpec(
                MessageBody, description="Final state (Prefer: wait)", media_type=HAL_JSON, generate_examples=False
            ),
            **problem_specs(400, 404, 409, 410, 413, 415, 422),
        },
    )
    async def post_message(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, data: JSONBody[MessageInput]
    ) -> Response[MessageBody]:
        content = _content(data.content)
        sender = data.sender if data.sender is not None else actor_of(request)
        if data.sender is not None and not is_name(data.sender):
            raise InvalidInput("the sender is not a name", [FieldError("/sender", f"expected {NAME_PATTERN}")])
        if data.in_reply_to is not None and len(data.in_reply_to) > 64:
            raise InvalidInput("in_reply_to is too long", [FieldError("/in_reply_to", "at most 64 characters")])
        runtime = services.runtime
        written: list[MessageRow] = []

        async def operation(writer: Writer) -> writes.Reply:
            row = await runtime.accept_client_message(
                writer,
                name,
                sender=sender,
                performative=data.performative,
                content=content,
                in_reply_to=data.in_reply_to,
                expires_at=data.expires_at,
            )
            written[:] = [row]
            message_id = row.id
            if data.in_reply_to is not None:
                await settle_answer(writer, sender, data.in_reply_to, content)
            location = f"/agents/{name}/inbox/{message_id}"
            body = {"id": message_id, "agent": name, "status": "accepted", "_links": {"self": {"href": location}}}
            return writes.Reply(202, msgspec.json.encode(body), HAL_JSON, {"Location": location})

        # One statement when the message answers nobody (settling an answer writes more): no savepoint needed.
        response = await writes.perform(request, services, operation, light=data.in_reply_to is None)
        location = response.headers.get("Location", "")
        message_id = location.rsplit("/", 1)[-1]
        wait = preferred_wait(request)
        replayed = any(key.lower() == "idempotent-replayed" for key in response.headers)
        if wait is None and not replayed and written and written[0].id == message_id:
            # The message as this request wrote it: no read after the commit.
            return encoded(
                render_message(written[0]),
                status=response.status_code or 202,
                headers={"Location": location, "Content-Location": location},
            )
        answer = await respond_with_state(services, name, message_id, location, wait, response.status_code or 202)
        if replayed:
            answer.headers["Idempotent-Replayed"] = "true"
        return answer

    @get("/", summary="The agent's messages, newest first", media_type=HAL_JSON, responses=problem_specs(400, 404, 410))
    async def list_messages(
        self, services: ServicesDep, name: Name, status: StatusFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[MessageList]:
        await _require_agent(services, name)

        async def query(before: int | None, limit: int) -> list[MessageRow]:
            return await inbox.listing(services.store, agent=name, status=status, before=before or 2**62, limit=limit)

        return await message_page(f"/agents/{name}/inbox", query, cursor, limit, status)

    @post(
        "/{message_id:str}/retry",
        summary="Reprocess a failed or expired message as a new message linked to it; 202 + Location of the new "
        "message, or 200 with its final state under Prefer: wait=N",
        media_type=HAL_JSON,
        status_code=202,
        opt={"scope": "operate"},
        responses={
            200: ResponseSpec(
                MessageBody, description="Final state (Prefer: wait)", media_type=HAL_JSON, generate_examples=False
            ),
            **problem_specs(400, 404, 409, 410),
        },
    )
    async def retry_message(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, message_id: MessageId
    ) -> Response[MessageBody]:
        runtime = services.runtime

        async def operation(writer: Writer) -> writes.Reply:
            retry_id = await runtime.retry_message(writer, name, message_id)
            location = f"/agents/{name}/inbox/{retry_id}"
            body = {"id": retry_id, "agent": name, "status": "accepted", "_links": {"self": {"href": location}}}
            return writes.Reply(202, msgspec.json.encode(body), HAL_JSON, {"Location": location})

        response = await writes.perform(request, services, operation)
        location = response.headers.get("Location", "")
        retry_id = location.rsplit("/", 1)[-1]
        wait = preferred_wait(request)
        answer = await respond_with_state(services, name, retry_id, location, wait, response.status_code or 202)
        if any(key.lower() == "idempotent-replayed" for key in response.headers):
            answer.headers["Idempotent-Replayed"] = "true"
        return answer

    @get(
        "/{message_id:str}",
        summary="One message and where it stands",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404),
    )
    async def get_message(self, services: ServicesDep, name: Name, message_id: MessageId) -> Response[MessageBody]:
        row = await inbox.get(services.store, name, message_id)
        if row is None:
            raise NotFound(f"agent {name} has no message {message_id}")
        return encoded(render_message(row))


async def respond_with_state(
    services: Services, name: str, message_id: str, location: str, wait: float | None, status: int
) -> Response[Any]:
    """The accepted message, or its final state when the client asked to wait and it got there in time."""

    async def load() -> MessageRow:
        row = await inbox.get(services.store, name, message_id)
        if row is None:
            raise NotFound(f"agent {name} has no message {message_id}")
        return row

    row = await read_after_waiting(services.runtime.waiters, f"message:{message_id}", load, wait)
    headers = {"Location": location, "Content-Location": location}
    if wait is not None:
        headers["Preference-Applied"] = f"wait={wait:g}"
    final = row.final and wait is not None
    return encoded(render_message(row), status=200 if final else status, headers=headers)


class OutboxController(Controller):
    path = "/agents/{name:str}/outbox"
    tags = ["agents"]

    @get(
        "/",
        summary="The messages the agent sent, newest first, with their delivery status",
        media_type=HAL_JSON,
        responses=problem_specs(400, 404, 410),
    )
    async def outbox(
        self, services: ServicesDep, name: Name, status: StatusFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[MessageList]:
        await _require_agent(services, name)

        async def query(before: int | None, limit: int) -> list[MessageRow]:
            return await inbox.listing(services.store, sender=name, status=status, before=before or 2**62, limit=limit)

        return await message_page(f"/agents/{name}/outbox", query, cursor, limit, status)


class MessagesController(Controller):
    """Every agent's messages in one collection: with ``?status=failed`` (or ``expired``), the dead letters."""

    path = "/messages"
    tags = ["agents"]

    @get(
        "/",
        summary="Messages of every agent, newest first; ?status=failed or ?status=expired lists the dead letters",
        media_type=HAL_JSON,
        responses=problem_specs(400),
    )
    async def all_messages(
        self, services: ServicesDep, status: StatusFilter = None, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[MessageList]:
        async def query(before: int | None, limit: int) -> list[MessageRow]:
            return await inbox.listing(services.store, status=status, before=before or 2**62, limit=limit)

        return await message_page("/messages", query, cursor, limit, status)
