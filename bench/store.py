"""The event store's append rate against the driver's: ``-c`` concurrent writers through romas's store (one event
per write, ``async with store.write(): await writer.append([event])``) versus ``-c`` connections of the raw
driver each looping ``BEGIN; INSERT one row; COMMIT`` into a plain table, on SQLite and PostgreSQL.

    python -m bench.store                 both databases, medians of 3
    python -m bench.store --db sqlite

Both run in a fresh process pinned to the server's core, against a fresh database of the same kind, for
``--duration`` seconds after ``--warmup`` seconds; they alternate, so a busy machine disturbs both alike.
SQLite runs WAL with ``synchronous=FULL`` (romas's default) in both. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

from bench import common, mas
from bench.common import Options
from bench.environment import store_rate

GOAL = 0.5


def raw_worker(url: str, tasks: int, seconds: float, warmup: float) -> dict[str, Any]:
    """``tasks`` connections, each ``BEGIN; INSERT; COMMIT`` in a loop, through the driver romas uses."""

    async def main() -> dict[str, Any]:
        counts = [0] * tasks
        clock = time.perf_counter
        sqlite = url.startswith("sqlite")
        if sqlite:
            import aiosqlite

            path = url.split(":///", 1)[1]
            setup = await aiosqlite.connect(path, isolation_level=None)
            await setup.execute("PRAGMA journal_mode=WAL")
            await setup.execute("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            await setup.close()
            conns: list[Any] = []
            for _ in range(tasks):
                conn = await aiosqlite.connect(path, isolation_level=None, timeout=30)
                await conn.execute("PRAGMA synchronous=FULL")
                await conn.execute("PRAGMA busy_timeout=30000")
                conns.append(conn)
        else:
            import asyncpg

            conns = [await asyncpg.connect(url) for _ in range(tasks)]
            await conns[0].execute("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, body text)")
        start = clock()
        measure_from, end = start + warmup, start + warmup + seconds
        marks: dict[str, float] = {}

        async def task(k: int) -> None:
            conn = conns[k]
            n = 0
            while True:
                now = clock()
                if now >= end:
                    return
                body = f'{{"n": {n}, "writer": {k}}}'
                if sqlite:
                    await conn.execute("BEGIN IMMEDIATE")
                    await conn.execute("INSERT INTO bench_rows (body) VALUES (?)", (body,))
                    await conn.execute("COMMIT")
                else:
                    async with conn.transaction():
                        await conn.execute("INSERT INTO bench_rows (body) VALUES ($1)", body)
                n += 1
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
        for conn in conns:
            await conn.close()
        total = sum(counts)
        return {
            "mode": "raw",
            "tasks": tasks,
            "seconds": seconds,
            "transactions": total,
            "per_s": total / seconds,
            "process_cpu_us_per_transaction": (marks["cpu_to"] - marks["cpu_from"]) / total * 1e6 if total else None,
        }

    return uvloop.run(main())


async def raw_rate(opts: Options, kind: str) -> dict[str, Any]:
    async with mas.scratch(opts, kind, "store_raw") as db:
        args = ["raw-worker", "--url", db.url, "--tasks", str(opts.concurrency)]
        args += ["--seconds", str(opts.duration_s), "--warmup", str(opts.warmup_s)]
        return await mas.run_worker_async(opts, "bench.store", args)


async def bench(opts: Options, kinds: list[str]) -> tuple[list[mas.Line], dict[str, Any]]:
    lines: list[mas.Line] = []
    record: dict[str, Any] = {}
    for kind in kinds:
        store_runs: list[dict[str, Any]] = []
        raw_runs: list[dict[str, Any]] = []
        for rep in range(opts.reps):
            await common.wait_for_quiet(opts)
            raw_runs.append(await raw_rate(opts, kind))
            store_runs.append(await store_rate(opts, kind, "append"))
            print(
                f"{mas.LABELS[kind]} run {rep + 1}: store {store_runs[-1]['per_s']:,.0f} appends/s "
                f"({store_runs[-1]['process_cpu_us_per_transaction'] or 0:,.0f} us cpu each), "
                f"driver {raw_runs[-1]['per_s']:,.0f} commits/s",
                flush=True,
            )
        store = mas.median([r["per_s"] for r in store_runs])
        raw = mas.median([r["per_s"] for r in raw_runs])
        label = mas.LABELS[kind]
        lines.append(mas.Line(f"{label} store appends, {opts.concurrency} writers", "/s", store, raw, GOAL, True, True))
        record[kind] = {"store": store_runs, "raw": raw_runs}
    return lines, record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (default: both)")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="writers and driver connections (16)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions; medians (3)")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per run (3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before it (1)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the workers to the server's core")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL, no database")
    parser.add_argument("--pool-size", type=int, default=20, help="the store's pool size (default 20, as romas)")
    parser.add_argument("--quiet-wait", type=float, default=20.0, help="seconds to wait for an idle machine per run")
    parser.add_argument("--romas-src", type=Path, default=common.REPO, help="measure romas from this checkout")
    commands = parser.add_subparsers(dest="command")
    worker = commands.add_parser("raw-worker", help=argparse.SUPPRESS)
    worker.add_argument("--url", required=True)
    worker.add_argument("--tasks", type=int, default=16)
    worker.add_argument("--seconds", type=float, default=3.0)
    worker.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.command == "raw-worker":
        print(json.dumps(raw_worker(args.url, args.tasks, args.seconds, args.warmup)))
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
        romas_src=args.romas_src.resolve(),
        quiet_wait_s=args.quiet_wait,
    )
    common.pin_self(opts)
    common.describe_machine(opts)
    lines, record = uvloop.run(bench(opts, kinds))
    print("\nresults (medians; ratio = store appends/s / driver INSERT+COMMIT/s)\n")
    mas.print_lines(lines, "driver commits/s")
    payload = {
        "benchmark": "store",
        "options": {"db": kinds, "concurrency": opts.concurrency, "reps": opts.reps, "seconds": opts.duration_s},
        "machine": common.machine_notes(opts),
        "table": [line.as_dict() for line in lines],
        "runs": record,
    }
    print(f"\nwrote {common.write_results('store', payload).relative_to(common.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
