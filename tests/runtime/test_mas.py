"""Agents acting on the system itself in the server: ``.create_agent``, ``.kill_agent``, ``.stopMAS`` and the
directory (``.df_*``, shown by ``GET /directory``), each a revision whose actor is the acting agent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.helpers import Client, put_agent, tick
from tests.runtime.helpers import beliefs, command, eventually

pytestmark = pytest.mark.anyio


async def _revisions(client: Client, name: str) -> list[dict[str, object]]:
    response = await client.get(f"/agents/{name}/revisions")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["_embedded"]["revisions"]
    return items


async def test_create_agent_from_code_and_from_a_file_of_the_agent_set(client: Client) -> None:
    await put_agent(client, "boss", code="+!hire <- .print(hiring).")
    await put_agent(client, "worker", code='+!hello <- .print("hello").')
    done = await command(
        client, "boss", '.create_agent(helper, "+!go <- .print(going)."); .create_agent(N, "worker.asl")'
    )
    assert done["status"] == "succeeded", done
    assert done["result"]["bindings"]["N"] == "boss_1"
    helper = (await client.get("/agents/helper")).json()
    assert helper["state"] == "running" and "going" in helper["code"]
    copy = (await client.get("/agents/boss_1")).json()
    assert copy["code"] == '+!hello <- .print("hello").'
    first = (await _revisions(client, "helper"))[-1]
    assert first["actor"] == "boss"


async def test_create_agent_refusals_can_be_caught(client: Client) -> None:
    code = "+!try(N, S) <- .create_agent(N, S).\n-!try(N, S)[error_msg(M)] <- +refused(N, M).\n"
    await put_agent(client, "boss", code=code)
    await put_agent(client, "taken")
    done = await command(
        client,
        "boss",
        '!try(taken, "+!a."); !try(bad, "+!a <- ."); !try(x, "../../etc/passwd.asl"); !try(y, "nofile.asl")',
    )
    assert done["status"] == "succeeded", done
    refused = await beliefs(client, "boss")
    assert len([b for b in refused if b.startswith("refused(")]) == 4, refused
    assert (await client.get("/agents/bad")).status_code == 404


async def test_kill_agent_deletes_it(client: Client) -> None:
    await put_agent(client, "boss", code="+!a.")
    await put_agent(client, "victim")
    done = await command(client, "boss", ".kill_agent(victim)")
    assert done["status"] == "succeeded", done
    assert (await client.get("/agents/victim")).status_code == 410
    assert (await _revisions(client, "victim"))[0]["actor"] == "boss"


async def test_stop_mas_stops_every_agent_each_in_a_revision(client: Client) -> None:
    await put_agent(client, "a1")
    await put_agent(client, "a2")
    await put_agent(client, "boss", code="+!a.")
    await command(client, "boss", ".stopMAS", wait=0)

    async def all_stopped() -> bool:
        states = [(await client.get(f"/agents/{n}")).json()["state"] for n in ("a1", "a2", "boss")]
        return states == ["stopped"] * 3

    await eventually(all_stopped, what="every agent to stop")
    for name in ("a1", "a2", "boss"):
        assert (await _revisions(client, name))[0]["actor"] == "boss"


async def test_directory(client: Client) -> None:
    await put_agent(client, "seller", code="+!a.")
    await put_agent(client, "buyer", code="+provider(A, S)[source(df)] <- +heard(A, S).")
    empty = (await client.get("/directory")).json()
    assert empty["services"] == [] and empty["revision"] == 0
    assert (await client.get("/directory/revisions")).json()["count"] == 0
    empty_at = datetime.now(UTC).isoformat()
    await tick()
    await command(client, "buyer", ".df_subscribe(sell)")
    done = await command(client, "seller", ".df_register(sell); .df_register(buy, food); .df_search(sell, L)")
    assert done["status"] == "succeeded", done
    assert done["result"]["bindings"]["L"] == "[seller]"
    directory = (await client.get("/directory")).json()
    assert [(s["service"], s["agents"]) for s in directory["services"]] == [("buy", ["seller"]), ("sell", ["seller"])]
    assert directory["subscriptions"] == [{"agent": "buyer", "service": "sell", "type": None}]

    async def heard() -> bool:
        return 'heard(seller,"sell")[source(self)]' in [b.replace(" ", "") for b in await beliefs(client, "buyer")]

    await eventually(heard, what="the subscriber to hear of the provider")
    revisions = (await client.get("/directory/revisions")).json()["_embedded"]["revisions"]
    assert [r["actor"] for r in revisions] == ["seller", "seller", "buyer"]
    first = (await client.get("/directory/revisions/1")).json()
    assert first["services"] == [] and first["subscriptions"][0]["agent"] == "buyer"
    assert (await client.get("/directory/revisions/9")).status_code == 404
    await command(client, "seller", ".df_deregister(sell)")
    directory = (await client.get("/directory")).json()
    assert [s["service"] for s in directory["services"]] == ["buy"]
    assert (await client.get("/")).json()["_links"]["directory"]["href"] == "/directory{?at}"
    past = (await client.get("/directory", params={"at": empty_at})).json()
    assert past["services"] == [] and past["revision"] == 0
