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


# -- Moise's XML form ----------------------------------------------------------------------------------------

MOISE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<organisational-specification id="market" os-version="1.1" xmlns="http://moise.sourceforge.net/os">
  <structural-specification>
    <role-definitions><role id="seller"/><role id="buyer"/></role-definitions>
    <group-specification id="market">
      <roles><role id="seller" min="1" max="5"/><role id="buyer" max="100"/></roles>
      <links><link from="buyer" to="seller" type="communication"/></links>
      <formation-constraints><compatibility from="seller" to="buyer" bi-dir="true"/></formation-constraints>
    </group-specification>
  </structural-specification>
  <functional-specification>
    <scheme id="sale">
      <goal id="sold">
        <plan operator="sequence"><goal id="offered"/><goal id="paid"/><goal id="delivered"/></plan>
      </goal>
      <mission id="m_seller" min="1" max="1"><goal id="offered"/><goal id="delivered"/></mission>
      <mission id="m_buyer" min="1" max="1"><goal id="paid"/></mission>
    </scheme>
  </functional-specification>
  <normative-specification>
    <norm id="n1" type="obligation" role="seller" mission="m_seller"/>
    <norm id="n2" type="permission" role="buyer" mission="m_buyer"/>
  </normative-specification>
</organisational-specification>
"""


async def test_put_moise_xml_is_the_same_specification_as_json(client: Client) -> None:
    headers = {"Content-Type": "application/xml"}
    created = await client.put("/organisations/market", content=MOISE_XML, headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/hal+json")
    again = await client.put("/organisations/market", json=SPEC)
    assert again.status_code == 200 and again.json()["revision"] == 1  # the JSON form is the same: no revision


async def test_get_answers_xml_when_asked(client: Client) -> None:
    await client.put("/organisations/market", json=SPEC)
    response = await client.get("/organisations/market", headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "Accept" in response.headers["vary"]
    assert response.text.startswith("<?xml") and '<scheme id="sale">' in response.text
    put_back = await client.put("/organisations/market", content=response.text, headers={"Content-Type": "text/xml"})
    assert put_back.status_code == 200 and put_back.json()["revision"] == 1
    default = await client.get("/organisations/market", headers={"Accept": "application/hal+json, application/xml"})
    assert default.headers["content-type"].startswith("application/hal+json")
    weighted = await client.get("/organisations/market", headers={"Accept": "application/json;q=0.5, text/xml"})
    assert weighted.headers["content-type"].startswith("application/xml")
    assert (await client.get("/organisations/market")).headers["content-type"].startswith("application/hal+json")


async def test_xml_parse_errors_are_422_with_line_and_column(client: Client) -> None:
    broken = MOISE_XML.replace("</role-definitions>", "</role-definition>")
    response = await client.put("/organisations/market", content=broken, headers={"Content-Type": "application/xml"})
    problem = assert_problem(response, 422, "invalid-content")
    [error] = problem["errors"]
    assert error["line"] == 4 and error["column"] > 1 and "mismatched tag" in error["message"]
    assert (await client.get("/organisations/market")).status_code == 404


async def test_xml_model_errors_carry_line_column_and_path(client: Client) -> None:
    wrong = MOISE_XML.replace('<goal id="paid"/></mission>', '<goal id="payed"/></mission>')
    response = await client.put("/organisations/market", content=wrong, headers={"Content-Type": "application/xml"})
    problem = assert_problem(response, 422, "invalid-content")
    [error] = problem["errors"]
    assert error["path"] == "/schemes/sale/missions/m_buyer/goals/0"
    assert error["line"] == 17 and "unknown goal 'payed'" in error["message"]


async def test_hostile_xml_is_refused_without_expanding_anything(client: Client) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><organisational-specification id="&c;"/>'
    )
    response = await client.put("/organisations/o", content=bomb, headers={"Content-Type": "application/xml"})
    problem = assert_problem(response, 422, "invalid-content")
    assert "DOCTYPE" in problem["errors"][0]["message"]


async def test_other_bodies_are_refused(client: Client) -> None:
    response = await client.put("/organisations/o", content="roles: {}", headers={"Content-Type": "text/yaml"})
    assert_problem(response, 415, "unsupported-media-type")
    response = await client.put("/organisations/o", content="{not json", headers={"Content-Type": "application/json"})
    assert_problem(response, 400, "malformed-request")
