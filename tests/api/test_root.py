"""The entry point, health, readiness, problem types, the overview and generic HTTP errors."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings, parse_tokens
from tests.api.helpers import GOOD_CODE, Client, assert_problem, put_agent

pytestmark = pytest.mark.anyio


async def test_entry_point_links_to_everything(client: Client) -> None:
    body = (await client.get("/")).json()
    links = body["_links"]
    for rel in ("agents", "workspaces", "organisations", "artefact_types", "events", "overview", "openapi"):
        assert rel in links
        if not links[rel].get("templated"):
            assert (await client.get(links[rel]["href"])).status_code == 200, rel


async def test_health_ready_and_openapi(client: Client) -> None:
    assert (await client.get("/health")).json()["status"] == "ok"
    ready = (await client.get("/ready")).json()
    assert ready == {"status": "ok", "database": "ok", "schema_revision": "current", "export": None}
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/agents/{name}" in schema["paths"]
    assert (await client.get("/schema")).status_code == 200


async def test_unknown_paths_and_methods(client: Client) -> None:
    assert_problem(await client.get("/nothing/here"), 404, "not-found")
    assert_problem(await client.post("/agents"), 405, "method-not-allowed")
    problem_type = (await client.get("/problems/gone")).json()
    assert problem_type["type"] == "/problems/gone"


async def test_overview_now_and_at_an_instant(client: Client) -> None:
    await put_agent(client)
    await client.put("/workspaces/w", json={})
    await client.put("/workspaces/w/artefacts/c", json={"type": "counter"})
    now = (await client.get("/overview")).json()
    assert [a["name"] for a in now["agents"]] == ["alice"]
    assert now["workspaces"][0]["artefacts"][0]["name"] == "c"
    past = (await client.get("/overview?at=2001-01-01T00:00:00Z")).json()
    assert past["agents"] == [] and past["workspaces"] == []


async def test_tokens_and_scopes(database_url: str) -> None:
    from romas.server import create_app

    settings = Settings(database_url=database_url, tokens=parse_tokens("ci:s3cret:read+write;viewer:look:read"))
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert_problem(await client.get("/agents"), 401, "unauthorized")
        assert_problem(await client.get("/agents", headers={"Authorization": "Bearer wrong"}), 401)
        assert (await client.get("/health")).status_code == 200
        viewer = {"Authorization": "Bearer look"}
        assert (await client.get("/agents", headers=viewer)).status_code == 200
        assert_problem(await client.put("/agents/a", json={"code": GOOD_CODE}, headers=viewer), 403, "forbidden")
        writer = {"Authorization": "Bearer s3cret"}
        assert (await client.put("/agents/a", json={"code": GOOD_CODE}, headers=writer)).status_code == 201
        history = (await client.get("/agents/a/revisions", headers=viewer)).json()
        assert history["_embedded"]["revisions"][0]["actor"] == "ci"
