"""Jason's maps between agents of the server: a told map arrives as its value, a map again, and the mind shows
it as Jason prints it."""

from __future__ import annotations

import pytest

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
