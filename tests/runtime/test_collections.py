"""Jason's maps between agents of the server: a told map arrives as its value, a map again, and the mind shows
it as Jason prints it."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import beliefs, eventually, printed, send

pytestmark = pytest.mark.anyio

ALICE = "+!go <- .map.create(M); .map.put(M, a, 1); +m(M); .send(bob, tell, m(M)); .map.put(M, b, 2).\n"
BOB = "+m(M) <- .map.put(M, c, 3); .print(M).\n"


async def test_a_told_map_arrives_as_a_map_with_the_senders_value(client: Client) -> None:
    await put_agent(client, "bob", code=BOB)
    await put_agent(client, "alice", code=ALICE)
    await send(client, "alice", "achieve", "go")

    async def bob_printed() -> bool:
        return "{a->1,c->3}" in await printed(client, "bob")

    await eventually(bob_printed, what="bob to print the map he was told")
    assert "m({a->1,c->3})[source(alice)]" in await beliefs(client, "bob")
    assert "m({a->1,b->2})[source(self)]" in await beliefs(client, "alice")
    mind = await client.get("/agents/alice/mind")
    assert mind.status_code == 200
    [belief] = [b for b in mind.json()["beliefs"] if b["text"].startswith("m(")]
    assert belief["term"]["args"] == [{"map": [[{"atom": "a"}, 1], [{"atom": "b"}, 2]]}]


KEEPER = "+!put(K, V) : m(M) <- .map.put(M, K, V).\n+!put(K, V) <- .map.create(M); +m(M); !put(K, V).\n"


async def test_a_map_held_in_a_belief_survives_a_server_restart(settings: Settings) -> None:
    from romas.server import create_app

    async with AsyncTestClient(app=create_app(settings)) as first:
        await put_agent(first, "keeper", code=KEEPER)
        await send(first, "keeper", "achieve", "put(a, 1)")
        await send(first, "keeper", "achieve", "put(b, 2)")
    async with AsyncTestClient(app=create_app(settings)) as second:
        assert "m({a->1,b->2})[source(self)]" in await beliefs(second, "keeper")
        await send(second, "keeper", "achieve", "put(c, 3)")
        assert "m({a->1,b->2,c->3})[source(self)]" in await beliefs(second, "keeper")
