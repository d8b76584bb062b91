"""Kill -9 the server while messages are in flight: after a restart every message that got a 202 is processed,
and each exactly once (the agent's counter equals the number of processed messages)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
# atomic: interleaved intentions would otherwise read the same count and lose updates
COUNTER = "count(0).\n@inc[atomic] +!inc <- ?count(C); -+count(C + 1).\n"
MESSAGES = 500


async def flood(url: str, pid: int) -> set[str]:
    """Send MESSAGES achieves with 40 at a time and kill the server once about half were accepted."""
    accepted: set[str] = set()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(MESSAGES):
        queue.put_nowait(i)
    killed = False

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal killed
        while not queue.empty():
            queue.get_nowait()
            try:
                response = await client.post(
                    "/agents/counter/inbox", json={"performative": "achieve", "content": "inc"}
                )
            except httpx.TransportError:
                return
            if response.status_code == 202:
                accepted.add(response.headers["location"].rsplit("/", 1)[-1])
            if len(accepted) >= MESSAGES // 2 and not killed:
                killed = True
                os.kill(pid, signal.SIGKILL)

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(40)))
    assert killed, "the server was not killed: all messages were accepted first"
    return accepted


def all_messages(url: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    href: str | None = "/agents/counter/inbox?limit=500"
    with httpx.Client(base_url=url, timeout=10) as client:
        while href:
            page = client.get(href).json()
            rows += page["_embedded"]["messages"]
            href = page["_links"].get("next", {}).get("href")
    return rows


def test_every_accepted_message_is_processed_exactly_once_after_kill_9(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path) as server:
        assert httpx.put(f"{server.url}/agents/counter", json={"code": COUNTER}).status_code == 201
        accepted = asyncio.run(flood(server.url, server.process.pid))
        server.process.wait(timeout=10)
    assert server.process.returncode == -signal.SIGKILL

    with running_server(database_url, tmp_path) as server:
        deadline = time.monotonic() + 60
        while True:
            rows = all_messages(server.url)
            unfinished = [r for r in rows if r["status"] in ("accepted", "delivered")]
            if not unfinished:
                break
            assert time.monotonic() < deadline, f"{len(unfinished)} messages still unfinished"
            time.sleep(0.2)
        statuses = {r["id"]: r["status"] for r in rows}
        assert accepted <= set(statuses), "a message answered with 202 is missing"
        assert set(statuses.values()) == {"processed"}, statuses
        mind = httpx.get(f"{server.url}/agents/counter/mind").json()
        counts = [b["text"] for b in mind["beliefs"] if b["text"].startswith("count(")]
        match = re.match(r"count\((\d+)\)", counts[0])
        assert match is not None
        assert int(match.group(1)) == len(rows), f"counter {counts[0]} for {len(rows)} processed messages"
        assert len(rows) >= len(accepted) >= MESSAGES // 2


DEPLOYMENTS = 400
ASL = {"Content-Type": "text/x-asl"}


async def deploy_until_killed(url: str, pid: int) -> dict[str, set[str]]:
    """Deploy new code to 8 agents from 16 clients at once (written together, see agents_deploy.py) and kill the
    server once about half were answered; the codes each agent was answered 2xx for."""
    answered: dict[str, set[str]] = {f"d{i}": set() for i in range(8)}
    counter = iter(range(DEPLOYMENTS))
    killed = False

    async def worker(client: httpx.AsyncClient, index: int) -> None:
        nonlocal killed
        name = f"d{index % 8}"
        for n in counter:
            code = f"{COUNTER}// deployment {n}\n"
            try:
                response = await client.put(f"/agents/{name}/code", content=code, headers=ASL)
            except httpx.TransportError:
                return
            if response.status_code in (200, 201):
                answered[name].add(code)
            if sum(map(len, answered.values())) >= DEPLOYMENTS // 2 and not killed:
                killed = True
                os.kill(pid, signal.SIGKILL)

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await asyncio.gather(*(worker(client, i) for i in range(16)))
    assert killed, "the server was not killed: all deployments were answered first"
    return answered


def test_every_deployment_answered_is_a_revision_after_kill_9(database_url: str, tmp_path: Path) -> None:
    """A deployment is answered only once the batch holding it committed: after a kill -9 and a restart, each code an
    agent was answered for is one of its revisions, and its revisions are gapless."""
    with running_server(database_url, tmp_path) as server:
        for i in range(8):
            body = {"code": COUNTER, "state": "stopped"}
            assert httpx.put(f"{server.url}/agents/d{i}", json=body).status_code == 201
        answered = asyncio.run(deploy_until_killed(server.url, server.process.pid))
        server.process.wait(timeout=10)
    assert server.process.returncode == -signal.SIGKILL

    with running_server(database_url, tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        for name, codes in answered.items():
            current = client.get(f"/agents/{name}").json()["revision"]
            revisions = [client.get(f"/agents/{name}/code/revisions/{r}") for r in range(1, current + 1)]
            assert all(r.status_code == 200 for r in revisions)
            stored = {r.text for r in revisions}
            assert codes <= stored, f"{len(codes - stored)} deployments of {name} answered but not stored"
