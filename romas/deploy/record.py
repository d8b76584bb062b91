"""What a deployment records: where its manifest came from and what it did to each resource.

The same structs are the state of a ``/deployments/{id}`` resource, the body of ``POST /deployments``'s answer
and what ``romas apply`` reads back to print the plan, so server and client cannot disagree on the shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal

import msgspec

Kind = Literal["agent", "workspace", "artefact", "organisation"]
Action = Literal["create", "update", "delete", "unchanged"]
ACTIONS: Final[tuple[Action, ...]] = ("create", "update", "delete", "unchanged")
DEPLOYMENT: Final = "deployment"
"""The stream type of deployments."""


def deployment_path(number: int) -> str:
    """A deployment's stream and URL path."""
    return f"/deployments/{number}"


class Source(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Where a manifest came from: a commit of a git repository, ideally. Every field is optional."""

    repository: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    commit: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    branch: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    author: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    message: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    dirty: bool | None = None
    """True when the deployed folder had changes the commit does not hold."""
    path: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    """The spec folder inside the repository (``agent_specs``)."""

    def to_builtins(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


class PlanEntry(msgspec.Struct, kw_only=True):
    """One resource of a plan: what happens to it, and the revision it moves from and to.

    ``from_revision`` is null for a resource that never existed (a deleted one has the revision of its deletion);
    ``to_revision`` equals it when the resource is unchanged. ``cascade`` marks an artefact deleted with its
    workspace.
    """

    kind: Kind
    name: str
    workspace: str | None = None
    path: str
    action: Action
    from_revision: int | None
    to_revision: int | None
    changed: list[str] = msgspec.field(default_factory=list)
    cascade: bool = False
    note: str | None = None


class Counts(msgspec.Struct, kw_only=True):
    """How many resources each action concerns."""

    create: int = 0
    update: int = 0
    delete: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return self.create + self.update + self.delete


class DeploymentRecord(msgspec.Struct, kw_only=True):
    """The state of a deployment resource (``id`` is null in a dry run or a plan that changes nothing)."""

    id: int | None = None
    actor: str
    prune: bool = False
    source: Source | None = None
    rollback_of: int | None = None
    rolled_back_by: int | None = None
    recorded_at: datetime | None = None
    """Kept from the first revision once a rollback adds a second one (the first one's time is the row's)."""
    counts: Counts
    plan: list[PlanEntry]
    unmanaged: list[str] = msgspec.field(default_factory=list)
    """Live resources the manifest does not name, left alone because the deployment does not prune."""

    def to_builtins(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    @classmethod
    def from_builtins(cls, data: object) -> DeploymentRecord:
        return msgspec.convert(data, cls)


def count(entries: list[PlanEntry]) -> Counts:
    counts = Counts()
    for entry in entries:
        setattr(counts, entry.action, getattr(counts, entry.action) + 1)
    return counts
