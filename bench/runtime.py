"""romas running agents, measured through its API, on SQLite and PostgreSQL, each figure next to a baseline
measured in the same run.

    python -m bench.runtime throughput   100 agents: messages accepted -> processed per second (goal >= 1,000/s on
                                         SQLite), vs the interpreter alone processing the same messages in-process
    python -m bench.runtime latency      POST -> processed seen by the client, at a steady 200 messages/s (open loop;
                                         goal p99 < 50 ms on SQLite), vs the POST's own round trip
    python -m bench.runtime spin         p99 of GET /agents/{name} while 10 agents spin in while(true)
                                         vs the same server with them stopped (goal <= 2x)
    python -m bench.runtime all          the three, one table, one JSON file
    python -m bench.runtime profile throughput|latency|spin   py-spy over romas under that load; top hotspots

See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvloop

from bench import common, disk, mas
from bench.api import get_requests
from bench.common import Options, Server
from bench.cpu import CpuUse, snapshot
from bench.loadgen import drive, http_sessions
from bench.mas import Line, Probe

AGENT_CODE = """\
// A counter its clients drive: achieve inc adds one; a tell ping(N) is taken note of and forgotten.
count(0).
@inc[atomic] +!inc <- ?count(C); -+count(C + 1).
+ping(N)[source(S)] <- -ping(N)[source(S)].
"""


def agent_code(facts: int) -> str:
    """The agents' program with ``facts`` more beliefs that never change (``--facts``): a larger mind to
    checkpoint at every flush."""
    return AGENT_CODE + "".join(f'fact{i}(item{i}, {i}, "some text {i}").\n' for i in range(facts))


SPIN_CODE = "!spin.\n+!spin <- while (true) { X = 1 }.\n"

FINAL_MESSAGE = ("message.processed", "message.failed", "message.expired")
FINISHED_SQL = "SELECT count(*) FROM messages WHERE seq > ? AND status IN ('processed', 'failed', 'expired')"
NOT_PROCESSED_SQL = "SELECT count(*) FROM messages WHERE seq > ? AND status <> 'processed'"
LAST_SEQ_SQL = "SELECT coalesce(max(seq), 0) FROM messages"


def message(i: int, agents: int) -> tuple[int, str, str]:
    """Message ``i`` of every run: (agent index, performative, content). Consecutive pairs go to one agent, an
    ``achieve inc`` then a ``tell ping(i)``, so every agent gets both kinds in equal numbers."""
    agent = (i // 2) % agents
    return (agent, "achieve", "inc") if i % 2 == 0 else (agent, "tell", f"ping({i})")


def message_requests(port: int, agents: int, first: int, count: int) -> list[bytes]:
    out = []
    for i in range(first, first + count):
        agent, performative, content = message(i, agents)
        out.append(
            mas.json_request(
                "POST", f"/agents/a{agent}/inbox", port, {"performative": performative, "content": content}
            )
        )
    return out


def incs_per_agent(agents: int, count: int) -> Counter[int]:
    return Counter(message(i, agents)[0] for i in range(count) if message(i, agents)[1] == "achieve")


@dataclass
class Section:
    name: str
    lines: list[Line]
    record: dict[str, Any] = field(default_factory=dict)


# -- set-up ----------------------------------------------------------------------------------------------------


async def create_agents(server: Server, names: list[str], code: str, state: str) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for name in names:
            await mas.put_json(client, f"/agents/{name}", {"code": code, "state": state})


async def set_state(server: Server, names: list[str], state: str) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for name in names:
            await mas.put_json(client, f"/agents/{name}", {"state": state}, method="PATCH")


async def counts(server: Server, agents: int) -> dict[int, int]:
    """Each agent's ``count`` belief, read from its mind."""
    found: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for i in range(agents):
            mind = (await client.get(f"/agents/a{i}/mind")).json()
            for belief in mind["beliefs"]:
                if belief["term"]["functor"] == "count":
                    found[i] = int(belief["term"]["args"][0])
    return found


def cpu_brief(use: CpuUse | None, units: int, unit: str) -> str:
    return mas.Window.brief(use, units, unit)


def cpu_record(use: CpuUse | None, units: int) -> dict[str, Any] | None:
    return use.as_dict(units) if use is not None else None


# -- 1. throughput ---------------------------------------------------------------------------------------------


def runs_record(
    runs: Sequence[ThroughputRun | LatencyRun], speeds: list[float], batches: list[common.Batches | None]
) -> list[dict[str, Any]]:
    """Each repetition as the results file holds it: its figures, the machine's speed before it, its batches."""
    return [
        {**r.summary(), "speed_ms": round(v, 1), "batches": common.batches_record(b)}
        for r, v, b in zip(runs, speeds, batches, strict=True)
    ]


async def interpreter_baseline(opts: Options, agents: int, messages: int, reps: int, facts: int) -> dict[str, Any]:
    """The interpreter alone, in a fresh process on the server's core: the same program in 100 agents, the same
    messages (parsed from the same text), delivered and stepped with the runtime's budget until all are done."""
    return await mas.run_worker_async(
        opts,
        "bench.runtime",
        [
            "interpreter-worker",
            *("--agents", str(agents), "--messages", str(messages)),
            *("--reps", str(reps), "--facts", str(facts)),
        ],
    )


