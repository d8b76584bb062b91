"""The ``amqp`` bridge through a real ``romas serve`` and the RabbitMQ on 127.0.0.1:5672."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aio_pika
import httpx
import pytest

from tests.e2e.bridges import beliefs, bridge_server, eventually, operate
from tests.e2e.brokers import TcpProxy, down_and_back, proxy_up

pytestmark = pytest.mark.e2e
LISTENER = "+message(C, D)[artefact(ears)] <- +got(C, D).\n"


def _has(client: httpx.Client, agent: str, belief: str) -> bool:
    return any(b.startswith(belief + "[") for b in beliefs(client, agent))


def test_agents_and_outsiders_talk_over_amqp_queues(database_url: str, tmp_path: Path) -> None:
    channel = f"c{uuid.uuid4().hex[:8]}"
    with bridge_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        for name in ("mouth", "ears"):
            assert client.put(f"/workspaces/w/artefacts/{name}", json={"type": "amqp", "properties": {}}).is_success
        assert operate(client, "ears", "consume", channel)["status"] == "succeeded"
        client.put("/agents/listener", json={"code": LISTENER})
        client.post("/agents/listener/commands", json={"body": "joinWorkspace(w); focus(ears)"})
        client.put("/agents/talker", json={"code": ""})
        said = client.post(
            "/agents/talker/commands",
            json={"body": f'joinWorkspace(w); publish("", "{channel}", "fresh bread")[artefact(mouth)]'},
            headers={"Prefer": "wait=10"},
        )
        assert said.json()["status"] == "succeeded", said.text
        eventually(lambda: _has(client, "listener", f'got("{channel}","fresh bread")'), "the agent's message")

        async def outside() -> None:
            connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
            channel_ = await connection.channel()
            await channel_.default_exchange.publish(aio_pika.Message(b'{"loaves": 3}'), routing_key=channel)
            await connection.close()

        asyncio.run(outside())
        eventually(lambda: sum(b.startswith(f'got("{channel}"') for b in beliefs(client, "listener")) == 2, "both")
        ears = client.get("/workspaces/w/artefacts/ears").json()["properties"]
        assert ears["received"] == 2 and ears["last_received"]["args"] == [channel, {"loaves": 3}]


def test_an_amqp_broker_that_is_down_fails_operations_and_the_bridge_reconnects(
    database_url: str, tmp_path: Path
) -> None:
    proxy = TcpProxy(5672)  # the shared RabbitMQ, behind a proxy this test cuts and restores
    with bridge_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        props = {"url": f"amqp://127.0.0.1:{proxy.port}/"}
        assert client.put("/workspaces/w/artefacts/bus", json={"type": "amqp", "properties": props}).is_success
        down_and_back(client, "bus", "publish", ["", f"nobody{uuid.uuid4().hex[:6]}", 1], lambda: proxy_up(proxy))
