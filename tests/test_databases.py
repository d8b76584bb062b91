"""The test databases themselves: a PostgreSQL database a test is done with comes back to the next test as
freshly migrated (empty tables, positions from 1, the append-only triggers in place)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from romas.store.engine import create_engine
from romas.store.eventstore import NewEvent, Store
from tests.databases import PostgresTemplate

pytestmark = pytest.mark.postgres


async def _use(url: str) -> list[int]:
    store = Store(create_engine(url))
    try:
        async with store.write() as writer:
            recorded = await writer.append([NewEvent("thing", f"/things/t{i}", "thing.pinged", {}) for i in range(3)])
        async with store.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO messages (id, agent, sender, origin, performative, content, status, "
                    "version, accepted_at) VALUES ('m', 'a', 'b', 'rest', 'tell', 'x', 'accepted', 1, "
                    "now())"
                )
            )
        return [event.position for event in recorded]
    finally:
        await store.dispose()


async def _refuses_truncate(url: str) -> None:
    store = Store(create_engine(url))
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            async with store.engine.begin() as conn:
                await conn.execute(text("TRUNCATE events"))
    finally:
        await store.dispose()


def test_a_released_database_is_as_good_as_new(postgres_template: PostgresTemplate) -> None:
    name, url = postgres_template.fresh()
    try:
        assert asyncio.run(_use(url)) == [1, 2, 3]
        postgres_template.release(name)
        again, url = postgres_template.fresh()
        assert again == name
        assert asyncio.run(_use(url)) == [1, 2, 3]  # nothing left over, identities restarted
        asyncio.run(_refuses_truncate(url))
    finally:
        postgres_template.drop(name)
