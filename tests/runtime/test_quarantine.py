"""Crash accounting: an agent marked at work when a process died counts the crash; one at work through two
crashes in a row is stopped by the runtime with its reason; one that ended its work cleanly is forgiven."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from romas.runtime.quarantine import account_crashes
from romas.services.agents import AgentService
from romas.store import agent_log, at_work
from romas.store.eventstore import Store, WriteContext

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
