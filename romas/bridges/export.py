"""The event log on NATS JetStream: every event, in position order, on ``<prefix>.<stream_type>``.

``--export nats://host:4222/STREAM?prefix=romas.events`` (or ``ROMAS_EXPORT_NATS``). Each event's position is its
``Nats-Msg-Id``, so JetStream drops a duplicate of one published twice; after a restart the export resumes
after the last position the stream holds. Other systems consume the history without touching the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from romas.store.eventstore import RecordedEvent, Store

log = logging.getLogger("romas.export")

DEFAULT_STREAM = "ROMAS_EVENTS"
DEFAULT_PREFIX = "romas.events"
BATCH = 200
IDLE_S = 0.2
BACKOFF_MAX_S = 5.0


class ExportConfigError(ValueError):
    """An export URL that cannot be used."""


@dataclass(frozen=True, slots=True)
class ExportTarget:
    server: str
    stream: str
    prefix: str


def parse_target(url: str) -> ExportTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("nats", "tls") or not parts.hostname:
        raise ExportConfigError(f"--export needs a nats:// URL, not {url!r}")
    stream = parts.path.strip("/") or DEFAULT_STREAM
    prefix = parse_qs(parts.query).get("prefix", [DEFAULT_PREFIX])[0].strip(".")
    if not stream.replace("_", "").replace("-", "").isalnum():
        raise ExportConfigError(f"the JetStream stream name {stream!r} may hold only letters, digits, _ and -")
    if not prefix or any(c in prefix for c in " *>"):
        raise ExportConfigError(f"the subject prefix {prefix!r} must be a plain subject")
    return ExportTarget(urlunsplit((parts.scheme, parts.netloc, "", "", "")), stream, prefix)


def message_of(event: RecordedEvent) -> bytes:
    return json.dumps(
        {
            "position": event.position,
            "stream_type": event.stream_type,
            "stream_id": event.stream_id,
            "version": event.version,
            "type": event.type,
            "data": event.data,
            "metadata": event.metadata,
            "recorded_at": event.recorded_at.isoformat(),
        },
        separators=(",", ":"),
        default=str,
    ).encode()


class JetStreamExport:
    """Publishes the log while ``active()`` says this process should (the one that runs the agents)."""

    def __init__(self, store: Store, target: ExportTarget, active: Callable[[], bool] = lambda: True) -> None:
        self.store = store
        self.target = target
        self.active = active
        self.exported = 0
        """The last position JetStream has acknowledged."""
        self.last_position = 0
        """The newest position of the log when last looked at."""
        self.connected = False
        self.error: str | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def lag(self) -> int:
        """Events in the log not yet on JetStream (a gauge for metrics)."""
        return max(0, self.last_position - self.exported)

    def status(self) -> dict[str, Any]:
        return {
            "target": f"{self.target.server}/{self.target.stream}",
            "connected": self.connected,
            "exported_position": self.exported,
            "lag": self.lag,
            "error": self.error,
        }

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name="romas-export")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
            self._task = None

    async def _run_forever(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self._run()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                if message != self.error:
                    log.warning("exporting the event log to %s failed: %s; retrying", self.target.server, message)
                self.error = message
            self.connected = False
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    async def _run(self) -> None:
        import nats

        connection = await nats.connect(servers=[self.target.server], allow_reconnect=False, connect_timeout=2)
        try:
            js = connection.jetstream()
            subjects = [f"{self.target.prefix}.>"]
            try:
                await js.stream_info(self.target.stream)
            except nats.js.errors.NotFoundError:
                await js.add_stream(name=self.target.stream, subjects=subjects)
            self.exported = await self._last_exported(js)
            self.connected, self.error = True, None
            log.info("exporting the event log to %s/%s after position %d", *self._where(), self.exported)
            while True:
                self.last_position = await self.store.last_position()
                if not self.active() or self.last_position <= self.exported:
                    await asyncio.sleep(IDLE_S)
                    continue
                for event in await self.store.read_events(after=self.exported, limit=BATCH):
                    await js.publish(
                        f"{self.target.prefix}.{event.stream_type}",
                        message_of(event),
                        stream=self.target.stream,
                        headers={"Nats-Msg-Id": str(event.position)},
                    )
                    self.exported = event.position
        finally:
            with contextlib.suppress(Exception):
                await connection.close()

    def _where(self) -> tuple[str, str]:
        return self.target.server, self.target.stream

    async def _last_exported(self, js: Any) -> int:
        info = await js.stream_info(self.target.stream)
        if not info.state.messages:
            return 0
        last = await js.get_msg(self.target.stream, seq=info.state.last_seq)
        return int((last.headers or {}).get("Nats-Msg-Id", "0"))
