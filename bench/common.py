"""What every romas benchmark needs: databases, server processes, CPU pinning, medians, the result table and
the JSON file under ``bench/results/``."""

from __future__ import annotations

import asyncio
import ctypes
import functools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx

from bench.cpu import CpuUse, machine_speed, snapshot
from bench.loadgen import RunResult

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
HOST = "127.0.0.1"

# A realistic agent program (a seller in a small market), about 700 bytes: what GET returns and PUT sends.
AGENT_CODE = """\
// A seller in a small market: it keeps its stock and answers offers.
stock(apples, 10).
price(apples, 3).
greeting("hi").

!start.

+!start : greeting(G) <- .print(G); !announce.
+!announce : stock(Item, N) & N > 0 <- .broadcast(tell, offer(Item)); .print("offering ", Item).
+!announce <- .print("nothing to offer").

+buy(Item, Q)[source(Buyer)] : stock(Item, N) & N >= Q & price(Item, P)
   <- -+stock(Item, N - Q);
      .send(Buyer, tell, sold(Item, Q, P * Q));
      .print("sold ", Q, " ", Item, " to ", Buyer).
+buy(Item, _)[source(Buyer)] <- .send(Buyer, tell, out_of(Item)).
"""


def code_revision(n: int) -> str:
    """A distinct but equally valid program for every ``n`` (so every PUT makes a new revision)."""
    return f"{AGENT_CODE}// deployment {n}\n"


# -- options ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    concurrency: int = 16
    warmup_s: float = 2.0
    duration_s: float = 5.0
    reps: int = 3
    pin: bool = True
    pg_url: str = "postgresql://postgres@127.0.0.1:5432"
    pool_size: int = 20
    keep_logs: bool = False
    romas_src: Path = REPO
    quiet_wait_s: float = 60.0
    retries: int = 2
    own_sessions: bool = False
    """Each server in its own session, as separate services are: Linux's autogroup scheduler then shares a busy
    machine between the servers, not between this benchmark's session (all its servers together) and the rest."""

    @property
    def pinned(self) -> bool:
        return self.pin and (os.cpu_count() or 1) >= 2

    @property
    def server_cpus(self) -> set[int] | None:
        """The server gets the last core; the load generator the first; PostgreSQL is left to the scheduler."""
        return {(os.cpu_count() or 1) - 1} if self.pinned else None

    @property
    def client_cpus(self) -> set[int] | None:
        return {0} if self.pinned else None


def pin_self(opts: Options) -> None:
    if opts.client_cpus is not None:
        os.sched_setaffinity(0, opts.client_cpus)


# -- databases -------------------------------------------------------------------------------------------------


def database_url(opts: Options, name: str) -> str:
    return f"{opts.pg_url.rstrip('/')}/{name}"


@asynccontextmanager
async def scratch_database(opts: Options, purpose: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database ``romas_bench_<purpose>_<pid>``, dropped afterwards."""
    name = f"romas_bench_{purpose}_{os.getpid()}"
    admin = await asyncpg.connect(database_url(opts, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield database_url(opts, name)
    finally:
        admin = await asyncpg.connect(database_url(opts, "postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def postgres_settings(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        names = ("server_version", "synchronous_commit", "fsync", "wal_sync_method", "shared_buffers", "commit_delay")
        return {n: str(await conn.fetchval(f"SHOW {n}")) for n in names}
    finally:
        await conn.close()


# -- server processes ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process this benchmark started (and is the only one to stop)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if the benchmark dies without stopping it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _spawn(name: str, argv: list[str], port: int, opts: Options, env: dict[str, str], cwd: Path = REPO) -> Server:
    log = Path(tempfile.mkstemp(prefix=f"romas-bench-{name}-", suffix=".log")[1])
    cpus = opts.server_cpus
    own_session = opts.own_sessions

    def pin() -> None:
        if own_session:
            os.setsid()
        _die_with_parent()
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, preexec_fn=pin
        )
    return Server(name, port, process, log)


async def wait_ready(server: Server, timeout_s: float = 60.0) -> None:
    """Until ``/health`` answers; fails fast when the process dies (a port taken by someone else, say)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=server.base, timeout=2.0) as client:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {server.process.returncode}: {server.log.read_text()}")
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.name} did not become ready: {server.log.read_text()}")
            await asyncio.sleep(0.1)
    # uvicorn binds after the application started; make sure the answer came from our process.
    await asyncio.sleep(0.3)
    if server.process.poll() is not None:
        raise RuntimeError(f"{server.name} exited after start: {server.log.read_text()}")


