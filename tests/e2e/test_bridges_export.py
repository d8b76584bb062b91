"""The event log on JetStream: 1,000 events, a kill -9 in the middle, a restart; each event exactly once, in order."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from tests.e2e.bridges import eventually
from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
NATS = "nats://127.0.0.1:4222"


async def _write(url: str, names: list[str], kill_after: int | None = None, pid: int = 0) -> None:
    """PUT a workspace per name, 20 at a time, killing the server (-9) after ``kill_after`` of them."""
    written = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for name in names:
        queue.put_nowait(name)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            name = queue.get_nowait()
            nonlocal written
            try:
                await client.put(f"/workspaces/{name}", json={})
            except httpx.TransportError:
                return
            written += 1
            if kill_after is not None and written == kill_after:
                os.kill(pid, signal.SIGKILL)

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(20)))


def _log_positions(url: str) -> list[int]:
    positions: list[int] = []
    href: str | None = "/events?limit=500"
    with httpx.Client(base_url=url, timeout=10) as client:
        while href:
            page = client.get(href).json()
            found = [e["position"] for e in page["_embedded"]["events"]]
            positions += found
            href = page["_links"].get("next", {}).get("href") if found else None
    return positions


async def _stream(stream: str) -> list[dict[str, Any]]:
    nc = await nats.connect(NATS)
    js = nc.jetstream()
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq=seq)
        out.append({"id": int(msg.headers["Nats-Msg-Id"]), "subject": msg.subject, **json.loads(msg.data)})
    await js.delete_stream(stream)
    await nc.close()
    return out


def test_the_log_reaches_jetstream_once_and_in_order_across_a_kill_9(database_url: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"T_{tag}", f"t{tag}.events"
    export = ["--export", f"{NATS}/{stream}?prefix={prefix}"]
    with running_server(database_url, tmp_path, extra_args=tuple(export)) as server:
        half = httpx.get(f"{server.url}/ready").json()["export"]
        asyncio.run(_write(server.url, [f"a{i}" for i in range(600)], kill_after=400, pid=server.process.pid))
        assert server.process.wait() == -signal.SIGKILL
    with running_server(database_url, tmp_path, extra_args=tuple(export)) as server:
        asyncio.run(_write(server.url, [f"b{i}" for i in range(600)]))

        def caught_up() -> bool:
            state = httpx.get(f"{server.url}/ready").json()["export"]
            return bool(state["connected"] and state["lag"] == 0)

        eventually(caught_up, "the export to catch up", limit_s=120)
        positions = _log_positions(server.url)

        def metrics_caught_up() -> bool:
            """The gauges say what /ready says (an event the runtime appends meanwhile is exported soon after)."""
            metrics = httpx.get(f"{server.url}/metrics").text
            exported = [line for line in metrics.splitlines() if line.startswith("romas_export_position ")]
            return bool(
                "romas_export_lag 0.0" in metrics
                and "romas_export_connected 1.0" in metrics
                and exported
                and float(exported[0].split()[1]) >= positions[-1]
            )

        eventually(metrics_caught_up, "the export gauges to catch up", limit_s=60)
    published = asyncio.run(_stream(stream))
    assert len(positions) >= 1000 and half["target"].endswith(stream)
    assert [m["id"] for m in published] == positions  # each event once, in position order
    assert [m["position"] for m in published] == positions
    assert all(m["subject"] == f"{prefix}.{m['stream_type']}" for m in published)
