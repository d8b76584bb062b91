"""romas spread over several processes on one PostgreSQL database (see romas/cluster).

    python -m bench.cluster ratio    a CPU-bound MAS (a ring of agents computing between messages) on 1 process
                                     and on 2 processes of this machine: processed messages per second of each,
                                     how much of a core each process kept busy, and the ratio (target >= 1.6x on
                                     two cores; PostgreSQL shares them); every message checked processed once
    python -m bench.cluster idle     10,000 small, mostly idle agents in one process: resident memory per agent,
                                     the time a process takes to start them all from their checkpoints, and a
                                     message to each of a sample answered
    python -m bench.cluster all      both

Each run makes its own database ``romas_bench_cluster_<pid>`` and drops it. The 1- and 2-process runs alternate
(``--reps``), so a machine busy with something else disturbs both alike; the median of each is compared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench import common
from bench.common import Options, Server
from romas.cluster.shards import SHARDS, agent_shard

WORK = """+!work(N, Hops) : next(Next) <-
    for (.range(I, 1, N)) { for (.range(J, 1, 25)) { X = I * J } };
    if (Hops > 0) { .send(Next, achieve, work(N, Hops - 1)) }.
"""
"""Each message computes (``N`` x 25 turns of a loop in AgentSpeak, its state small: a checkpoint stays cheap),
then passes the token on to the next agent of a ring (``next(Name)``, on another process about half the time when
there are two) until its hops are spent."""
IDLE = """greeting(hello).
+!hi[source(S)] <- ?greeting(G); .print(G).
"""


def _opts(args: argparse.Namespace) -> Options:
    return Options(pin=False, keep_logs=args.keep_logs, own_sessions=not args.one_session)


async def _upgrade(url: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "romas.cli", "db", "upgrade", "--database-url", url, cwd=common.REPO
    )
    if await process.wait() != 0:
        raise RuntimeError("romas db upgrade failed")


async def _until(check: Any, what: str, timeout_s: float = 600.0, every_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(every_s)


async def _cluster_ready(clients: list[httpx.AsyncClient], processes: int, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        body = (await clients[0].get("/cluster")).json()
        alive = [p for p in body["processes"] if p["alive"]]
        held = sorted(s for p in alive for s in p["shards"])
        spread = {len(p["shards"]) for p in alive}
        if len(alive) == processes and held == list(range(SHARDS)) and max(spread) - min(spread) <= 1:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the cluster did not settle: {body}")
        await asyncio.sleep(0.3)


def _balanced_names(count: int) -> list[str]:
    """Agent names half of which fall in the lower half of the shards (which the older of two processes keeps)
    and half in the upper, so two processes get the same number of agents."""
    low = [f"w{i}" for i in range(count * 20) if agent_shard(f"w{i}") < SHARDS // 2][: count // 2]
    high = [f"w{i}" for i in range(count * 20) if agent_shard(f"w{i}") >= SHARDS // 2][: count - count // 2]
    return low + high


async def _processed(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'processed'"))
    finally:
        await conn.close()


async def _counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM messages GROUP BY status")
        processed_events = await conn.fetchval("SELECT count(*) FROM events WHERE type = 'message.processed'")
    finally:
        await conn.close()
    counts = {str(r["status"]): int(r["n"]) for r in rows}
    counts["processed_events"] = int(processed_events)
    return counts


async def _ratio_run(opts: Options, processes: int, args: argparse.Namespace) -> dict[str, Any]:
    """One run: ``args.agents`` agents in a ring, ``args.tokens`` tokens injected per agent, each passed on
    ``args.hops`` times; every message computes ``args.loop`` turns. Timed from the first token to the last
    message processed, then checked: every message processed exactly once."""
    expected = args.agents * args.tokens * (args.hops + 1)
    async with common.scratch_database(opts, "cluster") as url:
        await _upgrade(url)
        servers: list[Server] = []
        try:
            for _ in range(processes):
                server = common.start_romas(url, opts)
                servers.append(server)
                await common.wait_ready(server, timeout_s=120)
            clients = [httpx.AsyncClient(base_url=s.base, timeout=60) for s in servers]
            try:
                await _cluster_ready(clients, processes)
                names = _balanced_names(args.agents)
                ring = names[:]
                random.Random(13).shuffle(ring)
                for i, name in enumerate(ring):
                    code = f"next({ring[(i + 1) % len(ring)]}).\n" + WORK
                    response = await clients[i % len(clients)].put(f"/agents/{name}", json={"code": code})
                    assert response.status_code == 201, response.text

                async def all_running() -> bool:
                    running = 0
                    for client in clients:
                        running += await _running_agents(client)
                    return running >= len(names)

                await _until(all_running, "every agent to run")
                cpu_before = [common_cpu(s.pid) for s in servers]
                sched_before = [_sched(s.pid) for s in servers]
                started = time.perf_counter()
                sem = asyncio.Semaphore(16)

                async def post(i: int) -> None:
                    async with sem:
                        client = clients[i % len(clients)]
                        body = {"performative": "achieve", "content": f"work({args.loop}, {args.hops})"}
                        response = await client.post(f"/agents/{names[i % len(names)]}/inbox", json=body)
                        assert response.status_code == 202, response.text

                await asyncio.gather(*(post(i) for i in range(args.agents * args.tokens)))

                async def all_processed() -> bool:
                    counts = await _counts(url)
                    return counts.get("processed", 0) + counts.get("failed", 0) >= expected

                await _until(all_processed, "every message to be processed", every_s=0.1)
                elapsed = time.perf_counter() - started
                cpu = [common_cpu(s.pid) - before for s, before in zip(servers, cpu_before, strict=True)]
                sched = [
                    tuple(after - before for after, before in zip(_sched(s.pid), was, strict=True))
                    for s, was in zip(servers, sched_before, strict=True)
                ]
                await asyncio.sleep(0.5)  # a duplicate would show up here
                counts = await _counts(url)
            finally:
                for client in clients:
                    await client.aclose()
        finally:
            for server in servers:
                server.stop()
                if not opts.keep_logs:
                    server.log.unlink(missing_ok=True)
    exactly_once = (
        counts.get("processed", 0) == expected
        and counts["processed_events"] == expected
        and sum(n for status, n in counts.items() if status != "processed_events") == expected
    )
    if not exactly_once:
        raise RuntimeError(f"expected {expected} messages each processed once, found {counts}")
    return {
        "processes": processes,
        "rate": expected / elapsed,
        "messages": expected,
        "elapsed_s": elapsed,
        "server_cpu_s": cpu,
        "busy": [c / elapsed for c in cpu],
        "denied": [w / elapsed for _, w in sched],
        "asleep": [max(0.0, 1 - (c + w) / elapsed) for c, w in sched],
    }


def _sched(pid: int) -> tuple[float, float]:
    """Seconds on a core, and seconds runnable but waiting for one (the machine busy with other work), summed
    over the process's threads (/proc/<pid>/task/*/schedstat)."""
    on_cpu = waiting = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        on_cpu += int(fields[0])
        waiting += int(fields[1])
    return on_cpu / 1e9, waiting / 1e9


