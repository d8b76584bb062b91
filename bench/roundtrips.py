"""Round trips on the group commit's PostgreSQL connection per write request: a figure the machine's load does not
change, since on a busy machine every round trip waits for PostgreSQL to be scheduled (the requests of a batch
run one after the other on that connection, so round trips, not CPU, bound the write rate there).

    python -m bench.roundtrips [--pg-url postgresql://postgres@127.0.0.1:5432] [--romas-src ../other-checkout]

The app runs in this process (Litestar's test client, so requests arrive one at a time and each batch holds one
request: no savepoints are counted, which concurrent requests would add to requests that are not light). Counted:
every statement, simple query and prepare asyncpg sends on a connection the group commit used, from the first
request until the runtime's flushes and the artefact executor they set off are done.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

_counts: collections.Counter[str] = collections.Counter()
_writer_protocols: set[int] = set()


def _count_protocol_calls() -> None:
    protocol = asyncpg.protocol.Protocol
    for name in ("bind_execute", "bind_execute_many", "query", "prepare"):
        original = getattr(protocol, name)

        def counted(original: Any = original, name: str = name) -> Any:
            async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
                if id(self) in _writer_protocols:
                    _counts[name] += 1
                return await original(self, *args, **kwargs)

            return call

        setattr(protocol, name, counted())


async def measure(url: str, per_client: int) -> list[tuple[str, float, float]]:
    from litestar.testing import AsyncTestClient

    from romas.config import Settings
    from romas.server import create_app
    from romas.store import group_commit

    original_open = group_commit.GroupCommit._open

    async def opened(self: Any) -> Any:
        batch = await original_open(self)
        _writer_protocols.add(id(batch.driver._protocol))  # from the first batch's own opening on
        _counts["batches"] += 1
        return batch

    group_commit.GroupCommit._open = opened  # type: ignore[method-assign]
    results: list[tuple[str, float, float]] = []
    app = create_app(Settings(database_url=url))
    async with AsyncTestClient(app=app, base_url="http://romas.test", timeout=120) as client:
        code = "count(0).\n+!inc <- ?count(C); -+count(C + 1).\n"
        for i in range(16):
            await client.put(f"/agents/r{i}", json={"code": code, "state": "running"})
            await client.put(f"/agents/s{i}", json={"code": code, "state": "stopped"})
        await client.put("/workspaces/w", json={})
        await client.put("/workspaces/w/artefacts/c", json={"type": "counter"})

        async def run(label: str, make: Callable[[int, int], Awaitable[Any]]) -> None:
            await asyncio.sleep(1.5)  # the runtime settles after the set-up
            _counts.clear()

            async def one_client(k: int) -> None:
                for j in range(per_client):
                    response = await make(k, j)
                    assert response.status_code in (200, 201, 202), response.text

            await asyncio.gather(*(one_client(k) for k in range(16)))
            await asyncio.sleep(3)  # what the requests set off (flushes, executions) is counted too
            requests = 16 * per_client
            trips = sum(v for key, v in _counts.items() if key != "batches")
            results.append((label, trips / requests, requests / max(_counts["batches"], 1)))

        await run(
            "POST /agents/{a}/inbox (achieve, 16 running agents; processing included)",
            lambda k, j: client.post(f"/agents/r{k}/inbox", json={"performative": "achieve", "content": "inc"}),
        )
        await run(
            "PUT /agents/{a}/code (16 stopped agents)",
            lambda k, j: client.put(
                f"/agents/s{k}/code", content=f"count({j}).\n".encode(), headers={"content-type": "text/x-asl"}
            ),
        )
        await run(
            "POST .../operations/inc (one artefact; execution included)",
            lambda k, j: client.post("/workspaces/w/artefacts/c/operations/inc", json={"args": []}),
        )
    return results


async def main(pg_url: str, per_client: int) -> None:
    name = f"romas_bench_roundtrips_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_url)
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        url = pg_url.replace("postgresql://", "postgresql+asyncpg://", 1).rstrip("/") + f"/{name}"
        results = await measure(url, per_client)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
    print(f"{'request':<75} {'round trips/request':>20} {'requests/batch':>15}")
    for label, trips, per_batch in results:
        print(f"{label:<75} {trips:>20.2f} {per_batch:>15.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=os.environ.get("ROMAS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--romas-src", default=None, help="measure romas from this checkout")
    parser.add_argument("--requests", type=int, default=10, help="requests per client (16 clients)")
    args = parser.parse_args()
    if args.romas_src:
        sys.path.insert(0, os.path.abspath(args.romas_src))
    _count_protocol_calls()
    asyncio.run(main(args.pg_url, args.requests))
