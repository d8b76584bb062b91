"""A hot answer reaches the socket in one write (romas/api/one_write.py): the same bytes uvicorn writes with its two
sends, gathered; uvicorn's own state after the answer as after the two sends; anything unsafe sent as it was."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from romas.api.hot_reads import Answer
from romas.api.observe import _send_answer
from romas.api.one_write import send_in_one_write
from tests.api.helpers import put_agent

pytestmark = pytest.mark.anyio

ANSWER = Answer(
    "/agents/{name}/inbox",
    202,
    [(b"location", b"/agents/a/inbox/1"), (b"content-type", b"application/hal+json"), (b"content-length", b"11")],
    b'{"id": "1"}',
)


class Socket(asyncio.Transport):
    """A transport that keeps every write (the socket's side of uvicorn's cycle)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def cycle(socket: Socket, *, keep_alive: bool = True, method: str = "POST") -> RequestResponseCycle:
    completed: list[bool] = []
    made = RequestResponseCycle(
        scope={"type": "http", "method": method, "path": "/agents/a/inbox", "headers": []},  # type: ignore[typeddict-item]
        transport=socket,
        flow=FlowControl(socket),
        logger=logging.getLogger("tests.one_write"),
        access_logger=logging.getLogger("tests.one_write.access"),
        access_log=False,
        default_headers=[(b"server", b"uvicorn"), (b"date", b"Sun, 06 Dec 2026 07:00:00 GMT")],
        message_event=asyncio.Event(),
        expect_100_continue=False,
        keep_alive=keep_alive,
        on_response=lambda: completed.append(True),
    )
    made.completed = completed  # type: ignore[attr-defined]
    return made


async def test_an_answer_is_one_write_of_the_bytes_the_two_sends_write() -> None:
    plain, gathered = Socket(), Socket()
    by_two, by_one = cycle(plain), cycle(gathered)
    await _send_answer(by_two.send, ANSWER, by_two.send)  # type: ignore[arg-type]
    start = {"type": "http.response.start", "status": 202, "headers": ANSWER.headers}
    end = {"type": "http.response.body", "body": ANSWER.body, "more_body": False}
    await send_in_one_write(by_one.send, by_one.send, start, end)  # type: ignore[arg-type]
    assert len(gathered.writes) == 1
    assert gathered.writes[0] == b"".join(plain.writes)
    assert gathered.writes[0].startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert gathered.writes[0].endswith(b"\r\n\r\n" + ANSWER.body)
    assert len(plain.writes) == 1  # _send_answer writes once too
    for made in (by_two, by_one):
        assert made.response_complete and made.transport is made.flow._transport
        assert made.completed == [True]  # type: ignore[attr-defined]
        assert made.message_event.is_set()
    assert not gathered.closed


async def test_a_connection_that_closes_after_the_answer_is_sent_as_uvicorn_does() -> None:
    socket = Socket()
    closing = cycle(socket, keep_alive=False)
    await _send_answer(closing.send, ANSWER, closing.send)  # type: ignore[arg-type]
    assert len(socket.writes) == 2 and socket.closed
    assert socket.writes[0].endswith(b"connection: close\r\n\r\n")


async def test_a_started_or_paused_answer_and_another_send_are_left_alone() -> None:
    socket = Socket()
    paused = cycle(socket)
    paused.flow.write_paused = True
    paused.flow._is_writable_event.set()  # drain returns at once: the sends write as they always did
    await _send_answer(paused.send, ANSWER, paused.send)  # type: ignore[arg-type]
    assert len(socket.writes) == 2

    sent: list[Any] = []

    async def other_server(message: Any) -> None:
        sent.append(message)

    await _send_answer(other_server, ANSWER, other_server)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


async def test_a_send_that_fails_still_writes_what_uvicorn_wrote_before_it() -> None:
    socket = Socket()
    made = cycle(socket)
    short = Answer(ANSWER.template, 202, [(b"content-length", b"99")], b"{}")
    with pytest.raises(RuntimeError, match="shorter than Content-Length"):
        await _send_answer(made.send, short, made.send)  # type: ignore[arg-type]
    assert len(socket.writes) == 1 and socket.writes[0].startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert socket.writes[0].endswith(b"\r\n\r\n{}")
    assert made.transport is socket


async def test_the_hot_post_and_get_through_uvicorns_cycle_are_one_write_each(client: AsyncTestClient[Any]) -> None:
    await put_agent(client, "a", code="+!inc <- true.\n")
    app = client.app
    for method, path, body in (
        ("POST", "/agents/a/inbox", b'{"performative": "achieve", "content": "inc"}'),
        ("GET", "/agents/a", b""),
    ):
        socket = Socket()
        made = cycle(socket, method=method)
        made.scope.update(  # type: ignore[typeddict-item]
            {
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "client": ("127.0.0.1", 5000),
                "server": ("127.0.0.1", 8000),
                "headers": [
                    (b"host", b"romas.test"),
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        made.body = bytearray(body)
        made.more_body = False
        made.message_event.set()  # the body came (uvicorn's protocol sets it as it reads)
        # the application runs in the test client's portal, on the loop its store and runtime were started on
        await anyio.to_thread.run_sync(client.blocking_portal.call, made.run_asgi, app)
        assert len(socket.writes) == 1, (method, socket.writes)
        head, _, sent = socket.writes[0].partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 202 Accepted" if method == "POST" else b"HTTP/1.1 200 OK")
        assert b"\r\nx-request-id: " in head
        assert msgspec.json.decode(sent)["agent" if method == "POST" else "name"] == "a"