def interpreter_worker(agents: int, messages: int, reps: int, facts: int = 0, budget: int = 200) -> dict[str, Any]:
    mas.use_romas_src()
    import msgspec

    from romas.agentspeak import parse_program, parse_term
    from romas.agentspeak.agent import Agent
    from romas.agentspeak.host import BaseHost, Message, MessageOutcome

    class Host(BaseHost):
        def __init__(self) -> None:
            super().__init__(1)
            self.done = 0
            self.failed = 0

        def print(self, agent: str, text: str, intention_tag: str | None) -> None:
            pass

        def message_done(self, agent: str, msg_id: str, outcome: MessageOutcome) -> None:
            self.done += 1
            if outcome.status != "processed":
                self.failed += 1

    host = Host()
    program = parse_program(agent_code(facts))
    population = [Agent(f"a{i}", program, host) for i in range(agents)]
    serial = iter(range(10**9))

    def run(count: int) -> None:
        host.done = 0
        for i in range(count):
            agent, performative, content = message(i, agents)
            population[agent].deliver(Message(f"m{next(serial)}", "bench", performative, parse_term(content), None))
        while host.done < count:
            for member in population:
                member.step(budget)

    run(1000)  # warm-up
    runs = []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        run(messages)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        runs.append({"seconds": wall, "cpu_seconds": cpu, "messages_per_s": messages / wall})
    # What the runtime adds per agent and flush: the mental state as a JSON document.
    snap_runs = 2000
    t = time.perf_counter()
    for k in range(snap_runs):
        msgspec.json.encode(population[k % agents].snapshot())
    snapshot_us = (time.perf_counter() - t) / snap_runs * 1e6
    size = len(msgspec.json.encode(population[0].snapshot()))
    rates = sorted(r["messages_per_s"] for r in runs)
    return {
        "agents": agents,
        "messages": messages,
        "budget": budget,
        "failed": host.failed,
        "runs": runs,
        "messages_per_s": rates[len(rates) // 2],
        "snapshot_and_encode_us_per_agent": round(snapshot_us, 1),
        "snapshot_bytes": size,
    }


@dataclass
class ThroughputRun:
    messages: int
    accept_s: float
    process_s: float
    errors: int
    not_processed: int
    cpu: CpuUse | None
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def accepted_per_s(self) -> float:
        return self.messages / self.accept_s

    @property
    def processed_per_s(self) -> float:
        return self.messages / self.process_s

    def summary(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "accept_seconds": round(self.accept_s, 3),
            "process_seconds": round(self.process_s, 3),
            "accepted_per_s": round(self.accepted_per_s, 1),
            "processed_per_s": round(self.processed_per_s, 1),
            "http_errors": self.errors,
            "statuses": self.statuses,
            "not_processed": self.not_processed,
            "cpu": cpu_record(self.cpu, self.messages),
        }


async def throughput_run(
    server: Server, probe: Probe, agents: int, first: int, count: int, concurrency: int
) -> ThroughputRun:
    """Post ``count`` messages from ``concurrency`` clients as fast as they are accepted; done when the database
    says every one of them is processed (polled every 20 ms on a connection of its own)."""
    requests = message_requests(server.port, agents, first, count)
    seq = int(await probe.scalar(LAST_SEQ_SQL))
    before = snapshot(server.pid)
    t0 = time.perf_counter()
    sent = await mas.closed_loop(server.port, requests, concurrency)
    accepted = max(s.answered for s in sent)
    errors = sum(1 for s in sent if s.status != 202)
    done = await probe.wait_until(FINISHED_SQL, (seq,), count - errors, timeout_s=180, every_s=0.02)
    use = CpuUse.between(before, snapshot(server.pid))
    not_processed = int(await probe.scalar(NOT_PROCESSED_SQL, seq))
    statuses = dict(Counter(str(s.status) for s in sent))
    return ThroughputRun(count, accepted - t0, done - t0, errors, not_processed, use, statuses)


async def bench_throughput(
    opts: Options,
    kinds: list[str],
    agents: int,
    count: int,
    warmup: int,
    synchronous: str | None,
    facts: int = 0,
    disk_probe: Path | None = None,
) -> Section:
    print(
        f"\n== throughput: {count} messages to {agents} agents from {opts.concurrency} clients, accepted -> processed"
        + (f"; each agent holds {facts} more facts" if facts else "")
    )
    baseline = await interpreter_baseline(opts, agents, count, opts.reps, facts)
    print(
        f"  interpreter alone (in-process, same {agents} agents and messages): "
        f"{baseline['messages_per_s']:,.0f} messages/s; a snapshot of one agent, encoded: "
        f"{baseline['snapshot_and_encode_us_per_agent']} us ({baseline['snapshot_bytes']} B)"
    )
    lines: list[Line] = []
    record: dict[str, Any] = {
        "interpreter": baseline,
        "sqlite_synchronous": synchronous or "FULL (default)",
        "facts": facts,
    }
    for kind in kinds:
        async with (
            mas.scratch(opts, kind, "throughput") as db,
            common.running(mas.start(db, opts, sqlite_synchronous=synchronous), opts) as server,
            mas.probing(db) as probe,
        ):
            label = db.label + (f" synchronous={synchronous}" if synchronous and kind == "sqlite" else "")
            print(f"  {label}:")
            names = [f"a{i}" for i in range(agents)]
            await create_agents(server, names, agent_code(facts), "running")
            await throughput_run(server, probe, agents, 0, warmup, opts.concurrency)
            sent = warmup
            runs: list[ThroughputRun] = []
            speeds: list[float] = []
            batches: list[common.Batches | None] = []
            disk_syncs: list[disk.Syncs] = []
            for rep in range(opts.reps):
                await common.wait_for_quiet(opts)
                speeds.append(common.speed_again(opts))
                with disk.probing(disk_probe) as syncs:
                    run, batched = await common.batches_over(
                        server, throughput_run(server, probe, agents, sent, count, opts.concurrency)
                    )
                disk_syncs.append(syncs)
                sent += count
                runs.append(run)
                batches.append(batched)
                print(
                    f"    rep {rep + 1}/{opts.reps}  accepted {run.accepted_per_s:7.0f}/s  processed "
                    f"{run.processed_per_s:7.0f}/s  ({run.process_s:.2f} s)  "
                    f"{cpu_brief(run.cpu, count, 'msg')}  speed {speeds[-1]:.1f} ms | {common.batches_line(batched)}"
                    + disk.brief(syncs, disk_probe)
                    + (f"  ERRORS {run.errors} {run.statuses}" if run.errors else "")
                    + (f"  NOT PROCESSED {run.not_processed}" if run.not_processed else ""),
                    flush=True,
                )
            found = await counts(server, agents)
            expected = incs_per_agent(agents, sent)
            wrong = {i: (found.get(i), expected[i]) for i in range(agents) if found.get(i) != expected[i]}
            print(f"    every agent's count equals the incs it was sent: {'yes' if not wrong else f'NO {wrong}'}")
        processed = mas.median([r.processed_per_s for r in runs])
        accepted = mas.median([r.accepted_per_s for r in runs])
        server_us = mas.median([r.cpu.server / r.messages * 1e6 for r in runs if r.cpu])
        goal = 1000.0 if kind == "sqlite" else None
        lines += [
            Line(f"throughput {label}: processed/s", "msg/s", processed, baseline["messages_per_s"], goal),
            Line(f"throughput {label}: accepted/s (POST)", "msg/s", accepted),
            Line(f"throughput {label}: server CPU per message", "us", server_us),
        ]
        record[kind] = {
            "label": label,
            "median": {
                "processed_per_s": processed,
                "accepted_per_s": accepted,
                "server_cpu_us_per_message": server_us,
            },
            "runs": runs_record(runs, speeds, batches),
            "counts_correct": not wrong,
            "errors": sum(r.errors + r.not_processed for r in runs),
        }
        if disk_probe is not None:
            record[kind]["disk_syncs"] = disk.record(disk_syncs)
    return Section("throughput", lines, record)


# -- 2. latency ------------------------------------------------------------------------------------------------


def _epoch(value: Any) -> float:
    """A timestamp column as seconds since the epoch (SQLite keeps ISO text, PostgreSQL timestamptz)."""
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    assert isinstance(value, datetime)
    return value.timestamp()


@dataclass
class LatencyRun:
    sent: int
    measured: int
    missing: int
    errors: int
    statuses: dict[str, int]
    e2e_ms: list[float]
    post_ms: list[float]
    server_ms: list[float]
    resource_ms: list[float]
    stream_ms: list[float]
    cpu: CpuUse | None

    @property
    def p50(self) -> float:
        return mas.percentile(self.e2e_ms, 50)

    @property
    def p99(self) -> float:
        return mas.percentile(self.e2e_ms, 99)

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "measured": self.measured,
            "missing": self.missing,
            "http_errors": self.errors,
            "statuses": self.statuses,
            "latency_ms": {
                "post_to_processed_seen_by_client": mas.distribution(self.e2e_ms),
                "post_answered_202": mas.distribution(self.post_ms),
                "accepted_to_processed_event_instants": mas.distribution(self.server_ms),
                "resource_processed_at_minus_accepted_at_plus_post": mas.distribution(self.resource_ms),
                "processed_event_instant_to_client": mas.distribution(self.stream_ms),
            },
            "cpu": cpu_record(self.cpu, self.measured),
        }


