"""``/agents/{name}/mind`` and ``/agents/{name}/log``."""

from __future__ import annotations

import pytest

from tests.api.helpers import Client, assert_problem, put_agent
from tests.runtime.helpers import eventually, send

pytestmark = pytest.mark.anyio

CODE = """likes(tea).
!start.
@greeting +!start <- .print("up"); .wait(60000).
+!say(X) <- .print(X).
"""


async def test_mind_shows_beliefs_goals_intentions_and_plans(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)

    async def waiting() -> bool:
        mind = (await client.get("/agents/bob/mind")).json()
        return bool(mind["intentions"])

    await eventually(waiting, what="the start intention")
    mind = (await client.get("/agents/bob/mind")).json()
    assert mind["running"] and mind["code_revision"] == 1
    assert any(b["text"].startswith("likes(tea)") and b["term"]["functor"] == "likes" for b in mind["beliefs"])
    frame = mind["intentions"][0]["stack"][0]
    assert frame["plan"] == "greeting" and frame["line"] >= 1
    plans = {p["label"]: p for p in mind["plans"]}
    assert plans["greeting"]["line"] == 3 and "+!start" in plans["greeting"]["source"]


async def test_mind_of_a_stopped_agent_comes_from_its_checkpoint(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    await send(client, "bob", "tell", "fact(1)")
    await client.patch("/agents/bob", json={"state": "stopped"})

    async def stopped() -> bool:
        return not (await client.get("/agents/bob/mind")).json()["running"]

    await eventually(stopped, what="the agent to stop")
    mind = (await client.get("/agents/bob/mind")).json()
    assert any(b["text"].startswith("fact(1)") for b in mind["beliefs"])


async def test_mind_of_a_never_started_agent_shows_its_initial_beliefs(client: Client) -> None:
    await put_agent(client, "bob", code=CODE, state="stopped")
    mind = (await client.get("/agents/bob/mind")).json()
    assert not mind["running"] and any(b["text"].startswith("likes(tea)") for b in mind["beliefs"])
    assert_problem(await client.get("/agents/nobody/mind"), 404)


async def test_log_is_newest_last_and_can_be_followed(client: Client) -> None:
    await put_agent(client, "bob", code=CODE)
    for word in ("one", "two", "three"):
        await send(client, "bob", "achieve", f"say({word})")

    async def logged() -> bool:
        lines = (await client.get("/agents/bob/log")).json()["lines"]
        return "three" in [x["text"] for x in lines]

    await eventually(logged, what="the printed lines")
    log = (await client.get("/agents/bob/log")).json()
    texts = [x["text"] for x in log["lines"] if x["kind"] == "print"]
    assert texts[-3:] == ["one", "two", "three"]
    assert any(x["kind"] == "note" and "started" in x["text"] for x in log["lines"])
    last = (await client.get("/agents/bob/log", params={"limit": 1})).json()
    assert last["lines"][0]["text"] == "three"
    follow = (await client.get(last["_links"]["next"]["href"])).json()
    assert follow["lines"] == []
    await send(client, "bob", "achieve", "say(four)")

    async def more() -> bool:
        return bool((await client.get(last["_links"]["next"]["href"])).json()["lines"])

    await eventually(more, what="a new line after the cursor")


async def test_beliefs_are_paged_with_next_links_and_a_count(client: Client) -> None:
    facts = "".join(f"n({i}).\n" for i in range(2500))
    await put_agent(client, "many", code=facts + "!start.\n+!start <- .print(ready).\n")
    seen: list[str] = []
    response = await client.get("/agents/many/mind")
    first = response.json()
    assert first["belief_count"] == 2500 and len(first["beliefs"]) == 1000
    assert first["plans"] and "next" in first["_links"] and 'rel="next"' in response.headers["link"]
    page = first
    while True:
        seen += [b["text"] for b in page["beliefs"]]
        if "next" not in page["_links"]:
            break
        page = (await client.get(page["_links"]["next"]["href"])).json()
    assert seen == [f"n({i})[source(self)]" for i in range(2500)]
    small = (await client.get("/agents/many/mind", params={"limit": 7})).json()
    assert len(small["beliefs"]) == 7 and small["belief_count"] == 2500
    assert "limit=7" in small["_links"]["next"]["href"]
    assert len((await client.get("/agents/many/mind", params={"limit": 5000})).json()["beliefs"]) == 2500
    assert_problem(await client.get("/agents/many/mind", params={"limit": 5001}), 400)
    # a well-formed cursor this server did not hand out names no page (404), as in every listing
    assert_problem(await client.get("/agents/many/mind", params={"cursor": "nonsense"}), 404)
    assert_problem(await client.get("/agents/many/mind", params={"cursor": "not a cursor!"}), 400)
    await put_agent(client, "other", code="")
    listing = (await client.get("/agents", params={"limit": 1})).json()["_links"]["next"]["href"]
    other = listing.split("cursor=")[1].split("&")[0]  # a cursor of another listing is refused too
    assert_problem(await client.get("/agents/many/mind", params={"cursor": other}), 404)


async def test_a_stopped_agents_beliefs_are_paged_too(client: Client) -> None:
    facts = "".join(f"n({i}).\n" for i in range(30))
    await put_agent(client, "resting", code=facts, state="stopped")
    mind = (await client.get("/agents/resting/mind", params={"limit": 20})).json()
    assert not mind["running"] and mind["belief_count"] == 30 and len(mind["beliefs"]) == 20
    rest = (await client.get(mind["_links"]["next"]["href"])).json()
    assert [b["text"] for b in rest["beliefs"]] == [f"n({i})[source(self)]" for i in range(20, 30)]
    assert "next" not in rest["_links"]


async def test_intentions_and_events_are_bounded_with_their_counts(client: Client) -> None:
    code = (
        "!spawn.\n"
        "+!spawn <- for (.range(I, 1, 1200)) { !!w(I) }; !deep(150).\n"
        "+!w(I) <- .wait(600000).\n"
        "+!deep(0) <- .wait(600000).\n"
        "+!deep(N) : N > 0 <- !deep(N - 1); .print(N).\n"
    )
    await put_agent(client, "busy", code=code)

    async def spawned() -> bool:
        return (await client.get("/agents/busy/mind")).json()["intention_count"] >= 1200

    await eventually(spawned, what="1200 waiting intentions")
    mind = (await client.get("/agents/busy/mind")).json()
    assert len(mind["intentions"]) == 1000 and mind["intention_count"] >= 1200
    assert all(len(it["stack"]) <= 100 for it in mind["intentions"]) and len(mind["goals"]) <= 1000

    async def deep() -> bool:
        intentions = (await client.get("/agents/busy/mind")).json()["intentions"]
        return any(it["depth"] > 100 for it in intentions)

    await eventually(deep, what="an intention deeper than 100 frames")
    assert isinstance(mind["event_count"], int) and len(mind["events"]) <= 1000
