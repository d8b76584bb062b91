"""The hot reads (romas/api/hot_reads.py) answer exactly as the controllers do: same body, same headers, same
metrics route, same 304, and every case they leave to Litestar (unknown, deleted, malformed, unauthorised,
CORS, time travel) still gets Litestar's answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from romas.api.hot_reads import Answer, HotReads
from romas.config import Settings, parse_tokens
from romas.server import create_app
from tests.api.helpers import Client, assert_problem, put_agent
from tests.api.org_setup import ORG, organisation
from tests.api.test_observability import scrape, series

pytestmark = pytest.mark.anyio

PATHS = ("/agents/bob", "/agents/bob/code", "/workspaces/lab/artefacts/c", "/workspaces/lab", ORG)
TEMPLATES = (
    "/agents/{name}",
    "/agents/{name}/code",
    "/workspaces/{ws}/artefacts/{art}",
    "/workspaces/{ws}",
    "/organisations/{org}",
)


async def setup(client: Client) -> None:
    await put_agent(client, "bob", state="stopped")
    assert (await client.put("/workspaces/lab", json={})).status_code == 201
    response = await client.put("/workspaces/lab/artefacts/c", json={"type": "counter", "properties": {"count": 2}})
    assert response.status_code == 201, response.text
    await organisation(client)


def comparable(response: Any) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    assert response.headers["x-request-id"]
    return response.status_code, response.content, headers


async def test_hot_reads_answer_as_the_controllers_do(client: Client) -> None:
    await setup(client)
    for path in PATHS:
        hot = await client.get(path)
        # A query string (one the handler ignores) sends the request through Litestar's routing.
        routed = await client.get(path, params={"ignored": "1"})
        assert comparable(hot) == comparable(routed), path
        assert hot.status_code == 200 and hot.headers["etag"] == '"1"'
        conditional = {"If-None-Match": 'W/"1", "7"'}
        assert comparable(await client.get(path, headers=conditional)) == comparable(
            await client.get(path, headers=conditional, params={"ignored": "1"})
        )
        assert (await client.get(path, headers={"If-None-Match": '"2"'})).status_code == 200
    requests = series(await scrape(client), "romas_http_requests_total")
    for template in TEMPLATES:
        # The workspace embeds its artefacts, which change without its ETag changing: never 304.
        conditional = 0.0 if template == "/workspaces/{ws}" else 2.0
        assert requests[f'{{method="GET",route="{template}",status="200"}}'] == 5.0 - conditional, template
        assert requests.get(f'{{method="GET",route="{template}",status="304"}}', 0.0) == conditional, template


async def test_what_the_hot_reads_leave_to_litestar(client: Client) -> None:
    await setup(client)
    assert_problem(await client.get("/agents/nobody"), 404)
    assert_problem(await client.get("/agents/Bob"), 400)
    assert_problem(await client.get("/agents/bob", headers={"If-None-Match": "1"}), 400)
    assert_problem(await client.get("/agents/bob", headers={"Accept-Datetime": "yesterday"}), 400)
    assert (await client.delete("/agents/bob")).status_code == 204
    assert_problem(await client.get("/agents/bob"), 410)
    assert_problem(await client.get("/agents/bob/code"), 410)
    xml = await client.get(ORG, headers={"Accept": "application/xml"})
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    past = await client.get("/workspaces/lab/artefacts/c", headers={"Accept-Datetime": "Sat, 01 Jan 2100 00:00:00 GMT"})
    assert past.status_code == 200 and "memento-datetime" in past.headers


async def test_hot_reads_check_tokens_as_the_guard_does(database_url: str) -> None:
    tokens = parse_tokens("viewer:look:read;writer:w:write;boss:b055:admin")
    async with AsyncTestClient(create_app(Settings(database_url=database_url, tokens=tokens))) as client:
        boss = {"Authorization": "Bearer b055"}
        response = await client.put("/agents/bob", json={"code": "", "state": "stopped"}, headers=boss)
        assert response.status_code == 201
        assert_problem(await client.get("/agents/bob"), 401)
        assert_problem(await client.get("/agents/bob", headers={"Authorization": "Bearer nope"}), 401)
        assert_problem(await client.get("/agents/bob", headers={"Authorization": "Bearer w"}), 403)
        assert (await client.get("/agents/bob", headers={"Authorization": "Bearer look"})).status_code == 200
        assert (await client.get("/agents/bob", headers=boss)).status_code == 200


async def test_hot_reads_leave_cors_to_litestar(database_url: str) -> None:
    settings = Settings(database_url=database_url, cors_origins=("https://app.example",))
    async with AsyncTestClient(create_app(settings)) as client:
        await put_agent(client, "bob", state="stopped")
        response = await client.get("/agents/bob", headers={"Origin": "https://app.example"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        assert "ETag" in response.headers["access-control-expose-headers"]


async def test_the_plain_reads_are_answered_hot(client: Client) -> None:
    await setup(client)
    services = client.app.state.services
    hot = HotReads(client.app.state.settings)

    async def answer(path: str, *headers: tuple[bytes, bytes], query: bytes = b"") -> Answer | None:
        scope: Any = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": list(headers)}
        # In the app's event loop (the test client runs it in a thread of its own), where its connections live.
        return await asyncio.to_thread(client.blocking_portal.call, hot.answer, scope, services)

    for path, template in zip(PATHS, TEMPLATES, strict=True):
        hot_answer = await answer(path, (b"accept", b"application/json"))
        assert hot_answer is not None and hot_answer.template == template and hot_answer.status == 200, path
        assert await answer(path, query=b"at=2020-01-01T00:00:00Z") is None
        assert await answer(path, (b"accept-datetime", b"x")) is None
    assert await answer(ORG, (b"accept", b"application/xml")) is None
    assert await answer("/agents/nobody") is None
    assert await answer("/agents/bob", (b"if-none-match", b"1")) is None