async def latency_run(
    server: Server,
    probe: Probe,
    agents: int,
    first: int,
    rate: float,
    warmup_s: float,
    duration_s: float,
    observe: str = "sse",
) -> LatencyRun:
    """An open loop: message ``k`` is due at ``t0 + k / rate``; its latency is from when it was due to when the
    client learnt it was processed: from its ``message.processed`` event on the ``/events`` stream (``sse``), or
    (``db``) by reading the messages table every 5 ms on a connection of its own, which costs the server nothing."""
    accepted_at: dict[str, str] = {}
    final: dict[str, float] = {}
    instants: dict[str, str] = {}
    arrived = asyncio.Event()

    def on_event(seen: mas.Seen) -> None:
        if seen.id is None:
            return
        if seen.type == "message.accepted":
            accepted_at[seen.id] = seen.recorded_at
        elif seen.type in FINAL_MESSAGE:
            final[seen.id] = seen.arrived
            instants[seen.id] = seen.recorded_at
            arrived.set()

    count = int((warmup_s + duration_s) * rate)
    requests = message_requests(server.port, agents, first, count)
    seq = int(await probe.scalar(LAST_SEQ_SQL))
    marks: dict[str, Any] = {}
    stop_polling = asyncio.Event()

    async def poll() -> None:
        watermark = seq
        while not stop_polling.is_set():
            rows = await probe.rows("SELECT seq, id, status FROM messages WHERE seq > ? ORDER BY seq", watermark)
            now = time.perf_counter()
            open_seqs = []
            for row_seq, row_id, status in rows:
                if status in ("processed", "failed", "expired"):
                    if row_id not in final:
                        final[row_id] = now
                        arrived.set()
                else:
                    open_seqs.append(row_seq)
            if rows:
                watermark = min(open_seqs) - 1 if open_seqs else rows[-1][0]
            await asyncio.sleep(0.005)

    async with contextlib.AsyncExitStack() as stack:
        poller: asyncio.Task[None] | None = None
        if observe == "sse":
            await stack.enter_async_context(mas.following(server.port, "message", on_event))
        else:
            poller = asyncio.create_task(poll())
        wall_minus_perf = time.time() - time.perf_counter()
        t0 = time.perf_counter() + 0.1
        measure_from, measure_to = t0 + warmup_s, t0 + warmup_s + duration_s

        async def mark() -> None:
            await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
            marks["from"] = snapshot(server.pid)
            await asyncio.sleep(max(0.0, measure_to - time.perf_counter()))
            marks["to"] = snapshot(server.pid)

        marker = asyncio.create_task(mark())
        sent = await mas.open_loop(server.port, requests, rate, start=t0)
        await marker
        measured = [s for s in sent if s.due >= measure_from and s.status == 202 and s.location]
        ids = {s.index: s.location.rsplit("/", 1)[-1] for s in measured if s.location}
        deadline = time.perf_counter() + 30
        while any(i not in final for i in ids.values()):
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), deadline - time.perf_counter())
            except TimeoutError:
                break
        if poller is not None:
            stop_polling.set()
            await poller
    rows = await probe.rows("SELECT id, accepted_at, finished_at FROM messages WHERE seq > ?", seq)
    stored = {r[0]: (_epoch(r[1]), _epoch(r[2])) for r in rows if r[2] is not None}
    e2e, post, server_side, resource, stream = [], [], [], [], []
    missing = 0
    for s in measured:
        mid = ids[s.index]
        seen = final.get(mid)
        if seen is None:
            missing += 1
            continue
        e2e.append((seen - s.due) * 1000)
        post.append((s.answered - s.due) * 1000)
        if mid in stored:
            accepted, finished = stored[mid]
            resource.append((finished - accepted) * 1000 + post[-1])
        if mid in instants:
            processed_instant = mas.utc_seconds(instants[mid])
            if mid in accepted_at:
                server_side.append((processed_instant - mas.utc_seconds(accepted_at[mid])) * 1000)
            stream.append((seen + wall_minus_perf - processed_instant) * 1000)
    use = CpuUse.between(marks["from"], marks["to"]) if "from" in marks and "to" in marks else None
    return LatencyRun(
        sent=count,
        measured=len(measured),
        missing=missing,
        errors=sum(1 for s in sent if s.status != 202),
        statuses=dict(Counter(str(s.status) for s in sent)),
        e2e_ms=e2e,
        post_ms=post,
        server_ms=server_side,
        resource_ms=resource,
        stream_ms=stream,
        cpu=use,
    )