def common_cpu(pid: int) -> float:
    from bench.cpu import _proc_cpu

    return _proc_cpu(pid)


async def ratio(args: argparse.Namespace) -> dict[str, Any]:
    opts = _opts(args)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for rep in range(args.reps):
        for processes in (1, 2) if rep % 2 == 0 else (2, 1):
            run = await _ratio_run(opts, processes, args)
            runs[processes].append(run)
            shares = "; ".join(
                f"{b:.0%} busy, {d:.0%} denied, {a:.0%} asleep"
                for b, d, a in zip(run["busy"], run["denied"], run["asleep"], strict=True)
            )
            print(
                f"  rep {rep + 1}: {processes} process(es): {run['rate']:.1f} messages/s "
                f"({run['messages']} in {run['elapsed_s']:.1f}s, each processed once, "
                f"{sum(run['server_cpu_s']) * 1000 / run['messages']:.1f} ms of romas CPU each; "
                f"of its wall time each process was {shares}; load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    one = statistics.median(r["rate"] for r in runs[1])
    two = statistics.median(r["rate"] for r in runs[2])
    print(f"ratio: 2 processes / 1 process = {two / one:.2f}x  (median {two:.1f} vs {one:.1f} messages/s)")
    print(
        "  (busy: on a core; denied: runnable but the core was taken by other work on the machine; asleep: waiting "
        "on the database or for work. On a quiet machine denied is ~0.)"
    )
    return {"one_process": one, "two_processes": two, "ratio": two / one, "runs": runs}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _running_agents(client: httpx.AsyncClient) -> int:
    text = (await client.get("/metrics")).text
    found = re.search(r"^romas_agents_running (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


async def _create_directly(url: str, count: int) -> float:
    """Write ``count`` agents through romas's own agent service (no server, no HTTP), 500 per transaction."""
    from romas.config import Settings
    from romas.server import open_store
    from romas.services.agents import AgentService
    from romas.store.eventstore import WriteContext

    store = await open_store(Settings(database_url=url.replace("postgresql://", "postgresql+asyncpg://", 1)))
    started = time.perf_counter()
    try:
        agents = AgentService(store)
        for first in range(0, count, 500):
            async with store.write(WriteContext(actor="bench")) as writer:
                for i in range(first, min(first + 500, count)):
                    await agents.put_agent(writer, f"idle{i}", code=IDLE, description="", metadata={}, state="running")
    finally:
        await store.dispose()
    return time.perf_counter() - started


async def idle(args: argparse.Namespace) -> dict[str, Any]:
    opts = _opts(args)
    result: dict[str, Any] = {"agents": args.idle_agents}
    async with common.scratch_database(opts, "cluster") as url:
        await _upgrade(url)
        if args.direct:
            result["create_s"] = await _create_directly(url, args.idle_agents)
            result.update(await _restart(opts, url, args, result))
            _report(args, result)
            return result
        server = common.start_romas(url, opts)
        try:
            await common.wait_ready(server, timeout_s=120)
            async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
                await asyncio.sleep(2.0)
                empty_rss = _rss_kib(server.pid)
                sem = asyncio.Semaphore(16)
                created_at = time.perf_counter()

                async def put(i: int) -> None:
                    async with sem:
                        response = await client.put(f"/agents/idle{i}", json={"code": IDLE})
                        assert response.status_code == 201, response.text

                await asyncio.gather(*(put(i) for i in range(args.idle_agents)))

                async def all_running() -> bool:
                    return bool(await _running_agents(client) >= args.idle_agents)

                await _until(all_running, "every agent to run", every_s=0.5)
                result["create_s"] = time.perf_counter() - created_at
                await asyncio.sleep(3.0)
                full_rss = _rss_kib(server.pid)
                result["rss_empty_mib"] = empty_rss / 1024
                result["rss_full_mib"] = full_rss / 1024
                result["rss_per_agent_kib"] = (full_rss - empty_rss) / args.idle_agents
        finally:
            server.stop()
            server.log.unlink(missing_ok=True)
        result.update(await _restart(opts, url, args, result))
    _report(args, result)
    return result


def _report(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if "rss_per_agent_kib" in result:
        print(
            f"{args.idle_agents} idle agents created through the API in {result['create_s']:.1f}s: "
            f"{result['rss_per_agent_kib']:.1f} KiB resident each "
            f"({result['rss_empty_mib']:.0f} MiB empty -> {result['rss_full_mib']:.0f} MiB)"
        )
    else:
        print(f"{args.idle_agents} idle agents written straight to the store in {result['create_s']:.1f}s")
    print(
        f"a new process answers /health after {result['restart_ready_s']:.1f}s and runs all of them "
        f"{result['restart_all_running_s']:.1f}s after it was spawned, resident {result['rss_after_restart_mib']:.0f} "
        f"MiB ({result['rss_after_restart_per_agent_kib']:.1f} KiB per agent over an empty process); a message to "
        f"100 of them: p50 {result['answer_p50_ms']:.0f} ms, max {result['answer_max_ms']:.0f} ms"
    )


async def _empty_rss(opts: Options) -> float:
    async with common.scratch_database(opts, "cluster_empty") as url:
        await _upgrade(url)
        server = common.start_romas(url, opts)
        try:
            await common.wait_ready(server, timeout_s=300)
            await asyncio.sleep(2.0)
            return _rss_kib(server.pid) / 1024
        finally:
            server.stop()
            server.log.unlink(missing_ok=True)


async def _restart(opts: Options, url: str, args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    """A new process on the database: how long until it answers, and until it runs every agent."""
    out: dict[str, Any] = {}
    empty_mib = result.get("rss_empty_mib") or await _empty_rss(opts)
    out["rss_empty_mib"] = empty_mib
    spawned = time.perf_counter()
    server = common.start_romas(url, opts)
    try:
        await common.wait_ready(server, timeout_s=600)
        out["restart_ready_s"] = time.perf_counter() - spawned
        async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:

            async def all_restarted() -> bool:
                return bool(await _running_agents(client) >= args.idle_agents)

            await _until(all_restarted, "every agent to run", timeout_s=1800)
            out["restart_all_running_s"] = time.perf_counter() - spawned
            await asyncio.sleep(2.0)
            out["rss_after_restart_mib"] = _rss_kib(server.pid) / 1024
            out["rss_after_restart_per_agent_kib"] = (
                (out["rss_after_restart_mib"] - empty_mib) * 1024 / args.idle_agents
            )
            sample = random.Random(7).sample(range(args.idle_agents), 100)
            latencies = []
            for i in sample:
                t0 = time.perf_counter()
                response = await client.post(
                    f"/agents/idle{i}/inbox",
                    json={"performative": "achieve", "content": "hi"},
                    headers={"Prefer": "wait=30"},
                )
                assert response.json()["status"] == "processed", response.text
                latencies.append(time.perf_counter() - t0)
            out["answer_p50_ms"] = statistics.median(latencies) * 1000
            out["answer_max_ms"] = max(latencies) * 1000
    finally:
        server.stop()
        server.log.unlink(missing_ok=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("ratio", "idle", "all"))
    parser.add_argument("--agents", type=int, default=16, help="CPU-bound agents, in a ring (ratio)")
    parser.add_argument("--tokens", type=int, default=8, help="tokens injected per agent (ratio)")
    parser.add_argument("--hops", type=int, default=3, help="times each token is passed on (ratio)")
    parser.add_argument("--loop", type=int, default=120, help="each message computes loop x 25 turns (ratio)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--idle-agents", type=int, default=10_000)
    parser.add_argument(
        "--direct", action="store_true", help="idle: write the agents through romas's store, not the API (faster)"
    )
    parser.add_argument(
        "--one-session",
        action="store_true",
        help="ratio: run the servers in this benchmark's session (Linux's autogroup then gives them together the "
        "share of the machine one process would get when other work competes for it)",
    )
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}
    if args.what in ("ratio", "all"):
        results["ratio"] = asyncio.run(ratio(args))
    if args.what in ("idle", "all"):
        results["idle"] = asyncio.run(idle(args))
    path = common.write_results("cluster", results)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
