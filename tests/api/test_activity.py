"""The runtime knows which requests are at work: none once they have answered, and none while a request
waits for an agent (``Prefer: wait``), which would otherwise hold back the very agent it waits for."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import send

pytestmark = pytest.mark.anyio


async def test_requests_count_while_they_work_and_not_while_they_wait(client: Client) -> None:
    clients = client.app.state.services.runtime.clients
    await put_agent(client, "bob", code="+!slow <- .wait(300); .print(done).\n")
    assert (await client.get("/agents/bob")).status_code == 200
    waiting = asyncio.create_task(send(client, "bob", "achieve", "slow", wait=10))
    await asyncio.sleep(0.15)
    assert clients.busy == 0  # the POST above is waiting for bob, not at work
    assert (await waiting)["status"] == "processed"
    assert clients.busy == 0


async def test_a_post_waiting_for_its_commit_is_at_work_on_sqlite_only(client: Client, database_url: str) -> None:
    """On PostgreSQL a request whose write waits for the writer leaves the count while it waits (parked), so agents
    step meanwhile; on SQLite it stays at work (see romas/runtime/clients.py)."""
    services = client.app.state.services
    clients = services.runtime.clients
    await put_agent(client, "bob", code="+hello <- .print(hi).\n")

    async def scenario() -> tuple[tuple[int, int], int]:
        """On the application's loop (the test client's portal), where its store and runtime run."""
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://romas.test") as direct:
            async with services.store.write():  # holds the writer: the POST's accept waits for the next batch
                posted = asyncio.create_task(
                    direct.post("/agents/bob/inbox", json={"performative": "tell", "content": "hello"})
                )
                for _ in range(400):  # until the POST waits for its write
                    if services.runtime.accepts._together.waiting:
                        break
                    await asyncio.sleep(0.005)
                counts = clients.busy, clients.parked
            return counts, (await posted).status_code

    counts, status = await asyncio.to_thread(client.blocking_portal.call, scenario)
    assert status == 202
    assert counts == ((0, 1) if database_url.startswith("postgresql") else (1, 0))
    assert (clients.busy, clients.parked) == (0, 0)
