"""``/workspaces`` and their artefacts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.helpers import Client, assert_problem, tick

pytestmark = pytest.mark.anyio


async def make(client: Client) -> None:
    assert (await client.put("/workspaces/shop", json={"description": "the shop"})).status_code == 201
    created = await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter", "properties": {"count": 5}})
    assert created.status_code == 201, created.text


async def test_workspace_and_artefact_lifecycle(client: Client) -> None:
    await make(client)
    ws = (await client.get("/workspaces/shop")).json()
    assert ws["description"] == "the shop" and ws["_links"]["artefacts"]["href"] == "/workspaces/shop/artefacts"
    art = (await client.get("/workspaces/shop/artefacts/stock")).json()
    assert art["type"] == "counter" and art["properties"] == {"count": 5} and art["workspace"] == "shop"
    assert art["_links"]["type"]["href"] == "/artefact-types/counter"
    listed = (await client.get("/workspaces/shop/artefacts")).json()
    assert [a["name"] for a in listed["_embedded"]["artefacts"]] == ["stock"]
    assert (await client.get("/workspaces")).json()["count"] == 1


async def test_defaults_are_filled_so_an_identical_put_is_a_no_op(client: Client) -> None:
    await client.put("/workspaces/shop", json={})
    first = await client.put("/workspaces/shop/artefacts/q", json={"type": "queue"})
    again = await client.put(
        "/workspaces/shop/artefacts/q", json={"type": "queue", "properties": first.json()["properties"]}
    )
    assert again.status_code == 200 and again.json()["revision"] == 1


async def test_artefact_validation_names_each_problem(client: Client) -> None:
    await client.put("/workspaces/shop", json={})
    unknown = assert_problem(await client.put("/workspaces/shop/artefacts/a", json={"type": "rocket"}), 422)
    assert unknown["errors"][0]["path"] == "/type" and "counter" in unknown["errors"][0]["message"]
    bad = await client.put(
        "/workspaces/shop/artefacts/a", json={"type": "counter", "properties": {"count": "x", "y": 1}}
    )
    problem = assert_problem(bad, 422)
    assert {e["path"] for e in problem["errors"]} == {"/properties/count", "/properties/y"}
    assert_problem(await client.put("/workspaces/shop/artefacts/a", json={"properties": {}}), 422)


async def test_artefact_needs_a_live_workspace(client: Client) -> None:
    assert_problem(await client.put("/workspaces/none/artefacts/a", json={"type": "counter"}), 404)
    assert_problem(await client.get("/workspaces/none/artefacts"), 404)


async def test_deleting_a_workspace_deletes_its_artefacts_and_keeps_history(client: Client) -> None:
    await make(client)
    assert (await client.delete("/workspaces/shop")).status_code == 204
    assert_problem(await client.get("/workspaces/shop"), 410)
    assert_problem(await client.get("/workspaces/shop/artefacts/stock"), 410)
    history = (await client.get("/workspaces/shop/artefacts/stock/revisions")).json()["_embedded"]["revisions"]
    assert history[0]["deleted"] and "workspace" in history[0]["summary"]
    assert (await client.get("/workspaces/shop/artefacts/stock/revisions/1")).json()["properties"] == {"count": 5}
    assert_problem(await client.put("/workspaces/shop/artefacts/x", json={"type": "counter"}), 404)
    await client.put("/workspaces/shop", json={})
    restored = await client.post("/workspaces/shop/artefacts/stock/revisions/1/restore")
    assert restored.status_code == 200 and restored.json()["properties"] == {"count": 5}


async def test_artefact_time_travel(client: Client) -> None:
    await make(client)
    await tick()
    between = datetime.now(UTC).isoformat()
    await tick()
    await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter", "properties": {"count": 9}})
    then = await client.get("/workspaces/shop/artefacts/stock", params={"at": between})
    assert then.json()["properties"] == {"count": 5}
    now = await client.get("/workspaces/shop/artefacts/stock")
    assert now.json()["properties"] == {"count": 9} and now.json()["revision"] == 2
    listed = await client.get("/workspaces/shop/artefacts", params={"at": between})
    assert listed.json()["_embedded"]["artefacts"][0]["properties"] == {"count": 5}


async def test_workspace_revisions_and_restore(client: Client) -> None:
    await client.put("/workspaces/shop", json={"description": "a"})
    await client.put("/workspaces/shop", json={"description": "b"})
    assert (await client.get("/workspaces/shop/revisions")).json()["count"] == 2
    assert (await client.get("/workspaces/shop/revisions/1")).json()["description"] == "a"
    assert (await client.post("/workspaces/shop/revisions/1/restore")).json()["description"] == "a"


async def test_artefact_types_are_described(client: Client) -> None:
    listed = (await client.get("/artefact-types")).json()
    names = {t["name"] for t in listed["_embedded"]["artefact_types"]}
    assert {"counter", "board", "queue"} <= names
    counter = (await client.get("/artefact-types/counter")).json()
    assert "count" in counter["properties"] and {"inc", "dec", "reset"} <= set(counter["operations"])
    assert counter["operations"]["reset"]["args_schema"]["type"] == "array"
    assert_problem(await client.get("/artefact-types/rocket"), 404)