T = TypeVar("T")

_STORE_SERIES = (
    "romas_store_batch_size_count",
    "romas_store_batch_size_sum",
    "romas_store_commit_seconds_sum",
)


async def _store_counts(server: Server) -> dict[str, float]:
    """The group commit's totals from the server's ``/metrics``."""
    async with httpx.AsyncClient(base_url=server.base, timeout=10.0) as client:
        text = (await client.get("/metrics")).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in _STORE_SERIES:
            found[name] = float(value)
    return found


@dataclass(frozen=True, slots=True)
class Batches:
    """The group commit's batches over one run: how many a second, their mean size (write requests), and the mean
    time from a batch's first statement to its commit."""

    per_s: float
    mean_size: float
    mean_ms: float


async def batches_over(server: Server, run: Awaitable[T]) -> tuple[T, Batches | None]:
    """``run``'s result, and the server's batches while it ran (None if it committed none)."""
    before, started = await _store_counts(server), time.monotonic()
    result = await run
    seconds = time.monotonic() - started
    after = await _store_counts(server)
    delta = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in _STORE_SERIES}
    batches = delta["romas_store_batch_size_count"]
    if batches <= 0 or seconds <= 0:
        return result, None
    size, commit = delta["romas_store_batch_size_sum"], delta["romas_store_commit_seconds_sum"]
    return result, Batches(batches / seconds, size / batches, commit / batches * 1e3)


def batches_line(b: Batches | None) -> str:
    return f"batches {b.per_s:,.0f}/s x {b.mean_size:.1f}, {b.mean_ms:.2f} ms" if b else "batches -"


def batches_record(b: Batches | None) -> dict[str, float] | None:
    """What a results file holds of them."""
    if b is None:
        return None
    return {"per_s": round(b.per_s, 1), "mean_size": round(b.mean_size, 2), "mean_ms": round(b.mean_ms, 3)}


def start_romas(url: str, opts: Options, extra_env: dict[str, str] | None = None) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "romas.cli", "serve", "--host", HOST, "--port", str(port), "--database-url", url]
    env = {"ROMAS_LOG_LEVEL": "warning", "ROMAS_POOL_SIZE": str(opts.pool_size), **(extra_env or {})}
    if opts.romas_src != REPO:
        # Another checkout of romas (a prototype of a change, say): its ``romas`` package comes first.
        env["PYTHONPATH"] = str(opts.romas_src)
    return _spawn("romas", argv, port, opts, env, cwd=opts.romas_src)


def start_bare(body_file: Path, opts: Options) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_app", "--host", HOST, "--port", str(port), "--body", str(body_file)]
    return _spawn("bare-litestar", argv, port, opts, {})


@asynccontextmanager
async def running(server: Server, opts: Options) -> AsyncIterator[Server]:
    try:
        await wait_ready(server)
        yield server
    finally:
        server.stop()
        if opts.keep_logs:
            print(f"  ({server.name} log kept at {server.log})")
        else:
            server.log.unlink(missing_ok=True)


@contextmanager
def temp_json(value: Any) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix="romas-bench-", suffix=".json")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(value, out)
        yield path
    finally:
        path.unlink(missing_ok=True)


async def wait_for_quiet(opts: Options, threshold_cores: float = 0.25) -> None:
    """Wait (up to ``opts.quiet_wait_s``) until the machine is idle for a second: other work on these two
    cores (a test suite, a build) would otherwise be measured along with romas."""
    deadline = time.monotonic() + opts.quiet_wait_s
    waited = False
    while True:
        before = snapshot(None)
        await asyncio.sleep(1.0)
        use = CpuUse.between(before, snapshot(None))
        busy = use.cores_used(use.machine)
        if busy < threshold_cores:
            break
        if time.monotonic() > deadline:
            print(f"  (the machine stays busy, {busy:.2f} cores used by others; measuring anyway)")
            return
        if not waited:
            print(f"  (waiting for the machine to be quiet: {busy:.2f} cores busy)", flush=True)
            waited = True


# -- figures ---------------------------------------------------------------------------------------------------


