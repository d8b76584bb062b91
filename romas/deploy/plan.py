"""Planning: what a deployment or a rollback does to each resource, decided from the current state alone.

Planning is pure, so a dry run and the real deployment make the same decisions. The applier
(:mod:`romas.deploy.apply`) reads the current state inside the write transaction, plans, and runs the steps in
their order: workspaces before their artefacts, then organisations, then agents (so a starting agent finds
what it uses); deletions come last, agents first and workspaces, which take their artefacts along, at the end.

An artefact's properties in a manifest are its *initial* values: they are set when the artefact is created or
changes type, and otherwise the live values (which agents change) are kept, so deploying the same folder
again never resets what the MAS did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from romas.deploy.manifest import AgentSpec, ArtefactSpec, Manifest
from romas.deploy.record import Action, DeploymentRecord, Kind, PlanEntry
from romas.domain.agents import agent_state, code_revision_for
from romas.domain.revisioned import State, changed_fields
from romas.services.agents import agent_key
from romas.services.organisations import organisation_key
from romas.services.resources import ResourceKey
from romas.services.workspaces import artefact_key, workspace_key
from romas.store.eventstore import ResourceRow

Current = Mapping[str, ResourceRow]
"""The current rows a plan is made from, by stream id (deleted ones included)."""

KINDS: Final[dict[str, Kind]] = {
    "agent": "agent",
    "workspace": "workspace",
    "artefact": "artefact",
    "organisation": "organisation",
}
PUT_ORDER: Final[tuple[Kind, ...]] = ("workspace", "artefact", "organisation", "agent")
DELETE_ORDER: Final[tuple[Kind, ...]] = ("agent", "organisation", "artefact", "workspace")
DERIVED_FIELDS: Final = frozenset({"code_revision"})
"""Fields the server computes; a plan does not list them as changed."""
KEPT_PROPERTIES: Final = "live properties kept: a manifest's artefact properties are initial values"


@dataclass(frozen=True, slots=True)
class Step:
    """What happens to one resource. A create or update either puts ``desired`` or restores ``restore``."""

    key: ResourceKey
    action: Action
    from_revision: int | None
    to_revision: int | None
    changed: tuple[str, ...] = ()
    desired: State | None = None
    restore: int | None = None
    cascade: bool = False
    """Deleted by the deletion of its workspace, not by a step of its own."""
    note: str | None = None

    @property
    def kind(self) -> Kind:
        return KINDS[self.key.stream_type]

    def entry(self) -> PlanEntry:
        return PlanEntry(
            kind=self.kind,
            name=self.key.name,
            workspace=self.key.parent.rsplit("/", 1)[-1] if self.kind == "artefact" else None,
            path=self.key.stream_id,
            action=self.action,
            from_revision=self.from_revision,
            to_revision=self.to_revision,
            changed=[field for field in self.changed if field not in DERIVED_FIELDS],
            cascade=self.cascade,
            note=self.note,
        )


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]
    unmanaged: tuple[str, ...] = ()

    @property
    def changes(self) -> bool:
        return any(step.action != "unchanged" for step in self.steps)

    def entries(self) -> list[PlanEntry]:
        return [step.entry() for step in self.steps]


@dataclass(frozen=True, slots=True)
class Stale:
    """A resource that keeps a deployment or rollback from going ahead, and why."""

    path: str
    message: str


def key_of(row: ResourceRow) -> ResourceKey:
    return ResourceKey(row.stream_type, row.parent, row.name)


def key_for(kind: str, name: str, workspace: str | None = None) -> ResourceKey:
    if kind == "artefact":
        assert workspace is not None
        return artefact_key(workspace, name)
    return {"agent": agent_key, "workspace": workspace_key, "organisation": organisation_key}[kind](name)


def manifest_keys(manifest: Manifest) -> list[ResourceKey]:
    """Every resource a manifest names."""
    keys = [workspace_key(name) for name in manifest.workspaces]
    keys += [artefact_key(ws, art) for ws, spec in manifest.workspaces.items() for art in spec.artefacts]
    keys += [organisation_key(name) for name in manifest.organisations]
    keys += [agent_key(name) for name in manifest.agents]
    return keys


def _revision(row: ResourceRow | None) -> int | None:
    return None if row is None else row.revision


def _next(row: ResourceRow | None) -> int:
    return 1 if row is None else row.revision + 1


def _live(row: ResourceRow | None) -> bool:
    return row is not None and not row.deleted


def _put(key: ResourceKey, row: ResourceRow | None, desired: State, note: str | None = None) -> Step:
    if row is None or row.deleted:
        return Step(key, "create", _revision(row), _next(row), tuple(sorted(desired)), desired)
    changed = changed_fields(row.state, desired)
    if not changed:
        return Step(key, "unchanged", row.revision, row.revision, note=note)
    return Step(key, "update", row.revision, row.revision + 1, changed, desired, note=note)


def _delete(row: ResourceRow, *, cascade: bool = False) -> Step:
    return Step(key_of(row), "delete", row.revision, row.revision + 1, cascade=cascade)


def _agent(key: ResourceKey, row: ResourceRow | None, spec: AgentSpec) -> Step:
    code_revision = 1 if row is None else code_revision_for(row.state, row.revision, row.deleted, spec.code)
    desired = agent_state(
        code=spec.code,
        description=spec.description,
        metadata=spec.metadata,
        state=spec.state,
        code_revision=code_revision,
    )
    return _put(key, row, desired)


def _artefact(key: ResourceKey, row: ResourceRow | None, spec: ArtefactSpec) -> Step:
    desired: dict[str, Any] = {"type": spec.type, "properties": spec.properties, "description": spec.description}
    note = None
    if row is not None and _live(row) and row.state.get("type") == spec.type:
        live = row.state.get("properties", {})
        if live != spec.properties:
            note = KEPT_PROPERTIES
        desired["properties"] = live
    return _put(key, row, desired, note)


def _by_kind(steps: Iterable[Step], order: Sequence[Kind]) -> list[Step]:
    """Steps grouped by kind in ``order``; within a kind they keep their order."""
    listed = list(steps)
    return [step for kind in order for step in listed if step.kind == kind]


def _deletions(rows: Iterable[ResourceRow], live_children: Mapping[str, Sequence[ResourceRow]]) -> list[Step]:
    """Deletion steps in order; a workspace's live artefacts follow it as cascades unless deleted before."""
    listed = sorted(rows, key=lambda r: (r.parent, r.name))
    explicit = {row.stream_id for row in listed}
    steps: list[Step] = []
    for kind in DELETE_ORDER:
        for row in listed:
            if row.stream_type != kind or (kind == "artefact" and row.parent in explicit):
                continue
            steps.append(_delete(row))
            if kind == "workspace":
                for child in live_children.get(row.stream_id, ()):
                    steps.append(_delete(child, cascade=True))
    return steps


