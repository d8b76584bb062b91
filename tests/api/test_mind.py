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
