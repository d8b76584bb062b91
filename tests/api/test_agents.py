"""``/agents``: create, replace, patch, delete, revisions, restore and time travel, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.helpers import GOOD_CODE, Client, assert_problem, put_agent, tick

pytestmark = pytest.mark.anyio


async def test_put_creates_with_location_etag_and_hal_links(client: Client) -> None:
    response = await client.put("/agents/alice", json={"code": GOOD_CODE, "description": "greets"})
    assert response.status_code == 201
    assert response.headers["location"] == "/agents/alice"
    assert response.headers["etag"] == '"1"'
    assert response.headers["content-type"].startswith("application/hal+json")
    body = response.json()
    assert body["name"] == "alice" and body["revision"] == 1 and body["state"] == "running"
    assert body["code"] == GOOD_CODE and body["code_revision"] == 1
    links = body["_links"]
    for rel in ("self", "code", "revisions", "collection", "diff", "events"):
        assert rel in links, rel
    assert links["self"]["href"] == "/agents/alice"


async def test_identical_put_makes_no_revision(client: Client) -> None:
    await put_agent(client, description="d")
    again = await client.put("/agents/alice", json={"code": GOOD_CODE, "description": "d"})
    assert again.status_code == 200 and again.json()["revision"] == 1
    revisions = (await client.get("/agents/alice/revisions")).json()
    assert revisions["count"] == 1


async def test_get_echo_put_is_accepted(client: Client) -> None:
    created = (await put_agent(client)).json()
    created["description"] = "edited"
    response = await client.put("/agents/alice", json=created)
    assert response.status_code == 200 and response.json()["revision"] == 2


async def test_code_that_does_not_parse_is_refused_with_every_location(client: Client) -> None:
    bad = '+!start <- .print("hi")\n+!other <- x(.\n'
    response = await client.put("/agents/alice", json={"code": bad})
    problem = assert_problem(response, 422, "invalid-code")
    assert problem["errors"] and all({"line", "column", "message"} <= set(e) for e in problem["errors"])
    assert (await client.get("/agents/alice")).status_code == 404
    assert (await client.get("/events")).json()["count"] == 0


async def test_if_match_and_if_none_match(client: Client) -> None:
    await put_agent(client)
    stale = await client.put("/agents/alice", json={"code": "", "description": "x"}, headers={"If-Match": '"7"'})
    assert_problem(stale, 412, "precondition-failed")
    ok = await client.put("/agents/alice", json={"code": "", "description": "x"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    create_only = await client.put("/agents/alice", json={"code": ""}, headers={"If-None-Match": "*"})
    assert_problem(create_only, 412)
    fresh = await client.put("/agents/bob", json={"code": ""}, headers={"If-None-Match": "*"})
    assert fresh.status_code == 201


async def test_conditional_get_answers_304(client: Client) -> None:
    await put_agent(client)
    response = await client.get("/agents/alice", headers={"If-None-Match": '"1"'})
    assert response.status_code == 304 and response.headers["etag"] == '"1"'
    assert (await client.get("/agents/alice", headers={"If-None-Match": '"9"'})).status_code == 200


async def test_patch_merges_and_validates(client: Client) -> None:
    await put_agent(client, metadata={"team": "red", "level": 1})
    response = await client.patch(
        "/agents/alice",
        json={"state": "stopped", "metadata": {"level": None, "role": "x"}},
        headers={"content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "stopped" and body["metadata"] == {"team": "red", "role": "x"}
    assert body["code_revision"] == 1 and body["revision"] == 2
    bad = await client.patch("/agents/alice", json={"state": "flying", "colour": 1})
    problem = assert_problem(bad, 422)
    assert {e["path"] for e in problem["errors"]} == {"/state", "/colour"}
    missing = await client.patch("/agents/nobody", json={"state": "stopped"})
    assert_problem(missing, 404)


async def test_delete_answers_410_keeps_history_and_put_brings_it_back(client: Client) -> None:
    await put_agent(client)
    assert (await client.delete("/agents/alice")).status_code == 204
    gone = assert_problem(await client.get("/agents/alice"), 410, "gone")
    assert gone["_links"]["revisions"]["href"] == "/agents/alice/revisions"
    assert (await client.get("/agents/alice/revisions/1")).status_code == 200
    assert_problem(await client.get("/agents/alice/revisions/2"), 410)
    assert_problem(await client.delete("/agents/alice"), 410)
    assert (await client.get("/agents")).json()["count"] == 0
    back = await client.put("/agents/alice", json={"code": GOOD_CODE})
    assert back.status_code == 201 and back.json()["revision"] == 3


async def test_revisions_newest_first_with_actor_summary_and_paging(client: Client) -> None:
    await put_agent(client)
    for i in range(4):
        await client.put("/agents/alice", json={"code": GOOD_CODE, "description": f"v{i}"})
    page = (await client.get("/agents/alice/revisions?limit=2")).json()
    entries = page["_embedded"]["revisions"]
    assert [e["revision"] for e in entries] == [5, 4]
    assert entries[0]["actor"] == "anonymous" and entries[0]["summary"] and entries[0]["type"] == "updated"
    assert entries[0]["_links"]["self"]["href"] == "/agents/alice/revisions/5"
    rest = (await client.get(page["_links"]["next"]["href"])).json()
    assert [e["revision"] for e in rest["_embedded"]["revisions"]] == [3, 2]
    last = (await client.get(rest["_links"]["next"]["href"])).json()
    assert [e["revision"] for e in last["_embedded"]["revisions"]] == [1] and "next" not in last["_links"]


async def test_revision_is_an_immutable_memento(client: Client) -> None:
    await put_agent(client, description="first")
    await client.put("/agents/alice", json={"code": GOOD_CODE, "description": "second"})
    response = await client.get("/agents/alice/revisions/1")
    assert response.status_code == 200
    assert response.json()["description"] == "first"
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["memento-datetime"].endswith("GMT")
    assert 'rel="original"' in response.headers["link"]
    assert_problem(await client.get("/agents/alice/revisions/9"), 404)


async def test_time_travel_with_at_and_accept_datetime(client: Client) -> None:
    await put_agent(client, description="first")
    await tick()
    between = datetime.now(UTC)
    await tick()
    await client.put("/agents/alice", json={"code": GOOD_CODE, "description": "second"})
    then = await client.get(f"/agents/alice?at={between.isoformat().replace('+00:00', 'Z')}")
    assert then.status_code == 200 and then.json()["description"] == "first"
    assert then.headers["content-location"] == "/agents/alice/revisions/1"
    assert "memento-datetime" in then.headers
    assert_problem(await client.get("/agents/alice?at=2001-01-01T00:00:00Z"), 404)
    by_header = await client.get("/agents/alice", headers={"Accept-Datetime": "Sat, 01 Jan 2100 00:00:00 GMT"})
    assert by_header.json()["description"] == "second"
    listed = await client.get("/agents", params={"at": between.isoformat()})
    assert [a["name"] for a in listed.json()["_embedded"]["agents"]] == ["alice"]
    assert (await client.get("/agents?at=2001-01-01T00:00:00Z")).json()["count"] == 0


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00"])
async def test_bad_instants_are_400(client: Client, at: str) -> None:
    await put_agent(client)
    assert_problem(await client.get("/agents/alice", params={"at": at}), 400)


async def test_bad_accept_datetime_is_400(client: Client) -> None:
    await put_agent(client)
    assert_problem(await client.get("/agents/alice", headers={"Accept-Datetime": "soon"}), 400)


async def test_restore_makes_a_new_revision_equal_to_an_old_one(client: Client) -> None:
    await put_agent(client, description="first")
    await client.put("/agents/alice", json={"code": "", "description": "second"})
    restored = await client.post("/agents/alice/revisions/1/restore")
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["revision"] == 3 and body["description"] == "first" and body["code"] == GOOD_CODE
    history = (await client.get("/agents/alice/revisions")).json()["_embedded"]["revisions"]
    assert history[0]["type"] == "restored" and "revision 1" in history[0]["summary"]
    same = await client.post("/agents/alice/revisions/3/restore")
    assert same.status_code == 200 and same.json()["revision"] == 3
    assert_problem(await client.post("/agents/alice/revisions/99/restore"), 404)


async def test_restore_of_a_deletion_is_a_conflict_and_restore_undeletes(client: Client) -> None:
    await put_agent(client)
    await client.delete("/agents/alice")
    assert_problem(await client.post("/agents/alice/revisions/2/restore"), 409)
    back = await client.post("/agents/alice/revisions/1/restore")
    assert back.status_code == 200 and back.json()["revision"] == 3
    assert (await client.get("/agents/alice")).status_code == 200


async def test_listing_pages_with_cursor_and_link_header(client: Client) -> None:
    for name in ("carol", "alice", "bob", "dave", "erin"):
        await put_agent(client, name)
    first = await client.get("/agents?limit=2")
    body = first.json()
    assert [a["name"] for a in body["_embedded"]["agents"]] == ["alice", "bob"]
    assert 'rel="next"' in first.headers["link"]
    names: list[str] = []
    href: str | None = "/agents?limit=2"
    while href:
        page = (await client.get(href)).json()
        names += [a["name"] for a in page["_embedded"]["agents"]]
        href = page["_links"].get("next", {}).get("href")
    assert names == ["alice", "bob", "carol", "dave", "erin"]
    assert_problem(await client.get("/agents?cursor=nonsense"), 404)
    assert_problem(await client.get("/agents?cursor=no%20sense"), 400)
    assert_problem(await client.get("/agents?limit=0"), 400)
    assert_problem(await client.get("/agents?limit=100000"), 400)


@pytest.mark.parametrize("name", ["Alice", "1abc", "a-b", "a" * 65, "_x"])
async def test_invalid_names_are_400(client: Client, name: str) -> None:
    assert_problem(await client.put(f"/agents/{name}", json={"code": ""}), 400)
    assert_problem(await client.get(f"/agents/{name}"), 400)


async def test_body_naming_another_agent_is_refused(client: Client) -> None:
    assert_problem(await client.put("/agents/alice", json={"code": "", "name": "bob"}), 422)
