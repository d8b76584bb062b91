"""Runaway agents against a real ``romas serve``: for each pattern, the server's peak memory (RSS) and the p99
latency of ``GET /agents/good`` (another agent) while the runaway runs, as a ratio to the p99 measured idle
in the same run.

    .venv/bin/python -m bench.runaway [--database-url URL] [--memory-mb N] [--seconds S]

Without ``--database-url`` the server uses a fresh SQLite file. Each pattern runs until its agent has an
outcome (its intention failed with ``limit_exceeded``, or the runtime stopped it) and at least ``--seconds``;
the outcome is polled every half second, so "seen within" is an upper bound of how long the runaway ran.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.e2e.test_runaway import GOOD, RUNAWAYS, rss

ROMAS = str(Path(sys.executable).with_name("romas"))


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) >= 2 else float("nan")


async def outcome(client: httpx.AsyncClient, name: str) -> str | None:
    body = (await client.get(f"/agents/{name}")).json()
    if body["state"] == "stopped":
        return "stopped"
    lines = (await client.get(f"/agents/{name}/log", params={"limit": 1000})).json()["lines"]
    for line in lines:
        if "limit_exceeded" in line["text"] or "failed" in line["text"]:
            return "limit_exceeded"
    return None


async def measure(
    client: httpx.AsyncClient, pid: int, seconds: float, name: str | None
) -> tuple[list[float], int, str, float]:
    """GETs of the good agent back to back for at least ``seconds`` (and until ``name`` has an outcome)."""
    latencies: list[float] = []
    peak = rss(pid)
    started = time.monotonic()
    result = "-"
    checked = started
    ended = 0.0
    while True:
        t0 = time.perf_counter()
        response = await client.get("/agents/good")
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200
        peak = max(peak, rss(pid))
        now = time.monotonic()
        if name is not None and result == "-" and now - checked >= 0.5:
            checked = now
            result = await outcome(client, name) or "-"
            ended = now - started
        if now - started >= seconds and (name is None or result != "-"):
            return latencies, peak, result, ended
        if now - started > 300:
            return latencies, peak, "still running after 300 s", ended


def start_server(url: str, tmp: str, port: int, memory_mb: int | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if memory_mb:
        env["ROMAS_AGENT_MEMORY_MB"] = str(memory_mb)
    with open(f"{tmp}/server.log", "wb") as sink:
        return subprocess.Popen(
            [ROMAS, "serve", "--port", str(port), "--database-url", url],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=tmp,
            env=env,
        )


async def run(url: str, port: int, pid: int, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for _ in range(300):
            try:
                if (await client.get("/health")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        assert (await client.put("/agents/good", json={"code": GOOD})).status_code in (200, 201)
        idle, idle_peak, _, _ = await measure(client, pid, seconds, None)
        idle_p99 = p99(idle)
        database = url.split(":", 1)[0]
        print(f"database: {database}; idle: GET p99 {idle_p99 * 1000:.2f} ms, RSS {idle_peak >> 20} MiB")
        print(f"{'pattern':<12} {'outcome':<16} {'peak RSS':>9} {'GET p99':>9} {'ratio':>6} {'GETs':>6}")
        for name, code in RUNAWAYS.items():
            assert (await client.put(f"/agents/{name}", json={"code": code})).status_code == 201
            latencies, peak, result, ended = await measure(client, pid, seconds, name)
            print(
                f"{name:<12} {result:<16} {peak >> 20:>5} MiB {p99(latencies) * 1000:>6.2f} ms "
                f"{p99(latencies) / idle_p99:>6.2f} {len(latencies):>6}  (outcome seen within {ended:.1f} s)"
            )
            await client.delete(f"/agents/{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--memory-mb", type=int, default=None, help="ROMAS_AGENT_MEMORY_MB (default: romas's)")
    parser.add_argument("--seconds", type=float, default=5.0)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = opts.database_url or f"sqlite+aiosqlite:///{tmp}/runaway.db"
        port = 18000 + os.getpid() % 1000
        server = start_server(url, tmp, port, opts.memory_mb)
        try:
            asyncio.run(run(url, port, server.pid, opts.seconds))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
