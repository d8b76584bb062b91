"""``/organisations/{org}/obligations``: obligations appearing, fulfilled and violated, now and in the past."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.helpers import Client, assert_problem, tick
from tests.api.org_setup import DAY, ORG, bakery, commit_all, ok
from tests.domain.org_spec import SPEC
from tests.runtime.helpers import eventually

pytestmark = pytest.mark.anyio
OBLIGATIONS = f"{ORG}/obligations"


def summary(listing: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(agent, norm, what it asks, state) of each obligation."""
    out = []
    for o in listing["_embedded"]["obligations"]:
        kind, detail = next(iter(o["what"].items()))
        target = detail["mission"] if kind == "committed" else detail["goal"]
        out.append((o["agent"], o["norm"], f"{kind}:{target}", o["state"]))
    return out


async def test_obligations_appear_and_are_fulfilled(client: Client) -> None:
    await bakery(client)
    start = ok(await client.get(OBLIGATIONS))
    assert summary(start) == [
        ("bob", "n_bake", "committed:m_bake", "active"),
        ("sam", "n_sell", "committed:m_sell", "active"),
    ]  # carol's norm is a permission
    sam = start["_embedded"]["obligations"][1]
    assert sam["what"] == {"committed": {"agent": "sam", "mission": "m_sell", "scheme": "d"}}
    assert sam["deadline"] and sam["until"] is None and sam["role"] == "seller" and sam["group"] == "t"
    assert start["_embedded"]["obligations"][0]["deadline"] is None
    await commit_all(client)
    committed = ok(await client.get(OBLIGATIONS))
    assert summary(committed) == [
        ("bob", "n_bake", "committed:m_bake", "fulfilled"),
        ("sam", "n_sell", "committed:m_sell", "fulfilled"),
        ("bob", "n_bake", "done:baked", "active"),
    ]
    ok(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}))
    ok(await client.post(f"{DAY}/goals/ordered/achieved", json={"agent": "carol"}))
    owed = ok(await client.get(OBLIGATIONS, params={"state": "active"}))
    assert summary(owed) == [("sam", "n_sell", "done:sold", "active")]
    assert owed["_embedded"]["obligations"][0]["what"] == {"done": {"scheme": "d", "goal": "sold", "agent": "sam"}}
    bobs = ok(await client.get(OBLIGATIONS, params={"agent": "bob"}))
    assert {o["state"] for o in bobs["_embedded"]["obligations"]} == {"fulfilled"}
    done = bobs["_embedded"]["obligations"][1]
    assert done["until"] == done["done_at"] and done["_links"]["goal"]["href"] == f"{DAY}/goals/baked"


async def test_an_obligation_past_its_deadline_is_violated(client: Client) -> None:
    norms = [{**n, "deadline_s": 0.3} if n["id"] == "n_sell" else n for n in SPEC["norms"]]
    await bakery(client, {**SPEC, "norms": norms})
    assert [o[3] for o in summary(ok(await client.get(OBLIGATIONS, params={"agent": "sam"})))] == ["active"]

    async def violated_now() -> bool:
        return bool(ok(await client.get(OBLIGATIONS, params={"state": "violated"}))["_embedded"]["obligations"])

    await eventually(violated_now, what="the obligation to be violated past its deadline")
    violated = ok(await client.get(OBLIGATIONS, params={"state": "violated"}))
    assert summary(violated) == [("sam", "n_sell", "committed:m_sell", "violated")]
    entry = violated["_embedded"]["obligations"][0]
    assert entry["until"] == entry["deadline"] and entry["done_at"] is None
    ok(await client.post(f"{DAY}/commitments", json={"agent": "sam", "mission": "m_sell"}))
    late = ok(await client.get(OBLIGATIONS, params={"agent": "sam"}))["_embedded"]["obligations"][0]
    assert late["state"] == "violated" and late["done_at"]  # done, but too late


async def test_obligations_at_a_past_instant(client: Client) -> None:
    await bakery(client)
    await commit_all(client)
    await tick()
    before = datetime.now(UTC).isoformat()
    await tick()
    ok(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}))
    then = await client.get(OBLIGATIONS, params={"at": before, "agent": "bob"})
    assert ("bob", "n_bake", "done:baked", "active") in summary(ok(then))
    assert "memento-datetime" in then.headers and ok(then)["at"].startswith(before[:19])
    now = ok(await client.get(OBLIGATIONS, params={"agent": "bob"}))
    assert ("bob", "n_bake", "done:baked", "fulfilled") in summary(now)
    assert_problem(await client.get(OBLIGATIONS, params={"at": "2000-01-01T00:00:00Z"}), 404)


async def test_bad_queries(client: Client) -> None:
    assert_problem(await client.get(OBLIGATIONS), 404)
    await bakery(client)
    assert_problem(await client.get(OBLIGATIONS, params={"state": "pending"}), 400)
    assert_problem(await client.get(OBLIGATIONS, params={"agent": "Bob!"}), 400)
    assert_problem(await client.get(OBLIGATIONS, params={"at": "yesterday"}), 400)
    assert ok(await client.get(OBLIGATIONS, params={"agent": "zoe"}))["count"] == 0
