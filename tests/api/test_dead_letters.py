"""Dead letters: ``GET /messages?status=failed|expired`` across agents, and ``POST .../retry``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.helpers import Client, assert_problem, put_agent
from tests.runtime.helpers import send

pytestmark = pytest.mark.anyio

BROKEN = "+!bake(N) <- .fail.\n"
FIXED = '+!bake(N) <- .print("baked ", N).\n'


async def stream_types(client: Client, href: str) -> list[str]:
    events = (await client.get("/events", params={"stream": href})).json()["_embedded"]["events"]
    return [event["type"] for event in events]


async def test_failed_and_expired_messages_of_every_agent_are_listed(client: Client) -> None:
    await put_agent(client, "bob", code=BROKEN)
    await put_agent(client, "ann", code=BROKEN)
    bob = await send(client, "bob", "achieve", "bake(1)")
    ann = await send(client, "ann", "achieve", "bake(2)")
    fine = await send(client, "ann", "tell", "sunny")
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    late = await send(client, "bob", "tell", "late", expires_at=past)
    assert (bob["status"], ann["status"], fine["status"], late["status"]) == (
        "failed",
        "failed",
        "processed",
        "expired",
    )
    failed = (await client.get("/messages", params={"status": "failed"})).json()
    assert [m["id"] for m in failed["_embedded"]["messages"]] == [ann["id"], bob["id"]]  # newest first
    assert failed["_embedded"]["messages"][0]["_links"]["retry"]["href"] == f"/agents/ann/inbox/{ann['id']}/retry"
    expired = (await client.get("/messages", params={"status": "expired"})).json()
    assert [m["id"] for m in expired["_embedded"]["messages"]] == [late["id"]]
    first = await client.get("/messages", params={"status": "failed", "limit": 1})
    page = first.json()
    assert [m["id"] for m in page["_embedded"]["messages"]] == [ann["id"]]
    following = (await client.get(page["_links"]["next"]["href"])).json()
    assert [m["id"] for m in following["_embedded"]["messages"]] == [bob["id"]]
    assert len((await client.get("/messages")).json()["_embedded"]["messages"]) == 4
    assert_problem(await client.get("/messages", params={"status": "lost"}), 400)
    assert_problem(await client.get("/messages", params={"cursor": "nonsense"}), 404)  # well-formed, no such page
    assert_problem(await client.get("/messages", params={"cursor": "not a cursor!"}), 400)


async def test_retry_reprocesses_a_failed_message_as_a_new_one_linked_both_ways(client: Client) -> None:
    await put_agent(client, "bob", code=BROKEN)
    old = await send(client, "bob", "achieve", "bake(3)")
    assert old["status"] == "failed"
    await client.put("/agents/bob/code", content=FIXED, headers={"content-type": "text/x-asl"})
    response = await client.post(f"/agents/bob/inbox/{old['id']}/retry", headers={"Prefer": "wait=10"})
    assert response.status_code == 200, response.text
    retry: dict[str, Any] = response.json()
    assert retry["status"] == "processed" and retry["retry_of"] == old["id"] and retry["id"] != old["id"]
    assert (retry["performative"], retry["content"], retry["sender"]) == ("achieve", "bake(3)", old["sender"])
    assert retry["_links"]["retry_of"]["href"] == old["_links"]["self"]["href"]
    assert response.headers["location"] == f"/agents/bob/inbox/{retry['id']}"
    again = (await client.get(old["_links"]["self"]["href"])).json()
    assert again["status"] == "failed" and again["retried_by"] == retry["id"]
    assert again["_links"]["retried_by"]["href"] == retry["_links"]["self"]["href"]
    assert "retry" not in again["_links"]
    assert await stream_types(client, old["_links"]["self"]["href"]) == [
        "message.accepted",
        "message.delivered",
        "message.failed",
        "message.retried",
    ]
    assert await stream_types(client, retry["_links"]["self"]["href"]) == [
        "message.accepted",
        "message.delivered",
        "message.processed",
    ]
    log = (await client.get("/agents/bob/log", params={"limit": 100})).json()["lines"]
    assert "baked 3" in [line["text"] for line in log]
    twice = await client.post(f"/agents/bob/inbox/{old['id']}/retry")
    assert "already retried" in assert_problem(twice, 409, "conflict")["detail"]
    assert_problem(await client.post(f"/agents/bob/inbox/{retry['id']}/retry"), 409, "conflict")


async def test_retry_without_a_message_or_a_running_agent_is_refused(client: Client) -> None:
    await put_agent(client, "bob", code=BROKEN)
    old = await send(client, "bob", "achieve", "bake(4)")
    assert_problem(await client.post("/agents/bob/inbox/01aaaaaaaaaaaaaaaaaaaaaaaa/retry"), 404)
    assert_problem(await client.post(f"/agents/ann/inbox/{old['id']}/retry"), 404)
    assert (await client.patch("/agents/bob", json={"state": "stopped"})).status_code == 200
    assert_problem(await client.post(f"/agents/bob/inbox/{old['id']}/retry"), 409, "conflict")
    assert (await client.get(old["_links"]["self"]["href"])).json().get("retried_by") is None