async def bench_latency(
    opts: Options,
    kinds: list[str],
    agents: int,
    rate: float,
    synchronous: str | None,
    observe: str = "sse",
    disk_probe: Path | None = None,
) -> Section:
    print(
        f"\n== latency: POST -> processed at a steady {rate:g} messages/s to {agents} agents (open loop, "
        f"{opts.warmup_s:g} s warm-up + {opts.duration_s:g} s measured, {opts.reps} reps)"
    )
    lines: list[Line] = []
    record: dict[str, Any] = {
        "rate": rate,
        "agents": agents,
        "observed_by": "SSE stream of /events" if observe == "sse" else "reading the messages table every 5 ms",
        "sqlite_synchronous": synchronous or "FULL (default)",
    }
    seen_by = "SSE" if observe == "sse" else "db poll"
    for kind in kinds:
        async with (
            mas.scratch(opts, kind, "latency") as db,
            common.running(mas.start(db, opts, sqlite_synchronous=synchronous), opts) as server,
            mas.probing(db) as probe,
        ):
            label = db.label + (f" synchronous={synchronous}" if synchronous and kind == "sqlite" else "")
            print(f"  {label}:")
            await create_agents(server, [f"a{i}" for i in range(agents)], AGENT_CODE, "running")
            runs: list[LatencyRun] = []
            sent = 0
            speeds: list[float] = []
            batches: list[common.Batches | None] = []
            disk_syncs: list[disk.Syncs] = []
            for rep in range(opts.reps):
                await common.wait_for_quiet(opts)
                speeds.append(common.speed_again(opts))
                with disk.probing(disk_probe) as syncs:
                    run, batched = await common.batches_over(
                        server,
                        latency_run(server, probe, agents, sent, rate, opts.warmup_s, opts.duration_s, observe),
                    )
                disk_syncs.append(syncs)
                sent += run.sent
                runs.append(run)
                batches.append(batched)
                print(
                    f"    rep {rep + 1}/{opts.reps}  POST->processed p50 {run.p50:6.2f} ms  p99 {run.p99:6.2f} ms  "
                    f"max {max(run.e2e_ms, default=float('nan')):6.1f} ms | 202 p50 "
                    f"{mas.percentile(run.post_ms, 50):5.2f} p99 {mas.percentile(run.post_ms, 99):5.2f} ms  "
                    f"n={len(run.e2e_ms)}  {cpu_brief(run.cpu, run.measured, 'msg')}  speed {speeds[-1]:.1f} ms | "
                    f"{common.batches_line(batched)}"
                    + disk.brief(syncs, disk_probe)
                    + (f"  MISSING {run.missing}" if run.missing else "")
                    + (f"  ERRORS {run.errors} {run.statuses}" if run.errors else ""),
                    flush=True,
                )
        p50 = mas.median([r.p50 for r in runs])
        p99 = mas.median([r.p99 for r in runs])
        post50 = mas.median([mas.percentile(r.post_ms, 50) for r in runs])
        post99 = mas.median([mas.percentile(r.post_ms, 99) for r in runs])
        server99 = mas.median([mas.percentile(r.server_ms, 99) for r in runs])
        resource50 = mas.median([mas.percentile(r.resource_ms, 50) for r in runs])
        resource99 = mas.median([mas.percentile(r.resource_ms, 99) for r in runs])
        stream99 = mas.median([mas.percentile(r.stream_ms, 99) for r in runs])
        goal = 50.0 if kind == "sqlite" else None
        lines += [
            Line(f"latency {label}: p50 POST->processed ({seen_by})", "ms", p50, post50, higher_is_better=False),
            Line(f"latency {label}: p99 POST->processed ({seen_by})", "ms", p99, post99, goal, higher_is_better=False),
            Line(f"latency {label}: p99 processed_at-accepted_at+POST", "ms", resource99, post99),
        ]
        record[kind] = {
            "label": label,
            "median": {
                "p50_ms": p50,
                "p99_ms": p99,
                "post_202_p50_ms": post50,
                "post_202_p99_ms": post99,
                "accepted_to_processed_event_p99_ms": server99,
                "resource_p50_ms": resource50,
                "resource_p99_ms": resource99,
                "processed_event_to_client_p99_ms": stream99,
            },
            "runs": runs_record(runs, speeds, batches),
            "errors": sum(r.errors + r.missing for r in runs),
        }
        if disk_probe is not None:
            record[kind]["disk_syncs"] = disk.record(disk_syncs)
        detail = (
            f"; of which accepted->processed (event instants) p99 {server99:.2f} ms, processed event -> client p99 "
            f"{stream99:.2f} ms"
            if observe == "sse"
            else ""
        )
        print(f"    medians: p50 {p50:.2f} ms, p99 {p99:.2f} ms{detail}")
    return Section("latency", lines, record)


