"""The engines' own settings: what every connection of a store is opened with."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from romas.store.eventstore import NewEvent, Store, WriteContext, Writer
from tests.store.test_group_commit import in_one_batch

pytestmark = pytest.mark.anyio

SPILL_BYTES = 64 * 1024
"""Past this SQLite's default writes a statement journal to a temporary file (SQLITE_STMTJRNL_SPILL)."""


async def test_sqlite_connections_keep_statement_journals_in_memory(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("a SQLite setting")
    async with store.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA temp_store"))).scalar() == 2  # MEMORY
    async with store.write(WriteContext(actor="t")) as writer:
        assert writer._batch.sqlite is not None
        assert writer._batch.sqlite.execute("PRAGMA temp_store").fetchone() == (2,)


async def test_a_request_that_journals_more_than_a_spill_is_rolled_back_alone(store: Store) -> None:
    """A request after a batch's first runs in a savepoint; one that writes (and so journals) more than SQLite once
    spilled to a file, then fails, is undone from the journal in memory, and the batch's other requests commit."""
    big = "x" * 2_000
    count = 3 * SPILL_BYTES // len(big)
    events = [NewEvent("thing", f"/things/big{i}", "thing.made", {"text": big}) for i in range(count)]

    async def writes_then_fails(writer: Writer) -> None:
        await writer.append(events)
        raise ValueError("the request's own bug")

    async def small(writer: Writer) -> None:
        await writer.append([NewEvent("thing", "/things/small", "thing.made", {})])

    results, batches = await in_one_batch(store, [small, writes_then_fails, small])

    assert len(set(batches)) == 1, "every request ran in the holder's batch"
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    log = await store.read_events()
    assert [e.stream_id for e in log] == ["/things/holder", "/things/small", "/things/small"]
