"""The ``amqp`` bridge through a real ``romas serve`` and the RabbitMQ on 127.0.0.1:5672."""

from __future__ import annotations

import uuid

import aio_pika
import httpx
import pytest

from tests.e2e.bridges import agents_and_outsiders_talk
from tests.e2e.brokers import TcpProxy, down_and_back, proxy_up
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.e2e


async def _outside_publishes(channel: str) -> None:
    connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    channel_ = await connection.channel()
    await channel_.default_exchange.publish(aio_pika.Message(b'{"loaves": 3}'), routing_key=channel)
    await connection.close()


def test_agents_and_outsiders_talk_over_amqp_queues(shared_bridge_server: ServerProcess) -> None:
    agents_and_outsiders_talk(
        shared_bridge_server, "amqp", "consume", 'publish("", "{channel}", "fresh bread")', _outside_publishes
    )


def test_an_amqp_broker_that_is_down_fails_operations_and_the_bridge_reconnects(
    shared_bridge_server: ServerProcess,
) -> None:
    proxy = TcpProxy(5672)  # the shared RabbitMQ, behind a proxy this test cuts and restores
    with httpx.Client(base_url=shared_bridge_server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        props = {"url": f"amqp://127.0.0.1:{proxy.port}/"}
        assert client.put("/workspaces/w/artefacts/bus", json={"type": "amqp", "properties": props}).is_success
        down_and_back(client, "bus", "publish", ["", f"nobody{uuid.uuid4().hex[:6]}", 1], lambda: proxy_up(proxy))