# -- 3. spinning agents ----------------------------------------------------------------------------------------


@dataclass
class GetRun:
    state: str
    latencies_ms: list[float]
    errors: int
    cpu: CpuUse | None

    @property
    def p50(self) -> float:
        return mas.percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return mas.percentile(self.latencies_ms, 99)

    def summary(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "latency_ms": mas.distribution(self.latencies_ms),
            "errors": self.errors,
            "cpu": cpu_record(self.cpu, len(self.latencies_ms)),
        }


async def open_loop_gets(server: Server, path: str, rate: float, warmup_s: float, duration_s: float) -> GetRun:
    count = int((warmup_s + duration_s) * rate)
    raw = mas.get_request(path, server.port)
    t0 = time.perf_counter() + 0.05
    measure_from, measure_to = t0 + warmup_s, t0 + warmup_s + duration_s
    marks: dict[str, Any] = {}

    async def mark() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        marks["from"] = snapshot(server.pid)
        await asyncio.sleep(max(0.0, measure_to - time.perf_counter()))
        marks["to"] = snapshot(server.pid)

    marker = asyncio.create_task(mark())
    sent = await mas.open_loop(server.port, [raw] * count, rate, start=t0, connections=16)
    await marker
    measured = [s for s in sent if s.due >= measure_from]
    use = CpuUse.between(marks["from"], marks["to"]) if "from" in marks and "to" in marks else None
    return GetRun("", [(s.answered - s.due) * 1000 for s in measured], sum(1 for s in measured if s.status != 200), use)


