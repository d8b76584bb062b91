"""``GET /events`` as Server-Sent Events from a real ``romas serve``: watching a message without polling,
resuming after a disconnect, and streams woken by writes made through another server on the same database."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess, running_server

pytestmark = pytest.mark.e2e
SSE = {"Accept": "text/event-stream"}
FINAL = {"message.processed", "message.failed", "message.expired"}
GREETER = "+!hi <- .print(hi).\n+!slow <- .wait(700); .print(done).\n"


@dataclass
class Message:
    id: int
    event: str
    data: dict[str, Any]


class Reader:
    """The events of a ``text/event-stream`` body; comments (keep-alives) are skipped."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"] == "text/event-stream"
        self._lines: Iterator[str] = response.iter_lines()

    def next(self) -> Message:
        fields: dict[str, str] = {}
        for line in self._lines:
            if line.startswith(":"):
                continue
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            elif fields:
                return Message(int(fields["id"]), fields["event"], json.loads(fields["data"]))
        raise EOFError("the stream ended")

    def until_final(self, stream: str) -> list[Message]:
        """The events of one message's stream, up to its final status."""
        out: list[Message] = []
        while not out or out[-1].event not in FINAL:
            message = self.next()
            if message.data["stream"] == stream:
                out.append(message)
        return out


def greeter(client: httpx.Client, name: str) -> str:
    """Create the agent and wait until the runtime hosts it, so that the watched message is its first concern; the
    tests that share a server each name their own."""
    assert client.put(f"/agents/{name}", json={"code": GREETER}).status_code == 201
    warm = client.post(
        f"/agents/{name}/inbox", json={"performative": "achieve", "content": "hi"}, headers={"Prefer": "wait=10"}
    )
    assert warm.status_code == 200 and warm.json()["status"] == "processed", warm.text
    return f"/agents/{name}/inbox"


def check_ids(messages: list[Message]) -> None:
    ids = [m.id for m in messages]
    assert ids == sorted(set(ids)), ids
    assert all(m.id == m.data["position"] and m.event == m.data["type"] for m in messages)


def test_a_client_watches_its_message_reach_processed_without_polling(shared_server: ServerProcess) -> None:
    with httpx.Client(base_url=shared_server.url, timeout=15) as client:
        inbox = greeter(client, "watched")
        with client.stream("GET", "/events", params={"stream_type": "message"}, headers=SSE) as response:
            reader = Reader(response)
            posted = client.post(inbox, json={"performative": "achieve", "content": "hi"})
            assert posted.status_code == 202, posted.text
            location = posted.headers["location"]
            watched = reader.until_final(location)
    assert [m.event for m in watched] == ["message.accepted", "message.delivered", "message.processed"]
    check_ids(watched)
    assert watched[-1].data["_links"]["stream"]["href"] == location


def test_resuming_from_last_event_id_after_a_disconnect(shared_server: ServerProcess) -> None:
    with httpx.Client(base_url=shared_server.url, timeout=15) as client:
        inbox = greeter(client, "resumed")
        posted = client.post(inbox, json={"performative": "achieve", "content": "slow"})
        assert posted.status_code == 202, posted.text
        location = posted.headers["location"]
        query: dict[str, str | int] = {"stream": location, "after": 0}
        with client.stream("GET", "/events", params=query, headers=SSE) as response:
            first = Reader(response).next()
        assert first.event == "message.accepted"
        # The plan waits 0.7 s: the message is processed while nobody listens.
        deadline = time.monotonic() + 30
        while client.get(location).json()["status"] != "processed":
            assert time.monotonic() < deadline, "the message was not processed"
            time.sleep(0.05)
        resumed = {**SSE, "Last-Event-ID": str(first.id)}
        with client.stream("GET", "/events", params=query, headers=resumed) as response:
            rest = Reader(response).until_final(location)
        history = client.get("/events", params={"stream": location}).json()["_embedded"]["events"]
    check_ids([first, *rest])
    assert [(m.id, m.event) for m in [first, *rest]] == [(e["position"], e["type"]) for e in history]
    assert [first.event] + [m.event for m in rest] == ["message.accepted", "message.delivered", "message.processed"]


def test_a_write_through_another_server_wakes_the_stream(database_url: str, tmp_path: Path) -> None:
    """Two servers on one database. On PostgreSQL, NOTIFY wakes the stream at once, well within the fallback
    poll (5 s); on SQLite the poll is what finds the other process's write."""
    postgres = database_url.startswith("postgresql")
    with (
        running_server(database_url, tmp_path) as watched,
        running_server(database_url, tmp_path) as other,
        httpx.Client(base_url=watched.url, timeout=15) as client,
        client.stream("GET", "/events", params={"stream_type": "workspace"}, headers=SSE) as response,
    ):
        reader = Reader(response)
        for name in ("one", "two", "three") if postgres else ("one",):
            started = time.monotonic()
            assert httpx.put(f"{other.url}/workspaces/{name}", json={}).status_code == 201
            event = reader.next()
            elapsed = time.monotonic() - started
            assert event.data["stream"] == f"/workspaces/{name}" and event.event == "workspace.created"
            # below the 5 s fallback poll: on PostgreSQL only NOTIFY can have woken it this soon
            assert elapsed < (4.0 if postgres else 8.0), elapsed
