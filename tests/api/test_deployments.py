"""``/deployments`` and ``/manifest``: plans, dry runs, atomic deployments, the 409 guard, pruning, rollbacks."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from romas.config import Settings, parse_tokens
from romas.deploy.specs import load_specs
from romas.domain.artefact_types import load_artefact_types
from romas.server import create_app
from romas.store.eventstore import ConcurrencyConflict
from tests.api.helpers import Client, assert_problem, tick

pytestmark = pytest.mark.anyio
SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
CODE = '+!start <- .print("hello").\n'
SOURCE = {"repository": "https://example.org/bakery.git", "commit": "a" * 40, "branch": "main", "dirty": False}


def mas() -> dict[str, Any]:
    """A small MAS: two agents, a workspace with two artefacts, an organisation."""
    return {
        "agents": {"alice": {"code": CODE}, "bob": {"code": CODE, "description": "the baker", "state": "stopped"}},
        "workspaces": {
            "shop": {
                "description": "a shop",
                "artefacts": {"stock": {"type": "counter", "properties": {"count": 3}}, "orders": {"type": "queue"}},
            }
        },
        "organisations": {
            "market": {
                "roles": {"seller": {}},
                "groups": {"team": {"roles": {"seller": {"min": 0, "max": 1}}}},
                "schemes": {"sale": {"goals": {"sold": {}}, "missions": {"m": {"goals": ["sold"]}}}},
                "norms": [],
            }
        },
    }


async def deploy(client: Client, manifest: dict[str, Any], status: int = 201, **fields: Any) -> dict[str, Any]:
    response = await client.post("/deployments", json={"manifest": manifest, **fields})
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def actions(deployment: dict[str, Any]) -> list[tuple[str, str]]:
    return [(entry["path"], entry["action"]) for entry in deployment["plan"] if entry["action"] != "unchanged"]


async def last_position(client: Client) -> int:
    return int((await client.get("/events?after=0&limit=500")).json()["last_position"])


async def test_a_dry_run_answers_the_plan_and_writes_nothing(client: Client) -> None:
    plan = await deploy(client, mas(), 200, dry_run=True)
    assert plan["status"] == "planned" and plan["id"] is None and plan["revision"] is None
    assert plan["counts"] == {"create": 6, "update": 0, "delete": 0, "unchanged": 0}
    kinds = [entry["kind"] for entry in plan["plan"]]
    assert kinds == ["workspace", "artefact", "artefact", "organisation", "agent", "agent"]
    assert all(e["from_revision"] is None and e["to_revision"] == 1 for e in plan["plan"])
    assert await last_position(client) == 0
    assert (await client.get("/deployments")).json()["count"] == 0


async def test_a_deployment_is_recorded_and_every_revision_it_made_names_it(client: Client) -> None:
    response = await client.post("/deployments", json={"manifest": mas(), "source": SOURCE})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/deployments/1" and response.headers["etag"] == '"1"'
    deployment = response.json()
    assert deployment["id"] == 1 and deployment["status"] == "applied" and deployment["source"] == SOURCE
    assert deployment["actor"] == "anonymous" and deployment["_links"]["rollback"]["templated"]
    assert (await client.get("/agents/bob")).json()["state"] == "stopped"
    stock = (await client.get("/workspaces/shop/artefacts/stock")).json()
    assert stock["properties"] == {"count": 3}
    for path in ("/agents/alice", "/workspaces/shop", "/workspaces/shop/artefacts/orders", "/organisations/market"):
        meta = (await client.get(f"{path}/revisions")).json()["_embedded"]["revisions"][0]["meta"]
        assert meta["deployment"] == 1 and meta["git"] == SOURCE, (path, meta)
    events = (await client.get("/events?after=0&limit=500")).json()["_embedded"]["events"]
    assert len(events) == 7 and all(event["metadata"]["deployment"] == 1 for event in events)
    stored = (await client.get("/deployments/1")).json()
    assert stored["plan"] == deployment["plan"] and stored["recorded_at"] == deployment["recorded_at"]
    assert (await client.get("/deployments/1", headers={"If-None-Match": '"1"'})).status_code == 304


async def test_deploying_the_same_manifest_again_changes_nothing_and_records_nothing(client: Client) -> None:
    await deploy(client, mas())
    before = await last_position(client)
    again = await deploy(client, mas(), 200)
    assert again["status"] == "unchanged" and again["id"] is None
    assert again["counts"] == {"create": 0, "update": 0, "delete": 0, "unchanged": 6}
    assert all(e["from_revision"] == e["to_revision"] == 1 for e in again["plan"])
    assert await last_position(client) == before
    assert (await client.get("/deployments")).json()["count"] == 1


async def test_one_changed_agent_is_exactly_one_update(client: Client) -> None:
    await deploy(client, mas())
    changed = mas()
    changed["agents"]["alice"]["code"] = CODE + '+!stop <- .print("bye").\n'
    second = await deploy(client, changed, source={**SOURCE, "commit": "b" * 40})
    assert actions(second) == [("/agents/alice", "update")]
    alice = next(e for e in second["plan"] if e["name"] == "alice")
    assert (alice["from_revision"], alice["to_revision"], alice["changed"]) == (1, 2, ["code"])
    revision = (await client.get("/agents/alice/revisions")).json()["_embedded"]["revisions"][0]
    assert revision["revision"] == 2 and revision["meta"]["git"]["commit"] == "b" * 40
    assert revision["meta"]["deployment"] == second["id"] == 2


async def test_artefact_properties_are_initial_values(client: Client) -> None:
    await deploy(client, mas())
    moved = await client.put("/workspaces/shop/artefacts/stock", json={"type": "counter", "properties": {"count": 9}})
    assert moved.status_code == 200
    again = await deploy(client, mas(), 200)
    stock = next(e for e in again["plan"] if e["name"] == "stock")
    assert stock["action"] == "unchanged" and "initial values" in stock["note"]
    assert (await client.get("/workspaces/shop/artefacts/stock")).json()["properties"] == {"count": 9}
    retyped = mas()
    retyped["workspaces"]["shop"]["artefacts"]["stock"] = {"type": "board", "properties": {"entries": {"a": 1}}}
    assert actions(await deploy(client, retyped)) == [("/workspaces/shop/artefacts/stock", "update")]
    assert (await client.get("/workspaces/shop/artefacts/stock")).json()["properties"] == {"entries": {"a": 1}}


async def test_without_prune_extra_resources_are_left_alone_and_listed(client: Client) -> None:
    await deploy(client, mas())
    await client.put("/agents/carol", json={"code": CODE})
    smaller = mas()
    del smaller["agents"]["alice"]
    plan = await deploy(client, smaller, 200)
    assert plan["status"] == "unchanged" and plan["unmanaged"] == ["/agents/alice", "/agents/carol"]
    assert (await client.get("/agents/alice")).status_code == 200


async def test_prune_deletes_what_the_manifest_does_not_name_and_counts_cascades(client: Client) -> None:
    bigger = mas()
    bigger["workspaces"]["lab"] = {"artefacts": {"a": {"type": "counter"}, "b": {"type": "queue"}}}
    await deploy(client, bigger)
    smaller = mas()
    del smaller["agents"]["bob"]
    del smaller["workspaces"]["shop"]["artefacts"]["orders"]
    pruned = await deploy(client, smaller, prune=True)
    assert actions(pruned) == [
        ("/agents/bob", "delete"),
        ("/workspaces/shop/artefacts/orders", "delete"),
        ("/workspaces/lab", "delete"),
        ("/workspaces/lab/artefacts/a", "delete"),
        ("/workspaces/lab/artefacts/b", "delete"),
    ]
    assert [e["cascade"] for e in pruned["plan"] if e["action"] == "delete"] == [False, False, False, True, True]
    assert pruned["counts"]["delete"] == 5 and pruned["unmanaged"] == []
    for path in ("/agents/bob", "/workspaces/lab", "/workspaces/lab/artefacts/a", "/workspaces/shop/artefacts/orders"):
        assert (await client.get(path)).status_code == 410, path
    cascaded = (await client.get("/workspaces/lab/artefacts/b/revisions")).json()["_embedded"]["revisions"][0]
    assert cascaded["deleted"] and cascaded["meta"]["deployment"] == 2


async def test_a_stale_expected_revision_refuses_the_whole_deployment(client: Client) -> None:
    await deploy(client, mas())
    await client.patch("/agents/bob", json={"description": "changed by hand"})
    changed = mas()
    changed["agents"]["alice"]["description"] = "new"
    guard = {"/agents/alice": 1, "/agents/bob": 1, "/agents/nobody": 0, "/workspaces/shop/artefacts/gone": 2}
    before = await last_position(client)
    response = await client.post("/deployments", json={"manifest": changed, "expected_revisions": guard})
    problem = assert_problem(response, 409, "conflict")
    assert [e["path"] for e in problem["errors"]] == ["/agents/bob", "/workspaces/shop/artefacts/gone"]
    assert "revision 2" in problem["errors"][0]["message"]
    assert await last_position(client) == before
    guard = {"/agents/alice": 1, "/agents/bob": 2, "/agents/nobody": 0}
    accepted = await deploy(client, changed, expected_revisions=guard)
    assert actions(accepted) == [("/agents/alice", "update"), ("/agents/bob", "update")]


async def test_a_deployment_failing_half_way_leaves_nothing_changed(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    await deploy(client, mas())
    services = client.app.state.services
    real_put = services.organisations.put

    async def failing_put(*args: Any, **kwargs: Any) -> Any:
        raise ConcurrencyConflict("/organisations/market", 1)

    changed = mas()
    changed["workspaces"]["lab"] = {"description": "new"}
    changed["agents"]["carol"] = {"code": CODE}
    changed["organisations"]["market"]["description"] = "changed"
    before = await last_position(client)
    monkeypatch.setattr(services.organisations, "put", failing_put)
    assert_problem(await client.post("/deployments", json={"manifest": changed}), 409, "conflict")
    monkeypatch.setattr(services.organisations, "put", real_put)
    assert await last_position(client) == before
    assert (await client.get("/workspaces/lab")).status_code == 404  # written before the failure, rolled back
    assert (await client.get("/agents/carol")).status_code == 404
    assert (await client.get("/deployments")).json()["count"] == 1
    assert (await deploy(client, changed))["id"] == 2  # the number was not used up


async def test_a_bad_manifest_is_refused_with_a_pointer_to_every_problem(client: Client) -> None:
    shape = {
        "manifest": {
            "agents": {"Alice": {"code": CODE}, "bob": {"code": 3}},
            "workspaces": {"shop": {"artefacts": {"stock": {"type": "counter", "colour": "red"}}}},
            "organisations": {"market": []},
        },
        "prune": "yes",
        "expected_revisions": {"/agents/bob": -1},
        "extra": 1,
    }
    problem = assert_problem(await client.post("/deployments", json=shape), 422, "invalid-content")
    assert {e["path"] for e in problem["errors"]} == {
        "/extra",
        "/manifest/agents/Alice",
        "/manifest/agents/bob/code",
        "/manifest/workspaces/shop/artefacts/stock",
        "/manifest/organisations/market",
        "/prune",
        "/expected_revisions/~1agents~1bob",
    }
    content = mas()
    content["agents"]["bob"]["code"] = "+!start <- .print(.\n"
    content["workspaces"]["shop"]["artefacts"]["stock"] = {"type": "countr"}
    content["workspaces"]["shop"]["artefacts"]["orders"]["properties"] = {"items": "none"}
    content["organisations"]["market"]["norms"] = [{"id": "n", "type": "obligation", "role": "x", "mission": "m"}]
    response = await client.post("/deployments", json={"manifest": content, "expected_revisions": {"agents": 1}})
    problem = assert_problem(response, 422, "invalid-content")
    paths = [e["path"] for e in problem["errors"]]
    assert "/manifest/agents/bob/code" in paths and "/manifest/workspaces/shop/artefacts/stock/type" in paths
    assert (
        "/manifest/workspaces/shop/artefacts/orders/properties/items" in paths and "/expected_revisions/agents" in paths
    )
    assert any(p.startswith("/manifest/organisations/market/norms") for p in paths)
    code = next(e for e in problem["errors"] if e["path"] == "/manifest/agents/bob/code")
    assert code["line"] == 1 and code["column"] > 1
    assert await last_position(client) == 0


async def test_rollback_restores_updates_deletes_creations_and_revives_deletions(client: Client) -> None:
    await deploy(client, mas())
    changed = mas()
    changed["agents"]["alice"]["description"] = "changed"
    del changed["agents"]["bob"]
    changed["agents"]["dave"] = {"code": CODE}
    del changed["workspaces"]["shop"]
    second = await deploy(client, changed, prune=True)
    assert second["counts"] == {"create": 1, "update": 1, "delete": 4, "unchanged": 1}
    response = await client.post("/deployments/2/rollback")
    assert response.status_code == 201 and response.headers["location"] == "/deployments/3"
    rollback = response.json()
    assert rollback["rollback_of"] == 2 and rollback["_links"]["rollback_of"]["href"] == "/deployments/2"
    assert set(actions(rollback)) == {
        ("/agents/alice", "update"),
        ("/agents/bob", "create"),
        ("/agents/dave", "delete"),
        ("/workspaces/shop", "create"),
        ("/workspaces/shop/artefacts/orders", "create"),
        ("/workspaces/shop/artefacts/stock", "create"),
    }
    assert (await client.get("/agents/alice")).json()["description"] == ""
    assert (await client.get("/agents/bob")).json()["state"] == "stopped"
    assert (await client.get("/agents/dave")).status_code == 410
    assert (await client.get("/workspaces/shop/artefacts/stock")).json()["properties"] == {"count": 3}
    meta = (await client.get("/agents/bob/revisions")).json()["_embedded"]["revisions"][0]["meta"]
    assert meta["deployment"] == 3 and meta["rollback_of"] == 2
    assert (await client.get("/deployments/2")).json()["rolled_back_by"] == 3
    assert (await deploy(client, mas(), 200))["status"] == "unchanged"  # exactly the first MAS again
    again = await client.post("/deployments/2/rollback")
    assert "already rolled back by deployment 3" in assert_problem(again, 409, "conflict")["detail"]


async def test_rollback_of_a_creation_deletes_it(client: Client) -> None:
    await deploy(client, mas())
    rollback = (await client.post("/deployments/1/rollback")).json()
    assert rollback["counts"]["delete"] == 6
    overview = (await client.get("/overview")).json()
    assert overview["agents"] == [] and overview["workspaces"] == [] and overview["organisations"] == []


async def test_rollback_refuses_when_something_changed_since_unless_forced(client: Client) -> None:
    await deploy(client, mas())
    changed = mas()
    changed["agents"]["alice"]["description"] = "v2"
    await deploy(client, changed)
    await client.patch("/agents/alice", json={"description": "by hand"})
    before = await last_position(client)
    problem = assert_problem(await client.post("/deployments/2/rollback"), 409, "conflict")
    assert problem["errors"] == [{"path": "/agents/alice", "message": problem["errors"][0]["message"]}]
    assert "revision 3" in problem["errors"][0]["message"]
    assert await last_position(client) == before
    dry = await client.post("/deployments/2/rollback?force=true&dry_run=true")
    assert dry.status_code == 200 and dry.json()["status"] == "planned" and await last_position(client) == before
    forced = await client.post("/deployments/2/rollback?force=true")
    assert forced.status_code == 201
    assert (await client.get("/agents/alice")).json()["description"] == ""


async def test_rollback_will_not_delete_a_workspace_holding_artefacts_it_did_not_create(client: Client) -> None:
    await deploy(client, mas())
    await client.put("/workspaces/shop/artefacts/extra", json={"type": "counter"})
    problem = assert_problem(await client.post("/deployments/1/rollback"), 409, "conflict")
    assert [e["path"] for e in problem["errors"]] == ["/workspaces/shop/artefacts/extra"]
    forced = (await client.post("/deployments/1/rollback?force=true")).json()
    extra = next(e for e in forced["plan"] if e["name"] == "extra")
    assert extra["action"] == "delete" and extra["cascade"]


async def test_rollback_of_an_unknown_deployment_is_404(client: Client) -> None:
    assert_problem(await client.post("/deployments/7/rollback"), 404, "not-found")
    assert_problem(await client.get("/deployments/7"), 404, "not-found")
    assert_problem(await client.post("/deployments/1/rollback?force=maybe"), 400)


async def test_deployments_are_listed_newest_first_with_a_cursor(client: Client) -> None:
    manifest = mas()
    for description in ("one", "two", "three"):
        manifest["agents"]["alice"]["description"] = description
        await deploy(client, manifest)
    page = (await client.get("/deployments?limit=2")).json()
    assert [d["id"] for d in page["_embedded"]["deployments"]] == [3, 2]
    rest = (await client.get(page["_links"]["next"]["href"])).json()
    assert [d["id"] for d in rest["_embedded"]["deployments"]] == [1] and "next" not in rest["_links"]
    assert_problem(await client.get("/deployments?cursor=nonsense"), 404, "not-found")
    assert_problem(await client.get("/deployments?cursor=no%20sense"), 400, "malformed-request")


async def test_the_manifest_now_and_then_and_deploying_it_changes_nothing(client: Client) -> None:
    await deploy(client, mas())
    await tick()
    between = (await client.get("/deployments/1")).json()["recorded_at"]
    changed = mas()
    changed["agents"]["carol"] = {"code": CODE, "metadata": {"k": [1, 2]}}
    await deploy(client, changed)
    now = (await client.get("/manifest")).json()
    assert set(now["manifest"]["agents"]) == {"alice", "bob", "carol"}
    assert (await deploy(client, now["manifest"], 200))["status"] == "unchanged"
    then = await client.get("/manifest", params={"at": between})
    assert then.headers["memento-datetime"] and set(then.json()["manifest"]["agents"]) == {"alice", "bob"}
    assert then.json()["manifest"]["workspaces"]["shop"]["artefacts"]["stock"]["properties"] == {"count": 3}
    assert (await client.get("/manifest?at=1999-01-01T00:00:00Z")).json()["manifest"]["agents"] == {}
    assert_problem(await client.get("/manifest?at=yesterday"), 400)


async def test_the_sample_mas_deploys_onto_an_empty_server(client: Client) -> None:
    manifest, problems = load_specs(SAMPLE, load_artefact_types([]))
    assert manifest is not None, problems
    first = await deploy(client, manifest.to_builtins())
    assert first["counts"]["create"] == 10
    assert (await deploy(client, manifest.to_builtins(), 200))["status"] == "unchanged"


async def test_concurrent_deployments_take_distinct_numbers(client: Client) -> None:
    manifests = []
    for name in ("a", "b", "c"):
        manifests.append({"agents": {name: {"code": CODE}}})
    answers = await asyncio.gather(*(client.post("/deployments", json={"manifest": m}) for m in manifests))
    assert sorted(a.status_code for a in answers) == [201, 201, 201], [a.text for a in answers]
    assert sorted(a.json()["id"] for a in answers) == [1, 2, 3]


async def test_an_idempotency_key_replays_the_first_answer(client: Client) -> None:
    headers = {"Idempotency-Key": "deploy-1"}
    first = await client.post("/deployments", json={"manifest": mas()}, headers=headers)
    again = await client.post("/deployments", json={"manifest": mas()}, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and (await client.get("/deployments")).json()["count"] == 1


async def test_deploying_needs_the_deploy_scope(database_url: str) -> None:
    tokens = parse_tokens("ci:c1:deploy+read;dev:d1:read+write")
    app = create_app(Settings(database_url=database_url, tokens=tokens))
    async with AsyncTestClient(app=app) as client:
        body = {"manifest": copy.deepcopy(mas())}
        refused = await client.post("/deployments", json=body, headers={"Authorization": "Bearer d1"})
        assert_problem(refused, 403, "forbidden")
        done = await client.post("/deployments", json=body, headers={"Authorization": "Bearer c1"})
        assert done.status_code == 201 and done.json()["actor"] == "ci"
        revisions = await client.get("/agents/alice/revisions", headers={"Authorization": "Bearer d1"})
        assert revisions.json()["_embedded"]["revisions"][0]["actor"] == "ci"
        rollback = await client.post("/deployments/1/rollback", headers={"Authorization": "Bearer d1"})
        assert_problem(rollback, 403, "forbidden")
