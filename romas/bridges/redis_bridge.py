"""``redis``: an artefact through which agents publish and subscribe on Redis pub/sub channels."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from typing import Any
from urllib.parse import urlsplit

from romas.bridges.base import Bridge, Link
from romas.bridges.payloads import decode, encode
from romas.domain.artefact_types import OperationFailed, async_operation, observable

PING_EVERY_S = 2.0


def _redis() -> Any:
    try:
        import redis.asyncio
    except ImportError:  # pragma: no cover - the bridges extra is not installed
        raise OperationFailed("the redis bridge needs redis: pip install romas[bridges]") from None
    return redis.asyncio


class Redis(Bridge):
    """A Redis connection: ``publish(channel, data)`` and ``subscribe(channel)``; each message on a subscribed
    channel is recorded here and signalled to the focusing agents as ``message(Channel, Data)``. The password
    comes from ``ROMAS_BRIDGE_<ARTEFACT>_PASSWORD``."""

    type_name = "redis"
    connects = True
    signals = {"message": "a message arrived on a subscribed channel; args: (channel, data)"}

    url: str = observable(default="redis://127.0.0.1:6379/0", description="the Redis server")
    channels: list[str] = observable(default=[], description="the channels subscribed to")
    received: int = observable(default=0, description="messages received on the subscriptions")
    last_received: Any = observable(default=None, description="the last message received")

    @classmethod
    def listens_to(cls, properties: Mapping[str, Any]) -> Hashable:
        return properties.get("url")

    @classmethod
    async def connect(cls, link: Link) -> Any:
        url = str(link.properties.get("url", ""))
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise OperationFailed(f"{url!r} is not a redis:// URL")
        await link.check_egress(parts.hostname, parts.port)
        connection = _redis().Redis.from_url(
            url, password=link.secret("password"), socket_connect_timeout=2, socket_timeout=5
        )
        await connection.ping()
        return connection

    @classmethod
    async def listen(cls, link: Link, connection: Any) -> None:
        """Read the subscriptions until the connection fails (this is the link's listening loop)."""
        pubsub = connection.pubsub(ignore_subscribe_messages=True)
        link.state = {"pubsub": pubsub}
        try:
            channels = list(link.properties.get("channels", []))
            if channels:
                await pubsub.subscribe(*channels)
            idle = 0.0
            while True:
                if pubsub.subscribed:
                    message = await pubsub.get_message(timeout=0.5)
                    if message is not None and message.get("type") == "message":
                        channel = message["channel"]
                        name = channel.decode() if isinstance(channel, bytes) else str(channel)
                        await link.deliver("message", name, decode(message["data"]))
                        continue
                    idle += 0.5
                else:
                    await asyncio.sleep(0.2)
                    idle += 0.2
                if idle >= PING_EVERY_S:
                    idle = 0.0
                    await connection.ping()
        except asyncio.CancelledError:
            raise
        except Exception:
            link.lost.set()
        finally:
            link.state = {}
            await pubsub.aclose()

    @classmethod
    async def disconnect(cls, connection: Any) -> None:
        await connection.aclose()

    @async_operation
    async def publish(self, channel: str, data: Any) -> None:
        """Publish data (a string as text, anything else as JSON)."""
        connection = await self.link.connected()
        try:
            await connection.publish(channel, encode(data))
        except Exception as exc:
            raise OperationFailed(f"publish on {channel} failed: {type(exc).__name__}: {exc}") from None

    @async_operation
    async def subscribe(self, channel: str) -> None:
        """Receive the messages of a channel (from now on, and again after a reconnection)."""
        await self.link.connected()
        pubsub = self.link.state.get("pubsub")
        if pubsub is None:
            raise OperationFailed(f"{self.link.name} is not listening yet; try again")
        try:
            await pubsub.subscribe(channel)
        except Exception as exc:
            raise OperationFailed(f"subscribe to {channel} failed: {type(exc).__name__}: {exc}") from None
        if channel not in self.channels:
            self.channels.append(channel)
