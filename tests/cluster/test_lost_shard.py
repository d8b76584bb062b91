"""A shard lost against the process's will (another process took its lease) costs only that shard's agents: the
agents of the other shards go on from memory, without a restart from their checkpoints."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from romas.cluster.shards import agent_shard
from romas.config import Settings
from romas.store.engine import create_engine
from romas.store.group_commit import TAKE_APPEND_LOCK
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import beliefs, eventually, send

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

COUNTER = "count(0).\n+!inc <- ?count(C); -+count(C + 1).\n"


async def _notes(client: Client, agent: str) -> list[str]:
    lines = (await client.get(f"/agents/{agent}/log", params={"limit": 1000})).json()["lines"]
    return [line["text"] for line in lines if line["kind"] == "note"]


async def _set(database_url: str, sql: str, shard: int) -> None:
    """A write of another process (its own connection: the server's engine belongs to the server's loop), with the
    append lock taken first, as a process taking shards over does."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(TAKE_APPEND_LOCK))
            await connection.execute(text(sql), {"shard": shard})
    finally:
        await engine.dispose()


async def test_a_stolen_lease_drops_only_the_agents_of_its_shard(client: Client, settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("shards are leased on PostgreSQL")
    services = client.app.state.services
    runtime = services.runtime
    names = ["kept", *(f"other{i}" for i in range(200))]
    lost_name = next(n for n in names[1:] if agent_shard(n) != agent_shard("kept"))
    for name in ("kept", lost_name):
        await put_agent(client, name, code=COUNTER)
        await send(client, name, "achieve", "inc")

    async def both_running() -> bool:
        return "kept" in runtime.live and lost_name in runtime.live

    await eventually(both_running, what="both agents to run")
    kept = runtime.live["kept"]
    shard = agent_shard(lost_name)
    await _set(  # another process takes the shard's lease
        settings.database_url,
        "UPDATE cluster_shards SET owner = 'thief', fence = fence + 1, "
        "expires_at = clock_timestamp() + interval '1 hour' WHERE shard = :shard",
        shard,
    )

    async def dropped() -> bool:
        return lost_name not in runtime.live and shard not in runtime.leadership.owned

    await eventually(dropped, what="the agent of the lost shard to be dropped")
    assert runtime.live.get("kept") is kept  # the same agent in memory: not reloaded from its checkpoint
    await send(client, "kept", "achieve", "inc")
    assert "count(2)[source(self)]" in await beliefs(client, "kept")
    assert not any("restarted" in note for note in await _notes(client, "kept"))

    waiting = await send(client, lost_name, "achieve", "inc", wait=0)
    await _set(  # the thief dies: its lease lapses
        settings.database_url, "UPDATE cluster_shards SET expires_at = clock_timestamp() WHERE shard = :shard", shard
    )

    async def processed() -> bool:
        return bool((await client.get(waiting["_links"]["self"]["href"])).json()["status"] == "processed")

    await eventually(processed, within=30, what="the shard to come back and its agent to go on")
    assert "count(2)[source(self)]" in await beliefs(client, lost_name)
    assert any("restarted from its checkpoint" in note for note in await _notes(client, lost_name))
