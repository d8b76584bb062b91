"""What every bridge shares: the base type, the per-artefact link to a broker, and the hub that owns the links.

A bridge's operations are coroutines run by :func:`invoke_async` outside the database transaction, so a slow
broker delays only its own artefact. Connection-oriented bridges (NATS, MQTT, ...) keep one connection per
artefact, opened by a supervisor task that reconnects with backoff and listens for inbound messages while it
is up; an operation waits a short while for the connection and fails clearly when there is none.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import re
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, ClassVar
from urllib.parse import SplitResult, urlsplit

from romas.domain.artefact_types import ArtefactType, Invocation, OperationFailed, invoke_async
from romas.interop.egress import EgressRefused, egress_rule

log = logging.getLogger("romas.bridges")

ArtefactKey = tuple[str, str]
Deliver = Callable[[ArtefactKey, str, list[Any]], Awaitable[None]]
OPERATION_LIMIT_S = 120.0
CONNECT_WAIT_S = 2.0
BACKOFF_MIN_S = 0.2
BACKOFF_MAX_S = 5.0


class Link:
    """One bridge artefact's hold on the world: its settings, its connection (if any) and its inbound path."""

    def __init__(self, key: ArtefactKey, bridge: type[Bridge], properties: Mapping[str, Any], deliver: Deliver):
        self.key = key
        self.bridge = bridge
        self.properties = dict(properties)
        self._deliver = deliver
        self.connection: Any = None
        self.error: str | None = None
        self.ready = asyncio.Event()
        self.lost = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.state: dict[str, Any] = {}
        """What the bridge keeps for the current connection (its subscriptions, say)."""

    @property
    def name(self) -> str:
        return self.key[1]

    def secret(self, what: str) -> str | None:
        """``ROMAS_BRIDGE_<ARTEFACT>_<WHAT>`` from the server's environment (never from agent code)."""
        variable = f"ROMAS_BRIDGE_{re.sub(r'[^A-Za-z0-9]', '_', self.name).upper()}_{what.upper()}"
        return os.environ.get(variable) or None

    async def check_egress(self, host: str, port: int | None = None) -> None:
        try:
            await egress_rule().check_host(host, port)
        except EgressRefused as exc:
            raise OperationFailed(str(exc)) from None

    async def broker_url(self, *schemes: str) -> SplitResult:
        """The ``url`` property, checked: one of ``schemes`` (the first names it in the error), with a host that the
        egress rule allows."""
        url = str(self.properties.get("url", ""))
        parts = urlsplit(url)
        if parts.scheme not in schemes or not parts.hostname:
            raise OperationFailed(f"{url!r} is not a {schemes[0]}:// URL")
        await self.check_egress(parts.hostname, parts.port)
        return parts

    async def connected(self, wait_s: float = CONNECT_WAIT_S) -> Any:
        """The open connection, waiting a little for one; an OperationFailed saying why when there is none."""
        if not self.ready.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await self.ready.wait()
        if not self.ready.is_set() or self.connection is None:
            why = self.error or "not connected yet"
            raise OperationFailed(f"{self.bridge.type_name} {self.name} has no connection: {why}")
        return self.connection

    async def deliver(self, signal: str, *args: Any) -> None:
        """Record what came in from outside on the artefact and signal it to the agents focusing on it."""
        await self._deliver(self.key, signal, list(args))

    async def supervise(self) -> None:
        """Connect, listen until the connection is lost, and reconnect with backoff, until cancelled."""
        backoff = BACKOFF_MIN_S
        while True:
            connection = None
            try:
                connection = await asyncio.wait_for(self.bridge.connect(self), 10)
                self.connection, self.error = connection, None
                self.lost.clear()
                self.ready.set()
                backoff = BACKOFF_MIN_S
                log.info("%s %s/%s connected", self.bridge.type_name, *self.key)
                await self.bridge.listen(self, connection)
                await self.lost.wait()
                self.error = "the connection was lost"
                log.warning("%s %s/%s lost its connection; reconnecting", self.bridge.type_name, *self.key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                message = str(exc) or type(exc).__name__
                if message != self.error:
                    log.warning("%s %s/%s cannot connect: %s", self.bridge.type_name, *self.key, message)
                self.error = message
            finally:
                self.ready.clear()
                self.connection = None
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self.bridge.disconnect(connection), 5)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)


