"""romas's artefacts under load: ``inc`` operations per second on one counter (every invocation serialised) and
spread over 100 counters, from concurrent REST clients and from agents calling ``inc`` as an action, on SQLite and
PostgreSQL, each as a ratio to the store's raw append rate measured in the same run.

    python -m bench.environment            the REST clients, the agents and the store's own rate, both databases
    python -m bench.environment --db sqlite --no-agents
    python -m bench.environment profile one|spread|agents   py-spy over romas under that load; top hotspots

The store's raw append rate: in a fresh process on the server's core, against a fresh database of the same kind,
``-c`` tasks each run ``async with store.write(): await writer.append([one event])`` in a loop (one event per
transaction, through ``romas.store.eventstore``; no HTTP, no runtime). The same with ``Writer.record`` (an event,
a revision and the current-state row: what one artefact change writes) is reported beside it.

See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop

from bench import common, disk, mas
from bench.common import Options, Server
from bench.cpu import CpuUse, snapshot
from bench.mas import Line, Probe

ARTEFACTS = 100
FINISHED_SQL = "SELECT count(*) FROM invocations WHERE seq > ? AND status <> 'accepted'"
FAILED_SQL = "SELECT count(*) FROM invocations WHERE seq > ? AND status <> 'succeeded'"
LAST_SEQ_SQL = "SELECT coalesce(max(seq), 0) FROM invocations"


@dataclass
class Section:
    name: str
    lines: list[Line]
    record: dict[str, Any] = field(default_factory=dict)


# -- the store's raw rate (a worker process) ------------------------------------------------------------------


def store_worker(url: str, mode: str, tasks: int, seconds: float, warmup: float, pool_size: int) -> dict[str, Any]:
    mas.use_romas_src()

    async def main() -> dict[str, Any]:
        from romas.config import Settings, normalise_database_url
        from romas.server import open_store
        from romas.store.eventstore import Change, NewEvent, WriteContext

        store = await open_store(Settings(database_url=normalise_database_url(url), pool_size=pool_size))
        counts = [0] * tasks
        versions = [0] * tasks
        clock = time.perf_counter
        start = clock()
        measure_from, end = start + warmup, start + warmup + seconds
        marks: dict[str, float] = {}

        async def task(k: int) -> None:
            stream = f"/bench/{k}" if mode == "append" else f"/workspaces/bench/artefacts/c{k}"
            while True:
                now = clock()
                if now >= end:
                    return
                async with store.write(WriteContext(actor="bench")) as writer:
                    if mode == "append":
                        event = NewEvent("bench", stream, "bench.appended", {"n": versions[k]}, versions[k])
                        await writer.append([event])
                    else:
                        state = {"type": "counter", "description": "", "properties": {"count": versions[k] + 1}}
                        await writer.record(
                            Change(
                                stream_id=stream,
                                stream_type="artefact",
                                parent="/workspaces/bench",
                                name=f"c{k}",
                                expected_revision=versions[k],
                                event_type="artefact.operated" if versions[k] else "artefact.created",
                                data={"changes": {"properties": state["properties"]}},
                                state=state,
                                summary="inc()",
                                changed=("properties",),
                            )
                        )
                versions[k] += 1
                if now >= measure_from:
                    counts[k] += 1

        async def mark() -> None:
            await asyncio.sleep(max(0.0, measure_from - clock()))
            marks["cpu_from"] = time.process_time()
            await asyncio.sleep(max(0.0, end - clock()))
            marks["cpu_to"] = time.process_time()

        marker = asyncio.create_task(mark())
        await asyncio.gather(*(task(k) for k in range(tasks)))
        await marker
        await store.dispose()
        total = sum(counts)
        return {
            "mode": mode,
            "tasks": tasks,
            "seconds": seconds,
            "transactions": total,
            "per_s": total / seconds,
            "process_cpu_us_per_transaction": (marks["cpu_to"] - marks["cpu_from"]) / total * 1e6 if total else None,
        }

    return uvloop.run(main())


async def store_rate(opts: Options, kind: str, mode: str) -> dict[str, Any]:
    async with mas.scratch(opts, kind, f"store_{mode}") as db:
        url = db.url
        return await mas.run_worker_async(
            opts,
            "bench.environment",
            [
                "store-worker",
                "--url",
                url,
                "--mode",
                mode,
                "--tasks",
                str(opts.concurrency),
                "--seconds",
                str(opts.duration_s),
                "--warmup",
                str(opts.warmup_s),
                "--pool-size",
                str(opts.pool_size),
            ],
        )


# -- romas -----------------------------------------------------------------------------------------------------


async def set_up(server: Server, *, agents_one: int, agents_spread: int, incs_one: int, incs_spread: int) -> None:
    """Workspaces ``one`` (counter ``c``) and ``spread`` (``c0`` .. ``c99``) for the REST clients; ``agents_one``
    and ``agents_spread`` the same for the agents, which are created stopped with their loop of ``inc``."""
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for workspace, names in (
            ("one", ["c"]),
            ("spread", [f"c{i}" for i in range(ARTEFACTS)]),
            ("agents_one", ["c"]),
            ("agents_spread", [f"c{i}" for i in range(ARTEFACTS)]),
        ):
            await mas.put_json(client, f"/workspaces/{workspace}", {})
            for name in names:
                await mas.put_json(client, f"/workspaces/{workspace}/artefacts/{name}", {"type": "counter"})
        for i in range(agents_one):
            code = f"+!go <- joinWorkspace(agents_one); for (.range(I, 1, {incs_one})) {{ inc }}.\n"
            await mas.put_json(client, f"/agents/one{i}", {"code": code, "state": "running"})
        for i in range(agents_spread):
            code = (
                f"+!go <- joinWorkspace(agents_spread); "
                f"for (.range(I, 1, {incs_spread})) {{ inc[artefact(c{i % ARTEFACTS})] }}.\n"
            )
            await mas.put_json(client, f"/agents/spread{i}", {"code": code, "state": "running"})


def inc_requests(port: int, workspace: str, artefacts: int, count: int) -> list[bytes]:
    paths = (
        [f"/workspaces/{workspace}/artefacts/c/operations/inc"]
        if artefacts == 1
        else [f"/workspaces/{workspace}/artefacts/c{i}/operations/inc" for i in range(artefacts)]
    )
    return [mas.json_request("POST", paths[i % len(paths)], port, {"args": []}) for i in range(count)]


@dataclass
class OpsRun:
    operations: int
    accept_s: float | None
    done_s: float
    errors: int
    failed: int
    cpu: CpuUse | None

    @property
    def per_s(self) -> float:
        return self.operations / self.done_s

    @property
    def accepted_per_s(self) -> float | None:
        return self.operations / self.accept_s if self.accept_s else None

    def summary(self) -> dict[str, Any]:
        return {
            "operations": self.operations,
            "seconds": round(self.done_s, 3),
            "operations_per_s": round(self.per_s, 1),
            "accepted_per_s": None if self.accepted_per_s is None else round(self.accepted_per_s, 1),
            "http_errors": self.errors,
            "failed": self.failed,
            "cpu": self.cpu.as_dict(self.operations) if self.cpu else None,
        }

    def line(self) -> str:
        accepted = f"accepted {self.accepted_per_s:6.0f}/s  " if self.accepted_per_s else ""
        text = f"{accepted}succeeded {self.per_s:6.0f}/s ({self.done_s:.2f} s)  "
        text += mas.Window.brief(self.cpu, self.operations, "op")
        if self.errors or self.failed:
            text += f"  ERRORS {self.errors} FAILED {self.failed}"
        return text


async def rest_run(
    server: Server, probe: Probe, workspace: str, artefacts: int, count: int, concurrency: int
) -> OpsRun:
    """``count`` POSTs of ``inc`` (202 each) from ``concurrency`` clients; done when the database says every
    invocation has ended (polled every 20 ms on a connection of its own)."""
    requests = inc_requests(server.port, workspace, artefacts, count)
    seq = int(await probe.scalar(LAST_SEQ_SQL))
    before = snapshot(server.pid)
    t0 = time.perf_counter()
    sent = await mas.closed_loop(server.port, requests, concurrency)
    accepted = max(s.answered for s in sent)
    errors = sum(1 for s in sent if s.status != 202)
    done = await probe.wait_until(FINISHED_SQL, (seq,), count - errors, timeout_s=180, every_s=0.02)
    use = CpuUse.between(before, snapshot(server.pid))
    failed = int(await probe.scalar(FAILED_SQL, seq))
    return OpsRun(count, accepted - t0, done - t0, errors, failed, use)


async def agents_run(server: Server, probe: Probe, prefix: str, agents: int, incs: int) -> OpsRun:
    """Each agent gets ``achieve go`` and runs ``inc`` ``incs`` times, one after the other (an action waits for
    its invocation to end); done when all ``agents * incs`` invocations have ended."""
    seq = int(await probe.scalar(LAST_SEQ_SQL))
    requests = [
        mas.json_request(
            "POST", f"/agents/{prefix}{i}/inbox", server.port, {"performative": "achieve", "content": "go"}
        )
        for i in range(agents)
    ]
    before = snapshot(server.pid)
    t0 = time.perf_counter()
    sent = await mas.closed_loop(server.port, requests, min(agents, 16))
    total = agents * incs
    done = await probe.wait_until(FINISHED_SQL, (seq,), total, timeout_s=180, every_s=0.02)
    use = CpuUse.between(before, snapshot(server.pid))
    failed = int(await probe.scalar(FAILED_SQL, seq))
    return OpsRun(total, None, done - t0, sum(1 for s in sent if s.status != 202), failed, use)


async def counter_values(server: Server, workspace: str, names: list[str]) -> int:
    total = 0
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for name in names:
            body = (await client.get(f"/workspaces/{workspace}/artefacts/{name}")).json()
            total += int(body["properties"]["count"])
    return total


async def bench_kind(opts: Options, kind: str, args: argparse.Namespace) -> tuple[list[Line], dict[str, Any]]:
    label = mas.LABELS[kind]
    print(f"  {label}:")
    append = await store_rate(opts, kind, "append")
    record_rate = await store_rate(opts, kind, "record")
    print(
        f"    store, one event per transaction, {opts.concurrency} tasks: append {append['per_s']:,.0f}/s "
        f"({append['process_cpu_us_per_transaction']:.0f} us CPU each), record {record_rate['per_s']:,.0f}/s "
        f"({record_rate['process_cpu_us_per_transaction']:.0f} us)",
        flush=True,
    )
    agents_one = args.agents_one if args.agents else 0
    agents_spread = args.agents_spread if args.agents else 0
    runs: dict[str, list[OpsRun]] = {"one": [], "spread": [], "agents_one": [], "agents_spread": []}
    batches: dict[str, list[common.Batches | None]] = {"one": [], "spread": []}
    disk_syncs: dict[str, list[disk.Syncs]] = {"one": [], "spread": []}
    async with (
        mas.scratch(opts, kind, "environment") as db,
        common.running(mas.start(db, opts), opts) as server,
        mas.probing(db) as probe,
    ):
        await set_up(
            server,
            agents_one=agents_one,
            agents_spread=agents_spread,
            incs_one=args.agent_incs_one,
            incs_spread=args.agent_incs_spread,
        )
        for workspace, artefacts in (("one", 1), ("spread", ARTEFACTS)):  # warm-up
            await rest_run(server, probe, workspace, artefacts, args.warmup_operations, opts.concurrency)
        done = {"one": args.warmup_operations, "spread": args.warmup_operations}
        for rep in range(opts.reps):
            order = [("one", 1), ("spread", ARTEFACTS)]
            for workspace, artefacts in order if rep % 2 == 0 else order[::-1]:
                await common.wait_for_quiet(opts)
                with disk.probing(args.disk_probe) as syncs:
                    run, batched = await common.batches_over(
                        server, rest_run(server, probe, workspace, artefacts, args.operations, opts.concurrency)
                    )
                done[workspace] += args.operations
                runs[workspace].append(run)
                batches[workspace].append(batched)
                disk_syncs[workspace].append(syncs)
                line = f"{run.line()} | {common.batches_line(batched)}{disk.brief(syncs, args.disk_probe)}"
                print(f"    rep {rep + 1}/{opts.reps}  REST {workspace:<7} {line}", flush=True)
        correct = {
            "one": await counter_values(server, "one", ["c"]) == done["one"],
            "spread": await counter_values(server, "spread", [f"c{i}" for i in range(ARTEFACTS)]) == done["spread"],
        }
        if args.agents:
            # One run each: an agent's loop runs once (its goal is achieved), which is what is measured.
            await common.wait_for_quiet(opts)
            run = await agents_run(server, probe, "one", agents_one, args.agent_incs_one)
            runs["agents_one"].append(run)
            print(f"    agents: {agents_one} agents x {args.agent_incs_one} inc, one counter      {run.line()}")
            await common.wait_for_quiet(opts)
            run = await agents_run(server, probe, "spread", agents_spread, args.agent_incs_spread)
            runs["agents_spread"].append(run)
            print(f"    agents: {agents_spread} agents x {args.agent_incs_spread} inc, own counters  {run.line()}")
            correct["agents_one"] = (
                await counter_values(server, "agents_one", ["c"]) == agents_one * args.agent_incs_one
            )
            names = [f"c{i}" for i in range(ARTEFACTS)]
            correct["agents_spread"] = (
                await counter_values(server, "agents_spread", names) == agents_spread * args.agent_incs_spread
            )
        print(f"    every counter holds exactly the incs sent to it: {'yes' if all(correct.values()) else correct}")
    base = append["per_s"]
    lines = []
    medians: dict[str, Any] = {}
    for key, title in (
        ("one", f"REST inc, 1 artefact, {opts.concurrency} clients"),
        ("spread", f"REST inc, {ARTEFACTS} artefacts, {opts.concurrency} clients"),
        ("agents_one", f"agents' inc, {agents_one} agents, 1 artefact"),
        ("agents_spread", f"agents' inc, {agents_spread} agents, {ARTEFACTS} artefacts"),
    ):
        if not runs[key]:
            continue
        value = mas.median([r.per_s for r in runs[key]])
        medians[key] = value
        lines.append(Line(f"env {label}: {title}", "op/s", value, base))
    lines.append(Line(f"env {label}: store Writer.record, for reference", "txn/s", record_rate["per_s"], base))
    record = {
        "store_append": append,
        "store_record": record_rate,
        "median_operations_per_s": medians,
        "runs": {key: [r.summary() for r in rs] for key, rs in runs.items() if rs},
        "batches": {key: [common.batches_record(b) for b in bs] for key, bs in batches.items()},
        "counters_correct": correct,
    }
    if args.disk_probe is not None:
        record["disk_syncs"] = {key: disk.record(every) for key, every in disk_syncs.items()}
    return lines, record


async def bench(opts: Options, kinds: list[str], args: argparse.Namespace) -> Section:
    print(
        f"\n== environment: inc operations/s, {args.operations} per run from {opts.concurrency} REST clients, "
        f"vs the store's raw append rate ({opts.concurrency} tasks, {opts.duration_s:g} s)"
    )
    lines: list[Line] = []
    record: dict[str, Any] = {}
    for kind in kinds:
        kind_lines, kind_record = await bench_kind(opts, kind, args)
        lines += kind_lines
        record[kind] = kind_record
    return Section("environment", lines, record)


# -- profiling -------------------------------------------------------------------------------------------------


async def profile(opts: Options, args: argparse.Namespace, kind: str, py_spy: str) -> None:
    from bench import profiling

    stop_on_sigterm()
    scenario: str = args.scenario
    print(f"\n== profile: romas on {mas.LABELS[kind]}, {scenario} load, {args.seconds} s (py-spy, {args.rate} Hz)")
    async with (
        mas.scratch(opts, kind, f"profile_env_{scenario}") as db,
        common.running(mas.start(db, opts), opts) as server,
        mas.probing(db) as probe,
    ):
        big = 100_000
        await set_up(server, agents_one=0, agents_spread=ARTEFACTS if scenario == "agents" else 0, incs_one=1,
                     incs_spread=big)  # fmt: skip
        output = profiling.profile_path(f"environment-{scenario}-{kind}")
        sampler = asyncio.create_task(
            profiling.sample(server.pid, output, seconds=args.seconds, py_spy=py_spy, rate=args.rate, delay_s=0.5)
        )
        if scenario == "agents":
            seq = int(await probe.scalar(LAST_SEQ_SQL))
            await agents_run_start(server, ARTEFACTS)
            await sampler
            ended = int(await probe.scalar(FINISHED_SQL, seq))
            print(f"  under the profiler: {ended} agent invocations ended")
        else:
            artefacts = 1 if scenario == "one" else ARTEFACTS
            while not sampler.done():
                run = await rest_run(server, probe, scenario, artefacts, 2000, opts.concurrency)
                print(f"  under the profiler: {run.line()}")
        if await sampler != 0 or not output.is_file():
            raise RuntimeError("py-spy failed")
    profiling.summarise(output, top=30)


async def agents_run_start(server: Server, agents: int) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        for i in range(agents):
            await mas.put_json(
                client, f"/agents/spread{i}/inbox", {"performative": "achieve", "content": "go"}, method="POST"
            )


# -- command line ----------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.environment", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (default: sqlite,postgres)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="REST clients and store tasks (16)")
    parser.add_argument("--operations", type=int, default=1200, help="REST operations per run (default 1200)")
    parser.add_argument("--warmup-operations", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the REST runs; medians (default 3)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of the store's measured run (3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before it (1)")
    parser.add_argument("--no-agents", dest="agents", action="store_false", help="skip the agents' runs")
    parser.add_argument("--agents-one", type=int, default=10, help="agents sharing one counter (10)")
    parser.add_argument("--agent-incs-one", type=int, default=50, help="incs each of them runs (50)")
    parser.add_argument("--agents-spread", type=int, default=100, help="agents with a counter each (100)")
    parser.add_argument("--agent-incs-spread", type=int, default=10, help="incs each of them runs (10)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the load generator to cores")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL, no database")
    parser.add_argument("--pool-size", type=int, default=20, help="romas's ROMAS_POOL_SIZE (default 20, as romas)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    parser.add_argument("--quiet-wait", type=float, default=20.0, help="seconds to wait for an idle machine per run")
    parser.add_argument("--romas-src", type=Path, default=common.REPO, help="serve romas from this checkout")
    disk.add_option(parser)
    commands = parser.add_subparsers(dest="command")
    prof = commands.add_parser("profile", help="py-spy over romas under one of these loads; top hotspots")
    prof.add_argument("scenario", choices=["one", "spread", "agents"])
    prof.add_argument("--seconds", type=int, default=10)
    prof.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    prof.add_argument("--py-spy", default=None, help="py-spy executable (default: bench/.venv-pyspy/bin/py-spy)")
    worker = commands.add_parser("store-worker", help=argparse.SUPPRESS)
    worker.add_argument("--url", required=True)
    worker.add_argument("--mode", choices=["append", "record"], default="append")
    worker.add_argument("--tasks", type=int, default=16)
    worker.add_argument("--seconds", type=float, default=5.0)
    worker.add_argument("--warmup", type=float, default=1.0)
    worker.add_argument("--pool-size", type=int, default=20)
    return parser


def finish(opts: Options, section: Section, args: argparse.Namespace, kinds: list[str]) -> None:
    print("\nresults (medians of the repetitions; ratio = romas / the store's raw append rate)\n")
    mas.print_lines(section.lines, "store append/s")
    payload = {
        "benchmark": "environment",
        "options": {
            "db": kinds,
            "concurrency": opts.concurrency,
            "operations": args.operations,
            "reps": opts.reps,
            "store_seconds": opts.duration_s,
            "pool_size": opts.pool_size,
            "romas_src": str(opts.romas_src),
            "agents": [args.agents_one, args.agent_incs_one, args.agents_spread, args.agent_incs_spread]
            if args.agents
            else None,
        },
        "machine": common.machine_notes(opts),
        "table": [line.as_dict() for line in section.lines],
        "sections": {section.name: section.record},
    }
    print(f"\nwrote {common.write_results('environment', payload).relative_to(common.REPO)}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "store-worker":
        print(json.dumps(store_worker(args.url, args.mode, args.tasks, args.seconds, args.warmup, args.pool_size)))
        return 0
    from bench.runtime import kinds_of

    kinds = kinds_of(args.db)
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

    async def measure() -> None:
        stop_on_sigterm()
        if "postgres" in kinds:
            print(f"PostgreSQL: {await common.postgres_settings(common.database_url(opts, 'postgres'))}")
        finish(opts, await bench(opts, kinds, args), args, kinds)

    runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    try:
        with runner:
            if args.command == "profile":
                from bench import profiling

                py_spy = profiling.find_py_spy(args.py_spy)
                for kind in kinds:
                    runner.run(profile(opts, args, kind, py_spy))
            else:
                runner.run(measure())
    except asyncio.CancelledError:
        print("\nstopped (the servers this benchmark started are stopped, its databases dropped)", file=sys.stderr)
        return 143
    return 0


def stop_on_sigterm() -> None:
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


if __name__ == "__main__":
    sys.exit(main())
