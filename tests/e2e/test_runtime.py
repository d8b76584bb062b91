"""Agents running in a real ``romas serve``: message round trips, hot swap, commands with timeout and cancel.

The tests share one server per database, each with agents of its own names."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.e2e
WAIT = {"Prefer": "wait=10"}
SELLER = """price(apple, 3).
count(0).
@inc[atomic] +!inc <- ?count(C); -+count(C + 1).
+!greet(Who) <- .print("hello ", Who).
+!slow <- .wait(10000).
"""


def beliefs(client: httpx.Client, agent: str) -> list[str]:
    return [b["text"] for b in client.get(f"/agents/{agent}/mind").json()["beliefs"]]


def test_tell_achieve_and_ask_round_trips(shared_server: ServerProcess) -> None:
    with httpx.Client(base_url=shared_server.url, timeout=20) as client:
        assert client.put("/agents/bob", json={"code": SELLER}).status_code == 201
        told = client.post("/agents/bob/inbox", json={"performative": "tell", "content": "sunny"}, headers=WAIT)
        assert told.status_code == 200 and told.json()["status"] == "processed"
        assert "sunny[source(anonymous)]" in beliefs(client, "bob")
        achieved = client.post("/agents/bob/inbox", json={"performative": "achieve", "content": "inc"}, headers=WAIT)
        body = achieved.json()
        assert body["status"] == "processed" and body["accepted_at"] <= body["delivered_at"] <= body["processed_at"]
        asked = client.post("/agents/bob/inbox", json={"performative": "askOne", "content": "count(N)"}, headers=WAIT)
        assert asked.json()["reply"] == "count(1)"
        failed = client.post("/agents/bob/inbox", json={"performative": "achieve", "content": "fly"}, headers=WAIT)
        assert failed.json()["status"] == "failed" and failed.json()["error"]["detail"]
        client.put("/agents/alice", json={"code": ""})
        command = client.post(
            "/agents/alice/commands", json={"body": ".send(bob, askOne, price(apple, P), A)"}, headers=WAIT
        ).json()
        assert command["status"] == "succeeded" and command["result"]["bindings"]["A"] == "price(apple,3)[source(bob)]"
        outbox = client.get("/agents/alice/outbox").json()["_embedded"]["messages"]
        assert outbox[0]["agent"] == "bob" and outbox[0]["status"] == "processed"


def test_hot_swap_keeps_beliefs(shared_server: ServerProcess) -> None:
    with httpx.Client(base_url=shared_server.url, timeout=20) as client:
        client.put("/agents/swapper", json={"code": SELLER})
        for _ in range(3):
            client.post("/agents/swapper/inbox", json={"performative": "achieve", "content": "inc"}, headers=WAIT)
        new_code = SELLER + '+!shout <- ?count(C); .print("count is ", C).\n'
        swapped = client.put("/agents/swapper/code", content=new_code.encode(), headers={"content-type": "text/x-asl"})
        assert swapped.status_code == 200 and swapped.json()["code_revision"] == 2
        shout = client.post("/agents/swapper/inbox", json={"performative": "achieve", "content": "shout"}, headers=WAIT)
        assert shout.json()["status"] == "processed"
        assert "count(3)[source(self)]" in beliefs(client, "swapper")
        lines = [x["text"] for x in client.get("/agents/swapper/log").json()["lines"]]
        assert "count is 3" in lines and any("code revision 2" in x for x in lines)
        assert client.get("/agents/swapper").json()["running_code_revision"] == 2


def test_command_timeout_and_cancel(shared_server: ServerProcess) -> None:
    with httpx.Client(base_url=shared_server.url, timeout=20) as client:
        client.put("/agents/sleeper", json={"code": SELLER})
        timed = client.post("/agents/sleeper/commands", json={"body": "!slow", "timeout_s": 0.5}, headers=WAIT).json()
        assert timed["status"] == "timed_out"
        started = client.post("/agents/sleeper/commands", json={"body": "!slow"})
        assert started.status_code == 202
        location = started.headers["location"]
        deadline = time.monotonic() + 10
        while client.get(location).json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        cancelled = client.delete(location)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