async def bench_spin(opts: Options, kinds: list[str], spinners: int, rate: float, closed: bool) -> Section:
    print(
        f"\n== spin: GET /agents/{{name}} at {rate:g} req/s (open loop), idle vs {spinners} agents in while(true)"
        + (f"; and closed loop with {opts.concurrency} clients" if closed else "")
    )
    lines: list[Line] = []
    record: dict[str, Any] = {"spinners": spinners, "rate": rate}
    names = [f"spin{i}" for i in range(spinners)]
    for kind in kinds:
        async with (
            mas.scratch(opts, kind, "spin") as db,
            common.running(mas.start(db, opts), opts) as server,
        ):
            print(f"  {db.label}:")
            await create_agents(server, ["target"], common.AGENT_CODE, "stopped")
            await create_agents(server, names, SPIN_CODE, "stopped")
            path = "/agents/target"
            open_runs: dict[str, list[GetRun]] = {"idle": [], "spinning": []}
            closed_runs: dict[str, list[Any]] = {"idle": [], "spinning": []}
            for rep in range(opts.reps):
                order = ["idle", "spinning"] if rep % 2 == 0 else ["spinning", "idle"]
                for state in order:
                    await set_state(server, names, "stopped")
                    await common.wait_for_quiet(opts)
                    if state == "spinning":
                        await set_state(server, names, "running")
                        await asyncio.sleep(0.5)
                    run = await open_loop_gets(server, path, rate, opts.warmup_s, opts.duration_s)
                    run.state = state
                    open_runs[state].append(run)
                    print(
                        f"    rep {rep + 1}/{opts.reps}  {state:<8} open loop  p50 {run.p50:6.2f} ms  p99 "
                        f"{run.p99:6.2f} ms  n={len(run.latencies_ms)}  "
                        f"{cpu_brief(run.cpu, len(run.latencies_ms), 'req')}"
                        + (f"  ERRORS {run.errors}" if run.errors else ""),
                        flush=True,
                    )
                    if closed:
                        result = await drive(
                            f"{state} closed loop",
                            http_sessions(common.HOST, server.port, get_requests(server, path)),
                            concurrency=opts.concurrency,
                            warmup_s=opts.warmup_s,
                            duration_s=opts.duration_s,
                            server_pid=server.pid,
                        )
                        closed_runs[state].append(result)
                        print(f"    rep {rep + 1}/{opts.reps}  {state:<8} {result.line()}", flush=True)
            await set_state(server, names, "stopped")
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
                spun = (await client.get(f"/agents/{names[0]}/mind")).json()
            print(f"    a spinner's intentions at the end: {len(spun.get('intentions', []))} (1 = still in its loop)")
        idle99 = mas.median([r.p99 for r in open_runs["idle"]])
        spin99 = mas.median([r.p99 for r in open_runs["spinning"]])
        idle50 = mas.median([r.p50 for r in open_runs["idle"]])
        spin50 = mas.median([r.p50 for r in open_runs["spinning"]])
        lines += [
            Line(f"spin {mas.LABELS[kind]}: GET p99, open loop", "ms", spin99, idle99, 2.0, False, on_ratio=True),
            Line(f"spin {mas.LABELS[kind]}: GET p50, open loop", "ms", spin50, idle50, higher_is_better=False),
        ]
        entry: dict[str, Any] = {
            "median": {
                "idle_p99_ms": idle99,
                "spinning_p99_ms": spin99,
                "idle_p50_ms": idle50,
                "spinning_p50_ms": spin50,
            },
            "open_loop": {state: [r.summary() for r in runs] for state, runs in open_runs.items()},
        }
        if closed:
            c_idle99 = mas.median([r.p99 for r in closed_runs["idle"]])
            c_spin99 = mas.median([r.p99 for r in closed_runs["spinning"]])
            c_idle_t = mas.median([r.throughput for r in closed_runs["idle"]])
            c_spin_t = mas.median([r.throughput for r in closed_runs["spinning"]])
            lines += [
                Line(
                    f"spin {mas.LABELS[kind]}: GET p99, {opts.concurrency} clients",
                    "ms",
                    c_spin99,
                    c_idle99,
                    higher_is_better=False,
                ),
                Line(
                    f"spin {mas.LABELS[kind]}: GET throughput, {opts.concurrency} clients", "req/s", c_spin_t, c_idle_t
                ),
            ]
            entry["closed_loop"] = {state: [r.summary() for r in runs] for state, runs in closed_runs.items()}
        record[kind] = entry
    return Section("spin", lines, record)


# -- profiling -------------------------------------------------------------------------------------------------


