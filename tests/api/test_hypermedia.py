"""A client discovers what it can do from the representations alone (DESIGN: HATEOAS)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.api.helpers import tick

pytestmark = pytest.mark.anyio


async def test_an_artefact_lists_and_links_its_operations(client: AsyncTestClient[Any]) -> None:
    assert (await client.put("/workspaces/shop", json={})).status_code == 201
    created = await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter"})
    assert created.status_code == 201
    for body in (created.json(), (await client.get("/workspaces/shop/artefacts/stock")).json()):
        operations = {op["name"]: op for op in body["operations"]}
        assert set(operations) == {"inc", "dec", "reset"}
        reset = operations["reset"]
        assert [p["name"] for p in reset["params"]] == ["value"] and reset["params"][0]["type"] == "integer"
        assert reset["args_schema"]["minItems"] == 1
        target = body["_links"]["operation:reset"]["href"]
        assert target == reset["_links"]["invoke"]["href"] == "/workspaces/shop/artefacts/stock/operations/reset"
    # Following the link runs the operation.
    answer = await client.post(
        (await client.get("/workspaces/shop/artefacts/stock")).json()["_links"]["operation:reset"]["href"],
        json={"args": [7]},
        headers={"Prefer": "wait=10"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "succeeded"
    listed = (await client.get("/workspaces/shop/artefacts")).json()["_embedded"]["artefacts"][0]
    assert "operation:inc" in listed["_links"]


async def test_a_workspace_embeds_its_artefacts_now_and_at_an_instant(client: AsyncTestClient[Any]) -> None:
    await client.put("/workspaces/shop", json={"description": "a shop"})
    stock = (await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter"})).json()
    await tick()
    await client.put("/workspaces/shop/artefacts/orders", json={"type": "queue"})
    now = (await client.get("/workspaces/shop")).json()
    embedded = [(a["name"], a["type"]) for a in now["_embedded"]["artefacts"]]
    assert embedded == [("orders", "queue"), ("stock", "counter")]
    assert now["_embedded"]["artefacts"][1]["_links"]["self"]["href"] == "/workspaces/shop/artefacts/stock"
    past = await client.get("/workspaces/shop", params={"at": stock["updated_at"]})
    assert past.status_code == 200
    assert [a["name"] for a in past.json()["_embedded"]["artefacts"]] == ["stock"]
