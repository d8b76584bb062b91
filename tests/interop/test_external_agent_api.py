"""External agents through the API in process: the egress rule, the secret, and a running agent that becomes
external stops being run."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings

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
