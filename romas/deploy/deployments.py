"""Deployments and rollbacks, run inside the caller's write transaction: read, guard, plan, apply, record.

A deployment that changes something becomes the resource ``/deployments/{n}`` (numbered from 1), and every
event of the transaction carries ``deployment: n`` and the git provenance in its metadata, so each revision it
made names it in ``GET R/revisions``. The deployment's own event is the transaction's last, so ``?at=`` its
``recorded_at`` shows the MAS as the deployment left it. A dry run, and a plan that changes nothing, write
nothing at all: applying the same folder twice leaves no trace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import msgspec

from romas.deploy.apply import apply_plan, read_current, read_rows
from romas.deploy.manifest import Manifest
from romas.deploy.plan import Plan, Stale, plan_deployment, plan_rollback
from romas.deploy.record import DEPLOYMENT, DeploymentRecord, Source, count, deployment_path
from romas.domain.errors import Conflict, NotFound
from romas.services.container import Services
from romas.store.deployments import last_deployment_number, lock_deployment_numbers
from romas.store.eventstore import Change, ResourceRow, Store, WriteContext, Writer

Status = Literal["applied", "planned", "unchanged"]


class StaleResources(Conflict):
    """Resources that keep a deployment or a rollback from going ahead; nothing was changed."""

    def __init__(self, detail: str, stale: list[Stale]) -> None:
        super().__init__(detail)
        self.stale = stale


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    """``applied`` (recorded, ``row`` is the deployment resource), ``planned`` (a dry run), ``unchanged``."""
    record: DeploymentRecord
    row: ResourceRow | None = None


def record_of(row: ResourceRow) -> DeploymentRecord:
    """A deployment resource's state; its time is that of its first revision."""
    record = DeploymentRecord.from_builtins(row.state)
    if record.recorded_at is None:
        record = msgspec.structs.replace(record, recorded_at=row.updated_at)
    return record


async def read_deployment(store: Store, number: int) -> tuple[ResourceRow, DeploymentRecord]:
    row = await store.current(deployment_path(number))
    if row is None:
        raise NotFound(f"there is no deployment {number}")
    return row, record_of(row)


async def stale_expectations(
    writer: Writer, current: Mapping[str, ResourceRow], expected: Mapping[str, int]
) -> list[Stale]:
    """The resources not at the revision the client planned with (0: the resource must not exist)."""
    rows = dict(current)
    await read_rows(writer, expected, rows)
    stale = []
    for path, revision in sorted(expected.items()):
        row = rows.get(path)
        actual = 0 if row is None else row.revision
        if actual == revision:
            continue
        found = "it does not exist" if row is None else f"it is at revision {actual}"
        wanted = "not to exist" if revision == 0 else f"to be at revision {revision}"
        stale.append(Stale(path, f"{path} was expected {wanted}, but {found}"))
    return stale


async def deploy(
    services: Services,
    writer: Writer,
    manifest: Manifest,
    *,
    prune: bool = False,
    dry_run: bool = False,
    source: Source | None = None,
    expected: Mapping[str, int] | None = None,
) -> Outcome:
    """Bring the MAS to ``manifest`` (validated and normalized, see :mod:`romas.deploy.validate`)."""
    if not dry_run:
        await lock_deployment_numbers(await writer.connection())
    current = await read_current(writer, manifest)
    stale = await stale_expectations(writer, current, expected or {})
    if stale:
        raise StaleResources(_stale_detail("the deployment was refused", stale), stale)
    plan = plan_deployment(manifest, current, prune=prune)
    entries = plan.entries()
    record = DeploymentRecord(
        actor=writer.context.actor,
        prune=prune,
        source=source,
        counts=count(entries),
        plan=entries,
        unmanaged=list(plan.unmanaged),
    )
    return await _conclude(services, writer, record, plan, dry_run=dry_run)


