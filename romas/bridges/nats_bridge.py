"""``nats``: an artefact through which agents publish, subscribe and request on a NATS server."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from romas.bridges.base import Bridge, Link, client_library
from romas.bridges.payloads import decode, encode
from romas.domain.artefact_types import OperationFailed, async_operation, observable


def _nats() -> Any:
    return client_library("nats", "nats", "nats-py")


class Nats(Bridge):
    """A NATS connection: ``publish(subject, data)``, ``request(subject, data)`` (returns the reply) and
    ``subscribe(subject)``; each message on a subscribed subject is recorded here and signalled to the focusing
    agents as ``message(Subject, Data, ReplyTo)`` (ReplyTo is "" when no reply is expected). Credentials come from
    ``ROMAS_BRIDGE_<ARTEFACT>_USER``/``_PASSWORD`` or ``_TOKEN``."""

    type_name = "nats"
    connects = True
    signals = {"message": "a message arrived on a subscribed subject; args: (subject, data, reply_to)"}

    url: str = observable(default="nats://127.0.0.1:4222", description="the NATS server")
    subjects: list[str] = observable(default=[], description="the subjects subscribed to (wildcards allowed)")
    timeout: float = observable(default=5.0, description="seconds a publish or request may take")
    received: int = observable(default=0, description="messages received on the subscriptions")
    last_received: Any = observable(default=None, description="the last message received")

    @classmethod
    def listens_to(cls, properties: Mapping[str, Any]) -> Hashable:
        return properties.get("url")

    @classmethod
    async def connect(cls, link: Link) -> Any:
        url = (await link.broker_url("nats", "tls")).geturl()

        async def lost(*_: Any) -> None:
            link.lost.set()

        async def quiet(_: Exception) -> None:
            pass

        return await _nats().connect(
            servers=[url],
            allow_reconnect=False,
            connect_timeout=2,
            ping_interval=5,
            max_outstanding_pings=2,
            closed_cb=lost,
            disconnected_cb=lost,
            error_cb=quiet,
            user=link.secret("user"),
            password=link.secret("password"),
            token=link.secret("token"),
            name=f"romas {link.key[0]}/{link.key[1]}",
        )

    @classmethod
    async def listen(cls, link: Link, connection: Any) -> None:
        link.state = {}
        for subject in link.properties.get("subjects", []):
            await cls._subscribe(link, connection, subject)

    @classmethod
    async def _subscribe(cls, link: Link, connection: Any, subject: str) -> None:
        if subject in link.state:
            return

        async def on_message(msg: Any) -> None:
            await link.deliver("message", msg.subject, decode(msg.data), msg.reply or "")

        link.state[subject] = await connection.subscribe(subject, cb=on_message)
        await connection.flush(timeout=5)

    @classmethod
    async def disconnect(cls, connection: Any) -> None:
        await connection.close()

    @async_operation
    async def publish(self, subject: str, data: Any) -> None:
        """Publish data (a string as text, anything else as JSON) on a subject."""
        connection = await self.link.connected()
        try:
            await connection.publish(subject, encode(data))
            await connection.flush(timeout=self.timeout)
        except Exception as exc:
            raise OperationFailed(f"publish on {subject} failed: {type(exc).__name__}: {exc}") from None

    @async_operation
    async def request(self, subject: str, data: Any) -> Any:
        """Publish data and return the first reply (JSON decoded, or its text)."""
        connection = await self.link.connected()
        try:
            reply = await connection.request(subject, encode(data), timeout=self.timeout)
        except TimeoutError:
            raise OperationFailed(f"no reply on {subject} within {self.timeout:g}s") from None
        except Exception as exc:
            raise OperationFailed(f"request on {subject} failed: {type(exc).__name__}: {exc}") from None
        return decode(reply.data)

    @async_operation
    async def subscribe(self, subject: str) -> None:
        """Receive the messages of a subject (from now on, and again after a reconnection)."""
        connection = await self.link.connected()
        try:
            await self._subscribe(self.link, connection, subject)
        except Exception as exc:
            raise OperationFailed(f"subscribe to {subject} failed: {type(exc).__name__}: {exc}") from None
        if subject not in self.subjects:
            self.subjects.append(subject)

    @async_operation
    async def unsubscribe(self, subject: str) -> None:
        """Stop receiving the messages of a subject."""
        if subject not in self.subjects:
            raise OperationFailed(f"{self.link.name} is not subscribed to {subject}")
        self.subjects.remove(subject)
        subscription = self.link.state.pop(subject, None)
        if subscription is not None:
            try:
                await subscription.unsubscribe()
            except Exception as exc:
                raise OperationFailed(f"unsubscribe from {subject} failed: {type(exc).__name__}: {exc}") from None
