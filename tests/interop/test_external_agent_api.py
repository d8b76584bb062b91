"""External agents through the API in process: the egress rule, the secret, and a running agent that becomes
external stops being run."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings
from tests.domain.org_spec import SPEC

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, egress_allow="127.0.0.1")


async def test_a_running_agent_that_becomes_external_is_no_longer_run(client: AsyncTestClient[object]) -> None:
    runtime = client.app.state.services.runtime
    assert (await client.put("/agents/bob", json={"code": "+!hi <- true."})).status_code == 201
    for _ in range(500):
        if "bob" in runtime.live:
            break
        await asyncio.sleep(0.01)
    assert "bob" in runtime.live
    refused = await client.put("/agents/bob", json={"kind": "external", "endpoint": "http://10.0.0.1/x"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    with_code = await client.put(
        "/agents/bob", json={"kind": "external", "endpoint": "http://127.0.0.1:9/x", "code": "a."}
    )
    assert with_code.status_code == 422
    bad_secret = await client.put(
        "/agents/bob", json={"kind": "external", "endpoint": "http://127.0.0.1:9/x", "secret": "plain"}
    )
    assert bad_secret.status_code == 422
    changed = await client.put("/agents/bob", json={"kind": "external", "endpoint": "http://127.0.0.1:9/x"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["kind"] == "external" and changed.headers["webhook-secret"].startswith("whsec_")
    again = await client.put("/agents/bob", json={"kind": "external", "endpoint": "http://127.0.0.1:9/y"})
    assert "webhook-secret" not in again.headers  # shown once
    for _ in range(500):
        if "bob" not in runtime.live:
            break
        await asyncio.sleep(0.01)
    assert "bob" not in runtime.live


async def test_an_external_agent_is_in_the_directory_joins_workspaces_and_plays_roles(
    client: AsyncTestClient[object],
) -> None:
    oracle = {"kind": "external", "endpoint": "http://127.0.0.1:9/x", "services": [{"service": "forecast"}]}
    assert (await client.put("/workspaces/w", json={})).status_code == 201
    missing = await client.put("/agents/oracle", json={**oracle, "workspaces": ["nowhere"]})
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "/workspaces/0"
    created = await client.put("/agents/oracle", json={**oracle, "workspaces": ["w"]})
    assert created.status_code == 201, created.text
    assert created.json()["workspaces"] == ["w"]
    assert (await client.get("/agents/oracle")).json()["workspaces"] == ["w"]
    refused = await client.put("/agents/bob", json={"code": "", "services": [{"service": "forecast"}]})
    assert refused.status_code == 422

    directory = (await client.get("/directory")).json()
    assert [(s["service"], s["agents"]) for s in directory["services"]] == [("forecast", ["oracle"])]

    # a romas agent finds it with .df_search and can ask it
    assert (await client.put("/agents/alice", json={"code": ""})).status_code == 201
    found = await client.post(
        "/agents/alice/commands", json={"body": '.df_search("forecast", L)'}, headers={"Prefer": "wait=10"}
    )
    assert found.json()["status"] == "succeeded", found.text
    assert found.json()["result"]["bindings"]["L"] == "[oracle]"

    # a PUT without services or workspaces keeps them; one with them replaces them
    kept = await client.put("/agents/oracle", json={"kind": "external", "endpoint": "http://127.0.0.1:9/y"})
    assert kept.json()["workspaces"] == ["w"]
    assert [s["service"] for s in (await client.get("/directory")).json()["services"]] == ["forecast"]
    replaced = {**oracle, "services": [{"service": "tides", "type": "sea"}], "workspaces": []}
    assert (await client.put("/agents/oracle", json=replaced)).json()["workspaces"] == []
    entries = [(s["service"], s["type"]) for s in (await client.get("/directory")).json()["services"]]
    assert entries == [("tides", "sea")]

    # it plays a role in an organisation's group
    assert (await client.put("/organisations/bakery", json=SPEC)).status_code == 201
    assert (await client.put("/organisations/bakery/groups/t", json={"type": "team"})).status_code == 201
    adopted = await client.post("/organisations/bakery/groups/t/players", json={"agent": "oracle", "role": "customer"})
    assert adopted.status_code == 200, adopted.text
    assert [(p["agent"], p["role"]) for p in adopted.json()["players"]] == [("oracle", "customer")]

    # deleted, it provides nothing any more
    assert (await client.delete("/agents/oracle")).status_code == 204
    assert (await client.get("/directory")).json()["services"] == []
