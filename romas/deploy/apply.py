"""Reading the state a plan is made from, and running a plan, inside one write transaction.

Rows are read through the writer, which locks them on PostgreSQL until commit, so nothing a plan was made
from can change before it has run. Each step goes through the resource's own service (the same checks and
cascades as a PUT, DELETE or restore); a step that does not land on the revision its plan announced raises
:class:`ConcurrencyConflict`, which rolls the whole transaction back.
"""

from __future__ import annotations

from collections.abc import Iterable

from romas.deploy.manifest import Manifest
from romas.deploy.plan import Plan, Step, manifest_keys
from romas.services.container import Services
from romas.services.resources import RevisionedService
from romas.store.eventstore import ConcurrencyConflict, ResourceRow, Writer

TOP_LEVEL = ("agent", "workspace", "organisation")


async def read_current(writer: Writer, manifest: Manifest) -> dict[str, ResourceRow]:
    """Every live agent, workspace, artefact and organisation, plus the (deleted) rows the manifest names."""
    rows: dict[str, ResourceRow] = {}
    for kind in TOP_LEVEL:
        rows.update((row.stream_id, row) for row in await writer.children(kind, ""))
    for workspace in [row for row in rows.values() if row.stream_type == "workspace"]:
        rows.update((row.stream_id, row) for row in await writer.children("artefact", workspace.stream_id))
    await read_rows(writer, (key.stream_id for key in manifest_keys(manifest)), rows)
    return rows


async def read_rows(writer: Writer, stream_ids: Iterable[str], into: dict[str, ResourceRow]) -> None:
    """Add the current row of each resource not read yet (those that never existed have none)."""
    for stream_id in stream_ids:
        if stream_id not in into:
            row = await writer.current(stream_id)
            if row is not None:
                into[stream_id] = row


def _service(services: Services, kind: str) -> RevisionedService:
    by_kind: dict[str, RevisionedService] = {
        "agent": services.agents,
        "workspace": services.workspaces,
        "artefact": services.artefacts,
        "organisation": services.organisations,
    }
    return by_kind[kind]


async def _run(services: Services, writer: Writer, step: Step) -> int:
    service = _service(services, step.kind)
    if step.action == "delete":
        written = await service.delete(writer, step.key)
    elif step.restore is not None:
        written = await service.restore(writer, step.key, step.restore)
    else:
        assert step.desired is not None, step
        written = await service.put(writer, step.key, step.desired)
    return written.row.revision


async def apply_plan(services: Services, writer: Writer, plan: Plan) -> None:
    """Run every step that changes something, in order; afterwards check the cascaded deletions too."""
    for step in plan.steps:
        if step.action == "unchanged" or step.cascade:
            continue
        if await _run(services, writer, step) != step.to_revision:
            raise ConcurrencyConflict(step.key.stream_id, step.from_revision or 0)
    for step in plan.steps:
        if step.cascade:
            row = await writer.current(step.key.stream_id)
            if row is None or not row.deleted or row.revision != step.to_revision:
                raise ConcurrencyConflict(step.key.stream_id, step.from_revision or 0)
