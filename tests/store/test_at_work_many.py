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
