"""``/agents/{name}/inbox`` and ``/outbox``: messages with a status a client follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.api.helpers import Client, assert_problem, put_agent
from tests.runtime.helpers import beliefs, command, eventually, send

pytestmark = pytest.mark.anyio

SELLER = """price(apple, 3).
price(pear, 5).
count(0).
+!inc <- ?count(C); -+count(C + 1).
+!fail_me <- .fail.
+!greet(Who) <- .print("hello ", Who).
"""


async def test_achieve_goes_accepted_delivered_processed(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    message = await send(client, "bob", "achieve", "inc")
    assert message["status"] == "processed"
    assert message["accepted_at"] <= message["delivered_at"] <= message["processed_at"]
    assert message["_links"]["self"]["href"] == f"/agents/bob/inbox/{message['id']}"
    assert "count(1)[source(self)]" in await beliefs(client, "bob")
    again = (await client.get(message["_links"]["self"]["href"])).json()
    assert again == message
    events = (await client.get("/events", params={"stream": f"/agents/bob/inbox/{message['id']}"})).json()
    assert [e["type"] for e in events["_embedded"]["events"]] == [
        "message.accepted",
        "message.delivered",
        "message.processed",
    ]


async def test_a_signal_posts_an_event_and_adds_no_belief(client: Client) -> None:
    await put_agent(client, "bob", code="+ring(N)[source(S)] <- +heard(N, S).\n")
    message = await send(client, "bob", "signal", "ring(3)", sender="carol")
    assert message["status"] == "processed", message
    known = await beliefs(client, "bob")
    assert not any(b.startswith("ring(") for b in known), known
    assert any(b.startswith("heard(3,") for b in known), known


async def test_without_prefer_the_answer_is_202_with_location(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    response = await client.post("/agents/bob/inbox", json={"performative": "tell", "content": "sunny"})
    assert response.status_code == 202
    location = response.headers["location"]
    assert location.startswith("/agents/bob/inbox/") and response.json()["status"] in (
        "accepted",
        "delivered",
        "processed",
    )

    async def processed() -> bool:
        return bool((await client.get(location)).json()["status"] == "processed")

    await eventually(processed, what="the tell to be processed")
    assert "sunny[source(anonymous)]" in await beliefs(client, "bob")


async def test_the_202_shows_the_message_as_written_and_as_a_get_reads_it(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    expires = datetime(2031, 6, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    body = {"performative": "tell", "content": "sunny", "expires_at": expires.isoformat()}
    posted = await client.post("/agents/bob/inbox", json=body)
    assert posted.status_code == 202
    answer = posted.json()
    assert answer["status"] == "accepted" and posted.headers["content-location"] == posted.headers["location"]
    read = (await client.get(posted.headers["location"])).json()
    stable = ("id", "agent", "sender", "origin", "performative", "content", "accepted_at", "expires_at", "in_reply_to")
    assert {k: answer.get(k) for k in stable} == {k: read.get(k) for k in stable}
    assert datetime.fromisoformat(answer["expires_at"]) == expires
    assert answer["_links"] == {k: v for k, v in read["_links"].items() if k in answer["_links"]}


async def test_ask_one_and_ask_all_answers_are_in_the_message(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    one = await send(client, "bob", "askOne", "price(pear, P)")
    assert one["status"] == "processed" and one["reply"] == "price(pear,5)"
    every = await send(client, "bob", "askAll", "price(F, P)")
    assert every["status"] == "processed" and "price(apple,3)" in every["reply"] and "price(pear,5)" in every["reply"]


async def test_failures_are_problems_in_the_message(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    no_plan = await send(client, "bob", "achieve", "dance")
    assert no_plan["status"] == "failed" and "dance" in no_plan["error"]["detail"]
    assert no_plan["error"]["type"] == "/problems/message-failed"
    failing = await send(client, "bob", "achieve", "fail_me")
    assert failing["status"] == "failed"


async def test_sender_is_the_source_and_expired_messages_are_not_delivered(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    await send(client, "bob", "tell", "tip(x)", sender="carol")
    assert "tip(x)[source(carol)]" in await beliefs(client, "bob")
    past = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    expired = await send(client, "bob", "tell", "late", expires_at=past)
    assert expired["status"] == "expired" and "expired_at" in expired
    assert not any(b.startswith("late") for b in await beliefs(client, "bob"))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"performative": "shout", "content": "x"}, 422),
        ({"performative": "tell", "content": "price(apple"}, 422),
        ({"performative": "tell"}, 422),
        ({"performative": "tell", "content": "x", "sender": "Not A Name"}, 422),
        ({"performative": "tell", "content": "x", "colour": "red"}, 422),
    ],
)
async def test_bad_messages_change_nothing(client: Client, body: dict[str, str], status: int) -> None:
    await put_agent(client, "bob", code=SELLER)
    before = (await client.get("/events")).json()["count"]
    assert_problem(await client.post("/agents/bob/inbox", json=body), status)
    assert (await client.get("/events")).json()["count"] == before


async def test_content_errors_have_line_and_column(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    problem = assert_problem(
        await client.post("/agents/bob/inbox", json={"performative": "tell", "content": "a(("}), 422, "invalid-code"
    )
    assert problem["errors"][0]["line"] == 1 and problem["errors"][0]["column"] >= 1


async def test_unknown_stopped_and_deleted_agents(client: Client) -> None:
    tell = {"performative": "tell", "content": "x"}
    assert_problem(await client.post("/agents/nobody/inbox", json=tell), 404)
    await put_agent(client, "bob", code=SELLER, state="stopped")
    assert_problem(await client.post("/agents/bob/inbox", json=tell), 409)
    await client.delete("/agents/bob")
    assert_problem(await client.post("/agents/bob/inbox", json=tell), 410)


async def test_idempotency_key_returns_the_same_message(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    headers = {"Idempotency-Key": "inc-once"}
    first = await client.post("/agents/bob/inbox", json={"performative": "achieve", "content": "inc"}, headers=headers)
    second = await client.post("/agents/bob/inbox", json={"performative": "achieve", "content": "inc"}, headers=headers)
    assert first.headers["location"] == second.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert (await client.get("/agents/bob/inbox")).json()["count"] == 1


async def test_inbox_listing_filters_and_pages(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    for _ in range(3):
        await send(client, "bob", "achieve", "inc")
    await send(client, "bob", "achieve", "dance")
    failed = (await client.get("/agents/bob/inbox", params={"status": "failed"})).json()
    assert failed["count"] == 1
    page = (await client.get("/agents/bob/inbox", params={"limit": 2})).json()
    assert page["count"] == 2 and "next" in page["_links"]
    rest = (await client.get(page["_links"]["next"]["href"])).json()
    assert rest["count"] == 2 and "next" not in rest["_links"]
    assert_problem(await client.get("/agents/bob/inbox/zzz"), 400)
    assert_problem(await client.get("/agents/bob/inbox/01m8064edjf6ft8459be4530n6"), 404)


async def test_agents_talk_through_the_inbox_and_the_outbox_shows_it(client: Client) -> None:
    await put_agent(client, "bob", code=SELLER)
    await put_agent(client, "alice", code="+!buy <- .send(bob, askOne, price(apple, P), price(_, Q)); +paid(Q).\n")
    asked = await command(client, "alice", ".send(bob, askOne, price(apple, P), A)")
    assert asked["status"] == "succeeded", asked
    assert asked["result"]["bindings"]["A"] == "price(apple,3)[source(bob)]"  # as Jason: the answer carries its source
    await send(client, "alice", "achieve", "buy")
    assert "paid(3)[source(self)]" in await beliefs(client, "alice")
    outbox = (await client.get("/agents/alice/outbox")).json()
    sent = outbox["_embedded"]["messages"]
    assert len(sent) == 2 and all(m["agent"] == "bob" and m["origin"] == "agent" for m in sent)
    assert all(m["status"] == "processed" for m in sent)
    bob_inbox = (await client.get("/agents/bob/inbox")).json()["_embedded"]["messages"]
    assert {m["sender"] for m in bob_inbox} == {"alice"}


async def test_a_message_to_an_unknown_agent_fails_the_action_not_the_server(client: Client) -> None:
    await put_agent(client, "alice", code="")
    result = await command(client, "alice", ".send(ghost, tell, boo)")
    assert result["status"] == "failed" and "ghost" in result["error"]["detail"]
    assert (await client.get("/health")).status_code == 200
