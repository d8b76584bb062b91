"""A deployment as text a person reads in a CI log: where it came from, a table of what changes, a verdict.

Plain ASCII and fixed columns, so it survives any log viewer; unchanged resources are counted rather than
listed unless asked for, so a deployment that changes one agent shows one row.
"""

from __future__ import annotations

from typing import Any, Final

from romas.deploy.record import DeploymentRecord, PlanEntry, Source

HEADERS: Final = ("ACTION", "RESOURCE", "REVISION", "CHANGES")


def describe_source(source: Source | None) -> str:
    if source is None:
        return "no git provenance"
    parts = []
    if source.commit:
        parts.append(f"commit {source.commit[:12]}")
    if source.branch:
        parts.append(f"on {source.branch}")
    if source.author:
        parts.append(f"by {source.author}")
    text = " ".join(parts) or "no commit"
    if source.message:
        text += f": {source.message.splitlines()[0][:72]}"
    if source.dirty:
        text += " (with uncommitted changes)"
    return text


def _resource(entry: PlanEntry) -> str:
    name = f"{entry.workspace}/{entry.name}" if entry.workspace else entry.name
    return f"{entry.kind} {name}"


def _revisions(entry: PlanEntry) -> str:
    before = "-" if entry.from_revision is None else str(entry.from_revision)
    if entry.action == "unchanged":
        return before
    return f"{before} -> {entry.to_revision}"


def _changes(entry: PlanEntry) -> str:
    notes = []
    if entry.changed and entry.action == "update":
        notes.append(", ".join(entry.changed))
    if entry.cascade:
        notes.append("with its workspace")
    if entry.note:
        notes.append(entry.note)
    return "; ".join(notes)


def table(entries: list[PlanEntry]) -> list[str]:
    rows = [HEADERS] + [(e.action, _resource(e), _revisions(e), _changes(e)) for e in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    return [
        ("  " + "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])).rstrip()
        for row in rows
    ]


def _verdict(status: str, record: DeploymentRecord) -> str:
    c = record.counts
    if status == "planned":
        return (
            f"dry run: {c.create} to create, {c.update} to update, {c.delete} to delete, {c.unchanged} unchanged; "
            "nothing was changed"
        )
    if status == "unchanged":
        resources = f"{c.unchanged} resource{'' if c.unchanged == 1 else 's'}"
        return f"nothing to change: the server already matches ({resources} unchanged)"
    what = f"deployment {record.id}" + (f" (rollback of deployment {record.rollback_of})" if record.rollback_of else "")
    return f"{what} applied: {c.create} created, {c.update} updated, {c.delete} deleted, {c.unchanged} unchanged"


def report(answer: dict[str, Any], *, verbose: bool = False) -> list[str]:
    """The lines to print for a server's answer to a deployment or a rollback."""
    record = DeploymentRecord.from_builtins(
        {k: v for k, v in answer.items() if k in DeploymentRecord.__struct_fields__}
    )
    status = str(answer.get("status", "applied"))
    lines = []
    if record.rollback_of is None:
        lines.append(f"source: {describe_source(record.source)}")
    shown = [e for e in record.plan if verbose or e.action != "unchanged"]
    if shown:
        lines += table(shown)
    hidden = len(record.plan) - len(shown)
    if hidden and shown:
        lines.append(f"  ({hidden} unchanged not listed; --verbose lists them)")
    if record.unmanaged:
        lines.append(f"not in the manifest, left alone (--prune deletes them): {', '.join(record.unmanaged)}")
    lines.append(_verdict(status, record))
    return lines