async def rollback(
    services: Services, writer: Writer, number: int, *, force: bool = False, dry_run: bool = False
) -> Outcome:
    """A new deployment that brings what deployment ``number`` changed back to where it was before."""
    if not dry_run:
        await lock_deployment_numbers(await writer.connection())
    row = await writer.current(deployment_path(number))
    if row is None:
        raise NotFound(f"there is no deployment {number}")
    original = record_of(row)
    if original.rolled_back_by is not None and not force:
        raise Conflict(
            f"deployment {number} was already rolled back by deployment {original.rolled_back_by}; "
            f"roll back {original.rolled_back_by} to redo it"
        )
    touched = [entry for entry in original.plan if entry.action != "unchanged"]
    current: dict[str, ResourceRow] = {}
    parents = [f"/workspaces/{entry.workspace}" for entry in touched if entry.workspace is not None]
    await read_rows(writer, [entry.path for entry in touched] + parents, current)
    before: dict[str, ResourceRow | None] = {}
    live_children: dict[str, list[ResourceRow]] = {}
    for entry in touched:
        if entry.from_revision is not None:
            before[entry.path] = await services.store.revision(entry.path, entry.from_revision)
        if entry.kind == "workspace":
            live_children[entry.path] = await writer.children("artefact", entry.path)
    plan, stale = plan_rollback(original, current, before, live_children, force=force)
    if stale:
        raise StaleResources(_stale_detail(f"deployment {number} cannot be rolled back", stale), stale)
    entries = plan.entries()
    record = DeploymentRecord(actor=writer.context.actor, rollback_of=number, counts=count(entries), plan=entries)

    async def mark_original(new_number: int) -> None:
        await _mark_rolled_back(writer, row, new_number)

    return await _conclude(services, writer, record, plan, dry_run=dry_run, then=mark_original)


def _stale_detail(what: str, stale: list[Stale]) -> str:
    if len(stale) == 1:
        return f"{what}: {stale[0].message}"
    return f"{what}: {len(stale)} resources changed or are in the way (see errors)"


async def _conclude(
    services: Services,
    writer: Writer,
    record: DeploymentRecord,
    plan: Plan,
    *,
    dry_run: bool,
    then: Callable[[int], Awaitable[None]] | None = None,
) -> Outcome:
    """Apply a plan that changes something, as deployment n (the numbering lock is held), recorded last."""
    if dry_run:
        return Outcome("planned", record)
    if not plan.changes:
        return Outcome("unchanged", record)
    number = await last_deployment_number(await writer.connection()) + 1
    numbered = msgspec.structs.replace(record, id=number)
    context = writer.context
    writer.context = _tagged(context, numbered)
    try:
        await apply_plan(services, writer, plan)
        if then is not None:
            await then(number)
        row = await _record(writer, numbered)
    finally:
        writer.context = context
    return Outcome("applied", numbered, row)


def _tagged(context: WriteContext, record: DeploymentRecord) -> WriteContext:
    """The transaction's context with the deployment's number and provenance for every event's metadata."""
    extra: dict[str, Any] = {**context.extra, "deployment": record.id}
    if record.source is not None:
        extra["git"] = record.source.to_builtins()
    if record.rollback_of is not None:
        extra["rollback_of"] = record.rollback_of
    return replace(context, extra=extra)


def _summary(record: DeploymentRecord) -> str:
    if record.rollback_of is not None:
        what = f"rollback of deployment {record.rollback_of}"
    elif record.source is not None and record.source.commit:
        what = f"commit {record.source.commit[:12]}"
    else:
        what = "manifest"
    c = record.counts
    return f"{what}: {c.create} created, {c.update} updated, {c.delete} deleted, {c.unchanged} unchanged"


async def _record(writer: Writer, record: DeploymentRecord) -> ResourceRow:
    assert record.id is not None
    state = record.to_builtins()
    row, _ = await writer.record(
        Change(
            stream_id=deployment_path(record.id),
            stream_type=DEPLOYMENT,
            parent="",
            name=str(record.id),
            expected_revision=0,
            event_type="deployment.created",
            data={"state": state},
            state=state,
            summary=_summary(record),
            changed=tuple(sorted(state)),
        )
    )
    return row


async def _mark_rolled_back(writer: Writer, row: ResourceRow, by: int) -> None:
    current = await writer.current(row.stream_id)
    assert current is not None
    changes = {"rolled_back_by": by, "recorded_at": current.state.get("recorded_at") or row.updated_at.isoformat()}
    await writer.record(
        Change(
            stream_id=current.stream_id,
            stream_type=DEPLOYMENT,
            parent="",
            name=current.name,
            expected_revision=current.revision,
            event_type="deployment.rolled_back",
            data={"changes": changes},
            state={**current.state, **changes},
            summary=f"rolled back by deployment {by}",
            changed=tuple(sorted(changes)),
        )
    )
