"""Code deployments written together: the conditional writes of the ``PUT /agents/{name}/code`` that wait for the
store at the same time share one statement (PostgreSQL).

Why: each deployment decided outside the transaction used to be a write request of its own in the group commit's
batch, whose requests run one after the other on its connection: sixteen concurrent deployments held the batch for
sixteen round trips to PostgreSQL (each waiting for PostgreSQL to be scheduled on a busy machine), and each paid the
write's own machinery (its place in the queue, its futures). Here the deployments that arrive while a write of them
waits for its batch join it, and one statement (:func:`record_many_if_current`) writes each of them that still finds
its agent as it was decided on, in arrival order, and nothing for the others; each deployment hears its own outcome
once the batch holding it committed, as :meth:`~romas.store.writer.Writer.record_if_current` would have told it.

The agent each deployment was decided on is also remembered (:class:`KnownRows`): the next deployment of the agent
in this process decides on it instead of reading the agent again, since the statement checks it is still current
anyway (its revision and its ``updated_at``); one that finds the agent moved is read and decided again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from romas.store.eventstore import (
    Change,
    NewEvent,
    RecordedEvent,
    ResourceRow,
    Store,
    WriteContext,
    Writer,
    changed_row,
)
from romas.store.raw import document, raw_statement
from romas.store.together import Together

# One row per change, in arrival order ($1..$17 are arrays): the projection's row first, updated only at the revision
# and instant it was decided on (created only when there is none, for expected revision 0); the event and the
# revision follow from the rows written, so a change whose resource moved gets nothing written and no position. The
# streams of one statement are distinct (see Deployments). Each state is sent and read as JSON once: an event's data
# that is the new state (``derive`` 1) or its changed fields (2) is built from it here, not sent a second time (the
# code, most of a deployment's bytes, would be). One row back per change: its event's position, or null.
_RECORD_MANY_IF_CURRENT_PG = (
    "WITH u AS MATERIALIZED (SELECT stream_id, stream_type, parent, name, expected, known_at, deleted, "
    "state::jsonb AS state, derive, type, data, metadata, recorded_at, actor, summary, changed, meta, n "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::timestamptz[], $7::boolean[], "
    "$8::text[], $9::integer[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::text[], $15::text[], "
    "$16::text[], $17::text[]) WITH ORDINALITY AS x(stream_id, stream_type, parent, name, expected, known_at, "
    "deleted, state, derive, type, data, metadata, recorded_at, actor, summary, changed, meta, n)), "
    "c AS (INSERT INTO resources (stream_id, stream_type, parent, name, revision, deleted, state, updated_at) "
    "SELECT stream_id, stream_type, parent, name, 1, deleted, state, recorded_at FROM u WHERE expected = 0 "
    "ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id), "
    "p AS (UPDATE resources r SET revision = u.expected + 1, deleted = u.deleted, state = u.state, "
    "updated_at = u.recorded_at FROM u WHERE u.expected > 0 AND r.stream_id = u.stream_id "
    "AND r.revision = u.expected AND r.updated_at = u.known_at RETURNING r.stream_id), "
    "w AS (SELECT u.* FROM u WHERE u.stream_id IN (SELECT stream_id FROM c UNION ALL SELECT stream_id FROM p)), "
    "e AS (INSERT INTO events (stream_type, stream_id, version, type, data, metadata, recorded_at) "
    "SELECT stream_type, stream_id, expected + 1, type, CASE derive WHEN 1 THEN jsonb_build_object('state', state) "
    "WHEN 2 THEN jsonb_build_object('changes', (SELECT coalesce(jsonb_object_agg(k, state -> k), '{}'::jsonb) "
    "FROM unnest(string_to_array(changed, ',')) AS k WHERE state ? k)) ELSE data::jsonb END, metadata::jsonb, "
    "recorded_at FROM w ORDER BY n RETURNING stream_id, position), "
    "v AS (INSERT INTO revisions (stream_id, revision, stream_type, parent, name, position, event_type, actor, "
    "summary, changed, deleted, state, meta, recorded_at) SELECT w.stream_id, w.expected + 1, w.stream_type, "
    "w.parent, w.name, e.position, w.type, w.actor, w.summary, w.changed, w.deleted, w.state, w.meta::jsonb, "
    "w.recorded_at FROM w JOIN e ON e.stream_id = w.stream_id) "
    "SELECT e.position FROM u LEFT JOIN e ON e.stream_id = u.stream_id ORDER BY u.n"
)
_RECORD_MANY_IF_CURRENT = raw_statement(_RECORD_MANY_IF_CURRENT_PG)


@dataclass(frozen=True, slots=True)
class Conditional:
    """A change decided on ``known_at``, the ``updated_at`` of the row it was decided on (None for a creation)."""

    change: Change
    known_at: datetime | None
    context: WriteContext


async def record_many_if_current(
    writer: Writer, items: list[Conditional]
) -> list[tuple[ResourceRow, RecordedEvent] | None]:
    """:meth:`~romas.store.writer.Writer.record_if_current` for changes of distinct resources, each with the
    context of the request that made it (its event's metadata), in one statement (PostgreSQL): it writes those whose
    resource is still as decided on, their events in the order given, and nothing for the others (None), so it
    suits a light write."""
    fresh = not writer.touched
    events = [
        writer.prepare(
            NewEvent(
                item.change.stream_type,
                item.change.stream_id,
                item.change.event_type,
                item.change.data,
                expected_version=item.change.expected_revision,
                actor=item.change.actor,
            ),
            item.context,
        )
        for item in items
    ]
    states = [document(item.change.state) for item in items]
    derived = [_derived(item.change) for item in items]
    rows = await writer.run(
        _RECORD_MANY_IF_CURRENT,
        [item.change.stream_id for item in items],
        [item.change.stream_type for item in items],
        [item.change.parent for item in items],
        [item.change.name for item in items],
        [item.change.expected_revision for item in items],
        [item.known_at for item in items],
        [item.change.deleted for item in items],
        states,
        derived,
        [event.type for event in events],
        [None if how else event.data_json for event, how in zip(events, derived, strict=True)],
        [event.metadata_json for event in events],
        [event.recorded_at for event in events],
        [event.metadata["actor"] for event in events],
        [item.change.summary for item in items],
        [",".join(item.change.changed) for item in items],
        [document({k: v for k, v in event.metadata.items() if k != "actor"}) for event in events],
    )
    outcomes: list[tuple[ResourceRow, RecordedEvent] | None] = []
    for (position,), item, event in zip(rows, items, events, strict=True):
        if position is None:
            outcomes.append(None)
            continue
        recorded = writer.inserted(position, event)
        outcomes.append((changed_row(item.change, recorded), recorded))
    if fresh and not any(outcomes):
        writer.wrote_nothing()
    return outcomes


def _derived(change: Change) -> int:
    """How the statement builds the change's event data from its new state: 1 the state itself (a creation), 2 its
    changed fields (an update), 0 not at all (the data is sent)."""
    data = change.data
    if len(data) != 1:
        return 0
    if data.get("state") is change.state:
        return 1
    state = change.state
    changes = data.get("changes")
    if (
        isinstance(changes, dict)
        and changes.keys() == {k for k in change.changed if k in state}
        and all(state[k] is value for k, value in changes.items())  # the same values, not values that compare equal
    ):
        return 2
    return 0


Outcome = tuple[ResourceRow, RecordedEvent] | None


class Deployments:
    """The conditional changes waiting to be written, and the write that takes them (see the module's docstring):
    at most one change of each resource per write (a second one was decided on the same revision as the first, or on
    a later one the first is about to make: it waits for the next write)."""

    def __init__(self, store: Store) -> None:
        self._together: Together[Conditional, Outcome] = Together(
            store, self._write, name="romas-code-deployments", one_per=lambda item: item.change.stream_id
        )

    @property
    def waiting(self) -> int:
        """Changes no write has taken yet."""
        return self._together.waiting

    async def record_if_current(self, change: Change, known_at: datetime | None, context: WriteContext) -> Outcome:
        """Write ``change`` if its resource is still at ``change.expected_revision`` and ``known_at`` (absent, for
        0), with the changes waiting beside it; its row and event once committed, or None when nothing was written
        (the resource moved: read it and decide again)."""
        outcome, _ = await self._together.submit(Conditional(change, known_at, context))
        return outcome

    @staticmethod
    async def _write(writer: Writer, items: Sequence[Conditional], _at: datetime) -> tuple[list[Outcome], None]:
        return await record_many_if_current(writer, list(items)), None


class KnownRows:
    """Resources as this process last wrote or read them committed, by stream: a bounded LRU (``max_rows`` rows, and
    at most ``max_chars`` characters of their code, none of more than ``max_row_chars``). A row here may have been
    overtaken by another writer: whoever decides on it has its write check it is still current."""

    def __init__(self, max_rows: int = 4096, max_chars: int = 4_000_000, max_row_chars: int = 64 * 1024) -> None:
        self.max_rows = max_rows
        self.max_chars = max_chars
        self.max_row_chars = max_row_chars
        self._rows: OrderedDict[str, tuple[ResourceRow, int]] = OrderedDict()
        self._chars = 0

    def get(self, stream_id: str) -> ResourceRow | None:
        found = self._rows.get(stream_id)
        if found is None:
            return None
        self._rows.move_to_end(stream_id)
        return found[0]

    def forget(self, stream_id: str) -> None:
        found = self._rows.pop(stream_id, None)
        if found is not None:
            self._chars -= found[1]

    def remember(self, row: ResourceRow) -> None:
        self.forget(row.stream_id)
        code = row.state.get("code")
        size = len(code) if isinstance(code, str) else 0
        if row.deleted or size > self.max_row_chars:
            return
        self._rows[row.stream_id] = (row, size)
        self._chars += size
        while len(self._rows) > self.max_rows or self._chars > self.max_chars:
            _, (_, dropped) = self._rows.popitem(last=False)
            self._chars -= dropped

    def __len__(self) -> int:
        return len(self._rows)
