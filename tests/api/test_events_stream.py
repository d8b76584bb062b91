"""``GET /events`` as ``text/event-stream``: order, ids, filters, resuming, keep-alives and wake-ups.

The test client of Litestar collects a whole body before answering, so these tests serve the app with uvicorn on
the test's own event loop and read the stream with httpx, as a real client would.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import uvicorn

from romas.config import Settings
from romas.server import create_app
from romas.services.workspaces import WorkspaceService
from romas.store.eventstore import Store
from romas.store.notify import CommitSignal
from tests.databases import PG_HOST, PG_PORT, PG_USER

pytestmark = pytest.mark.anyio
SSE = {"Accept": "text/event-stream"}
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class Served:
    url: str
    signal: CommitSignal


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Served]:
    """The app on a free port, served from this event loop so tests can look at its tasks and its signal."""
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
        yield Served(f"http://127.0.0.1:{port}", app.state.commit_signal)
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class Message:
    id: int | None = None
    event: str | None = None
    data: Any = None
    comment: str | None = None


class Reader:
    """Parses a ``text/event-stream`` body into messages and comments."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, within: float = 10.0) -> Message:
        return await asyncio.wait_for(self._next(), within)

    async def _next(self) -> Message:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line.startswith(":"):
                return Message(comment=line[1:].strip())
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                continue
            if fields:
                return Message(id=int(fields["id"]), event=fields["event"], data=json.loads(fields["data"]))
        raise EOFError("the stream ended")

    async def events(self, count: int, within: float = 10.0) -> list[Message]:
        """The next ``count`` events, skipping keep-alive comments."""
        out: list[Message] = []
        while len(out) < count:
            message = await self.next(within)
            if message.comment is None:
                out.append(message)
        return out


