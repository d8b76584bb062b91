"""What the benchmarks of romas running agents and artefacts share (``bench/runtime.py``, ``bench/environment.py``):
a database of either kind, a raw HTTP client that keeps the ``Location`` of each answer, a follower of the
``/events`` Server-Sent Events stream, an open-loop scheduler, and a light probe that reads the database
directly to learn when every message or invocation of a run has finished.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
import httptools
import httpx
import msgspec

from bench import common
from bench.common import Options, Server

KINDS = ("sqlite", "postgres")
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


# -- databases -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Database:
    """A scratch database of one kind: ``url`` is what ``romas serve --database-url`` takes."""

    kind: str
    url: str
    sqlite_path: Path | None = None

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@asynccontextmanager
async def scratch(opts: Options, kind: str, purpose: str) -> AsyncIterator[Database]:
    """A new, empty database of ``kind`` (a file in a temporary folder, or ``romas_bench_<purpose>_<pid>``),
    removed afterwards."""
    if kind == "postgres":
        async with common.scratch_database(opts, purpose) as url:
            yield Database(kind, url)
        return
    folder = Path(tempfile.mkdtemp(prefix=f"romas-bench-{purpose}-"))
    try:
        path = folder / "romas.db"
        yield Database(kind, f"sqlite:///{path}", path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def start(db: Database, opts: Options, *, sqlite_synchronous: str | None = None) -> Server:
    env = {"ROMAS_SQLITE_SYNCHRONOUS": sqlite_synchronous} if sqlite_synchronous else None
    return common.start_romas(db.url, opts, extra_env=env)


class Probe:
    """Reads the server's database directly (SQLite in WAL mode lets a reader in beside the writer), so that
    following a run's progress costs the server nothing. Queries use ``?`` placeholders."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sqlite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None

    async def open(self) -> None:
        if self.db.kind == "sqlite":
            assert self.db.sqlite_path is not None
            conn = sqlite3.connect(self.db.sqlite_path, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("PRAGMA busy_timeout=30000")
            self._sqlite = conn
        else:
            self._pg = await asyncpg.connect(self.db.url)

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    async def scalar(self, sql: str, *args: Any) -> Any:
        if self._sqlite is not None:
            conn = self._sqlite
            return await asyncio.to_thread(lambda: conn.execute(sql, args).fetchone()[0])
        assert self._pg is not None
        counter = itertools.count(1)
        pg_sql = "".join(f"${next(counter)}" if ch == "?" else ch for ch in sql)
        return await self._pg.fetchval(pg_sql, *args)

    async def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self._sqlite is not None:
            conn = self._sqlite
            return await asyncio.to_thread(lambda: [tuple(r) for r in conn.execute(sql, args).fetchall()])
        assert self._pg is not None
        counter = itertools.count(1)
        pg_sql = "".join(f"${next(counter)}" if ch == "?" else ch for ch in sql)
        return [tuple(r) for r in await self._pg.fetch(pg_sql, *args)]

    async def wait_until(
        self, sql: str, args: Sequence[Any], target: int, *, timeout_s: float, every_s: float
    ) -> float:
        """Poll ``sql`` (a count) until it reaches ``target``; answer the ``perf_counter`` time it was seen there.
        Raises TimeoutError with the last count when it does not get there in time."""
        deadline = time.perf_counter() + timeout_s
        while True:
            count = int(await self.scalar(sql, *args))
            now = time.perf_counter()
            if count >= target:
                return now
            if now > deadline:
                raise TimeoutError(f"{count} of {target} after {timeout_s:.0f} s")
            await asyncio.sleep(every_s)


@asynccontextmanager
async def probing(db: Database) -> AsyncIterator[Probe]:
    probe = Probe(db)
    await probe.open()
    try:
        yield probe
    finally:
        await probe.close()


# -- a raw HTTP client -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Answer:
    status: int
    location: str | None
    body: bytes


class _Protocol(asyncio.Protocol):
    """One keep-alive connection, one request at a time; keeps the status, ``Location`` and (if asked) the body."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.keep_body = False
        self.answers = 0
        """Answers this connection has carried."""
        self.heard = False
        """Whether any byte came since the last request was written."""
        self._location: str | None = None
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.heard = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"location":
            self._location = value.decode("ascii")

    def on_body(self, body: bytes) -> None:
        if self.keep_body:
            self._body.append(body)

    def on_message_complete(self) -> None:
        answer = Answer(self.parser.get_status_code(), self._location, b"".join(self._body))
        self._location, self._body = None, []
        self.answers += 1
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(answer)

    def _fail(self, exc: BaseException) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)


class Connection:
    """A keep-alive HTTP/1.1 connection to the server under test (requests are pre-encoded bytes)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._protocol: _Protocol | None = None

    async def request(self, raw: bytes, *, keep_body: bool = False) -> Answer:
        """Send ``raw`` and read its answer (status 599 if the connection failed).

        A kept-alive connection that the server closes as idle (uvicorn after 5 s) may close just as a request is
        written on it, before the server read it: the request fails with no byte of an answer. As HTTP clients do,
        such a request is sent again once, on a new connection; the server never saw it. (Should it have seen it
        after all, the benchmarks' exactly-once checks would count it twice.)"""
        protocol = self._protocol
        if protocol is None or protocol.closed:
            protocol = await self._connect()
        reused = protocol.answers > 0
        for attempt in range(2):
            try:
                return await self._send(protocol, raw, keep_body)
            except (ConnectionError, httptools.HttpParserError) as exc:
                self._protocol = None
                unread = isinstance(exc, ConnectionError) and reused and not protocol.heard
                if attempt or not unread:
                    break
            protocol = await self._connect()
        return Answer(599, None, b"")

    async def _connect(self) -> _Protocol:
        _transport, protocol = await asyncio.get_running_loop().create_connection(_Protocol, common.HOST, self.port)
        self._protocol = protocol
        return protocol

    @staticmethod
    async def _send(protocol: _Protocol, raw: bytes, keep_body: bool) -> Answer:
        assert protocol.transport is not None
        waiter: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        protocol.waiter = waiter
        protocol.keep_body = keep_body
        protocol.heard = False
        protocol.transport.write(raw)
        return await waiter

    def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()


def json_request(method: str, path: str, port: int, body: Any, headers: dict[str, str] | None = None) -> bytes:
    payload = msgspec.json.encode(body)
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {common.HOST}:{port}",
        "Accept: application/hal+json",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + payload


def get_request(path: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {common.HOST}:{port}\r\nAccept: application/hal+json\r\n\r\n".encode()


@dataclass(slots=True)
class Sent:
    """One request of a run: when it was due (client clock, ``perf_counter``), when its answer came, and what."""

    index: int
    due: float
    answered: float
    status: int
    location: str | None


async def closed_loop(port: int, requests: Sequence[bytes], concurrency: int) -> list[Sent]:
    """Send every request, ``concurrency`` at a time (each client sends its next one when its answer is in)."""
    clock = time.perf_counter
    indices = iter(range(len(requests)))
    done: list[Sent] = []

    async def client() -> None:
        connection = Connection(port)
        try:
            for i in indices:
                due = clock()
                answer = await connection.request(requests[i])
                done.append(Sent(i, due, clock(), answer.status, answer.location))
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    done.sort(key=lambda s: s.index)
    return done


async def open_loop(
    port: int, requests: Sequence[bytes], rate: float, *, connections: int = 32, start: float | None = None
) -> list[Sent]:
    """Send request ``i`` at ``start + i / rate`` whatever happened to the earlier ones (an open loop: a slow server
    does not slow the client down). ``due`` is the scheduled time, so a late send counts against the server.
    More connections are opened when all of them are busy."""
    clock = time.perf_counter
    loop = asyncio.get_running_loop()
    idle = [Connection(port) for _ in range(connections)]
    every: list[Connection] = list(idle)
    done: list[Sent] = []
    t0 = clock() + 0.05 if start is None else start
    tasks: set[asyncio.Task[None]] = set()

    async def one(i: int, due: float) -> None:
        connection = idle.pop() if idle else Connection(port)
        if connection not in every:
            every.append(connection)
        try:
            answer = await connection.request(requests[i])
        finally:
            idle.append(connection)
        done.append(Sent(i, due, clock(), answer.status, answer.location))

    for i in range(len(requests)):
        due = t0 + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        task = loop.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    for connection in every:
        connection.close()
    done.sort(key=lambda s: s.index)
    return done


# -- the event stream ------------------------------------------------------------------------------------------


class _EventData(msgspec.Struct):
    id: str | None = None
    agent: str | None = None


class _Event(msgspec.Struct):
    type: str
    data: _EventData
    recorded_at: str


@dataclass(slots=True)
class Seen:
    """An event as the client received it: its type, the message or invocation id, the server's instant
    (``recorded_at``, UTC) and when it arrived here (``perf_counter``)."""

    type: str
    id: str | None
    recorded_at: str
    arrived: float


class _StreamProtocol(asyncio.Protocol):
    def __init__(self, on_event: Callable[[Seen], None]) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.on_event = on_event
        self.buffer = b""
        self.ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.decoder = msgspec.json.Decoder(_Event)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        if not self.ready.done():
            self.ready.set_exception(exc or ConnectionResetError("the event stream closed"))

    def on_headers_complete(self) -> None:
        if not self.ready.done():
            self.ready.set_result(self.parser.get_status_code())

    def on_body(self, body: bytes) -> None:
        now = time.perf_counter()
        self.buffer += body
        *messages, self.buffer = self.buffer.split(b"\n\n")
        for message in messages:
            for line in message.split(b"\n"):
                if line.startswith(b"data: "):
                    event = self.decoder.decode(line[6:])
                    self.on_event(Seen(event.type, event.data.id, event.recorded_at, now))


class EventStream:
    """Follows ``GET /events?stream_type=...`` as Server-Sent Events and calls ``on_event`` for every event."""

    def __init__(self, port: int, stream_type: str, on_event: Callable[[Seen], None]) -> None:
        self.port = port
        self.stream_type = stream_type
        self.on_event = on_event
        self._protocol: _StreamProtocol | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        on_event = self.on_event
        _transport, protocol = await loop.create_connection(lambda: _StreamProtocol(on_event), common.HOST, self.port)
        self._protocol = protocol
        assert protocol.transport is not None
        protocol.transport.write(
            (
                f"GET /events?stream_type={self.stream_type}&limit=500 HTTP/1.1\r\nHost: {common.HOST}:{self.port}\r\n"
                "Accept: text/event-stream\r\n\r\n"
            ).encode()
        )
        status = await protocol.ready  # the server fixed the stream's cursor (the log's end) before answering
        if status != 200:
            raise RuntimeError(f"GET /events as a stream answered {status}")

    def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()


@asynccontextmanager
async def following(port: int, stream_type: str, on_event: Callable[[Seen], None]) -> AsyncIterator[EventStream]:
    stream = EventStream(port, stream_type, on_event)
    await stream.open()
    try:
        yield stream
    finally:
        stream.close()


def utc_seconds(text: str) -> float:
    """``2026-11-22T00:46:35.187645Z`` as seconds since the epoch."""
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# -- set-up through the API ------------------------------------------------------------------------------------


async def put_json(client: httpx.AsyncClient, path: str, body: Any, method: str = "PUT") -> dict[str, Any]:
    response = await client.request(method, path, json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text}")
    result: dict[str, Any] = response.json() if response.content else {}
    return result


# -- figures ---------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (the same rule as ``bench/loadgen.py``)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def distribution(values_ms: Sequence[float]) -> dict[str, float | int]:
    if not values_ms:
        return {"n": 0}
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 3),
        "p90": round(percentile(values_ms, 90), 3),
        "p99": round(percentile(values_ms, 99), 3),
        "max": round(max(values_ms), 3),
        "mean": round(statistics.fmean(values_ms), 3),
    }


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Window:
    """CPU over a measured window, from ``bench/cpu.py`` snapshots."""

    cpu: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def brief(use: Any, units: int, unit: str) -> str:
        return "" if use is None else str(use.brief(units, unit))


