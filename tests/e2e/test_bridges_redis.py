"""The ``redis`` bridge through a real ``romas serve`` and the Redis server on 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
import redis.asyncio

from tests.e2e.bridges import agents_and_outsiders_talk, beliefs, bridge_server, eventually, has_belief, operate
from tests.e2e.brokers import down_and_back, private_redis
from tests.e2e.server import ServerProcess, free_port

pytestmark = pytest.mark.e2e


async def _outside_publishes(channel: str) -> None:
    r = redis.asyncio.Redis.from_url("redis://127.0.0.1:6379/0")
    await r.publish(channel, '{"loaves": 3}')
    await r.aclose()


def test_agents_and_outsiders_talk_over_redis_channels(shared_bridge_server: ServerProcess) -> None:
    agents_and_outsiders_talk(
        shared_bridge_server, "redis", "subscribe", 'publish("{channel}", "fresh bread")', _outside_publishes
    )


def test_a_redis_that_is_down_fails_operations_and_the_bridge_reconnects(shared_bridge_server: ServerProcess) -> None:
    port = free_port()
    with httpx.Client(base_url=shared_bridge_server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        props = {"url": f"redis://127.0.0.1:{port}/0"}
        assert client.put("/workspaces/w/artefacts/bus", json={"type": "redis", "properties": props}).is_success
        down_and_back(client, "bus", "publish", ["x", 1], lambda: private_redis(port))


STREAM_LISTENER = "+entry(S, I, D)[artefact(A)] <- +got(A, S, D).\n"


async def _redis_call(method: str, *args: object) -> object:
    r = redis.asyncio.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
    try:
        return await getattr(r, method)(*args)
    finally:
        await r.aclose()


def _pending(stream: str, group: str) -> int:
    summary = asyncio.run(_redis_call("xpending", stream, group))
    assert isinstance(summary, dict)
    return int(summary["pending"])


def test_agents_and_outsiders_use_redis_streams_through_a_consumer_group(database_url: str, tmp_path: Path) -> None:
    stream = f"s{uuid.uuid4().hex[:8]}"
    group = f"g{uuid.uuid4().hex[:6]}"
    with bridge_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        assert client.put("/workspaces/w/artefacts/mouth", json={"type": "redis", "properties": {}}).is_success
        ears = {"type": "redis", "properties": {"group": group}}
        assert client.put("/workspaces/w/artefacts/ears", json=ears).is_success
        manual = {"type": "redis", "properties": {"group": f"{group}m", "auto_ack": False}}
        assert client.put("/workspaces/w/artefacts/manual", json=manual).is_success
        assert operate(client, "ears", "consume", stream)["status"] == "succeeded"
        assert operate(client, "manual", "consume", stream)["status"] == "succeeded"
        client.put("/agents/listener", json={"code": STREAM_LISTENER})
        client.post("/agents/listener/commands", json={"body": "joinWorkspace(w); focus(ears); focus(manual)"})
        client.put("/agents/talker", json={"code": ""})
        said = client.post(
            "/agents/talker/commands",
            json={"body": f'joinWorkspace(w); xadd("{stream}", "fresh bread", Id)[artefact(mouth)]'},
            headers={"Prefer": "wait=10"},
        )
        assert said.json()["status"] == "succeeded", said.text
        first_id = said.json()["result"]["values"]["Id"]
        eventually(lambda: has_belief(client, "listener", f'got(ears,"{stream}","fresh bread")'), "the agent's entry")
        eventually(lambda: has_belief(client, "listener", f'got(manual,"{stream}","fresh bread")'), "the entry, twice")

        outside_id = asyncio.run(_redis_call("xadd", stream, {"loaves": "3", "kind": "rye"}))
        eventually(
            lambda: client.get("/workspaces/w/artefacts/ears").json()["properties"]["received"] == 2,
            "the outside entry",
        )
        eventually(lambda: len([b for b in beliefs(client, "listener") if b.startswith("got(ears")]) == 2, "signalled")
        properties = client.get("/workspaces/w/artefacts/ears").json()["properties"]
        assert properties["received"] == 2 and properties["streams"] == [stream]
        assert properties["last_received"] == {
            "signal": "entry",
            "args": [stream, outside_id, {"loaves": 3, "kind": "rye"}],
        }
        eventually(lambda: _pending(stream, group) == 0, "every entry acknowledged (auto_ack)")

        # without auto_ack the entries stay pending until the agents acknowledge them
        eventually(lambda: client.get("/workspaces/w/artefacts/manual").json()["properties"]["received"] == 2, "both")
        assert _pending(stream, f"{group}m") == 2
        assert operate(client, "manual", "ack", stream, first_id)["result"] == 1
        assert operate(client, "manual", "ack", stream, first_id)["result"] == 0
        assert _pending(stream, f"{group}m") == 1

    # after a restart the consumer reads again what it was given and did not acknowledge: at least once
    with bridge_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        eventually(lambda: client.get("/workspaces/w/artefacts/manual").json()["properties"]["received"] == 3, "again")
        again = client.get("/workspaces/w/artefacts/manual").json()["properties"]["last_received"]["args"]
        assert again[1] == outside_id
        assert client.get("/workspaces/w/artefacts/ears").json()["properties"]["received"] == 2