@asynccontextmanager
async def stream(client: httpx.AsyncClient, **options: Any) -> AsyncIterator[Reader]:
    headers = {**SSE, **options.pop("headers", {})}
    params = {k: v for k, v in options.items() if v is not None}
    async with client.stream("GET", "/events", params=params, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        yield Reader(response)


async def put(client: httpx.AsyncClient, path: str, **body: Any) -> None:
    response = await client.put(path, json=body)
    assert response.status_code in (200, 201), response.text


async def all_events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    page = (await client.get("/events", params={"limit": 500})).json()
    events: list[dict[str, Any]] = page["_embedded"]["events"]
    return events


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    async with serving(settings) as running:
        yield running


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        yield client


async def test_new_events_arrive_in_order_with_their_positions_as_ids(http: httpx.AsyncClient) -> None:
    await put(http, "/workspaces/before")
    async with stream(http) as reader:
        for name in ("a", "b", "c"):
            await put(http, f"/workspaces/{name}", description=name)
        received = await reader.events(3)
    page = [e for e in await all_events(http) if e["stream"] != "/workspaces/before"]
    assert [m.data for m in received] == page  # the same fields as the JSON page's embedded events
    assert [m.id for m in received] == [e["position"] for e in page]
    assert [m.event for m in received] == [e["type"] for e in page] == ["workspace.created"] * 3
    assert [m.id for m in received] == sorted({m.id for m in received if m.id is not None})


async def test_a_stream_starts_after_the_cursor_and_pages_through_history(http: httpx.AsyncClient) -> None:
    for i in range(7):
        await put(http, f"/workspaces/w{i}")
    async with stream(http, after=2, limit=2) as reader:  # limit: rows per read, here several reads
        history = await reader.events(5)
        await put(http, "/workspaces/later")
        (live,) = await reader.events(1)
    assert [m.id for m in history] == [e["position"] for e in (await all_events(http))[2:7]]
    assert live.data["stream"] == "/workspaces/later"


async def test_filters_by_stream_type_and_stream(http: httpx.AsyncClient) -> None:
    async with stream(http, stream_type="workspace") as workspaces, stream(http, stream="/agents/bob") as bob:
        await put(http, "/agents/alice", code="+!go <- .print(go).")
        await put(http, "/workspaces/shop")
        await put(http, "/agents/bob", code="+!go <- .print(go).")
        await put(http, "/workspaces/mall")
        assert [m.data["stream"] for m in await workspaces.events(2)] == ["/workspaces/shop", "/workspaces/mall"]
        (only,) = await bob.events(1)
        assert only.data["stream"] == "/agents/bob" and only.event == "agent.created"


async def test_resuming_after_last_event_id_skips_and_repeats_nothing(http: httpx.AsyncClient) -> None:
    for i in range(5):
        await put(http, f"/workspaces/w{i}")
    async with stream(http, after=0) as reader:
        first = await reader.events(2)
    # Last-Event-ID wins over ?after=, which a reconnecting EventSource repeats unchanged.
    async with stream(http, after=0, headers={"Last-Event-ID": str(first[-1].id)}) as reader:
        await put(http, "/workspaces/w5")
        rest = await reader.events(4)
    positions = [m.id for m in first + rest]
    assert positions == [e["position"] for e in await all_events(http)]


async def test_concurrent_writers_never_make_a_stream_skip_or_repeat(http: httpx.AsyncClient) -> None:
    async def writer(prefix: str) -> None:
        for i in range(10):
            await put(http, f"/workspaces/{prefix}{i}")

    async with stream(http, after=0, limit=3) as reader:
        await asyncio.gather(*(writer(p) for p in "xyz"))
        received = await reader.events(30)
    assert [m.id for m in received] == [e["position"] for e in await all_events(http)]


async def test_idle_streams_get_keep_alive_comments(served: Served, http: httpx.AsyncClient) -> None:
    served.signal.keepalive = 0.2
    async with stream(http) as reader:
        assert (await reader.next(within=5)).comment == "keep-alive"
        assert (await reader.next(within=5)).comment == "keep-alive"
        await put(http, "/workspaces/shop")
        (event,) = await reader.events(1)
        assert event.event == "workspace.created"


async def test_json_is_still_the_default_and_a_bad_last_event_id_is_refused(http: httpx.AsyncClient) -> None:
    page = await http.get("/events", headers={"Last-Event-ID": "5"})
    assert page.headers["content-type"].startswith("application/hal+json") and page.json()["count"] == 0
    assert "Accept" in page.headers["vary"]
    bad = await http.get("/events", headers={**SSE, "Last-Event-ID": "soon"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


async def test_a_client_that_disconnects_leaves_no_task_behind(http: httpx.AsyncClient) -> None:
    await put(http, "/workspaces/warmup")
    baseline = len(asyncio.all_tasks())
    for _ in range(3):
        async with stream(http, after=0) as reader:
            await reader.events(1)
            assert len(asyncio.all_tasks()) > baseline  # the stream runs in tasks of its own
    await eventually(lambda: len(asyncio.all_tasks()) <= baseline, "the stream tasks to end")


@SQLITE_ONLY
async def test_the_fallback_poll_finds_another_processs_write(
    served: Served, http: httpx.AsyncClient, store: Store
) -> None:
    """``store`` is a second engine on the same file, as another process would be: its commits ring nothing here."""
    served.signal.fallback_poll = 0.3
    async with stream(http, stream_type="workspace") as reader:
        await write_elsewhere(store, "elsewhere")
        (event,) = await reader.events(1, within=5)
    assert event.data["stream"] == "/workspaces/elsewhere"


@POSTGRES_ONLY
async def test_notify_wakes_a_stream_for_another_processs_write_at_once(
    served: Served, http: httpx.AsyncClient, store: Store
) -> None:
    served.signal.fallback_poll = 60.0  # so only LISTEN/NOTIFY can deliver within the test
    assert served.signal.listening
    async with stream(http, stream_type="workspace") as reader:
        for name in ("one", "two", "three"):
            started = asyncio.get_running_loop().time()
            await write_elsewhere(store, name)
            (event,) = await reader.events(1, within=10)
            assert event.data["stream"] == f"/workspaces/{name}"
            assert asyncio.get_running_loop().time() - started < 1.0


@POSTGRES_ONLY
async def test_after_the_listen_connection_drops_streams_catch_up(
    served: Served, http: httpx.AsyncClient, store: Store, database_url: str
) -> None:
    signal = served.signal
    signal.fallback_poll = 60.0
    signal.reconnect_delay = (1.0, 1.0)  # a deaf second to write in
    database = database_url.rsplit("/", 1)[1]
    async with stream(http, stream_type="workspace") as reader:
        admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'romas-events' AND datname = $1",
                database,
            )
        finally:
            await admin.close()
        assert killed == 1
        await eventually(lambda: not signal.listening, "the listener to notice")
        await write_elsewhere(store, "deaf")  # its NOTIFY reaches no one here
        (event,) = await reader.events(1, within=10)
        assert event.data["stream"] == "/workspaces/deaf"
        assert signal.listening  # it came through the catch-up that follows reconnecting
        started = asyncio.get_running_loop().time()
        await write_elsewhere(store, "after")
        (event,) = await reader.events(1, within=10)
        assert event.data["stream"] == "/workspaces/after"
        assert asyncio.get_running_loop().time() - started < 1.0


async def write_elsewhere(store: Store, name: str) -> None:
    async with store.write() as writer:
        await WorkspaceService(store).put_workspace(writer, name, description="written by another engine")


async def test_message_events_stream_from_the_runtime_s_tail_as_the_page_has_them(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    """This process's message events reach the runtime as they commit, and a stream takes them from there, not from
    the database: byte for byte as the JSON page gives them (on PostgreSQL with its jsonb key order)."""
    await put(http, "/agents/bob", code="count(0).\n+!inc <- ?count(C); -+count(C + 1).\n")
    async with stream(http, stream_type="message") as reader:
        for _ in range(3):
            response = await http.post("/agents/bob/inbox", json={"performative": "achieve", "content": "inc"})
            assert response.status_code == 202, response.text
        received = await reader.events(9)  # accepted, delivered, processed
    page = [e for e in await all_events(http) if e["stream_type"] == "message"]
    assert [json.dumps(m.data) for m in received] == [json.dumps(e) for e in page]
    assert [m.event for m in received].count("message.processed") == 3
