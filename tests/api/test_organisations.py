"""``/organisations``: Moise specifications validated as a whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import Client, assert_problem

pytestmark = pytest.mark.anyio

SPEC: dict[str, Any] = {
    "roles": {"seller": {}, "buyer": {}},
    "groups": {
        "market": {
            "roles": {"seller": {"min": 1, "max": 5}, "buyer": {"min": 0, "max": 100}},
            "links": [{"from": "buyer", "to": "seller", "type": "communication"}],
            "compatibilities": [["seller", "buyer"]],
        }
    },
    "schemes": {
        "sale": {
            "goals": {
                "sold": {"sequence": ["offered", "paid", "delivered"]},
                "offered": {},
                "paid": {},
                "delivered": {},
            },
            "missions": {
                "m_seller": {"goals": ["offered", "delivered"], "min": 1, "max": 1},
                "m_buyer": {"goals": ["paid"], "min": 1, "max": 1},
            },
        }
    },
    "norms": [
        {"id": "n1", "type": "obligation", "role": "seller", "mission": "m_seller"},
        {"id": "n2", "type": "permission", "role": "buyer", "mission": "m_buyer"},
    ],
}


async def test_put_get_and_identical_put(client: Client) -> None:
    created = await client.put("/organisations/market", json=SPEC)
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body["roles"]) == {"seller", "buyer"} and body["norms"][0]["id"] == "n1"
    again = await client.put("/organisations/market", json=body)
    assert again.status_code == 200 and again.json()["revision"] == 1


async def test_every_error_has_its_path(client: Client) -> None:
    spec = {
        **SPEC,
        "groups": {"market": {"roles": {"seller": {"min": 3, "max": 1}}}},
        "norms": [{"id": "n1", "type": "obligation", "role": "pirate", "mission": "m_seller"}],
        "schemes": {"sale": {"goals": {"sold": {}}, "missions": {"m_seller": {"goals": ["nowhere"]}}}},
    }
    problem = assert_problem(await client.put("/organisations/market", json=spec), 422, "invalid-content")
    paths = {e["path"] for e in problem["errors"]}
    assert "/norms/0/role" in paths
    assert "/schemes/sale/missions/m_seller/goals/0" in paths
    assert any(p.startswith("/groups/market/roles/seller") for p in paths)
    assert (await client.get("/organisations/market")).status_code == 404


@pytest.mark.parametrize("body", [[], "x", {"roles": []}, {"unknown_section": {}}])
async def test_wrong_shapes_are_422(client: Client, body: Any) -> None:
    response = await client.put("/organisations/o", json=body)
    assert response.status_code in (400, 422), response.text


async def test_revisions_delete_and_restore(client: Client) -> None:
    await client.put("/organisations/market", json=SPEC)
    changed = {**SPEC, "description": "now described"}
    assert (await client.put("/organisations/market", json=changed)).json()["revision"] == 2
    assert (await client.delete("/organisations/market")).status_code == 204
    assert_problem(await client.get("/organisations/market"), 410)
    assert (await client.get("/organisations")).json()["count"] == 0
    restored = await client.post("/organisations/market/revisions/2/restore")
    assert restored.json()["description"] == "now described"
