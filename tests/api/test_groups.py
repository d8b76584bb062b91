"""``/organisations/{org}/groups``: group instances, adopting and leaving roles, well-formedness, history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.helpers import Client, assert_problem, tick
from tests.api.org_setup import DAY, ORG, TEAM, bakery, ok, organisation

pytestmark = pytest.mark.anyio


async def test_group_lifecycle_and_representation(client: Client) -> None:
    await organisation(client, agents=("bob",))
    created = await client.put(TEAM, json={"type": "team"})
    body = ok(created, 201)
    assert created.headers["location"] == TEAM and created.headers["etag"] == '"1"'
    assert (body["name"], body["organisation"], body["type"], body["players"]) == ("t", "bakery", "team", [])
    assert body["well_formed"] is False and "role baker needs at least 1 player, it has 0" in body["shortfalls"]
    assert body["_links"]["players"]["href"] == f"{TEAM}/players"
    again = ok(await client.put(TEAM, json=body))  # a representation sent back is an identical PUT
    assert again["revision"] == 1
    adopted = ok(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "baker"}))
    assert adopted["revision"] == 2 and [(p["agent"], p["role"]) for p in adopted["players"]] == [("bob", "baker")]
    assert adopted["players"][0]["_links"]["leave"]["href"] == f"{TEAM}/players/bob/baker"
    listed = ok(await client.get(f"{ORG}/groups"))
    assert [g["name"] for g in listed["_embedded"]["groups"]] == ["t"] and listed["count"] == 1
    not_modified = await client.get(TEAM, headers={"If-None-Match": '"2"'})
    assert not_modified.status_code == 304


async def test_bad_input_is_a_clear_4xx_and_changes_nothing(client: Client) -> None:
    assert_problem(await client.put(TEAM, json={"type": "team"}), 404)  # no organisation yet
    await organisation(client, agents=("bob",))
    unknown_type = assert_problem(await client.put(TEAM, json={"type": "teem"}), 422, "invalid-content")
    assert unknown_type["errors"][0]["path"] == "/type" and "team" in unknown_type["errors"][0]["message"]
    assert_problem(await client.put(TEAM, json={"type": "Team!"}), 422)
    assert_problem(await client.get(TEAM), 404)
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    ghost = assert_problem(await client.post(f"{TEAM}/players", json={"agent": "ghost", "role": "baker"}), 422)
    assert ghost["errors"][0]["path"] == "/agent" and "ghost" in ghost["detail"]
    no_role = assert_problem(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "staff"}), 422)
    assert no_role["errors"][0]["path"] == "/role" and "has no role 'staff'" in no_role["detail"]
    assert_problem(await client.post(f"{TEAM}/players", json={"agent": "bob"}), 422)
    assert_problem(await client.post(f"{ORG}/groups/nowhere/players", json={"agent": "bob", "role": "baker"}), 404)
    assert_problem(await client.delete(f"{TEAM}/players/bob/baker"), 404)
    assert ok(await client.get(TEAM))["revision"] == 1
    assert len(ok(await client.get(f"{TEAM}/revisions"))["_embedded"]["revisions"]) == 1


async def test_cardinality_and_compatibility_refusals_name_the_reason(client: Client) -> None:
    await organisation(client, agents=("bob", "carol"))
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    ok(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "baker"}))
    full = assert_problem(await client.post(f"{TEAM}/players", json={"agent": "carol", "role": "baker"}), 409)
    assert full["detail"] == "role baker in group t allows at most 1 player and bob plays it"
    clash = assert_problem(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "customer"}), 409)
    assert "roles customer and baker are not compatible" in clash["detail"]
    twice = assert_problem(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "baker"}), 409)
    assert "already plays" in twice["detail"]
    both = ok(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "seller"}))  # compatible pair
    assert both["well_formed"] is True and both["shortfalls"] == []
    assert ok(await client.get(TEAM))["revision"] == 3


async def test_leaving_a_role_and_the_commitments_that_need_it(client: Client) -> None:
    await bakery(client)
    ok(await client.post(f"{DAY}/commitments", json={"agent": "bob", "mission": "m_bake"}))
    refused = assert_problem(await client.delete(f"{TEAM}/players/bob/baker"), 409)
    assert "committed to mission m_bake in scheme d" in refused["detail"]
    left = ok(await client.delete(f"{TEAM}/players/carol/customer"))
    assert ("carol", "customer") not in [(p["agent"], p["role"]) for p in left["players"]]
    history = ok(await client.get(f"{TEAM}/revisions"))["_embedded"]["revisions"]
    assert (history[0]["type"], history[0]["summary"]) == ("role_left", "carol left customer")
    assert history[1]["type"] == "role_adopted"


async def test_who_played_what_at_a_past_instant(client: Client) -> None:
    await organisation(client, agents=("bob", "sam"))
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    ok(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "baker"}))
    await tick()
    between = datetime.now(UTC).isoformat()
    await tick()
    ok(await client.post(f"{TEAM}/players", json={"agent": "sam", "role": "seller"}))
    then = await client.get(TEAM, params={"at": between})
    assert [p["agent"] for p in ok(then)["players"]] == ["bob"] and ok(then)["well_formed"] is False
    assert then.headers["content-location"] == f"{TEAM}/revisions/2" and "memento-datetime" in then.headers
    assert [p["agent"] for p in ok(await client.get(TEAM))["players"]] == ["bob", "sam"]
    first = ok(await client.get(f"{TEAM}/revisions/1"))
    assert first["players"] == [] and first["_links"]["self"]["href"] == f"{TEAM}/revisions/1"
    listed = ok(await client.get(f"{ORG}/groups", params={"at": between}))
    assert [len(g["players"]) for g in listed["_embedded"]["groups"]] == [1]


async def test_subgroups_count_for_well_formedness(client: Client) -> None:
    await organisation(client, agents=("bob", "sam"))
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    for agent, role in (("bob", "baker"), ("sam", "seller")):
        ok(await client.post(f"{TEAM}/players", json={"agent": agent, "role": role}))
    crew = ok(await client.put(f"{ORG}/groups/c", json={"type": "crew", "parent": "t"}), 201)
    assert crew["parent"] == "t" and crew["_links"]["parent"]["href"] == TEAM
    parent = ok(await client.get(TEAM))
    assert parent["subgroups"] == ["c"] and parent["shortfalls"] == ["subgroup c is not well formed"]
    assert_problem(await client.put(f"{ORG}/groups/c2", json={"type": "crew", "parent": "t"}), 409)
    assert_problem(await client.put(f"{ORG}/groups/x", json={"type": "team", "parent": "t"}), 422)
    assert "subgroup c" in assert_problem(await client.delete(TEAM), 409)["detail"]
    ok(await client.post(f"{ORG}/groups/c/players", json={"agent": "bob", "role": "baker"}))
    assert ok(await client.get(TEAM))["well_formed"] is True


async def test_deleting_groups_and_organisations(client: Client) -> None:
    await bakery(client)
    refused = assert_problem(await client.delete(TEAM), 409)
    assert refused["detail"] == "group t is responsible for scheme d; delete the scheme first"
    assert (await client.delete(ORG)).status_code == 204
    assert_problem(await client.get(TEAM), 410)
    assert_problem(await client.get(DAY), 410)
    history = ok(await client.get(f"{TEAM}/revisions"))["_embedded"]["revisions"]
    assert history[0]["deleted"] and history[0]["summary"] == "deleted with organisation bakery"
    assert len(ok(await client.get(f"{TEAM}/revisions/4"))["players"]) == 3


async def test_restoring_an_earlier_revision_follows_todays_rules(client: Client) -> None:
    await organisation(client, agents=("bob",))
    ok(await client.put(TEAM, json={"type": "team"}), 201)
    ok(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "baker"}))
    ok(await client.post(f"{TEAM}/players", json={"agent": "bob", "role": "seller"}))
    ok(await client.delete(f"{TEAM}/players/bob/seller"))
    ok(await client.delete(f"{TEAM}/players/bob/baker"))
    spec = ok(await client.get(ORG))
    spec["groups"]["team"]["compatibilities"] = []
    ok(await client.put(ORG, json=spec))
    refused = assert_problem(await client.post(f"{TEAM}/revisions/3/restore"), 409)
    assert refused["detail"].startswith("revision 3 of group t cannot be restored: bob plays baker in group t")
    assert ok(await client.get(TEAM))["revision"] == 5
    restored = ok(await client.post(f"{TEAM}/revisions/2/restore"))
    assert [p["agent"] for p in restored["players"]] == ["bob"] and restored["revision"] == 6
    assert (await client.delete("/agents/bob")).status_code == 204
    assert "agent bob was deleted" in assert_problem(await client.post(f"{TEAM}/revisions/2/restore"), 409)["detail"]
