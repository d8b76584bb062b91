"""Marking and clearing ten thousand agents at once (a process starting 10,000 agents that all have work):
more rows than one statement's parameters allow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from romas.store import at_work
from romas.store.eventstore import Store, WriteContext

pytestmark = pytest.mark.anyio


async def test_ten_thousand_agents_are_marked_and_cleared(store: Store) -> None:
    names = [f"agent{i}" for i in range(10_000)]
    async with store.write(WriteContext(actor="test")) as writer:
        await at_work.mark(writer, names, datetime.now(UTC))
    async with store.write(WriteContext(actor="test")) as writer:
        rows = await at_work.load(writer)
        assert len(rows) == 10_000 and all(row.at_work for row in rows)
        await at_work.clear(writer, names)
    async with store.write(WriteContext(actor="test")) as writer:
        assert await at_work.load(writer) == []


async def test_a_clear_spares_marks_newer_than_its_cutoff_in_either_order(store: Store) -> None:
    """The runtime marks an agent again while the flush that clears its old mark is on its way: the newer mark
    stays, whether it commits before the clear or after it."""
    old, cutoff, new = (datetime(2026, 1, 1, 0, 0, 0, micro, tzinfo=UTC) for micro in (1, 2, 3))
    async with store.write(WriteContext(actor="test")) as writer:
        await at_work.mark(writer, ["a", "b", "c"], old)
    async with store.write(WriteContext(actor="test")) as writer:
        await at_work.mark(writer, ["a"], new)  # marked again before the clear commits
    async with store.write(WriteContext(actor="test")) as writer:
        await at_work.clear_marked_by(writer, ["a", "b"], cutoff)
        await at_work.mark(writer, ["b"], new)  # or after it
    async with store.write(WriteContext(actor="test")) as writer:
        assert [row.agent for row in await at_work.load(writer)] == ["a", "b", "c"]
        await at_work.clear_marked_by(writer, ["a", "b", "c"], new)
        assert await at_work.load(writer) == []
