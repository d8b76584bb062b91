"""``GET /cluster`` and the agents of several romas apps sharing one PostgreSQL database (here in one test
process; tests/e2e/test_cluster.py does the same with real ``romas serve`` processes)."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from litestar.testing import AsyncTestClient

from romas.cluster.shards import SHARDS
from romas.config import Settings
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import eventually, send

pytestmark = pytest.mark.anyio

PONG = "+!ping(N)[source(S)] <- .send(S, tell, pong(N)).\n"
PING = "+!go(N) <- .send(pong_agent, achieve, ping(N)).\n+pong(N) <- +got(N).\n"


async def test_cluster_lists_this_process(client: Client, settings: Settings) -> None:
    await put_agent(client, "bob")

    async def counted() -> bool:  # the count follows the event log, a moment after the write
        return bool((await client.get("/cluster")).json()["processes"][0]["agents"] == 1)

    await eventually(counted, what="bob to be counted")
    body = (await client.get("/cluster")).json()
    assert body["_links"]["self"]["href"] == "/cluster"
    assert body["mode"] == ("single" if settings.database_url.startswith("sqlite") else "cluster")
    assert body["shard_count"] == SHARDS and body["process_count"] == 1
    [process] = body["processes"]
    assert process["this"] and process["alive"] and process["id"] == body["this_process"]
    assert process["shards"] == list(range(SHARDS)) and process["agents"] == 1
    agent = (await client.get("/agents/bob")).json()
    assert agent["process"] == process["id"] and agent["_links"]["process"]["href"] == "/cluster"
    assert (await client.get("/")).json()["_links"]["cluster"]["href"] == "/cluster"


async def test_two_apps_split_the_agents_and_their_agents_talk(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite"):
        pytest.skip("several processes share a database on PostgreSQL")
    from romas.server import create_app

    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(AsyncTestClient(app=create_app(settings), base_url="http://a.test"))
        second = await stack.enter_async_context(AsyncTestClient(app=create_app(settings), base_url="http://b.test"))

        async def split() -> bool:
            body = (await first.get("/cluster")).json()
            return sorted(len(p["shards"]) for p in body["processes"] if p["alive"]) == [SHARDS // 2] * 2

        await eventually(split, within=30, what="the shards to be split between the two")
        # Agents on both: find a pair of names that the two processes run, one each.
        names = [f"agent{i}" for i in range(12)]
        for name in names:
            await put_agent(first, name, code=PONG)
        places: dict[str, str | None] = {}

        async def placed() -> bool:
            places.update({n: (await first.get(f"/agents/{n}")).json()["process"] for n in names})
            return None not in places.values()

        await eventually(placed, within=30, what="every agent to run in one of the two processes")
        ids = sorted(set(places.values()))
        assert len(ids) == 2, places
        pong = next(n for n in names if places[n] == ids[0])
        ping = next(n for n in names if places[n] == ids[1])
        await put_agent(second, pong, code=PONG.replace("pong_agent", pong))
        await put_agent(second, ping, code=PING.replace("pong_agent", pong))
        for n in range(3):
            done = await send(second, ping, "achieve", f"go({n})")
            assert done["status"] == "processed", done

        async def answered() -> bool:
            mind = (await first.get(f"/agents/{ping}/mind")).json()
            return sum(b["text"].startswith("got(") for b in mind["beliefs"]) == 3

        await eventually(answered, what="three answers across the two processes")
        # askOne across processes, through the REST inbox of either app.
        asked = await send(first, pong, "askOne", "got(X)")
        assert asked["status"] == "processed"
        # The mind of an agent another process runs comes from its checkpoint, its age said.
        for client in (first, second):
            mind = (await client.get(f"/agents/{ping}/mind")).json()
            assert mind["running"] and mind["process"] == places[ping]
            assert mind["source"] in ("live", "checkpoint")
            if mind["source"] == "checkpoint":
                assert mind["checkpoint_age_s"] >= 0
        sources = {(await c.get(f"/agents/{ping}/mind")).json()["source"] for c in (first, second)}
        assert sources == {"live", "checkpoint"}
