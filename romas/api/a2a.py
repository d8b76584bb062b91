"""A2A endpoints: Agent Cards (``/.well-known/agent-card.json`` and one per opted-in agent) and each agent's
HTTP+JSON and JSON-RPC bindings. Tasks are the agent's inbox messages (see ``romas/interop/a2a.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream

from romas import __version__
from romas.api.auth import actor_of
from romas.api.deps import ServicesDep
from romas.api.media import PROBLEM_JSON
from romas.api.nesting import MAX_DEPTH, too_deep
from romas.api.problems import ProblemError, problem_specs, problem_type
from romas.api.schemas import Name
from romas.api.waiting import read_after_waiting
from romas.domain.errors import DomainError
from romas.interop import a2a, webhooks
from romas.interop.egress import EgressRefused, EgressRule
from romas.runtime.ids import is_id, new_id
from romas.services.container import Services
from romas.store import inbox
from romas.store import webhooks as queue
from romas.store.eventstore import WriteContext
from romas.store.inbox import MessageRow

JSON = "application/json"
BLOCKING_WAIT_S = 30.0
CANCEL_WAIT_S = 5.0
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
    push = configuration.get("taskPushNotificationConfig") if isinstance(configuration, dict) else None
    if isinstance(push, dict):
        await create_push(request, services, name, message_id, push)

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


async def cancel_task(services: Services, name: str, task_id: str, actor: str) -> dict[str, Any]:
    """CancelTask: the message is dropped with what it caused in the agent (queued events, intentions) and ends
    ``cancelled``, which A2A reads as canceled. A task that ended already cannot be canceled."""
    await _opted_in(services, name)
    row = await _task_row(services, name, task_id)
    if row.final:
        raise A2AError(409, TASK_NOT_CANCELABLE, f"task {row.id} already ended ({row.status}); it cannot be canceled")
    if not await services.runtime.request_cancel(
        "message", name, row.id, actor=actor, reason="canceled over A2A (CancelTask)"
    ):
        raise A2AError(409, TASK_NOT_CANCELABLE, f"task {row.id} cannot be canceled: {name} is stopped")

    async def load() -> MessageRow:
        return await _task_row(services, name, row.id)

    return a2a.task_of(await read_after_waiting(services.runtime.waiters, f"message:{row.id}", load, CANCEL_WAIT_S))


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


async def create_push(
    request: Request[Any, Any, Any], services: Services, name: str, task_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    """CreateTaskPushNotificationConfig: a webhook subscription to the task's message, in A2A's shape."""
    await _opted_in(services, name)
    await _task_row(services, name, task_id)
    url = params.get("url")
    if not isinstance(url, str) or not 8 <= len(url) <= 2000:
        raise A2AError(400, INVALID_PARAMS, "a push-notification config needs a url")
    try:
        await EgressRule.parse(services.settings.egress_allow).check(url)
    except EgressRefused as exc:
        raise A2AError(422, INVALID_PARAMS, str(exc)) from None
    config_id = params.get("id") or new_id()
    token = params.get("token")
    if not isinstance(config_id, str) or len(config_id) > 64 or (token is not None and not isinstance(token, str)):
        raise A2AError(400, INVALID_PARAMS, "id and token must be strings (id at most 64 characters)")
    subscription_id = new_id()
    state = webhooks.subscription_state(
        subscription_id,
        url,
        [f"/agents/{name}/inbox/{task_id}"],
        f"A2A push notifications of task {task_id}",
        datetime.now(UTC),
    )
    state["a2a_push"] = a2a.push_state_extra(name, task_id, config_id, token or None)
    async with services.store.write(WriteContext(actor=actor_of(request), extra={"via": "a2a"})) as writer:
        await webhooks.record_subscription(writer, None, state, "SubscriptionCreated", f"A2A push to {url}")
        position = writer.recorded[-1].position
        await queue.create_cursor(await writer.connection(), subscription_id, webhooks.new_secret(), position)
    return a2a.push_config_of(state)


async def _pushes(services: Services, name: str, task_id: str) -> list[dict[str, Any]]:
    rows = await services.store.list_current(webhooks.STREAM_TYPE, webhooks.COLLECTION, after=None, limit=100_000)
    return [
        r.state
        for r in rows
        if isinstance(r.state.get("a2a_push"), dict)
        and r.state["a2a_push"].get("agent") == name
        and r.state["a2a_push"].get("task") == task_id
    ]


async def list_pushes(services: Services, name: str, task_id: str) -> dict[str, Any]:
    await _opted_in(services, name)
    await _task_row(services, name, task_id)
    return {"configs": [a2a.push_config_of(s) for s in await _pushes(services, name, task_id)], "nextPageToken": ""}


async def _push(services: Services, name: str, task_id: TaskId, config_id: ConfigId) -> dict[str, Any]:
    await _opted_in(services, name)
    for state in await _pushes(services, name, task_id):
        if state["a2a_push"].get("config_id") == config_id:
            return state
    raise A2AError(404, TASK_NOT_FOUND, f"task {task_id} has no push-notification config {config_id}")


async def get_push(services: Services, name: str, task_id: TaskId, config_id: ConfigId) -> dict[str, Any]:
    return a2a.push_config_of(await _push(services, name, task_id, config_id))


async def delete_push(
    request: Request[Any, Any, Any], services: Services, name: str, task_id: TaskId, config_id: ConfigId
) -> dict[str, Any]:
    state = await _push(services, name, task_id, config_id)
    async with services.store.write(WriteContext(actor=actor_of(request), extra={"via": "a2a"})) as writer:
        row = await writer.current(webhooks.subscription_path(state["id"]))
        if row is not None and not row.deleted:
            await webhooks.record_subscription(writer, row, row.state, "SubscriptionDeleted", "A2A push removed")
            await queue.drop_subscription(await writer.connection(), state["id"])
    return {}


def _answer(body: dict[str, Any], status: int = 200) -> Response[Any]:
    return Response(msgspec.json.encode(body), status_code=status, media_type=JSON)


_SLUGS = {400: "malformed-request", 404: "not-found", 409: "conflict", 422: "invalid-content"}


def _error(exc: A2AError) -> Response[Any]:
    """An A2A error of the HTTP+JSON binding: a problem document (like every romas error) that also carries the
    A2A error code."""
    slug = _SLUGS.get(exc.status, "malformed-request")
    body = {
        "type": problem_type(slug),
        "title": HTTPStatus(exc.status).phrase,
        "status": exc.status,
        "detail": exc.message,
        "error": {"code": exc.code, "message": exc.message},
    }
    return Response(msgspec.json.encode(body), status_code=exc.status, media_type=PROBLEM_JSON)


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
        responses=problem_specs(400, 404),
    )
    async def card(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> Response[Any]:
        row = await services.store.current(f"/agents/{name}")
        settings = a2a.a2a_settings(row.state) if row is not None and not row.deleted else None
        if row is None or settings is None:
            raise ProblemError(404, "not-found", f"{name} is not an A2A agent here (metadata.a2a.enabled)")
        return _answer(a2a.agent_card(_base(request), name, row.state, settings))


async def subscribe_task(services: Services, name: str, task_id: str, wrap: Any = None) -> Stream:
    """SubscribeToTask: the task's updates as Server-Sent Events."""
    await get_task(services, name, task_id)
    return _stream(task_updates(services, name, task_id, wrap))


