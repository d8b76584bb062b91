"""The PostgreSQL read pool: more concurrent reads than connections, failed reads, cancelled reads."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from romas.store.eventstore import Store
from romas.store.read_pool import ReadPool

pytestmark = pytest.mark.anyio


def _pool(store: Store, size: int) -> ReadPool:
    if store.dialect != "postgresql":
        pytest.skip("the read pool is PostgreSQL's")
    return ReadPool(make_url(str(store.engine.url.render_as_string(hide_password=False))), size)


async def test_more_reads_than_connections_all_answer(store: Store) -> None:
    pool = _pool(store, 2)
    try:
        answers = await asyncio.gather(*(pool.fetch("SELECT $1::int + 1", (i,)) for i in range(50)))
        assert [rows[0][0] for rows in answers] == [i + 1 for i in range(50)]
        assert pool._open <= 2
    finally:
        await pool.close()


async def test_a_failed_query_keeps_its_connection_and_a_cancelled_one_drops_it(store: Store) -> None:
    pool = _pool(store, 1)
    try:
        with pytest.raises(asyncpg.PostgresError):
            await pool.fetch("SELECT 1 / $1::int", (0,))
        assert pool._open == 1 and len(pool._idle) == 1
        slow = asyncio.create_task(pool.fetch("SELECT pg_sleep(30)", ()))
        waiting = asyncio.create_task(pool.fetch("SELECT 2", ()))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert (await waiting)[0][0] == 2, "the waiting read got a new connection"
        assert pool._open == 1
    finally:
        await pool.close()
