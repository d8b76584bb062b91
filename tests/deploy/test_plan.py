"""Planning deployments and rollbacks from the current state alone (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest, WorkspaceSpec
from romas.deploy.plan import KEPT_PROPERTIES, Plan, plan_deployment, plan_rollback
from romas.deploy.record import DeploymentRecord, count
from romas.domain.agents import agent_state
from romas.store.eventstore import ResourceRow

CODE = "+!go <- .print(go).\n"
WHEN = datetime(2026, 11, 21, tzinfo=UTC)


def row(path: str, revision: int, state: dict[str, Any], *, deleted: bool = False) -> ResourceRow:
    parent, collection, name = path.rsplit("/", 2)
    kind = {"agents": "agent", "workspaces": "workspace", "artefacts": "artefact", "organisations": "organisation"}
    return ResourceRow(path, kind[collection], parent, name, revision, deleted, state, WHEN)


def agent(code: str = CODE, **fields: Any) -> dict[str, Any]:
    return agent_state(
        code=code,
        description=fields.get("description", ""),
        metadata=fields.get("metadata", {}),
        state=fields.get("state", "running"),
        code_revision=fields.get("code_revision", 1),
    )


def counter(count: int = 0) -> dict[str, Any]:
    return {"type": "counter", "properties": {"count": count}, "description": ""}


def current(*rows: ResourceRow) -> dict[str, ResourceRow]:
    return {r.stream_id: r for r in rows}


def summary(plan: Plan) -> list[tuple[str, str, int | None, int | None]]:
    return [(s.key.stream_id, s.action, s.from_revision, s.to_revision) for s in plan.steps]


MANIFEST = Manifest(
    agents={"bob": AgentSpec(code=CODE), "amy": AgentSpec(code=CODE, state="stopped")},
    workspaces={"shop": WorkspaceSpec(artefacts={"stock": ArtefactSpec(type="counter", properties={"count": 0})})},
    organisations={"org": {"roles": {}}},
)


def test_an_empty_server_gets_everything_created_parents_first_and_agents_last() -> None:
    plan = plan_deployment(MANIFEST, {}, prune=False)
    assert summary(plan) == [
        ("/workspaces/shop", "create", None, 1),
        ("/workspaces/shop/artefacts/stock", "create", None, 1),
        ("/organisations/org", "create", None, 1),
        ("/agents/amy", "create", None, 1),
        ("/agents/bob", "create", None, 1),
    ]
    amy = plan.steps[3]
    assert amy.desired is not None and amy.desired["state"] == "stopped" and amy.desired["code_revision"] == 1
    assert plan.changes and plan.unmanaged == ()


def test_a_matching_server_is_unchanged_and_new_code_is_an_update_of_the_code() -> None:
    rows = current(
        row("/workspaces/shop", 1, {"description": ""}),
        row("/workspaces/shop/artefacts/stock", 4, counter(0)),
        row("/organisations/org", 2, {"roles": {}}),
        row("/agents/amy", 1, agent(state="stopped")),
        row("/agents/bob", 3, agent(code_revision=2)),
    )
    assert not plan_deployment(MANIFEST, rows, prune=False).changes
    changed = Manifest(agents={"bob": AgentSpec(code=CODE + "// new\n")})
    step = plan_deployment(changed, rows, prune=False).steps[0]
    assert (step.action, step.from_revision, step.to_revision) == ("update", 3, 4)
    assert step.entry().changed == ["code"] and step.desired is not None and step.desired["code_revision"] == 4


def test_a_deleted_resource_is_created_again_from_its_deletion_revision() -> None:
    rows = current(row("/agents/bob", 5, agent(), deleted=True))
    step = plan_deployment(Manifest(agents={"bob": AgentSpec(code=CODE)}), rows, prune=False).steps[0]
    assert (step.action, step.from_revision, step.to_revision) == ("create", 5, 6)
    assert step.desired is not None and step.desired["code_revision"] == 6


def test_live_artefact_properties_are_kept_unless_the_type_changes() -> None:
    rows = current(
        row("/workspaces/shop", 1, {"description": ""}), row("/workspaces/shop/artefacts/stock", 7, counter(9))
    )
    stock = plan_deployment(MANIFEST, rows, prune=False).steps[1]
    assert stock.action == "unchanged" and stock.note == KEPT_PROPERTIES
    board = Manifest(workspaces={"shop": WorkspaceSpec(artefacts={"stock": ArtefactSpec(type="board")})})
    retyped = plan_deployment(board, rows, prune=False).steps[1]
    assert retyped.action == "update" and retyped.changed == ("properties", "type")


def test_prune_deletes_agents_first_and_workspaces_last_with_their_artefacts() -> None:
    rows = current(
        row("/agents/old", 2, agent()),
        row("/organisations/gone", 1, {"roles": {}}),
        row("/workspaces/shop", 1, {"description": ""}),
        row("/workspaces/shop/artefacts/stock", 1, counter()),
        row("/workspaces/shop/artefacts/extra", 3, counter()),
        row("/workspaces/lab", 2, {"description": ""}),
        row("/workspaces/lab/artefacts/a", 1, counter()),
        row("/workspaces/lab/artefacts/dead", 2, counter(), deleted=True),
    )
    plan = plan_deployment(MANIFEST, rows, prune=True)
    deletions = [(s.key.stream_id, s.cascade, s.to_revision) for s in plan.steps if s.action == "delete"]
    assert deletions == [
        ("/agents/old", False, 3),
        ("/organisations/gone", False, 2),
        ("/workspaces/shop/artefacts/extra", False, 4),
        ("/workspaces/lab", False, 3),
        ("/workspaces/lab/artefacts/a", True, 2),
    ]
    kept = plan_deployment(MANIFEST, rows, prune=False)
    assert kept.unmanaged == (
        "/agents/old",
        "/organisations/gone",
        "/workspaces/lab",
        "/workspaces/lab/artefacts/a",
        "/workspaces/shop/artefacts/extra",
    )
    assert all(step.action != "delete" for step in kept.steps)


def _deployment(plan: Plan) -> DeploymentRecord:
    entries = plan.entries()
    return DeploymentRecord(id=4, actor="ci", counts=count(entries), plan=entries)


def test_a_rollback_restores_revisions_deletes_creations_and_revives_deletions() -> None:
    before = current(
        row("/agents/bob", 1, agent()),
        row("/agents/old", 1, agent()),
        row("/workspaces/shop", 1, {"description": ""}),
        row("/workspaces/shop/artefacts/stock", 1, counter()),
    )
    manifest = Manifest(
        agents={"bob": AgentSpec(code=CODE, description="v2"), "new": AgentSpec(code=CODE)},
        workspaces={"shop": WorkspaceSpec(artefacts={"stock": ArtefactSpec(type="counter", properties={"count": 0})})},
    )
    record = _deployment(plan_deployment(manifest, before, prune=True))
    after = current(
        row("/agents/bob", 2, agent(description="v2")),
        row("/agents/old", 2, agent(), deleted=True),
        row("/agents/new", 1, agent()),
    )
    plan, stale = plan_rollback(record, after, before, {}, force=False)
    assert stale == []
    assert [(s.key.stream_id, s.action, s.restore, s.to_revision) for s in plan.steps] == [
        ("/agents/bob", "update", 1, 3),
        ("/agents/old", "create", 1, 3),
        ("/agents/new", "delete", None, 2),
    ]


def test_a_rollback_is_stale_when_a_resource_moved_unless_forced() -> None:
    record = _deployment(plan_deployment(Manifest(agents={"bob": AgentSpec(code=CODE)}), {}, prune=False))
    moved = current(row("/agents/bob", 2, agent(description="by hand")))
    plan, stale = plan_rollback(record, moved, {}, {}, force=False)
    assert [s.path for s in stale] == ["/agents/bob"] and "revision 2" in stale[0].message
    plan, stale = plan_rollback(record, moved, {}, {}, force=True)
    assert stale == [] and summary(plan) == [("/agents/bob", "delete", 2, 3)]


def test_a_rollback_cannot_bring_back_an_artefact_whose_workspace_is_gone() -> None:
    before = current(
        row("/workspaces/shop", 1, {"description": ""}), row("/workspaces/shop/artefacts/stock", 1, counter())
    )
    record = _deployment(plan_deployment(Manifest(workspaces={"shop": WorkspaceSpec()}), before, prune=True))
    assert [s.to_revision for s in record.plan if s.action == "delete"] == [2]
    now = current(
        row("/workspaces/shop", 3, {"description": ""}, deleted=True),
        row("/workspaces/shop/artefacts/stock", 2, counter(), deleted=True),
    )
    _plan, stale = plan_rollback(record, now, before, {}, force=True)
    assert [s.path for s in stale] == ["/workspaces/shop/artefacts/stock"] and "does not exist" in stale[0].message
