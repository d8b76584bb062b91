"""``redis``: an artefact through which agents publish and subscribe on Redis pub/sub channels, and add to and
consume Redis Streams through a consumer group, with acknowledgements."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from typing import Any

from romas.bridges.base import Bridge, Link, client_library
from romas.bridges.payloads import decode, encode
from romas.domain.artefact_types import OperationFailed, async_operation, observable

PING_EVERY_S = 2.0
READ_BLOCK_MS = 500
READ_COUNT = 100


def _redis() -> Any:
    return client_library("redis.asyncio", "redis", "redis")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def entry_data(fields: Mapping[Any, Any]) -> Any:
    """What an agent sees of a stream entry: the value of its one ``data`` field (as ``xadd`` writes it), else
    every field (each JSON decoded, or its text)."""
    named = {_text(k): v for k, v in fields.items()}
    if list(named) == ["data"]:
        return decode(named["data"])
    return {k: decode(v if isinstance(v, bytes) else str(v).encode()) for k, v in named.items()}


class Redis(Bridge):
    """A Redis connection. Pub/sub: ``publish(channel, data)`` and ``subscribe(channel)``; each message on a
    subscribed channel is recorded here and signalled to the focusing agents as ``message(Channel, Data)``.

    Streams: ``xadd(stream, data)`` appends an entry (its ``data`` field; the result is the entry id) and
    ``consume(stream)`` reads a stream as the consumer ``consumer`` of the consumer group ``group`` (created at
    the stream's end when missing). Each entry read is recorded here and signalled as ``entry(Stream, Id, Data)``;
    with ``auto_ack`` it is acknowledged (XACK) once recorded, else the agents acknowledge it with ``ack(stream,
    id)``. After a reconnection the consumer first reads again the entries it was given and that were not
    acknowledged, so nothing is lost (at least once). The password comes from ``ROMAS_BRIDGE_<ARTEFACT>_PASSWORD``.
    """

    type_name = "redis"
    connects = True
    signals = {
        "message": "a message arrived on a subscribed channel; args: (channel, data)",
        "entry": "an entry was read from a consumed stream; args: (stream, id, data)",
    }

    url: str = observable(default="redis://127.0.0.1:6379/0", description="the Redis server")
    channels: list[str] = observable(default=[], description="the channels subscribed to")
    streams: list[str] = observable(default=[], description="the streams consumed through the consumer group")
    group: str = observable(default="romas", description="the consumer group streams are read through")
    consumer: str = observable(default="", description="this artefact's consumer name in the group (its name if empty)")
    auto_ack: bool = observable(default=True, description="acknowledge each stream entry once recorded")
    received: int = observable(default=0, description="messages and stream entries received")
    last_received: Any = observable(default=None, description="the last message or stream entry received")

    @classmethod
    def listens_to(cls, properties: Mapping[str, Any]) -> Hashable:
        return (properties.get("url"), properties.get("group"), properties.get("consumer"), properties.get("auto_ack"))

    @classmethod
    async def connect(cls, link: Link) -> Any:
        url = (await link.broker_url("redis", "rediss")).geturl()
        connection = _redis().Redis.from_url(
            url, password=link.secret("password"), socket_connect_timeout=2, socket_timeout=5
        )
        await connection.ping()
        return connection

    @staticmethod
    def _reader(link: Link) -> tuple[str, str, bool]:
        group = str(link.properties.get("group") or "romas")
        consumer = str(link.properties.get("consumer") or link.name)
        return group, consumer, link.properties.get("auto_ack", True) is not False

    @classmethod
    async def _join(cls, link: Link, connection: Any, stream: str) -> None:
        """Read ``stream`` through the group from now on: its pending entries of this consumer first."""
        group, _consumer, _ack = cls._reader(link)
        try:
            await connection.xgroup_create(stream, group, id="$", mkstream=True)
        except Exception as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        link.state["streams"].setdefault(stream, "0")

    @classmethod
    async def listen(cls, link: Link, connection: Any) -> None:
        """Read the subscriptions and the streams until the connection fails (the link's listening loop)."""
        pubsub = connection.pubsub(ignore_subscribe_messages=True)
        link.state = {"pubsub": pubsub, "streams": {}}
        try:
            channels = list(link.properties.get("channels", []))
            if channels:
                await pubsub.subscribe(*channels)
            for stream in link.properties.get("streams", []):
                await cls._join(link, connection, stream)
            async with asyncio.TaskGroup() as readers:
                readers.create_task(cls._read_channels(link, connection, pubsub))
                readers.create_task(cls._read_streams(link, connection))
        except asyncio.CancelledError:
            raise
        except BaseException:
            link.lost.set()
        finally:
            link.state = {}
            await pubsub.aclose()

    @classmethod
    async def _read_channels(cls, link: Link, connection: Any, pubsub: Any) -> None:
        idle = 0.0
        while True:
            if pubsub.subscribed:
                message = await pubsub.get_message(timeout=0.5)
                if message is not None and message.get("type") == "message":
                    await link.deliver("message", _text(message["channel"]), decode(message["data"]))
                    continue
                idle += 0.5
            else:
                await asyncio.sleep(0.2)
                idle += 0.2
            if idle >= PING_EVERY_S:
                idle = 0.0
                await connection.ping()

    @classmethod
    async def _read_streams(cls, link: Link, connection: Any) -> None:
        """Each stream's position is the last pending entry read again (from "0") until none is left, then ">"
        (entries never given to any consumer of the group)."""
        group, consumer, auto_ack = cls._reader(link)
        positions: dict[str, str] = link.state["streams"]
        while True:
            if not positions:
                await asyncio.sleep(0.2)
                continue
            block = READ_BLOCK_MS if all(p == ">" for p in positions.values()) else None
            answer = await connection.xreadgroup(group, consumer, dict(positions), count=READ_COUNT, block=block)
            for raw_stream, entries in answer or []:
                stream = _text(raw_stream)
                if positions.get(stream, ">") != ">" and not entries:
                    positions[stream] = ">"  # the pending entries are all read again
                for raw_id, fields in entries:
                    entry_id = _text(raw_id)
                    if positions.get(stream, ">") != ">":
                        positions[stream] = entry_id
                    if fields is None:
                        continue  # an entry deleted while pending
                    await link.deliver("entry", stream, entry_id, entry_data(fields))
                    if auto_ack:
                        await connection.xack(stream, group, entry_id)

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

    @async_operation
    async def xadd(self, stream: str, data: Any) -> str:
        """Append an entry to a stream (XADD): data (a string as text, anything else as JSON) in its ``data``
        field; the result is the entry's id."""
        connection = await self.link.connected()
        try:
            entry_id = await connection.xadd(stream, {"data": encode(data)})
        except Exception as exc:
            raise OperationFailed(f"xadd to {stream} failed: {type(exc).__name__}: {exc}") from None
        return _text(entry_id)

    @async_operation
    async def consume(self, stream: str) -> None:
        """Read a stream through the consumer group (XREADGROUP), from now on and again after a reconnection."""
        connection = await self.link.connected()
        if "streams" not in self.link.state:
            raise OperationFailed(f"{self.link.name} is not listening yet; try again")
        try:
            await self._join(self.link, connection, stream)
        except Exception as exc:
            raise OperationFailed(f"consuming {stream} failed: {type(exc).__name__}: {exc}") from None
        if stream not in self.streams:
            self.streams.append(stream)

    @async_operation
    async def ack(self, stream: str, entry_id: str) -> int:
        """Acknowledge an entry read from a stream (XACK); the result is 1, or 0 if it was not pending."""
        connection = await self.link.connected()
        group, _consumer, _auto = self._reader(self.link)
        try:
            return int(await connection.xack(stream, group, entry_id))
        except Exception as exc:
            raise OperationFailed(f"ack of {entry_id} on {stream} failed: {type(exc).__name__}: {exc}") from None
