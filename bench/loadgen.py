"""A closed-loop load generator: N sessions, each sending its next request as soon as the previous answer is in.

The HTTP client is deliberately thin (an asyncio protocol on uvloop with httptools parsing the answers, one
keep-alive connection per session, requests pre-encoded as bytes) so that it costs the shared CPU as little as
a Python client can. Each run reports the CPU it used itself, so its share is visible next to the figures.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import httptools

from bench.cpu import CpuSnapshot, CpuUse, snapshot

RequestFactory = Callable[[int, int], bytes]
"""``(sequence number, session index) -> raw HTTP/1.1 request``."""


class Session(Protocol):
    """One client of the system under test (an HTTP connection, a database connection)."""

    async def call(self, n: int) -> int:
        """Do request number ``n``; answer a status (HTTP status, or 200/500 for non-HTTP sessions)."""
        ...

    async def close(self) -> None: ...


SessionFactory = Callable[[int], Awaitable[Session]]


class _HttpProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[int] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    # httptools callbacks
    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.parser.get_status_code())

    def _fail(self, exc: BaseException) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)


class HttpSession:
    """A keep-alive HTTP/1.1 connection that sends one request at a time."""

    def __init__(self, host: str, port: int, index: int, make: RequestFactory) -> None:
        self.host = host
        self.port = port
        self.index = index
        self.make = make
        self._protocol: _HttpProtocol | None = None

    async def _connect(self) -> _HttpProtocol:
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_connection(_HttpProtocol, self.host, self.port)
        return protocol

    async def call(self, n: int) -> int:
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = self._protocol = await self._connect()
        assert protocol.transport is not None
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        protocol.waiter = waiter
        protocol.transport.write(self.make(n, self.index))
        try:
            return await waiter
        except (ConnectionError, httptools.HttpParserError):
            self._protocol = None
            return 599

    async def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()


def http_sessions(host: str, port: int, make: RequestFactory) -> SessionFactory:
    async def factory(index: int) -> Session:
        return HttpSession(host, port, index, make)

    return factory


def http_request(method: str, path: str, port: int, *, body: bytes = b"", content_type: str | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/hal+json"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if body or method in ("PUT", "POST", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


@dataclass
class RunResult:
    """One measured run: what the clients saw and what the processes involved spent."""

    label: str
    concurrency: int
    duration_s: float
    requests: int
    errors: int
    statuses: dict[str, int]
    latencies_ms: list[float] = field(repr=False)
    cpu: CpuUse | None = None

    @property
    def throughput(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan")

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "concurrency": self.concurrency,
            "duration_s": round(self.duration_s, 3),
            "requests": self.requests,
            "errors": self.errors,
            "statuses": self.statuses,
            "throughput_rps": round(self.throughput, 1),
            "latency_ms": {
                "p50": round(self.p50, 3),
                "p90": round(self.percentile(90), 3),
                "p99": round(self.p99, 3),
                "mean": round(self.mean, 3),
                "max": round(max(self.latencies_ms), 3) if self.latencies_ms else None,
            },
        }
        if self.cpu is not None:
            out["cpu"] = self.cpu.as_dict(self.requests)
        return out

    def line(self) -> str:
        text = (
            f"{self.label:<28} {self.throughput:9.1f} req/s  p50 {self.p50:7.2f} ms  p99 {self.p99:7.2f} ms"
            f"  n={self.requests}"
        )
        if self.errors:
            text += f"  ERRORS={self.errors} {self.statuses}"
        if self.cpu is not None:
            text += "  " + self.cpu.brief(self.requests)
        return text


async def drive(
    label: str,
    factory: SessionFactory,
    *,
    concurrency: int,
    warmup_s: float,
    duration_s: float,
    server_pid: int | None = None,
) -> RunResult:
    """Warm up, then measure for ``duration_s``: only requests started inside the window count."""
    sessions = [await factory(i) for i in range(concurrency)]
    counter = itertools.count(1)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    clock = time.perf_counter
    start = clock()
    measure_from = start + warmup_s
    end = measure_from + duration_s
    marks: dict[str, CpuSnapshot] = {}

    async def mark() -> None:
        await asyncio.sleep(max(0.0, measure_from - clock()))
        marks["from"] = snapshot(server_pid)
        await asyncio.sleep(max(0.0, end - clock()))
        marks["to"] = snapshot(server_pid)

    async def worker(session: Session) -> None:
        while True:
            t0 = clock()
            if t0 >= end:
                return
            status = await session.call(next(counter))
            if t0 >= measure_from:
                latencies.append((clock() - t0) * 1000.0)
                statuses[status] += 1

    marker = asyncio.create_task(mark())
    try:
        await asyncio.gather(*(worker(s) for s in sessions))
        await marker
    finally:
        marker.cancel()
        for session in sessions:
            await session.close()
    errors = sum(count for status, count in statuses.items() if status >= 400)
    cpu = CpuUse.between(marks["from"], marks["to"]) if "from" in marks and "to" in marks else None
    return RunResult(
        label=label,
        concurrency=concurrency,
        duration_s=duration_s,
        requests=len(latencies),
        errors=errors,
        statuses={str(k): v for k, v in sorted(statuses.items())},
        latencies_ms=latencies,
        cpu=cpu,
    )
