"""The ``mqtt`` bridge through a real ``romas serve`` and the Mosquitto on 127.0.0.1:1883."""

from __future__ import annotations

import aiomqtt
import httpx
import pytest

from tests.e2e.bridges import agents_and_outsiders_talk
from tests.e2e.brokers import down_and_back, private_mosquitto
from tests.e2e.server import ServerProcess, free_port

pytestmark = pytest.mark.e2e


async def _outside_publishes(channel: str) -> None:
    async with aiomqtt.Client("127.0.0.1", 1883) as outsider:
        await outsider.publish(channel, '{"loaves": 3}', qos=1)


def test_agents_and_outsiders_talk_over_mqtt_topics(shared_bridge_server: ServerProcess) -> None:
    agents_and_outsiders_talk(
        shared_bridge_server, "mqtt", "subscribe", 'publish("{channel}", "fresh bread")', _outside_publishes
    )


def test_an_mqtt_broker_that_is_down_fails_operations_and_the_bridge_reconnects(
    shared_bridge_server: ServerProcess,
) -> None:
    port = free_port()
    with httpx.Client(base_url=shared_bridge_server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        props = {"url": f"mqtt://127.0.0.1:{port}"}
        assert client.put("/workspaces/w/artefacts/bus", json={"type": "mqtt", "properties": props}).is_success
        down_and_back(client, "bus", "publish", ["x", 1], lambda: private_mosquitto(port))
