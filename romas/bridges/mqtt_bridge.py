"""``mqtt``: an artefact through which agents publish and subscribe on MQTT topics (QoS 0 or 1)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Hashable, Mapping
from typing import Any

from romas.bridges.base import Bridge, Link, client_library
from romas.bridges.payloads import decode, encode
from romas.domain.artefact_types import OperationFailed, async_operation, observable


def _aiomqtt() -> Any:
    return client_library("aiomqtt", "mqtt", "aiomqtt")


class Mqtt(Bridge):
    """An MQTT connection: ``publish(topic, data)`` (at the artefact's ``qos``) and ``subscribe(topic)``; each
    message on a subscribed topic is recorded here and signalled to the focusing agents as
    ``message(Topic, Data)``. Credentials come from ``ROMAS_BRIDGE_<ARTEFACT>_USER`` and ``_PASSWORD``."""

    type_name = "mqtt"
    connects = True
    signals = {"message": "a message arrived on a subscribed topic; args: (topic, data)"}

    url: str = observable(default="mqtt://127.0.0.1:1883", description="the MQTT broker")
    qos: int = observable(default=1, description="0 (at most once) or 1 (at least once)")
    topics: list[str] = observable(default=[], description="the topic filters subscribed to")
    timeout: float = observable(default=5.0, description="seconds a publish or subscribe may take")
    received: int = observable(default=0, description="messages received on the subscriptions")
    last_received: Any = observable(default=None, description="the last message received")

    @classmethod
    def listens_to(cls, properties: Mapping[str, Any]) -> Hashable:
        return properties.get("url")

    @classmethod
    async def connect(cls, link: Link) -> Any:
        parts = await link.broker_url("mqtt")
        client = _aiomqtt().Client(
            parts.hostname,
            parts.port or 1883,
            username=link.secret("user"),
            password=link.secret("password"),
            identifier=f"romas-{link.key[0]}-{link.key[1]}-{uuid.uuid4().hex[:6]}",
            timeout=5,
            keepalive=10,
        )
        await client.__aenter__()
        return client

    @classmethod
    async def listen(cls, link: Link, connection: Any) -> None:
        """Read the subscriptions until the connection fails (this is the link's listening loop)."""
        qos = 1 if link.properties.get("qos", 1) else 0
        try:
            for topic in link.properties.get("topics", []):
                await connection.subscribe(topic, qos=qos)
            async for message in connection.messages:
                await link.deliver("message", str(message.topic), decode(bytes(message.payload or b"")))
        except asyncio.CancelledError:
            raise
        except Exception:
            pass
        link.lost.set()

    @classmethod
    async def disconnect(cls, connection: Any) -> None:
        await connection.__aexit__(None, None, None)

    @async_operation
    async def publish(self, topic: str, data: Any) -> None:
        """Publish data (a string as text, anything else as JSON) on a topic."""
        connection = await self.link.connected()
        try:
            await connection.publish(topic, encode(data), qos=1 if self.qos else 0, timeout=self.timeout)
        except Exception as exc:
            raise OperationFailed(f"publish on {topic} failed: {type(exc).__name__}: {exc}") from None

    @async_operation
    async def subscribe(self, topic: str) -> None:
        """Receive the messages of a topic filter (from now on, and again after a reconnection)."""
        connection = await self.link.connected()
        try:
            await connection.subscribe(topic, qos=1 if self.qos else 0, timeout=self.timeout)
        except Exception as exc:
            raise OperationFailed(f"subscribe to {topic} failed: {type(exc).__name__}: {exc}") from None
        if topic not in self.topics:
            self.topics.append(topic)