async def profile(opts: Options, args: argparse.Namespace, kind: str, py_spy: str) -> None:
    from bench import profiling

    stop_on_sigterm()
    scenario: str = args.scenario
    seconds: int = args.seconds
    print(
        f"\n== profile: romas on {mas.LABELS[kind]} under the {scenario} load for {seconds} s (py-spy, {args.rate} Hz)"
    )
    async with (
        mas.scratch(opts, kind, f"profile_{scenario}") as db,
        common.running(mas.start(db, opts, sqlite_synchronous=args.sqlite_synchronous), opts) as server,
        mas.probing(db) as probe,
    ):
        output = profiling.profile_path(f"runtime-{scenario}-{kind}")
        if scenario == "spin":
            names = [f"spin{i}" for i in range(args.spinners)]
            await create_agents(server, ["target"], common.AGENT_CODE, "stopped")
            await create_agents(server, names, SPIN_CODE, "running")
            sampler = asyncio.create_task(
                profiling.sample(server.pid, output, seconds=seconds, py_spy=py_spy, rate=args.rate, delay_s=1.0)
            )
            run = await open_loop_gets(server, "/agents/target", args.get_rate, 1.0, seconds + 1)
            print(f"  under the profiler: GET p50 {run.p50:.2f} ms, p99 {run.p99:.2f} ms")
        else:
            await create_agents(server, [f"a{i}" for i in range(args.agents)], agent_code(args.facts), "running")
            await throughput_run(server, probe, args.agents, 0, 500, opts.concurrency)
            sampler = asyncio.create_task(
                profiling.sample(server.pid, output, seconds=seconds, py_spy=py_spy, rate=args.rate, delay_s=0.5)
            )
            if scenario == "throughput":
                sent = 500
                while not sampler.done():
                    run_t = await throughput_run(server, probe, args.agents, sent, 2000, opts.concurrency)
                    sent += 2000
                    print(f"  under the profiler: processed {run_t.processed_per_s:.0f}/s")
            else:
                lat = await latency_run(server, probe, args.agents, 500, args.msg_rate, 0.5, seconds + 1)
                print(f"  under the profiler: p50 {lat.p50:.2f} ms, p99 {lat.p99:.2f} ms")
        if await sampler != 0 or not output.is_file():
            raise RuntimeError("py-spy failed")
    profiling.summarise(output, top=30)


# -- command line ----------------------------------------------------------------------------------------------


def finish(opts: Options, name: str, sections: list[Section], extra: dict[str, Any]) -> None:
    lines = [line for section in sections for line in section.lines]
    print("\nresults (medians of the repetitions; ratio = romas / baseline)\n")
    mas.print_lines(lines)
    payload = {
        "benchmark": f"runtime-{name}",
        "options": {
            "concurrency": opts.concurrency,
            "warmup_s": opts.warmup_s,
            "duration_s": opts.duration_s,
            "reps": opts.reps,
            "pool_size": opts.pool_size,
            "romas_src": str(opts.romas_src),
            **extra,
        },
        "machine": common.machine_notes(opts),
        "table": [line.as_dict() for line in lines],
        "sections": {section.name: section.record for section in sections},
    }
    print(f"\nwrote {common.write_results(f'runtime-{name}', payload).relative_to(common.REPO)}")


