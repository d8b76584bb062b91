"""Wire schemas shared by every resource (msgspec structs, documented in the OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.params import Parameter

from romas.api.hal import Link
from romas.api.pagination import CURSOR_PATTERN
from romas.domain.names import NAME_PATTERN

Name = Annotated[
    str,
    Parameter(
        pattern=NAME_PATTERN,
        max_length=64,
        description="A name: an AgentSpeak atom (lowercase letter, then letters, digits, underscores).",
    ),
]
RevisionNumber = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="A revision number (1-based).")]
Limit = Annotated[int, Parameter(ge=1, le=500, description="Page size (1 to 500).")]
Cursor = Annotated[
    str | None,
    Parameter(
        max_length=2000,
        pattern=CURSOR_PATTERN,
        description="Opaque cursor from a `next` link (unpadded base64url); one this listing did not hand out: 404.",
    ),
]
At = Annotated[
    str | None,
    Parameter(
        max_length=64,
        schema_extra={"format": "date-time"},
        description="RFC 3339 instant: the representation as it was then (Memento). Accept-Datetime works too.",
    ),
]


class RevisionEntry(msgspec.Struct, kw_only=True):
    revision: int
    recorded_at: datetime
    type: str
    actor: str
    summary: str
    changed: list[str]
    deleted: bool
    meta: dict[str, object]
    links: dict[str, Link] = msgspec.field(name="_links")


class RevisionsEmbedded(msgspec.Struct):
    revisions: list[RevisionEntry]


class RevisionList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: RevisionsEmbedded = msgspec.field(name="_embedded")


class ExportStatus(msgspec.Struct):
    target: str
    connected: bool
    exported_position: int
    lag: int
    error: str | None = None


class Health(msgspec.Struct):
    status: str
    database: str | None = None
    schema_revision: str | None = None
    export: ExportStatus | None = None
    """The event log's export to JetStream (null unless the server exports): lag is events not yet published."""
