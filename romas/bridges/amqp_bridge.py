"""``amqp``: an artefact through which agents publish to exchanges and consume queues (RabbitMQ)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping
from typing import Any

from romas.bridges.base import Bridge, Link, client_library
from romas.bridges.payloads import decode, encode
from romas.domain.artefact_types import OperationFailed, async_operation, observable


def _aio_pika() -> Any:
    return client_library("aio_pika", "amqp", "aio-pika")


class Amqp(Bridge):
    """An AMQP 0-9-1 connection: ``publish(exchange, routing_key, data)`` ("" is the default exchange, which routes
    to the queue of that name) and ``consume(queue)`` (declared durable when missing). Each consumed message is
    recorded here and signalled to the focusing agents as ``message(Queue, Data)``, and acknowledged once
    recorded (so a crash before that redelivers it). Credentials come from ``ROMAS_BRIDGE_<ARTEFACT>_USER`` and
    ``_PASSWORD`` (else the broker's defaults)."""

    type_name = "amqp"
    connects = True
    signals = {"message": "a message was consumed from a queue; args: (queue, data)"}

    url: str = observable(default="amqp://127.0.0.1:5672/", description="the AMQP broker")
    queues: list[str] = observable(default=[], description="the queues consumed")
    received: int = observable(default=0, description="messages consumed")
    last_received: Any = observable(default=None, description="the last message consumed")

    @classmethod
    def listens_to(cls, properties: Mapping[str, Any]) -> Hashable:
        return properties.get("url")

    @classmethod
    async def connect(cls, link: Link) -> Any:
        url = (await link.broker_url("amqp", "amqps")).geturl()
        user, password = link.secret("user"), link.secret("password")
        credentials = {"login": user, "password": password} if user and password else {}
        connection = await _aio_pika().connect(url, timeout=3, **credentials)
        connection.close_callbacks.add(lambda *_: link.lost.set())
        channel = await connection.channel()
        link.state = {"channel": channel}
        return connection

    @classmethod
    async def listen(cls, link: Link, connection: Any) -> None:
        for queue in link.properties.get("queues", []):
            await cls._consume(link, queue)

    @classmethod
    async def _consume(cls, link: Link, name: str) -> None:
        if name in link.state:
            return
        channel = link.state["channel"]
        queue = await channel.declare_queue(name, durable=True)

        async def on_message(message: Any) -> None:
            async with message.process(requeue=True):
                await link.deliver("message", name, decode(message.body))

        await queue.consume(on_message)
        link.state[name] = queue

    @classmethod
    async def disconnect(cls, connection: Any) -> None:
        await connection.close()

    @async_operation
    async def publish(self, exchange: str, routing_key: str, data: Any) -> None:
        """Publish data (a string as text, anything else as JSON), persistent, to an exchange."""
        await self.link.connected()
        aio_pika = _aio_pika()
        try:
            channel = self.link.state["channel"]
            target = channel.default_exchange if exchange == "" else await channel.get_exchange(exchange)
            message = aio_pika.Message(encode(data), delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            async with asyncio.timeout(10):
                await target.publish(message, routing_key=routing_key)
        except Exception as exc:
            raise OperationFailed(f"publish to {exchange or 'the default exchange'} failed: {exc!r}") from None

    @async_operation
    async def consume(self, queue: str) -> None:
        """Consume a queue (declared durable when missing), from now on and again after a reconnection."""
        await self.link.connected()
        try:
            async with asyncio.timeout(10):
                await self._consume(self.link, queue)
        except Exception as exc:
            raise OperationFailed(f"consuming {queue} failed: {exc!r}") from None
        if queue not in self.queues:
            self.queues.append(queue)
