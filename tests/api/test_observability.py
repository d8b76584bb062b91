"""``/metrics``, the request log, request ids and the write rate limit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from romas.config import RateLimit, Settings
from romas.server import create_app
from tests.api.helpers import Client, assert_problem, put_agent
from tests.runtime.helpers import eventually, send

pytestmark = pytest.mark.anyio

CODE = """+!ok <- .print(done).
+!bad <- .fail.
"""


def series(text: str, name: str) -> dict[str, float]:
    """Each sample of one metric: its label set (as written) -> value."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            samples[key[len(name) :]] = float(value)
    return samples


async def scrape(client: Client, path: str = "/metrics") -> str:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_count_requests_messages_and_agents(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    assert (await send(client, "bob", "achieve", "ok"))["status"] == "processed"
    assert (await send(client, "bob", "achieve", "bad"))["status"] == "failed"
    await client.get("/no/such/path")

    async def counted() -> bool:
        text = await scrape(client)
        return series(text, "romas_agent_messages_total").get('{agent="bob",status="failed"}') == 1.0

    await eventually(counted, what="the failed message to be counted")
    text = await scrape(client)
    requests = series(text, "romas_http_requests_total")
    assert requests['{method="PUT",route="/agents/{name}",status="201"}'] == 1.0
    assert requests['{method="POST",route="/agents/{name}/inbox",status="200"}'] == 2.0
    assert requests['{method="GET",route="unmatched",status="404"}'] == 1.0
    assert series(text, "romas_http_request_duration_seconds_count")['{method="PUT",route="/agents/{name}"}'] == 1.0
    messages = series(text, "romas_messages_total")
    assert messages['{status="accepted"}'] == 2.0 and messages['{status="processed"}'] == 1.0
    assert messages['{status="failed"}'] == 1.0
    assert series(text, "romas_agent_messages_total")['{agent="bob",status="processed"}'] == 1.0
    assert series(text, "romas_agent_failures_total")['{agent="bob"}'] == 1.0
    assert series(text, "romas_agent_processing_seconds_count")['{agent="bob"}'] == 2.0
    assert series(text, "romas_agent_queue_depth")['{agent="bob"}'] == 0.0
    assert series(text, "romas_agent_steps_total")[""] > 0
    assert series(text, "romas_runtime_flush_items_count")[""] > 0
    assert series(text, "romas_runtime_flush_seconds_count")[""] > 0
    assert series(text, "romas_event_log_position")[""] > 0
    assert series(text, "romas_runtime_leader")[""] == 1.0
    assert series(text, "romas_message_latency_seconds_count")[""] == 2.0
    # the store's group commit (counted for the whole process: other stores of the test process add to them)
    batches = series(text, "romas_store_batch_size_bucket")
    assert batches['{le="+Inf"}'] == series(text, "romas_store_batch_size_count")[""] > 0
    assert series(text, "romas_store_commit_seconds_count")[""] > 0
    assert series(text, "romas_store_write_seconds_sum")[""] > 0
    assert series(text, "romas_store_writes_total")[""] >= series(text, "romas_store_batch_size_count")[""]
    assert "romas_store_batches_failed_total" in text and "romas_store_plans_refreshed_total" in text


@pytest.fixture
async def few_series(database_url: str) -> AsyncIterator[Client]:
    app = create_app(Settings(database_url=database_url, metrics_top_agents=1))
    async with AsyncTestClient(app=app, base_url="http://romas.test") as test_client:
        yield test_client


async def test_per_agent_series_are_bounded_in_metrics_and_complete_in_metrics_agents(few_series: Client) -> None:
    for name in ("ann", "bea", "cid"):
        await put_agent(few_series, name, code=CODE)
    await send(few_series, "bea", "achieve", "bad")
    text = await scrape(few_series)
    assert list(series(text, "romas_agent_failures_total")) == ['{agent="bea"}']  # the busiest one only
    everyone = {'{agent="ann"}', '{agent="bea"}', '{agent="cid"}'}

    async def all_listed() -> bool:  # an agent is listed once this process runs it, a moment after its PUT
        return set(series(await scrape(few_series, "/metrics/agents"), "romas_agent_queue_depth")) == everyone

    await eventually(all_listed, what="every running agent to be listed in /metrics/agents")
    every = await scrape(few_series, "/metrics/agents")
    assert "romas_http_requests_total" not in every


async def test_request_id_is_answered_and_recorded_in_the_events(client: Client) -> None:
    response = await client.put("/workspaces/shop", json={"description": "x"}, headers={"X-Request-Id": "trace-42"})
    assert response.status_code == 201 and response.headers["x-request-id"] == "trace-42"
    events = (await client.get("/events", params={"stream": "/workspaces/shop"})).json()["_embedded"]["events"]
    assert events[0]["metadata"]["request_id"] == "trace-42"
    fresh = await client.put("/workspaces/mall", json={}, headers={"X-Request-Id": "not a usable id\t"})
    generated = fresh.headers["x-request-id"]
    assert generated != "not a usable id" and len(generated) == 32
    events = (await client.get("/events", params={"stream": "/workspaces/mall"})).json()["_embedded"]["events"]
    assert events[0]["metadata"]["request_id"] == generated


async def test_one_log_line_per_request_and_none_for_probes(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    await client.get("/health")
    with caplog.at_level(logging.INFO):
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/ready")).status_code == 200
        response = await client.get("/agents/nobody")
    assert response.status_code == 404
    lines = [r for r in caplog.records if r.name == "romas.requests"]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    message = lines[0].getMessage()
    assert "GET /agents/nobody 404" in message and "route=/agents/{name}" in message
    assert f"request_id={response.headers['x-request-id']}" in message
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[Client]:
    app = create_app(Settings(database_url=database_url, rate_limit=RateLimit(3, 60.0)))
    async with AsyncTestClient(app=app, base_url="http://romas.test") as test_client:
        yield test_client


async def test_writes_beyond_the_rate_limit_get_429_with_retry_after(limited: Client) -> None:
    await put_agent(limited, "bob", code=CODE)
    for _ in range(2):
        response = await limited.post("/agents/bob/inbox", json={"performative": "tell", "content": "x"})
        assert response.status_code == 202
    refused = await limited.post("/agents/bob/inbox", json={"performative": "tell", "content": "x"})
    problem = assert_problem(refused, 429, "rate-limited")
    assert int(refused.headers["retry-after"]) >= 1 and "retry" in problem["detail"]
    assert (await limited.get("/agents/bob")).status_code == 200  # reads are not limited
    assert series(await scrape(limited), "romas_http_rate_limited_total")[""] == 1.0
    assert (await limited.get("/problems/rate-limited")).status_code == 200
