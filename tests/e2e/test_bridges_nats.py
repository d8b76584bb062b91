"""The ``nats`` bridge through a real ``romas serve`` and the NATS server on 127.0.0.1:4222."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import nats
import pytest

from tests.e2e.bridges import eventually, has_belief, operate
from tests.e2e.brokers import down_and_back, private_nats
from tests.e2e.server import ServerProcess, free_port

pytestmark = pytest.mark.e2e

LISTENER = """
+message(S, D, R)[artefact(inbox)] <- +got(S, D).
"""


def _put_nats(client: httpx.Client, name: str, url: str = "nats://127.0.0.1:4222") -> None:
    answer = client.put(f"/workspaces/w/artefacts/{name}", json={"type": "nats", "properties": {"url": url}})
    assert answer.is_success, answer.text


def test_agents_publish_receive_and_request(shared_bridge_server: ServerProcess) -> None:
    topic = f"t{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=shared_bridge_server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        _put_nats(client, "outbox")
        _put_nats(client, "inbox")
        assert operate(client, "inbox", "subscribe", f"{topic}.>")["status"] == "succeeded"
        assert client.put("/agents/listener", json={"code": LISTENER}).status_code == 201
        client.post(
            "/agents/listener/commands", json={"body": "joinWorkspace(w); focus(inbox)"}, headers={"Prefer": "wait=10"}
        )
        client.put("/agents/talker", json={"code": ""})
        said = client.post(
            "/agents/talker/commands",
            json={"body": f'joinWorkspace(w); publish("{topic}.bread", 2)[artefact(outbox)]'},
            headers={"Prefer": "wait=10"},
        )
        assert said.json()["status"] == "succeeded", said.text
        eventually(lambda: has_belief(client, "listener", f'got("{topic}.bread",2)'), "the agent-to-agent message")

        async def outside() -> tuple[Any, Any]:
            nc = await nats.connect("nats://127.0.0.1:4222")
            seen: asyncio.Queue[Any] = asyncio.Queue()

            async def echo(msg: Any) -> None:
                await msg.respond(b'{"echo": ' + msg.data + b"}")

            async def collect(msg: Any) -> None:
                await seen.put(msg.data)

            await nc.subscribe(f"{topic}.svc", cb=echo)
            await nc.subscribe(f"{topic}.out", cb=collect)
            await nc.flush()
            published = await asyncio.to_thread(operate, client, "outbox", "publish", f"{topic}.out", {"a": 1})
            assert published["status"] == "succeeded"
            received = await asyncio.wait_for(seen.get(), 10)
            replied = await asyncio.to_thread(operate, client, "outbox", "request", f"{topic}.svc", 7)
            await nc.publish(f"{topic}.from_outside", b'"hello"')
            await nc.flush()
            await nc.close()
            return received, replied

        received, replied = asyncio.run(outside())
        assert received == b'{"a": 1}'
        assert replied["status"] == "succeeded" and replied["result"] == {"echo": 7}
        eventually(
            lambda: has_belief(client, "listener", f'got("{topic}.from_outside","hello")'), "the outside message"
        )
        inbox = client.get("/workspaces/w/artefacts/inbox").json()
        assert (
            inbox["properties"]["received"] == 4
        )  # bread, out, svc and from_outside and inbox["properties"]["subjects"] == [f"{topic}.>"]
        history = client.get("/workspaces/w/artefacts/inbox/revisions").json()
        assert history, history
        no_reply = operate(client, "outbox", "request", f"{topic}.nobody", 1)
        assert no_reply["status"] == "failed" and no_reply["error"]["detail"]


def test_a_broker_that_is_down_fails_operations_and_the_bridge_reconnects(shared_bridge_server: ServerProcess) -> None:
    port = free_port()
    with httpx.Client(base_url=shared_bridge_server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        _put_nats(client, "bus", f"nats://127.0.0.1:{port}")
        down_and_back(client, "bus", "publish", ["x", 1], lambda: private_nats(port))
