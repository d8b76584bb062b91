"""The store's hot reads: the statements that read a resource, a past revision and the event log, and how their
rows become values (shared by reads outside a write and by a write's own, see writer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import RowMapping

from romas.store.raw import raw_select
from romas.store.tables import events, resources, revisions
from romas.store.values import ResourceRow, RevisionInfo

RESOURCE_COLUMNS = (
    resources.c.stream_id,
    resources.c.stream_type,
    resources.c.parent,
    resources.c.name,
    resources.c.revision,
    resources.c.deleted,
    resources.c.state,
    resources.c.updated_at,
)
REVISION_STATE_COLUMNS = (
    revisions.c.stream_id,
    revisions.c.stream_type,
    revisions.c.parent,
    revisions.c.name,
    revisions.c.revision,
    revisions.c.deleted,
    revisions.c.state,
    revisions.c.recorded_at,
)
REVISION_INFO_COLUMNS = (
    revisions.c.revision,
    revisions.c.recorded_at,
    revisions.c.event_type,
    revisions.c.actor,
    revisions.c.summary,
    revisions.c.changed,
    revisions.c.deleted,
    revisions.c.meta,
)


def resource(row: RowMapping) -> ResourceRow:
    return ResourceRow(
        stream_id=row["stream_id"],
        stream_type=row["stream_type"],
        parent=row["parent"],
        name=row["name"],
        revision=row["revision"],
        deleted=bool(row["deleted"]),
        state=row["state"],
        updated_at=row["updated_at"] if "updated_at" in row else row["recorded_at"],
    )


def revision_info(row: RowMapping) -> RevisionInfo:
    return RevisionInfo(
        revision=row["revision"],
        recorded_at=row["recorded_at"],
        event_type=row["event_type"],
        actor=row["actor"],
        summary=row["summary"],
        changed=tuple(filter(None, row["changed"].split(","))),
        deleted=bool(row["deleted"]),
        meta=row["meta"],
    )


_RESOURCE_FIELDS = ("stream_id", "stream_type", "parent", "name", "revision", "deleted", "state")
CURRENT = raw_select(resources, (*_RESOURCE_FIELDS, "updated_at"), "WHERE stream_id = $1")
CURRENT_FOR_UPDATE = raw_select(resources, (*_RESOURCE_FIELDS, "updated_at"), "WHERE stream_id = $1 FOR UPDATE")
REVISION = raw_select(revisions, (*_RESOURCE_FIELDS, "recorded_at"), "WHERE stream_id = $1 AND revision = $2")
_EVENT_FIELDS = ("position", "stream_type", "stream_id", "version", "type", "data", "metadata", "recorded_at")
EVENTS = {
    (False, False): raw_select(events, _EVENT_FIELDS, "WHERE position > $1 ORDER BY position LIMIT $2"),
    (True, False): raw_select(
        events, _EVENT_FIELDS, "WHERE position > $1 AND stream_type = $3 ORDER BY position LIMIT $2"
    ),
    (False, True): raw_select(
        events, _EVENT_FIELDS, "WHERE position > $1 AND stream_id = $3 ORDER BY position LIMIT $2"
    ),
    (True, True): raw_select(
        events, _EVENT_FIELDS, "WHERE position > $1 AND stream_type = $3 AND stream_id = $4 ORDER BY position LIMIT $2"
    ),
}
"""The event log as the runtime's follower and every event stream read it, after each commit."""


def resource_row(row: Sequence[Any]) -> ResourceRow:
    return ResourceRow(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])