def client_library(module: str, bridge: str, package: str) -> Any:
    """The client library a bridge needs (an optional extra), or an OperationFailed saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - the bridges extra is not installed
        raise OperationFailed(f"the {bridge} bridge needs {package}: pip install romas[bridges]") from None


class Bridge(ArtefactType):
    """Base of artefact types whose operations are coroutines that reach outside romas.

    A connection-oriented bridge sets ``connects = True`` and implements :meth:`connect`, :meth:`listen` (set up
    subscriptions from the properties; call ``link.deliver(signal, ...)`` per inbound message and
    ``link.lost.set()`` when the connection drops) and :meth:`disconnect`. Operations reach the link as
    ``self.link``.
    """

    connects: ClassVar[bool] = False
    _async_operations = True
    _link: Link

    @property
    def link(self) -> Link:
        return self._link

    @classmethod
    async def connect(cls, link: Link) -> Any:
        raise NotImplementedError

    @classmethod
    async def listen(cls, link: Link, connection: Any) -> None:
        """Subscribe as the properties say; return once subscribed (inbound messages arrive in callbacks)."""

    @classmethod
    async def disconnect(cls, connection: Any) -> None:
        """Close the connection."""

    @classmethod
    def listens_to(cls, properties: Mapping[str, Any]) -> Hashable:
        """What :meth:`connect` and :meth:`listen` depend on: a change of it reconnects the link."""
        return None


def is_bridge(artefact_type: type[ArtefactType] | None) -> bool:
    return artefact_type is not None and issubclass(artefact_type, Bridge)


class BridgeHub:
    """The links of the bridge artefacts this process runs (the one that runs the agents)."""

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self.links: dict[ArtefactKey, Link] = {}

    def sync(self, key: ArtefactKey, bridge: type[ArtefactType] | None, properties: Mapping[str, Any] | None) -> None:
        """Follow an artefact's creation, change or deletion (``properties`` None)."""
        link = self.links.get(key)
        if properties is None or bridge is None or not issubclass(bridge, Bridge):
            if link is not None:
                self._close(self.links.pop(key))
            return
        if link is not None and link.bridge is bridge:
            before = bridge.listens_to(link.properties)
            link.properties = dict(properties)
            if before == bridge.listens_to(properties):
                return
            self._close(self.links.pop(key))
        link = Link(key, bridge, properties, self._deliver)
        self.links[key] = link
        if bridge.connects:
            link.task = asyncio.create_task(link.supervise(), name=f"romas-bridge-{key[0]}-{key[1]}")

    @staticmethod
    def _close(link: Link) -> None:
        if link.task is not None:
            link.task.cancel()

    async def invoke(
        self, key: ArtefactKey, bridge: type[ArtefactType], properties: Mapping[str, Any], operation: str, args: object
    ) -> Invocation:
        link = self.links.get(key)
        if link is None:
            self.sync(key, bridge, properties)
            link = self.links[key]

        def prepare(instance: ArtefactType) -> None:
            instance._link = link  # type: ignore[attr-defined]

        try:
            async with asyncio.timeout(OPERATION_LIMIT_S):
                return await invoke_async(bridge, properties, operation, args, prepare)
        except TimeoutError:
            from romas.domain.artefact_types import Failure

            return Invocation(dict(properties), failure=Failure("failed", f"{operation} took too long"))

    async def stop(self) -> None:
        tasks = [link.task for link in self.links.values() if link.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self.links.clear()