def plan_deployment(manifest: Manifest, current: Current, *, prune: bool) -> Plan:
    """Every resource the manifest names (create, update or unchanged), then, with ``prune``, the deletion
    of every live resource it does not name; without it those are listed as unmanaged."""
    puts: list[Step] = []
    for ws_name, workspace in sorted(manifest.workspaces.items()):
        key = workspace_key(ws_name)
        puts.append(_put(key, current.get(key.stream_id), {"description": workspace.description}))
        for art_name, artefact in sorted(workspace.artefacts.items()):
            art = artefact_key(ws_name, art_name)
            puts.append(_artefact(art, current.get(art.stream_id), artefact))
    for org_name, spec in sorted(manifest.organisations.items()):
        key = organisation_key(org_name)
        puts.append(_put(key, current.get(key.stream_id), spec))
    for agent_name, agent in sorted(manifest.agents.items()):
        key = agent_key(agent_name)
        puts.append(_agent(key, current.get(key.stream_id), agent))

    named = {key.stream_id for key in manifest_keys(manifest)}
    extra = [row for row in current.values() if _live(row) and row.stream_id not in named and row.stream_type in KINDS]
    if not prune:
        return Plan(tuple(_by_kind(puts, PUT_ORDER)), tuple(sorted(row.stream_id for row in extra)))
    children: dict[str, list[ResourceRow]] = {}
    for row in sorted(current.values(), key=lambda r: r.name):
        if row.stream_type == "artefact" and _live(row):
            children.setdefault(row.parent, []).append(row)
    return Plan(tuple(_by_kind(puts, PUT_ORDER) + _deletions(extra, children)))


