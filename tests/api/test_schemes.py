"""``/organisations/{org}/schemes``: commitments, goal enabling order, achievements, time travel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.helpers import Client, assert_problem, put_agent, tick
from tests.api.org_setup import DAY, ORG, TEAM, bakery, commit_all, ok, organisation

pytestmark = pytest.mark.anyio


def states(scheme: dict[str, object]) -> dict[str, str]:
    goals = scheme["goals"]
    assert isinstance(goals, dict)
    return {name: goal["state"] for name, goal in goals.items()}


async def test_scheme_representation(client: Client) -> None:
    await bakery(client)
    scheme = ok(await client.get(DAY))
    assert (scheme["type"], scheme["group"], scheme["organisation"], scheme["revision"]) == ("day", "t", "bakery", 1)
    assert list(scheme["goals"]) == ["done", "baked", "ordered", "sold"]
    assert states(scheme) == {"done": "enabled", "baked": "enabled", "ordered": "waiting", "sold": "waiting"}
    assert scheme["satisfied"] is False and scheme["well_formed"] is False
    assert "mission m_bake needs at least 1 committed agent, it has 0" in scheme["shortfalls"]
    assert scheme["goals"]["baked"]["_links"]["achieved"]["href"] == f"{DAY}/goals/baked/achieved"
    assert "achieved" not in scheme["goals"]["sold"]["_links"]
    assert scheme["_links"]["group"]["href"] == TEAM
    assert ok(await client.put(DAY, json=scheme))["revision"] == 1  # sent back as read: no change
    group = ok(await client.get(TEAM))
    assert group["schemes"] == ["d"]
    listed = ok(await client.get(f"{ORG}/schemes"))
    assert [s["name"] for s in listed["_embedded"]["schemes"]] == ["d"]


async def test_goals_are_enabled_in_sequence_and_achieved_only_by_committed_agents(client: Client) -> None:
    await bakery(client)
    await commit_all(client)
    early = assert_problem(await client.post(f"{DAY}/goals/ordered/achieved", json={"agent": "carol"}), 409)
    assert early["detail"] == "goal 'ordered' is not enabled yet: it waits for 'baked'"
    stranger = assert_problem(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "sam"}), 409)
    assert stranger["detail"] == "sam is not committed to a mission holding goal baked (missions: m_bake)"
    baked = ok(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}))
    assert states(baked) == {"done": "enabled", "baked": "satisfied", "ordered": "enabled", "sold": "waiting"}
    assert baked["goals"]["baked"]["achieved_by"] == "bob" and baked["goals"]["ordered"]["enabled_at"]
    assert_problem(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}), 409)
    ok(await client.post(f"{DAY}/goals/ordered/achieved", json={"agent": "carol"}))
    done = ok(await client.post(f"{DAY}/goals/sold/achieved", json={"agent": "sam"}))
    assert set(states(done).values()) == {"satisfied"} and done["satisfied"] is True
    history = ok(await client.get(f"{DAY}/revisions"))["_embedded"]["revisions"]
    assert [(r["type"], r["actor"]) for r in history[:3]] == [("goal_achieved", "anonymous")] * 3
    assert history[0]["summary"] == "sam achieved sold; scheme done (done satisfied)"
    assert history[2]["summary"] == "bob achieved baked; enabled ordered"


async def test_commitment_refusals(client: Client) -> None:
    await bakery(client)
    no_role = assert_problem(await client.post(f"{DAY}/commitments", json={"agent": "carol", "mission": "m_sell"}), 409)
    assert no_role["detail"].startswith("carol may not commit to mission m_sell: it plays customer in group t")
    ok(await client.post(f"{DAY}/commitments", json={"agent": "sam", "mission": "m_sell"}))
    await put_agent(client, "sue")
    ok(await client.post(f"{TEAM}/players", json={"agent": "sue", "role": "seller"}))
    full = assert_problem(await client.post(f"{DAY}/commitments", json={"agent": "sue", "mission": "m_sell"}), 409)
    assert full["detail"] == "mission m_sell in scheme d allows at most 1 committed agent and sam is committed"
    unknown = assert_problem(await client.post(f"{DAY}/commitments", json={"agent": "sam", "mission": "m_x"}), 422)
    assert unknown["errors"][0]["path"] == "/mission"
    ghost = assert_problem(await client.post(f"{DAY}/commitments", json={"agent": "ghost", "mission": "m_bake"}), 422)
    assert ghost["errors"][0]["path"] == "/agent"
    assert ok(await client.get(DAY))["revision"] == 2


async def test_bad_input_is_a_clear_4xx_and_changes_nothing(client: Client) -> None:
    await bakery(client)
    wrong_type = assert_problem(await client.put(f"{ORG}/schemes/x", json={"type": "night", "group": "t"}), 422)
    assert wrong_type["errors"][0]["path"] == "/type"
    no_group = assert_problem(await client.put(f"{ORG}/schemes/x", json={"type": "day", "group": "nobody"}), 422)
    assert no_group["errors"][0]["path"] == "/group"
    assert_problem(await client.put(f"{ORG}/schemes/x", json={"type": "day"}), 422)
    assert_problem(await client.get(f"{ORG}/schemes/x"), 404)
    assert_problem(await client.get(f"{DAY}/goals/flown"), 404)
    assert_problem(await client.post(f"{DAY}/goals/flown/achieved", json={"agent": "bob"}), 404)
    assert_problem(await client.post(f"{DAY}/goals/baked/achieved", json={}), 422)
    assert_problem(await client.put("/organisations/none/schemes/x", json={"type": "day", "group": "t"}), 404)
    await commit_all(client)
    moved = assert_problem(await client.put(DAY, json={"type": "menu", "group": "t"}), 409)
    assert "changes only before anyone commits" in moved["detail"]
    assert ok(await client.get(DAY))["revision"] == 4


async def test_a_goal_resource(client: Client) -> None:
    await bakery(client)
    await commit_all(client)
    goal = ok(await client.get(f"{DAY}/goals/baked"))
    assert (goal["state"], goal["missions"], goal["committed"], goal["parent"]) == (
        "enabled",
        ["m_bake"],
        ["bob"],
        "done",
    )
    assert goal["operator"] is None and goal["achieved_by"] is None
    ok(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}))
    after = ok(await client.get(f"{DAY}/goals/baked"))
    assert (after["state"], after["achieved_by"]) == ("satisfied", "bob") and after["satisfied_at"]
    root = ok(await client.get(f"{DAY}/goals/done"))
    assert root["operator"] == "sequence" and root["subgoals"] == ["baked", "ordered", "sold"]


async def test_time_travel_shows_which_goals_were_satisfied_then(client: Client) -> None:
    await bakery(client)
    await commit_all(client)
    ok(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}))
    await tick()
    between = datetime.now(UTC).isoformat()
    await tick()
    ok(await client.post(f"{DAY}/goals/ordered/achieved", json={"agent": "carol"}))
    then = await client.get(DAY, params={"at": between})
    assert states(ok(then)) == {"done": "enabled", "baked": "satisfied", "ordered": "enabled", "sold": "waiting"}
    assert then.headers["content-location"] == f"{DAY}/revisions/5"
    goal_then = ok(await client.get(f"{DAY}/goals/ordered", params={"at": between}))
    assert goal_then["state"] == "enabled" and goal_then["revision"] == 5
    assert ok(await client.get(f"{DAY}/goals/ordered"))["state"] == "satisfied"
    first = ok(await client.get(f"{DAY}/revisions/1"))
    assert first["commitments"] == [] and states(first)["baked"] == "enabled"
    before = await client.get(DAY, params={"at": "2000-01-01T00:00:00Z"})
    assert_problem(before, 404)


async def test_restoring_a_scheme_replays_it(client: Client) -> None:
    await bakery(client)
    await commit_all(client)
    ok(await client.post(f"{DAY}/goals/baked/achieved", json={"agent": "bob"}))
    back = ok(await client.post(f"{DAY}/revisions/4/restore"))  # every commitment, nothing achieved
    assert states(back)["baked"] == "enabled" and len(back["commitments"]) == 3 and back["revision"] == 6
    history = ok(await client.get(f"{DAY}/revisions"))["_embedded"]["revisions"]
    assert history[0]["summary"].startswith("restored revision 4")


async def test_deleting_a_scheme_frees_its_group(client: Client) -> None:
    await organisation(client, agents=("bob",))
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    ok(await client.put(DAY, json={"type": "day", "group": "t"}), 201)
    assert (await client.delete(DAY)).status_code == 204
    assert_problem(await client.get(DAY), 410)
    assert (await client.delete(TEAM)).status_code == 204