Method = Callable[[Request[Any, Any, Any], Services, str, dict[str, Any], Any], Awaitable[dict[str, Any] | Stream]]


def _text(params: dict[str, Any], key: str) -> str:
    return str(params.get(key, ""))


def _page(params: dict[str, Any]) -> tuple[int, str | None]:
    size, token = params.get("pageSize"), params.get("pageToken")
    return (size if isinstance(size, int) else 50), (token if isinstance(token, str) else None)


METHODS: dict[str, Method] = {
    "SendMessage": lambda request, services, name, params, _wrap: send_message(request, services, name, params),
    "SendStreamingMessage": lambda request, services, name, params, wrap: start_streaming(
        request, services, name, params, wrap
    ),
    "GetTask": lambda _request, services, name, params, _wrap: get_task(services, name, _text(params, "id")),
    "ListTasks": lambda _request, services, name, params, _wrap: list_tasks(services, name, *_page(params)),
    "CancelTask": lambda request, services, name, params, _wrap: cancel_task(
        services, name, _text(params, "id"), actor_of(request)
    ),
    "SubscribeToTask": lambda _request, services, name, params, wrap: subscribe_task(
        services, name, _text(params, "id"), wrap
    ),
    "CreateTaskPushNotificationConfig": lambda request, services, name, params, _wrap: create_push(
        request, services, name, _text(params, "taskId"), params
    ),
    "GetTaskPushNotificationConfig": lambda _request, services, name, params, _wrap: get_push(
        services, name, _text(params, "taskId"), _text(params, "id")
    ),
    "ListTaskPushNotificationConfigs": lambda _request, services, name, params, _wrap: list_pushes(
        services, name, _text(params, "taskId")
    ),
    "DeleteTaskPushNotificationConfig": lambda request, services, name, params, _wrap: delete_push(
        request, services, name, _text(params, "taskId"), _text(params, "id")
    ),
}
"""The A2A operations by their JSON-RPC method names; both bindings call them (``wrap`` is the JSON-RPC call's id
that streamed events carry, None over HTTP+JSON). Parameters are the JSON-RPC ``params``; the HTTP+JSON binding
builds them from the path, the query and the body."""


