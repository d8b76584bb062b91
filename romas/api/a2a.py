"""A2A endpoints: Agent Cards (``/.well-known/agent-card.json`` and one per opted-in agent) and each agent's
HTTP+JSON and JSON-RPC bindings. Tasks are the agent's inbox messages (see ``romas/interop/a2a.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream

from romas import __version__
from romas.api.auth import actor_of
from romas.api.deps import ServicesDep
from romas.api.nesting import MAX_DEPTH, too_deep
from romas.api.problems import ProblemError, problem_specs
from romas.api.schemas import Name
from romas.api.waiting import read_after_waiting
from romas.domain.errors import DomainError
from romas.interop import a2a
from romas.runtime.ids import is_id, new_id
from romas.services.container import Services
from romas.store import inbox
from romas.store.eventstore import WriteContext
from romas.store.inbox import MessageRow

JSON = "application/json"
BLOCKING_WAIT_S = 30.0
MAX_PAGE = 100
# JSON-RPC error codes of the A2A specification.
TASK_NOT_FOUND = -32001
TASK_NOT_CANCELABLE = -32002
INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601
PARSE_ERROR = -32700


class A2AError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _base(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


async def _opted_in(services: Services, name: str) -> dict[str, Any]:
    row = await services.store.current(f"/agents/{name}")
    if row is None or row.deleted or a2a.a2a_settings(row.state) is None:
        raise A2AError(404, TASK_NOT_FOUND, f"{name} is not an A2A agent here (metadata.a2a.enabled)")
    return row.state


async def _task_row(services: Services, name: str, task_id: str) -> MessageRow:
    row = await inbox.get(services.store, name, task_id) if is_id(task_id) else None
    if row is None:
        raise A2AError(404, TASK_NOT_FOUND, f"{name} has no task {task_id}")
    return row


async def _body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    raw = await request.body()
    if too_deep(raw):
        raise A2AError(400, PARSE_ERROR, f"the JSON body nests more than {MAX_DEPTH} levels deep")
    try:
        body = msgspec.json.decode(raw) if raw else {}
    except msgspec.DecodeError:
        raise A2AError(400, PARSE_ERROR, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise A2AError(400, INVALID_PARAMS, "the body must be a JSON object")
    return body


async def send_message(
    request: Request[Any, Any, Any], services: Services, name: str, params: dict[str, Any]
) -> dict[str, Any]:
    """SendMessage: the message becomes an inbox message (the task); blocking unless ``returnImmediately``."""
    await _opted_in(services, name)
    message = params.get("message")
    if not isinstance(message, dict):
        raise A2AError(400, INVALID_PARAMS, "params.message is required")
    try:
        performative, content = a2a.to_inbox(message)
    except a2a.Refused as exc:
        return {"task": a2a.rejected_task(new_id(), str(exc))}
    configuration = params.get("configuration") if isinstance(params.get("configuration"), dict) else {}
    blocking = not (isinstance(configuration, dict) and configuration.get("returnImmediately") is True)
    actor = actor_of(request)
    try:
        async with services.store.write(WriteContext(actor=actor, extra={"via": "a2a"})) as writer:
            message_id = await services.runtime.accept_message(
                writer,
                name,
                sender=actor,
                performative=performative,
                content=content,
                in_reply_to=None,
                expires_at=None,
            )
    except DomainError as exc:
        return {"task": a2a.rejected_task(new_id(), str(exc))}

    async def load() -> MessageRow:
        return await _task_row(services, name, message_id)

    wait = BLOCKING_WAIT_S if blocking else None
    row = await read_after_waiting(services.runtime.waiters, f"message:{message_id}", load, wait)
    return {"task": a2a.task_of(row)}


async def get_task(services: Services, name: str, task_id: str) -> dict[str, Any]:
    await _opted_in(services, name)
    return a2a.task_of(await _task_row(services, name, task_id))


async def list_tasks(services: Services, name: str, page_size: int, page_token: str | None) -> dict[str, Any]:
    await _opted_in(services, name)
    before: int | None = None
    if page_token:
        try:
            before = int(page_token)
        except ValueError:
            raise A2AError(400, INVALID_PARAMS, "pageToken is not one romas handed out") from None
    size = max(1, min(page_size or 50, MAX_PAGE))
    rows = await inbox.listing(services.store, agent=name, before=before, limit=size + 1)
    page = rows[:size]
    return {
        "tasks": [a2a.task_of(r, history=False) for r in page],
        "nextPageToken": str(page[-1].seq) if len(rows) > size else "",
        "pageSize": size,
        "totalSize": len(page),
    }


async def cancel_task(services: Services, name: str, task_id: str) -> dict[str, Any]:
    """A romas message cannot be taken back once accepted: the agent owns it from then on."""
    await _opted_in(services, name)
    row = await _task_row(services, name, task_id)
    raise A2AError(409, TASK_NOT_CANCELABLE, f"task {row.id} cannot be canceled: romas agents finish what they accept")


KEEPALIVE_S = 15.0


async def task_updates(services: Services, name: str, task_id: str, wrap: Any = None) -> AsyncIterator[bytes]:
    """SSE of one task: the task now, then (when it ends) its artifact and final status. ``wrap`` puts each event
    in a JSON-RPC answer."""

    def event(body: dict[str, Any]) -> bytes:
        payload = {"jsonrpc": "2.0", "id": wrap, "result": body} if wrap is not None else body
        return b"data: " + msgspec.json.encode(payload) + b"\n\n"

    async def load() -> MessageRow:
        return await _task_row(services, name, task_id)

    row = await load()
    yield event({"task": a2a.task_of(row)})
    while not row.final:
        row = await read_after_waiting(services.runtime.waiters, f"message:{task_id}", load, KEEPALIVE_S)
        if not row.final:
            yield b": keep-alive\n\n"
    for update in a2a.final_updates(row):
        yield event(update)


class EventStream(Stream):
    """A stream that stays ``text/event-stream`` even from a handler whose other answers are JSON."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = None
        return super().to_asgi_response(*args, **kwargs)


