"""Crash accounting: an agent marked at work when a process died counts the crash; one at work through two
crashes in a row is stopped by the runtime with its reason; one that ended its work cleanly is forgiven."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from romas.config import Settings
from romas.runtime.quarantine import account_crashes
from romas.services.agents import AgentService
from romas.store import agent_log, at_work
from romas.store.eventstore import Store, WriteContext
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import eventually, send

pytestmark = pytest.mark.anyio


async def test_two_crashes_at_work_quarantine_an_agent_and_clean_work_forgives(store: Store) -> None:
    agents = AgentService(store)
    now = datetime.now(UTC)
    async with store.write(WriteContext(actor="alice")) as writer:
        for name in ("bad", "good", "calm"):
            await agents.put_agent(writer, name, code="+!g.", description="", metadata={}, state="running")
        await at_work.mark(writer, ["bad", "good"], now)  # both at work when the first crash happens

    async with store.write(WriteContext(actor="runtime")) as writer:
        assert await account_crashes(writer, store) == {}
        await at_work.mark(writer, ["bad"], now)  # the restart runs bad again; good ends its work cleanly
        await at_work.mark(writer, ["good"], now)
        await at_work.clear(writer, ["good"])

    async with store.write(WriteContext(actor="runtime")) as writer:
        quarantined = await account_crashes(writer, store)
        assert list(quarantined) == ["bad"] and "quarantined" in quarantined["bad"]
        assert await at_work.load(writer) == []

    bad = await store.current("/agents/bad")
    assert bad is not None and bad.state["state"] == "stopped"
    assert "2 times in a row" in bad.state["stopped_reason"]
    for name in ("good", "calm"):
        row = await store.current(f"/agents/{name}")
        assert row is not None and row.state["state"] == "running"
    lines = await agent_log.read(store, "bad", after=None, limit=10)
    assert any("stopped by the runtime: quarantined" in line.text for line in lines)


async def test_a_crash_while_an_agent_was_not_at_work_breaks_its_run_of_crashes(store: Store) -> None:
    now = datetime.now(UTC)
    async with store.write(WriteContext(actor="alice")) as writer:
        await AgentService(store).put_agent(writer, "x", code="+!g.", description="", metadata={}, state="running")
        await at_work.mark(writer, ["x"], now)
    async with store.write(WriteContext(actor="runtime")) as writer:
        await account_crashes(writer, store)  # first crash: x is a suspect, no longer at work
        assert await at_work.load(writer) == [at_work.AtWork("x", False, 1)]
    async with store.write(WriteContext(actor="runtime")) as writer:
        assert await account_crashes(writer, store) == {}  # second crash without x at work
        assert await at_work.load(writer) == []
    row = await store.current("/agents/x")
    assert row is not None and row.state["state"] == "running" and "stopped_reason" not in row.state


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, agent_memory_mb=1)


async def test_an_agent_over_its_budget_is_stopped_by_the_runtime_with_its_reason(client: Client) -> None:
    filler = "x" * 400
    code = "".join(f'b({i}, "{filler}").\n' for i in range(2000))  # about 1.1 MiB of beliefs
    await put_agent(client, "heavy", code=code)
    flood = f'!f(0).\n+!f(N) <- +b(N, "{filler}"); !f(N + 1).\n'
    await put_agent(client, "flood", code=flood)
    await put_agent(client, "fine", code="+!hi <- .print(hi).\n")

    async def stopped(name: str) -> bool:
        return bool((await client.get(f"/agents/{name}")).json()["state"] == "stopped")

    for name in ("heavy", "flood"):
        await eventually(lambda name=name: stopped(name), within=60, what=f"{name} to be stopped")  # type: ignore[misc]
        body = (await client.get(f"/agents/{name}")).json()
        assert "memory" in body["stopped_reason"] or "budget" in body["stopped_reason"]
        revisions = (await client.get(f"/agents/{name}/revisions")).json()["_embedded"]["revisions"]
        assert revisions[0]["actor"] == "runtime"
        assert "stopped by the runtime" in "\n".join(await printed_and_notes(client, name))
    assert (await send(client, "fine", "achieve", "hi"))["status"] == "processed"
    assert (await client.patch("/agents/flood", json={"state": "running"})).json()["stopped_reason"] is None


async def printed_and_notes(client: Client, name: str) -> list[str]:
    lines = (await client.get(f"/agents/{name}/log", params={"limit": 1000})).json()["lines"]
    return [str(line["text"]) for line in lines]