async def _rest(
    method: str,
    request: Request[Any, Any, Any],
    services: Services,
    name: str,
    params: dict[str, Any] | None = None,
    *,
    body: bool = False,
) -> Response[Any] | Stream:
    """One call of the HTTP+JSON binding: its result as JSON (or the stream), its error as a problem document."""
    try:
        given = {**(await _body(request) if body else {}), **(params or {})}
        result = await METHODS[method](request, services, name, given, None)
    except A2AError as exc:
        return _error(exc)
    return result if isinstance(result, Stream) else _answer(result)


TaskId = Annotated[
    str, PathParameter(description="A task id (a message id), with `:cancel` or `:subscribe` for its actions.")
]
ConfigId = Annotated[str, PathParameter(description="A push-notification config id.")]

_A2A_ERRORS = problem_specs(400, 404, 409, 422)
_A2A_RESPONSES = {
    200: ResponseSpec(dict[str, Any], description="The A2A answer", media_type=JSON, generate_examples=False),
    **_A2A_ERRORS,
}
_A2A_STREAM = {
    200: ResponseSpec(
        str,
        description="Server-Sent Events of StreamResponses",
        media_type="text/event-stream",
        generate_examples=False,
    ),
    **_A2A_ERRORS,
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
    async def send(self, request: Request[Any, Any, Any], services: ServicesDep, name: Name) -> Response[Any] | Stream:
        return await _rest("SendMessage", request, services, name, body=True)

    @post(
        "/message:stream",
        summary="A2A SendStreamingMessage (HTTP+JSON): the task's updates as Server-Sent Events",
        media_type="text/event-stream",
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_STREAM,
    )
    async def stream(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name
    ) -> Response[Any] | Stream:
        return await _rest("SendStreamingMessage", request, services, name, body=True)

    @get(
        "/tasks",
        summary="A2A ListTasks (HTTP+JSON): the agent's messages as tasks, newest first",
        media_type=JSON,
        responses=_A2A_RESPONSES,
    )
    async def tasks(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        name: Name,
        pageSize: Annotated[int, QueryParameter()] = 50,
        pageToken: Annotated[str | None, QueryParameter()] = None,
    ) -> Response[Any] | Stream:
        return await _rest("ListTasks", request, services, name, {"pageSize": pageSize, "pageToken": pageToken})

    @get(
        "/tasks/{task_id:str}",
        summary="A2A GetTask (HTTP+JSON): the message as a task",
        media_type=JSON,
        responses=_A2A_RESPONSES,
    )
    async def task(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, task_id: TaskId
    ) -> Response[Any] | Stream:
        return await _rest("GetTask", request, services, name, {"id": task_id})

    @post(
        "/tasks/{task_id:str}",
        summary="A2A CancelTask and SubscribeToTask (HTTP+JSON): POST /tasks/{id}:cancel or /tasks/{id}:subscribe",
        media_type=JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def task_action(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, task_id: TaskId
    ) -> Response[Any] | Stream:
        """``task_id`` is ``<id>:cancel`` or ``<id>:subscribe`` here (one path with GetTask, so one ``Allow``)."""
        task_id, _, action = task_id.partition(":")
        method = {"cancel": "CancelTask", "subscribe": "SubscribeToTask"}.get(action)
        if method is None:
            return _error(A2AError(404, METHOD_NOT_FOUND, f"romas has no task action {action!r}"))
        return await _rest(method, request, services, name, {"id": task_id})

    @post(
        "/tasks/{task_id:str}/pushNotificationConfigs",
        summary="A2A CreateTaskPushNotificationConfig (HTTP+JSON): push the task's updates to a URL",
        media_type=JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def create_push_config(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, task_id: TaskId
    ) -> Response[Any] | Stream:
        return await _rest("CreateTaskPushNotificationConfig", request, services, name, {"taskId": task_id}, body=True)

    @get(
        "/tasks/{task_id:str}/pushNotificationConfigs",
        summary="A2A ListTaskPushNotificationConfigs (HTTP+JSON)",
        media_type=JSON,
        responses=_A2A_RESPONSES,
    )
    async def list_push_configs(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, task_id: TaskId
    ) -> Response[Any] | Stream:
        return await _rest("ListTaskPushNotificationConfigs", request, services, name, {"taskId": task_id})

    @get(
        "/tasks/{task_id:str}/pushNotificationConfigs/{config_id:str}",
        summary="A2A GetTaskPushNotificationConfig (HTTP+JSON)",
        media_type=JSON,
        responses=_A2A_RESPONSES,
    )
    async def get_push_config(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, task_id: TaskId, config_id: ConfigId
    ) -> Response[Any] | Stream:
        return await _rest(
            "GetTaskPushNotificationConfig", request, services, name, {"taskId": task_id, "id": config_id}
        )

    @delete(
        "/tasks/{task_id:str}/pushNotificationConfigs/{config_id:str}",
        summary="A2A DeleteTaskPushNotificationConfig (HTTP+JSON)",
        media_type=JSON,
        status_code=200,
        opt={"scope": "operate"},
        responses=_A2A_RESPONSES,
    )
    async def delete_push_config(
        self, request: Request[Any, Any, Any], services: ServicesDep, name: Name, task_id: TaskId, config_id: ConfigId
    ) -> Response[Any] | Stream:
        return await _rest(
            "DeleteTaskPushNotificationConfig", request, services, name, {"taskId": task_id, "id": config_id}
        )

    @post(
        "/jsonrpc",
        summary="A2A over JSON-RPC 2.0: SendMessage, SendStreamingMessage, GetTask, ListTasks, CancelTask, "
        "SubscribeToTask and the push-notification config methods",
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
            call = METHODS.get(method) if isinstance(method, str) else None
            if call is None:
                raise A2AError(200, METHOD_NOT_FOUND, f"romas does not offer {method!r}")
            result = await call(request, services, name, params, call_id if call_id is not None else 0)
        except A2AError as exc:
            return _answer({"jsonrpc": "2.0", "id": call_id, "error": {"code": exc.code, "message": exc.message}})
        if isinstance(result, Stream):
            return result
        return _answer({"jsonrpc": "2.0", "id": call_id, "result": result})