def add_shared(parser: argparse.ArgumentParser, *, duration: float, warmup: float, reps: int, concurrency: int) -> None:
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (default: sqlite,postgres)")
    parser.add_argument("-c", "--concurrency", type=int, default=concurrency, help=f"clients (default {concurrency})")
    parser.add_argument("--duration", type=float, default=duration, help=f"measured seconds per run ({duration:g})")
    parser.add_argument("--warmup", type=float, default=warmup, help=f"unmeasured seconds before each run ({warmup:g})")
    parser.add_argument("--reps", type=int, default=reps, help=f"repetitions; medians are reported ({reps})")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the load generator to cores")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL, no database")
    parser.add_argument("--pool-size", type=int, default=20, help="romas's ROMAS_POOL_SIZE (default 20, as romas)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    parser.add_argument("--quiet-wait", type=float, default=20.0, help="seconds to wait for an idle machine per run")
    parser.add_argument(
        "--sqlite-synchronous",
        choices=["FULL", "NORMAL"],
        default=None,
        help="ROMAS_SQLITE_SYNCHRONOUS of the server (default: romas's own, FULL)",
    )
    parser.add_argument("--romas-src", type=Path, default=common.REPO, help="serve romas from this checkout")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.runtime", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    thr = commands.add_parser("throughput", help="messages accepted -> processed per second, 100 agents")
    add_shared(thr, duration=0, warmup=0, reps=3, concurrency=16)
    thr.add_argument("--agents", type=int, default=100)
    thr.add_argument("--messages", type=int, default=5000, help="messages per run (default 5000)")
    thr.add_argument("--warmup-messages", type=int, default=1000)
    thr.add_argument("--facts", type=int, default=0, help="more facts in each agent's program (default 0)")
    disk.add_option(thr)
    lat = commands.add_parser("latency", help="POST -> processed latency at a steady rate (open loop)")
    add_shared(lat, duration=15, warmup=2, reps=3, concurrency=16)
    lat.add_argument("--agents", type=int, default=100)
    lat.add_argument("--rate", type=float, default=200.0, help="messages per second (default 200)")
    lat.add_argument(
        "--observe",
        choices=["sse", "db"],
        default="sse",
        help="learn that a message is processed from the /events stream (default) or by reading the database",
    )
    disk.add_option(lat)
    spin = commands.add_parser("spin", help="GET p99 while agents spin in while(true) vs idle")
    add_shared(spin, duration=6, warmup=1, reps=3, concurrency=16)
    spin.add_argument("--spinners", type=int, default=10)
    spin.add_argument("--rate", type=float, default=200.0, help="GET requests per second (default 200)")
    spin.add_argument("--closed", action="store_true", help="also measure a closed loop with -c clients")
    every = commands.add_parser("all", help="throughput, latency and spin, one table")
    add_shared(every, duration=15, warmup=2, reps=3, concurrency=16)
    every.add_argument("--agents", type=int, default=100)
    every.add_argument("--messages", type=int, default=5000)
    every.add_argument("--warmup-messages", type=int, default=1000)
    every.add_argument("--rate", type=float, default=200.0)
    every.add_argument("--spinners", type=int, default=10)
    prof = commands.add_parser("profile", help="py-spy over romas under one of these loads; top hotspots")
    add_shared(prof, duration=0, warmup=0, reps=1, concurrency=16)
    prof.add_argument("scenario", choices=["throughput", "latency", "spin"])
    prof.add_argument("--seconds", type=int, default=15)
    prof.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    prof.add_argument("--py-spy", default=None, help="py-spy executable (default: bench/.venv-pyspy/bin/py-spy)")
    prof.add_argument("--agents", type=int, default=100)
    prof.add_argument("--facts", type=int, default=0, help="more facts in each agent's program (throughput, latency)")
    prof.add_argument("--spinners", type=int, default=10)
    prof.add_argument("--msg-rate", type=float, default=200.0, help="messages per second for the latency load")
    prof.add_argument("--get-rate", type=float, default=200.0, help="GET requests per second for the spin load")
    worker = commands.add_parser("interpreter-worker", help=argparse.SUPPRESS)
    worker.add_argument("--agents", type=int, default=100)
    worker.add_argument("--messages", type=int, default=5000)
    worker.add_argument("--reps", type=int, default=3)
    worker.add_argument("--facts", type=int, default=0)
    return parser


def kinds_of(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in mas.KINDS]
    if unknown or not kinds:
        raise SystemExit(f"--db: expected sqlite and/or postgres, got {text!r}")
    return kinds


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "interpreter-worker":
        import json

        print(json.dumps(interpreter_worker(args.agents, args.messages, args.reps, args.facts)))
        return 0
    opts = Options(
        concurrency=args.concurrency,
        warmup_s=args.warmup,
        duration_s=args.duration,
        reps=args.reps,
        pin=not args.no_pin,
        pg_url=args.pg_url,
        pool_size=args.pool_size,
        keep_logs=args.keep_logs,
        romas_src=args.romas_src.resolve(),
        quiet_wait_s=args.quiet_wait,
    )
    common.pin_self(opts)
    common.describe_machine(opts)
    try:
        run(args, opts, kinds_of(args.db))
    except asyncio.CancelledError:
        print("\nstopped (the servers this benchmark started are stopped, its databases dropped)", file=sys.stderr)
        return 143
    return 0


def run(args: argparse.Namespace, opts: Options, kinds: list[str]) -> None:
    synchronous = args.sqlite_synchronous

    async def sections(name: str, *steps: Callable[[], Coroutine[Any, Any, Section]]) -> None:
        stop_on_sigterm()
        if "postgres" in kinds:
            print(f"PostgreSQL: {await common.postgres_settings(common.database_url(opts, 'postgres'))}")
        done = [await step() for step in steps]
        finish(opts, name, done, {"db": kinds, "sqlite_synchronous": synchronous or "FULL (default)"})

    runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    with runner:
        if args.command == "throughput":
            runner.run(
                sections(
                    "throughput",
                    lambda: bench_throughput(
                        opts,
                        kinds,
                        args.agents,
                        args.messages,
                        args.warmup_messages,
                        synchronous,
                        args.facts,
                        args.disk_probe,
                    ),
                )
            )
        elif args.command == "latency":
            runner.run(
                sections(
                    "latency",
                    lambda: bench_latency(
                        opts, kinds, args.agents, args.rate, synchronous, args.observe, args.disk_probe
                    ),
                )
            )
        elif args.command == "spin":
            runner.run(sections("spin", lambda: bench_spin(opts, kinds, args.spinners, args.rate, args.closed)))
        elif args.command == "all":
            runner.run(
                sections(
                    "all",
                    lambda: bench_throughput(
                        opts, kinds, args.agents, args.messages, args.warmup_messages, synchronous
                    ),
                    lambda: bench_latency(opts, kinds, args.agents, args.rate, synchronous),
                    lambda: bench_spin(
                        Options(**{**_fields(opts), "duration_s": 6.0, "warmup_s": 1.0}),
                        kinds,
                        args.spinners,
                        args.rate,
                        False,
                    ),
                )
            )
        else:
            from bench import profiling

            py_spy = profiling.find_py_spy(args.py_spy)
            for kind in kinds:
                runner.run(profile(opts, args, kind, py_spy))


def _fields(opts: Options) -> dict[str, Any]:
    return {name: getattr(opts, name) for name in Options.__dataclass_fields__}


def stop_on_sigterm() -> None:
    """SIGTERM cancels the benchmark like Ctrl-C does, so servers are stopped and databases dropped."""
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


if __name__ == "__main__":
    sys.exit(main())
