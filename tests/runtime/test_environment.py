"""Agents in the environment: join, focus, operations as actions, percepts and signals."""

from __future__ import annotations

import pytest

from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import beliefs, command, eventually, printed

pytestmark = pytest.mark.anyio


async def setup_shop(client: Client) -> None:
    await client.put("/workspaces/shop", json={})
    await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter", "properties": {"count": 2}})
    await client.put("/workspaces/shop/artefacts/orders", json={"type": "queue"})
    await client.put("/workspaces/shop/artefacts/notes", json={"type": "board"})


async def test_focus_gives_percepts_that_stay_current(client: Client) -> None:
    await setup_shop(client)
    code = '+count(N)[artefact(stock)] <- .print("stock is ", N).\n'
    await put_agent(client, "bob", code=code)
    assert (await command(client, "bob", "joinWorkspace(shop); focus(stock)"))["status"] == "succeeded"
    assert "count(2)[artefact(stock),source(percept),workspace(shop)]" in await beliefs(client, "bob")
    await client.post("/workspaces/shop/artefacts/stock/operations/inc", json={}, headers={"Prefer": "wait=5"})

    async def perceived() -> bool:
        return "stock is 3" in await printed(client, "bob")

    await eventually(perceived, what="the +count(3) plan")
    stock = (await client.get("/workspaces/shop/artefacts/stock")).json()
    assert stock["observers"] == ["bob"]
    agent = (await client.get("/agents/bob")).json()
    assert agent["workspaces"] == ["shop"] and agent["focus"] == ["shop/stock"]
    assert agent["_links"]["focus"][0]["href"] == "/workspaces/shop/artefacts/stock"


async def test_operations_as_actions_with_results_and_the_agent_as_actor(client: Client) -> None:
    await setup_shop(client)
    await put_agent(client, "bob", code="")
    result = await command(
        client,
        "bob",
        "joinWorkspace(shop); inc; push(carol)[artefact(orders)]; pop(Who)[artefact(orders)]; "
        'put("last", Who)[artefact(notes)]',
    )
    assert result["status"] == "succeeded", result
    assert result["result"]["bindings"]["Who"] == '"carol"'
    history = (await client.get("/workspaces/shop/artefacts/stock/revisions")).json()["_embedded"]["revisions"]
    assert history[0]["actor"] == "bob"
    notes = (await client.get("/workspaces/shop/artefacts/notes")).json()
    assert notes["properties"]["entries"] == {"last": "carol"}


async def test_refused_actions_fail_the_plan_with_the_reason(client: Client) -> None:
    await setup_shop(client)
    await put_agent(client, "bob", code="")
    no_workspace = await command(client, "bob", "joinWorkspace(mall)")
    assert no_workspace["status"] == "failed" and "mall" in no_workspace["error"]["detail"]
    not_joined = await command(client, "bob", "inc")
    assert not_joined["status"] == "failed" and "no such action" in not_joined["error"]["detail"]
    failing = await command(client, "bob", "joinWorkspace(shop); pop(X)[artefact(orders)]")
    assert failing["status"] == "failed" and "empty" in failing["error"]["detail"]
    bad_args = await command(client, "bob", "reset(ten)")
    assert bad_args["status"] == "failed" and "integer" in bad_args["error"]["detail"]


async def test_signals_arrive_as_events(client: Client) -> None:
    await setup_shop(client)
    code = '+pushed(X)[artefact(orders)] <- .print("signal: ", X).\n'
    await put_agent(client, "bob", code=code)
    await command(client, "bob", "joinWorkspace(shop); focus(orders)")
    await client.post(
        "/workspaces/shop/artefacts/orders/operations/push", json={"args": ["dan"]}, headers={"Prefer": "wait=5"}
    )

    async def signalled() -> bool:
        return any(line.startswith("signal: ") for line in await printed(client, "bob"))

    await eventually(signalled, what="the pushed signal")


async def test_quit_and_stop_focus_remove_percepts(client: Client) -> None:
    await setup_shop(client)
    await put_agent(client, "bob", code="")
    await command(client, "bob", "joinWorkspace(shop); focus(stock); focus(orders)")
    assert any(b.startswith("count(") for b in await beliefs(client, "bob"))
    await command(client, "bob", "stopFocus(stock)")
    assert not any(b.startswith("count(") for b in await beliefs(client, "bob"))
    await command(client, "bob", "quitWorkspace(shop)")
    assert not any(b.startswith("size(") for b in await beliefs(client, "bob"))
    assert (await client.get("/workspaces/shop/artefacts/orders")).json()["observers"] == []