@dataclass
class Series:
    """The repetitions of one measurement; the figures reported are their medians."""

    label: str
    runs: list[RunResult] = field(default_factory=list)

    def _median(self, pick: Callable[[RunResult], float]) -> float:
        return statistics.median(pick(r) for r in self.runs)

    @property
    def throughput(self) -> float:
        return self._median(lambda r: r.throughput)

    @property
    def p50(self) -> float:
        return self._median(lambda r: r.p50)

    @property
    def p99(self) -> float:
        return self._median(lambda r: r.p99)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    def server_us(self) -> float | None:
        values = [r.cpu.server / r.requests * 1e6 for r in self.runs if r.cpu and r.requests and r.cpu.server]
        return statistics.median(values) if values else None

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "median": {
                "throughput_rps": round(self.throughput, 1),
                "p50_ms": round(self.p50, 3),
                "p99_ms": round(self.p99, 3),
                "server_cpu_us_per_request": None if self.server_us() is None else round(self.server_us() or 0, 1),
            },
            "errors": self.errors,
            "runs": [r.summary() for r in self.runs],
        }


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the final table. ``higher_is_better`` decides how the target reads (≥ or ≤)."""

    metric: str
    unit: str
    romas: float
    baseline: float
    target: float | None = None
    higher_is_better: bool = True

    @property
    def ratio(self) -> float:
        return self.romas / self.baseline if self.baseline and self.baseline == self.baseline else float("nan")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "-"
        return f"{'>=' if self.higher_is_better else '<='} {self.target:g}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "romas": round(self.romas, 3),
            "baseline": None if self.baseline != self.baseline else round(self.baseline, 3),
            "ratio": None if self.ratio != self.ratio else round(self.ratio, 3),
            "target": self.target_text,
            "met": self.met,
        }


def print_table(rows: Sequence[Row]) -> None:
    header = ("metric", "romas", "baseline", "ratio", "target", "met?")
    lines = [header]
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "NO")
        lines.append(
            (
                f"{row.metric} ({row.unit})",
                f"{row.romas:,.2f}",
                "-" if row.baseline != row.baseline else f"{row.baseline:,.2f}",
                "-" if row.ratio != row.ratio else f"{row.ratio:.2f}",
                row.target_text,
                met,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for i, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [cell.rjust(widths[j + 1]) for j, cell in enumerate(line[1:])]
        print("  ".join(cells))
        if i == 0:
            print("  ".join("-" * w for w in widths))


# -- the record of a run ---------------------------------------------------------------------------------------


def _git(*args: str, cwd: Path = REPO) -> str:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine_notes(opts: Options) -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "load_average_at_start": os.getloadavg(),
        "python_speed_ms": speed_now(opts),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pinning": (
            {"server_cpus": sorted(opts.server_cpus or ()), "load_generator_cpus": sorted(opts.client_cpus or ())}
            if opts.pinned
            else "off"
        ),
        "load_generator": "python (uvloop + httptools, one keep-alive connection per client)",
        "wrk_installed": shutil.which("wrk") is not None,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--", "romas")),
        **(
            {}
            if opts.romas_src == REPO
            else {
                "romas_src": str(opts.romas_src),
                "romas_src_git_commit": _git("rev-parse", "HEAD", cwd=opts.romas_src) or None,
                "romas_src_git_dirty": bool(_git("status", "--porcelain", "--", "romas", cwd=opts.romas_src)),
            }
        ),
    }


@functools.cache
def _speed(cpus: frozenset[int]) -> float:
    """The machine's speed when the run started (see ``cpu.machine_speed``), measured once per run."""
    return machine_speed(set(cpus) or None)


def _speed_cpus(opts: Options) -> frozenset[int]:
    """The server's cores when pinned, else none (any core)."""
    return frozenset(opts.server_cpus or ()) if opts.pinned else frozenset()


def speed_now(opts: Options) -> float:
    return _speed(_speed_cpus(opts))


def speed_again(opts: Options) -> float:
    """The machine's speed measured anew (see ``cpu.machine_speed``), before a repetition: on the shared virtual
    machine the server's core read 28 ms in one run and 50 ms in the next, minutes apart, so one reading per run
    cannot tell which repetitions ran on a slow core."""
    return _speed.__wrapped__(_speed_cpus(opts))


def describe_machine(opts: Options) -> None:
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, load average {os.getloadavg()[0]:.2f}; server, load generator and PostgreSQL")
    print("  share these cores, so absolute figures are lower than on a dedicated setup; the ratios compare")
    print("  romas and its baseline under the same conditions, measured alternately in the same run.")
    if opts.pinned:
        print(
            f"  pinning: server on cpu {sorted(opts.server_cpus or ())}, load generator on cpu "
            f"{sorted(opts.client_cpus or ())}, PostgreSQL unpinned"
        )
    else:
        print("  pinning: off")
    print(
        f"  speed: a fixed piece of Python took {speed_now(opts):.1f} ms of CPU on the server's core (lower is "
        "faster; compare it when comparing runs of different sessions)"
    )


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path
