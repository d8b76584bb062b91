"""The write and read paths every revisioned resource shares: load, check, decide, record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from romas.domain.errors import Conflict, Gone, NotFound
from romas.domain.revisioned import (
    Decision,
    State,
    Summariser,
    decide_delete,
    decide_put,
    decide_restore,
    default_summary,
)
from romas.services.preconditions import NONE, Preconditions
from romas.store.eventstore import Change, RecordedEvent, ResourceRow, RevisionInfo, Store, WriteContext, Writer


@dataclass(frozen=True, slots=True)
class ResourceKey:
    """Where a resource lives: its stream is its path, so an event names its resource directly."""

    stream_type: str
    parent: str
    name: str

    @property
    def stream_id(self) -> str:
        if not self.name:  # a resource that is its collection's only one (``/directory``)
            return f"{self.parent}/{self.collection}"
        return f"{self.parent}/{self.collection}/{self.name}"

    @property
    def collection(self) -> str:
        return COLLECTIONS[self.stream_type]

    @property
    def label(self) -> str:
        return f"{self.stream_type} {self.name}" if self.name else f"the {self.stream_type}"


COLLECTIONS = {
    "agent": "agents",
    "workspace": "workspaces",
    "artefact": "artefacts",
    "organisation": "organisations",
    "group": "groups",
    "scheme": "schemes",
    "directory": "directory",
}


class Unread:
    """Marks a row the caller has not read yet (None means it read it and there is none)."""


UNREAD = Unread()
StateEdit = Callable[[ResourceRow], State]
"""Computes the desired state from the current row (PATCH, PUT of one part)."""
ConditionalRecord = Callable[
    [Change, datetime | None, WriteContext], Awaitable[tuple[ResourceRow, RecordedEvent] | None]
]
"""Writes a change decided on the row with that ``updated_at`` (None: no row) if the resource is still at it."""


@dataclass(frozen=True, slots=True)
class Written:
    row: ResourceRow
    created: bool
    """True when the resource did not exist (or was deleted) before: the answer is 201."""
    changed: bool
    """False when the write was a no-op (identical PUT, restore of the current state)."""


class RevisionedService:
    """Generic behaviour; a resource's service adds validation, parents and cascades."""

    kind = "resource"
    summarise: Summariser = staticmethod(default_summary)

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- hooks ---------------------------------------------------------------------------------------------

    async def check_parent(self, writer: Writer, key: ResourceKey) -> None:
        """Refuse to write under a parent that does not exist (overridden by nested resources)."""

    async def before_delete(self, writer: Writer, key: ResourceKey, row: ResourceRow) -> None:
        """Cascade or refuse a delete (overridden by resources that own others)."""

    # -- reads ---------------------------------------------------------------------------------------------

    async def get(self, key: ResourceKey) -> ResourceRow:
        row = await self.store.current(key.stream_id)
        return self._live(key, row)

    def _live(self, key: ResourceKey, row: ResourceRow | None) -> ResourceRow:
        if row is None:
            raise NotFound(f"there is no {key.label}")
        if row.deleted:
            raise Gone(f"{key.label} was deleted at revision {row.revision}", f"{key.stream_id}/revisions")
        return row

    async def revision(self, key: ResourceKey, revision: int) -> ResourceRow:
        row = await self.store.revision(key.stream_id, revision)
        if row is None:
            raise NotFound(f"{key.label} has no revision {revision}")
        return row

    async def as_of(self, key: ResourceKey, instant: datetime) -> ResourceRow:
        row = await self.store.as_of(key.stream_id, instant)
        if row is None:
            raise NotFound(f"{key.label} did not exist at {instant.isoformat()}")
        if row.deleted:
            raise Gone(
                f"{key.label} was deleted at {instant.isoformat()} (revision {row.revision})",
                f"{key.stream_id}/revisions",
            )
        return row

    async def history(
        self, key: ResourceKey, *, before: int | None, limit: int, changed: str | None = None
    ) -> list[RevisionInfo]:
        if before is None and await self.store.current(key.stream_id) is None:
            raise NotFound(f"there is no {key.label}")
        return await self.store.history(key.stream_id, before=before, limit=limit, changed=changed)

    async def listing(self, parent: str, *, after: str | None, limit: int) -> list[ResourceRow]:
        return await self.store.list_current(self.kind, parent, after=after, limit=limit)

    async def listing_as_of(
        self, parent: str, instant: datetime, *, after: str | None, limit: int
    ) -> list[ResourceRow]:
        return await self.store.list_as_of(self.kind, parent, instant, after=after, limit=limit)

    # -- writes --------------------------------------------------------------------------------------------

    async def put(
        self,
        writer: Writer,
        key: ResourceKey,
        desired: State,
        pre: Preconditions = NONE,
        *,
        current: ResourceRow | Unread | None = UNREAD,
    ) -> Written:
        """``current`` is the row the caller already read (and locked) in this transaction, if it did."""
        await self.check_parent(writer, key)
        if isinstance(current, Unread):
            current = await writer.current(key.stream_id)
        exists = current is not None and not current.deleted
        pre.check(current.revision if current else None, exists)
        return await self._apply(writer, key, current, self._decide_put(current, desired))

    async def update(
        self, writer: Writer, key: ResourceKey, desired_from: StateEdit, pre: Preconditions = NONE
    ) -> Written:
        """Change an existing resource; ``desired_from`` computes the new state from the current one."""
        current = await writer.current(key.stream_id)
        live = self._live(key, current)
        pre.check(live.revision, True)
        desired = desired_from(live)
        decision = decide_put(self.kind, live.state, False, desired, self.summarise)
        return await self._apply(writer, key, live, decision)

    async def delete(self, writer: Writer, key: ResourceKey, pre: Preconditions = NONE) -> Written:
        current = await writer.current(key.stream_id)
        live = self._live(key, current)
        pre.check(live.revision, True)
        await self.before_delete(writer, key, live)
        return await self._apply(writer, key, live, decide_delete(self.kind, live.state))

    async def restore(self, writer: Writer, key: ResourceKey, revision: int, pre: Preconditions = NONE) -> Written:
        current = await writer.current(key.stream_id)
        if current is None:
            raise NotFound(f"there is no {key.label}")
        pre.check(current.revision, not current.deleted)
        target = await self.store.revision(key.stream_id, revision) if revision <= current.revision else None
        if target is None:
            raise NotFound(f"{key.label} has no revision {revision}")
        if target.deleted:
            raise Conflict(f"revision {revision} of {key.label} is its deletion; DELETE it instead of restoring")
        if current.deleted:
            await self.check_parent(writer, key)
        decision = decide_restore(self.kind, current.state, current.deleted, target.state, revision, self.summarise)
        return await self._apply(writer, key, current, decision)

    async def _apply(
        self, writer: Writer, key: ResourceKey, current: ResourceRow | None, decision: Decision | None
    ) -> Written:
        if decision is None:
            return _unchanged(current)
        row, _event = await writer.record(self._change(key, current, decision))
        return _written(current, decision, row)

    def _decide_put(self, current: ResourceRow | None, desired: State) -> Decision | None:
        return decide_put(
            self.kind, current.state if current else None, bool(current and current.deleted), desired, self.summarise
        )

    def _change(self, key: ResourceKey, current: ResourceRow | None, decision: Decision) -> Change:
        return Change(
            stream_id=key.stream_id,
            stream_type=self.kind,
            parent=key.parent,
            name=key.name,
            expected_revision=current.revision if current else 0,
            event_type=decision.event_type,
            data=decision.data,
            state=decision.state,
            summary=decision.summary,
            changed=decision.changed,
            deleted=decision.deleted,
        )

    async def put_unlocked(
        self,
        key: ResourceKey,
        desired_for: Callable[[ResourceRow | None], State],
        context: WriteContext,
        *,
        known: ResourceRow | None = None,
        record: ConditionalRecord | None = None,
    ) -> Written | None:
        """A PUT decided on the committed state, outside the write transaction, whose write then runs as one
        statement that applies only if the resource is still as read: a light write holding the batch for one
        round trip, not for a read, the decision and another round trip. None when the resource moved between the
        read and the write (nothing was written; call again). Only for resources without a parent to check and
        writes without preconditions: the caller checks neither.

        ``known`` is the resource as this process last saw it committed (see ``agents_deploy.KnownRows``): a change
        decided on it is written if it is still current, else (or when it decides no change) the resource is read.
        ``record`` writes a change decided on a row with that ``updated_at`` (``agents_deploy.Deployments``);
        without it, a light write of ``Writer.record_if_current``.

        A PUT that changes nothing writes nothing and answers the state read, as a PUT inside the transaction
        would (it would only have waited for a commit)."""
        if known is not None and not known.deleted:
            decision = self._decide_put(known, desired_for(known))
            if decision is not None:
                recorded = await self._record_if_current(self._change(key, known, decision), known, context, record)
                if recorded is not None:
                    return _written(known, decision, recorded)
        current = await self.store.current(key.stream_id)
        decision = self._decide_put(current, desired_for(current))
        if decision is None:
            return _unchanged(current)
        recorded = await self._record_if_current(self._change(key, current, decision), current, context, record)
        return None if recorded is None else _written(current, decision, recorded)

    async def _record_if_current(
        self, change: Change, current: ResourceRow | None, context: WriteContext, record: ConditionalRecord | None
    ) -> ResourceRow | None:
        if record is not None:
            found = await record(change, None if current is None else current.updated_at, context)
            return None if found is None else found[0]
        async with self.store.write(context, light=True) as writer:
            recorded = await writer.record_if_current(change)
        return None if recorded is None else recorded[0]


def _unchanged(current: ResourceRow | None) -> Written:
    """A write that decided nothing changes: the resource as it is (a decision of no change needs one)."""
    assert current is not None
    return Written(current, created=False, changed=False)


def _written(current: ResourceRow | None, decision: Decision, row: ResourceRow) -> Written:
    """A recorded change: created when there was no live resource before and the change is not a deletion."""
    return Written(row, created=(current is None or current.deleted) and not decision.deleted, changed=True)
