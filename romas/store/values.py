"""What the store reads and writes: events, changes of revisioned resources, resource rows, a write's context, and
the store's own errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import UTC, datetime
from typing import Any

from romas.records import record

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreError(Exception):
    """Base of the store's own errors."""


class ConcurrencyConflict(StoreError):
    """Someone else appended to the stream first."""

    def __init__(self, stream_id: str, expected: int) -> None:
        super().__init__(f"{stream_id} moved past revision {expected} concurrently")
        self.stream_id = stream_id
        self.expected = expected


@record
class WriteContext:
    """Who is writing and why; it becomes each event's metadata."""

    actor: str = "anonymous"
    request_id: str | None = None
    idempotency_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"actor": self.actor}
        if self.request_id:
            meta["request_id"] = self.request_id
        if self.idempotency_key:
            meta["idempotency_key"] = self.idempotency_key
        meta.update({k: v for k, v in self.extra.items() if v is not None})
        return meta


@record
class ResourceRow:
    """A resource's state at one revision (the current one, or a past one)."""

    stream_id: str
    stream_type: str
    parent: str
    name: str
    revision: int
    deleted: bool
    state: dict[str, Any]
    updated_at: datetime


@record
class RevisionInfo:
    """One entry of a resource's history (its TimeMap)."""

    revision: int
    recorded_at: datetime
    event_type: str
    actor: str
    summary: str
    changed: tuple[str, ...]
    deleted: bool
    meta: dict[str, Any]


@record
class RecordedEvent:
    position: int
    stream_type: str
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime


@record
class NewEvent:
    stream_type: str
    stream_id: str
    type: str
    data: dict[str, Any]
    expected_version: int | None = None
    """None appends at the stream's end without checking; a number must match the stream's last version."""
    actor: str | None = None
    """Who caused this event when it is not the transaction's actor (an agent, in a runtime flush)."""


@record
class Change:
    """A new revision of a revisioned resource: one event plus the state it leads to."""

    stream_id: str
    stream_type: str
    parent: str
    name: str
    expected_revision: int
    event_type: str
    data: dict[str, Any]
    state: dict[str, Any]
    summary: str
    changed: tuple[str, ...] = ()
    deleted: bool = False
    actor: str | None = None
    """Who made this revision when it is not the transaction's actor (an agent's operation on an artefact)."""


@record
class StoredResponse:
    method: str
    path: str
    fingerprint: str
    status: int
    headers: dict[str, str]
    body: bytes