def _stream(updates: AsyncIterator[bytes]) -> Stream:
    return EventStream(updates, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def start_streaming(
    request: Request[Any, Any, Any], services: Services, name: str, params: dict[str, Any], wrap: Any = None
) -> Stream:
    """SendStreamingMessage: accept the message without waiting, then follow its task."""
    configuration = params.get("configuration") if isinstance(params.get("configuration"), dict) else {}
    started = await send_message(
        request, services, name, {**params, "configuration": {**(configuration or {}), "returnImmediately": True}}
    )
    task = started["task"]
    if task["status"]["state"] == "TASK_STATE_REJECTED":

        async def rejected() -> AsyncIterator[bytes]:
            body = {"task": task}
            payload = {"jsonrpc": "2.0", "id": wrap, "result": body} if wrap is not None else body
            yield b"data: " + msgspec.json.encode(payload) + b"\n\n"

        return _stream(rejected())
    return _stream(task_updates(services, name, task["id"], wrap))


def _answer(body: dict[str, Any], status: int = 200) -> Response[Any]:
    return Response(msgspec.json.encode(body), status_code=status, media_type=JSON)


def _error(exc: A2AError) -> Response[Any]:
    return _answer({"error": {"code": exc.code, "message": exc.message, "status": exc.status}}, exc.status)


class AgentCardController(Controller):
    path = "/"
    tags = ["a2a"]

    @get(
        "/.well-known/agent-card.json", summary="The A2A index: romas and the cards of its A2A agents", media_type=JSON
    )
    async def index(self, request: Request[Any, Any, Any], services: ServicesDep) -> Response[Any]:
        base = _base(request)
        skills: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            rows = await services.store.list_current("agent", "", after=after, limit=500)
            for row in rows:
                if a2a.a2a_settings(row.state) is not None:
                    skills.append(
                        {
                            "id": row.name,
                            "name": row.name,
                            "description": str(row.state.get("description") or f"the romas agent {row.name}"),
                            "tags": ["agent", f"{base}/agents/{row.name}/.well-known/agent-card.json"],
                        }
                    )
            if len(rows) < 500:
                break
            after = rows[-1].name
        card = {
            "name": "romas",
            "description": "A romas multi-agent system; each skill is an agent with its own card at "
            "/agents/{name}/.well-known/agent-card.json",
            "supportedInterfaces": [],
            "provider": {"organization": "romas", "url": base},
            "version": __version__,
            "capabilities": {"streaming": False, "pushNotifications": False},
            "defaultInputModes": ["text/plain", "application/json"],
            "defaultOutputModes": ["text/plain"],
            "skills": skills,
        }
        return _answer(card)

    @get(
        "/agents/{name:str}/.well-known/agent-card.json",
        summary="An A2A agent's Agent Card",
        media_type=JSON,
        responses=problem_specs(404),
    )
    async def card(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> Response[Any]:
        row = await services.store.current(f"/agents/{name}")
        settings = a2a.a2a_settings(row.state) if row is not None and not row.deleted else None
        if row is None or settings is None:
            raise ProblemError(404, "not-found", f"{name} is not an A2A agent here (metadata.a2a.enabled)")
        return _answer(a2a.agent_card(_base(request), name, row.state, settings))


_A2A_RESPONSES = {
    200: ResponseSpec(dict[str, Any], description="The A2A answer", media_type=JSON),
    **problem_specs(400),
}


class A2AController(Controller):
    """The HTTP+JSON binding of A2A v1.0 at ``/agents/{name}/a2a``, and its JSON-RPC binding at ``.../jsonrpc``."""

    path = "/agents/{name:str}/a2a"
    tags = ["a2a"]

    @post(
        "/message:send",
        summary="A2A SendMessage (HTTP+JSON)",
        media_type=JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def send(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> Response[Any]:
        try:
            return _answer(await send_message(request, services, name, await _body(request)))
        except A2AError as exc:
            return _error(exc)

    @post(
        "/message:stream",
        summary="A2A SendStreamingMessage (HTTP+JSON): the task's updates as Server-Sent Events",
        media_type="text/event-stream",
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def stream(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name
    ) -> Response[Any] | Stream:
        try:
            return await start_streaming(request, services, name, await _body(request))
        except A2AError as exc:
            return _error(exc)

    @get(
        "/tasks",
        summary="A2A ListTasks (HTTP+JSON): the agent's messages as tasks, newest first",
        media_type=JSON,
        responses=_A2A_RESPONSES,
    )
    async def tasks(
        self,
        services: ServicesDep,
        name: Name,
        pageSize: int = 50,
        pageToken: str | None = None,
    ) -> Response[Any]:
        try:
            return _answer(await list_tasks(services, name, pageSize, pageToken))
        except A2AError as exc:
            return _error(exc)

    @get(
        "/tasks/{task_id:str}",
        summary="A2A GetTask (HTTP+JSON): the message as a task",
        media_type=JSON,
        responses=_A2A_RESPONSES,
    )
    async def task(self, services: ServicesDep, name: Name, task_id: str) -> Response[Any]:
        try:
            return _answer(await get_task(services, name, task_id))
        except A2AError as exc:
            return _error(exc)

    @post(
        "/tasks/{task_ref:str}",
        summary="A2A CancelTask and SubscribeToTask (HTTP+JSON): POST /tasks/{id}:cancel or /tasks/{id}:subscribe",
        media_type=JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def task_action(self, services: ServicesDep, name: Name, task_ref: str) -> Response[Any] | Stream:
        task_id, _, action = task_ref.partition(":")
        try:
            if action == "subscribe":
                await get_task(services, name, task_id)
                return _stream(task_updates(services, name, task_id))
            if action != "cancel":
                raise A2AError(404, METHOD_NOT_FOUND, f"romas has no task action {action!r}")
            return _answer(await cancel_task(services, name, task_id))
        except A2AError as exc:
            return _error(exc)

    @post(
        "/jsonrpc",
        summary="A2A over JSON-RPC 2.0: SendMessage, SendStreamingMessage, GetTask, ListTasks, CancelTask, "
        "SubscribeToTask",
        media_type=JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def jsonrpc(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name
    ) -> Response[Any] | Stream:
        call_id: Any = None
        try:
            body = await _body(request)
            call_id = body.get("id")
            method = body.get("method")
            params = body.get("params") if isinstance(body.get("params"), dict) else {}
            assert isinstance(params, dict)
            if method == "SendStreamingMessage":
                return await start_streaming(
                    request, services, name, params, wrap=call_id if call_id is not None else 0
                )
            if method == "SubscribeToTask":
                task_id = str(params.get("id", ""))
                await get_task(services, name, task_id)
                return _stream(task_updates(services, name, task_id, wrap=call_id if call_id is not None else 0))
            if method == "SendMessage":
                result = await send_message(request, services, name, params)
            elif method == "GetTask":
                result = await get_task(services, name, str(params.get("id", "")))
            elif method == "ListTasks":
                size = params.get("pageSize")
                token = params.get("pageToken")
                result = await list_tasks(
                    services, name, size if isinstance(size, int) else 50, token if isinstance(token, str) else None
                )
            elif method == "CancelTask":
                result = await cancel_task(services, name, str(params.get("id", "")))
            else:
                raise A2AError(200, METHOD_NOT_FOUND, f"romas does not offer {method!r}")
        except A2AError as exc:
            return _answer({"jsonrpc": "2.0", "id": call_id, "error": {"code": exc.code, "message": exc.message}})
        return _answer({"jsonrpc": "2.0", "id": call_id, "result": result})
