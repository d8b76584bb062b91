"""The runtime knows which requests are at work: none once they have answered, and none while a request
waits for an agent (``Prefer: wait``), which would otherwise hold back the very agent it waits for."""

from __future__ import annotations

import asyncio

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