# -- in-process baselines run in a fresh process on the server's core --------------------------------------------


SRC_VARIABLE = "ROMAS_BENCH_SRC"


def use_romas_src() -> None:
    """In a worker: import ``app`` from the checkout under test (``--romas-src``), not from this repository."""
    src = os.environ.get(SRC_VARIABLE)
    if src and src not in sys.path:
        sys.path.insert(0, src)


def run_worker(opts: Options, module: str, args: Sequence[str], timeout_s: float = 300) -> dict[str, Any]:
    """``python -m <module> <args>`` pinned to the core the server gets, from romas's checkout under test; the
    worker prints one JSON object on its last line."""
    cpus = opts.server_cpus
    env = {**os.environ, "PYTHONPATH": str(common.REPO), SRC_VARIABLE: str(opts.romas_src)}

    def pin() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=common.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        preexec_fn=pin,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def run_worker_async(opts: Options, module: str, args: Sequence[str]) -> dict[str, Any]:
    return await asyncio.to_thread(run_worker, opts, module, args)


Step = Callable[[], Awaitable[None]]


# -- the result table ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a result table: a figure of romas, the baseline it is compared with (if any), and the goal it
    must meet (``goal`` is a bound on ``value`` itself, or on ``ratio`` when ``on_ratio``)."""

    metric: str
    unit: str
    value: float
    baseline: float | None = None
    goal: float | None = None
    higher_is_better: bool = True
    on_ratio: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline or self.baseline != self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        subject = self.ratio if self.on_ratio else self.value
        if subject is None or subject != subject:
            return False
        return subject >= self.goal if self.higher_is_better else subject <= self.goal

    @property
    def goal_text(self) -> str:
        if self.goal is None:
            return "-"
        if self.on_ratio:
            return f"ratio {'>=' if self.higher_is_better else '<='} {self.goal:g}"
        return f"{'>=' if self.higher_is_better else '<'} {self.goal:,g} {self.unit}"

    def as_dict(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "metric": self.metric,
            "unit": self.unit,
            "romas": round(self.value, 3),
            "baseline": None if self.baseline is None else round(self.baseline, 3),
            "ratio": None if ratio is None else round(ratio, 4),
            "goal": self.goal_text,
            "met": self.met,
        }


def print_lines(lines: Sequence[Line], baseline_name: str = "baseline") -> None:
    header = ("metric", "romas", baseline_name, "ratio", "goal", "met?")
    table = [header]
    for line in lines:
        ratio = line.ratio
        met = "-" if line.met is None else ("yes" if line.met else "NO")
        table.append(
            (
                f"{line.metric} ({line.unit})",
                f"{line.value:,.2f}",
                "-" if line.baseline is None else f"{line.baseline:,.2f}",
                "-" if ratio is None else (f"{ratio:.3f}" if ratio < 10 else f"{ratio:.1f}"),
                line.goal_text,
                met,
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[j + 1]) for j, cell in enumerate(row[1:])]
        print("  ".join(cells))
        if i == 0:
            print("  ".join("-" * w for w in widths))