def plan_rollback(
    record: DeploymentRecord,
    current: Current,
    before: Mapping[str, ResourceRow | None],
    live_children: Mapping[str, Sequence[ResourceRow]],
    *,
    force: bool,
) -> tuple[Plan, list[Stale]]:
    """Every resource the deployment changed, back to the revision it had before.

    ``current`` holds the touched resources and the workspaces of touched artefacts; ``before`` the row of each
    touched resource at its ``from_revision`` (None when it did not exist); ``live_children`` the live
    artefacts of the touched workspaces. A resource changed since the deployment is stale (unless ``force``),
    and so is a workspace to delete that holds artefacts the deployment did not create; an artefact whose
    workspace would not exist cannot be restored even with ``force``.
    """
    stale: list[Stale] = []
    puts: list[Step] = []
    removals: list[ResourceRow] = []
    touched = [entry for entry in record.plan if entry.action != "unchanged"]
    for entry in touched:
        key = key_for(entry.kind, entry.name, entry.workspace)
        row = current.get(entry.path)
        now = row.revision if row is not None else 0
        if now != (entry.to_revision or 0) and not force:
            stale.append(
                Stale(
                    entry.path,
                    f"{key.label} changed since deployment {record.id} left it at revision {entry.to_revision}: "
                    f"it is at revision {now} now",
                )
            )
        target = before.get(entry.path)
        if target is None or target.deleted:
            if row is not None and _live(row):
                removals.append(row)
            else:
                puts.append(Step(key, "unchanged", _revision(row), _revision(row)))
            continue
        if row is not None and _live(row) and not changed_fields(row.state, target.state):
            puts.append(Step(key, "unchanged", now, now))
            continue
        changed = (
            tuple(sorted(target.state)) if not _live(row) else changed_fields(row.state if row else {}, target.state)
        )
        action: Action = "update" if _live(row) else "create"
        puts.append(Step(key, action, _revision(row), _next(row), changed, restore=target.revision))

    ours = {entry.path for entry in touched}
    for row in removals:
        foreign = [c for c in live_children.get(row.stream_id, ()) if c.stream_id not in ours]
        if row.stream_type == "workspace" and not force:
            stale.extend(
                Stale(
                    child.stream_id,
                    f"{key_of(child).label} was not created by deployment {record.id}, "
                    f"but rolling back would delete it with workspace {row.name}",
                )
                for child in foreign
            )
    steps = _by_kind(puts, PUT_ORDER) + _deletions(removals, live_children)
    stale.extend(_orphans(steps, current))
    return Plan(tuple(steps)), sorted(stale, key=lambda s: s.path)


def _orphans(steps: Sequence[Step], current: Current) -> list[Stale]:
    """Artefacts a plan would restore under a workspace that does not exist once the plan has run."""
    outcome = {step.key.stream_id: step.action for step in steps}
    stale = []
    for step in steps:
        if step.kind != "artefact" or step.action not in ("create", "update"):
            continue
        parent = step.key.parent
        action = outcome.get(parent)
        live = action in ("create", "update") or (action in (None, "unchanged") and _live(current.get(parent)))
        if not live:
            ws = parent.rsplit("/", 1)[-1]
            stale.append(Stale(step.key.stream_id, f"{step.key.label} cannot come back: workspace {ws} does not exist"))
    return stale
