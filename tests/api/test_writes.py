"""What every write shares: media types, body limits, idempotency keys, concurrency, the event log."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings
from tests.api.helpers import GOOD_CODE, Client, assert_problem, put_agent

pytestmark = pytest.mark.anyio


async def test_json_bodies_need_a_json_content_type(client: Client) -> None:
    response = await client.put("/agents/a", content=b'{"code": ""}', headers={"content-type": "text/plain"})
    assert_problem(response, 415, "unsupported-media-type")
    missing = await client.put("/agents/a", content=b'{"code": ""}')
    assert_problem(missing, 415)
    hal = await client.put("/agents/a", content=b'{"code": ""}', headers={"content-type": "application/hal+json"})
    assert hal.status_code == 201


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{", 400), (b"[]", 422), (b'{"code": 3}', 422), (b'{"colour": "red"}', 422), (b'{"state": "dancing"}', 422)],
)
async def test_bad_json_bodies(client: Client, body: bytes, status: int) -> None:
    response = await client.put("/agents/a", content=body, headers={"content-type": "application/json"})
    assert_problem(response, status)
    assert (await client.get("/events")).json()["count"] == 0


async def test_oversized_bodies_are_413(database_url: str) -> None:
    from romas.server import create_app

    app = create_app(Settings(database_url=database_url, max_body_bytes=1000))
    async with AsyncTestClient(app=app) as small:
        response = await small.put("/agents/a", json={"code": "a." * 1000})
        assert_problem(response, 413, "payload-too-large")


async def test_idempotency_key_replays_the_first_answer(client: Client) -> None:
    headers = {"Idempotency-Key": "create-alice-1"}
    first = await client.put("/agents/alice", json={"code": GOOD_CODE}, headers=headers)
    second = await client.put("/agents/alice", json={"code": GOOD_CODE}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == "/agents/alice"
    other = await client.put("/agents/alice", json={"code": "x."}, headers=headers)
    assert_problem(other, 422)
    assert (await client.get("/events")).json()["count"] == 1


async def test_concurrent_puts_with_one_if_match_let_exactly_one_win(client: Client) -> None:
    await put_agent(client)

    async def attempt(i: int) -> int:
        response = await client.put(
            "/agents/alice", json={"code": GOOD_CODE, "description": f"writer {i}"}, headers={"If-Match": '"1"'}
        )
        return int(response.status_code)

    statuses = await asyncio.gather(*(attempt(i) for i in range(20)))
    assert sorted(statuses) == [200] + [412] * 19
    assert (await client.get("/agents/alice")).json()["revision"] == 2


async def test_concurrent_creates_of_one_name(client: Client) -> None:
    async def attempt(i: int) -> int:
        response = await client.put(
            "/agents/bob", json={"code": "", "description": str(i)}, headers={"If-None-Match": "*"}
        )
        return int(response.status_code)

    statuses = await asyncio.gather(*(attempt(i) for i in range(10)))
    assert sorted(statuses) == [201] + [412] * 9


async def test_every_write_is_in_the_event_log_with_its_actor(client: Client) -> None:
    await put_agent(client)
    await client.put("/workspaces/w", json={})
    await client.delete("/agents/alice")
    page = (await client.get("/events")).json()
    events = page["_embedded"]["events"]
    assert [e["type"] for e in events] == ["agent.created", "workspace.created", "agent.deleted"]
    assert [e["position"] for e in events] == [1, 2, 3]
    assert all(e["metadata"]["actor"] == "anonymous" and e["metadata"]["request_id"] for e in events)
    only = (await client.get("/events", params={"stream": "/agents/alice"})).json()
    assert only["count"] == 2
    typed = (await client.get("/events", params={"stream_type": "workspace"})).json()
    assert typed["count"] == 1
    after = (await client.get("/events", params={"after": 2})).json()
    assert [e["position"] for e in after["_embedded"]["events"]] == [3]
    assert_problem(await client.get("/events?after=-1"), 400)


async def test_require_preconditions_answers_428(database_url: str) -> None:
    from romas.server import create_app

    app = create_app(Settings(database_url=database_url, require_preconditions=True))
    async with AsyncTestClient(app=app) as strict:
        assert (await strict.put("/agents/a", json={"code": ""})).status_code == 201
        assert_problem(await strict.put("/agents/a", json={"code": "", "description": "x"}), 428)
        assert (
            await strict.put("/agents/a", json={"code": "", "description": "x"}, headers={"If-Match": '"1"'})
        ).status_code == 200


def test_a_write_undone_with_its_batch_is_a_503_to_retry_not_a_500() -> None:
    from romas.api.problems import EXCEPTION_HANDLERS
    from romas.store.group_commit import BatchBroken

    response = EXCEPTION_HANDLERS[BatchBroken](None, BatchBroken("a request left the transaction unusable; retry"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.media_type == "application/problem+json"
