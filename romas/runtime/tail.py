"""The newest events of the log, as the runtime's follower handled them, for the event streams (``GET /events`` as
Server-Sent Events).

Why: every commit woke each stream to read the new events back from the database, a read (and on PostgreSQL a round
trip) per stream and commit, although the follower holds exactly those events already (it handles every event in
log order, taking this process's own commits as they commit, see ``Runtime._committed``). A stream whose cursor
falls inside this tail, and that wants nothing newer than its end, takes its events from here; any other reads the
database as before (a stream far behind, or one woken by a commit the follower has not reached yet).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from romas.store.eventstore import RecordedEvent

KEEP = 2048
"""Events kept at least (at most twice as many)."""
HANDOVER_TURNS = 3
"""Turns of the event loop a reader lets pass for this process's commit to be handed over: PostgreSQL's NOTIFY of it
may come before the answer to its COMMIT (see ``Runtime._committed``)."""


def _position(event: RecordedEvent) -> int:
    return event.position


def jsonb_order(value: Any) -> Any:
    """A document with its objects' keys in the order PostgreSQL's ``jsonb`` keeps them (shorter keys first, then
    by their bytes): what reading the event back would give, so a stream writes it the same either way."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: (len(item[0].encode()), item[0].encode()))
        return {key: jsonb_order(inner) for key, inner in items}
    if isinstance(value, list):
        return [jsonb_order(inner) for inner in value]
    return value


def as_read_back(event: RecordedEvent) -> RecordedEvent:
    """An event as written (PostgreSQL), with its documents as the database answers them."""
    return RecordedEvent(
        event.position,
        event.stream_type,
        event.stream_id,
        event.version,
        event.type,
        jsonb_order(event.data),
        jsonb_order(event.metadata),
        event.recorded_at,
    )


class Tail:
    """Every event from just after ``start`` through ``end`` (positions without an event are rolled-back writes)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._events: list[RecordedEvent] = []
        self._as_written: set[int] = set()
        """Positions of events kept as written (PostgreSQL), put in their read-back form when a stream first reads
        them: most are never streamed, and the conversion cost a few per cent of a busy server's CPU."""
        self.start = -1
        self.end = -1
        """-1: holds nothing (the follower is not running)."""

    def reset(self, position: int) -> None:
        """Start again from ``position`` (the follower's cursor), or hold nothing (-1)."""
        self._events = []
        self._as_written = set()
        self.start = self.end = position

    def extend(self, events: Sequence[RecordedEvent], *, as_written: bool = False) -> None:
        """The follower handled ``events``, the next ones in the log after ``end``; ``as_written``: as this process
        wrote them, not as read back from PostgreSQL (see :func:`as_read_back`)."""
        if self.end < 0 or not events:
            return
        self._events.extend(events)
        if as_written:
            self._as_written.update(event.position for event in events)
        self.end = events[-1].position
        if len(self._events) > 2 * self.keep:
            drop = len(self._events) - self.keep
            self.start = self._events[drop - 1].position
            del self._events[:drop]
            if self._as_written:
                self._as_written = {position for position in self._as_written if position > self.start}

    def after(
        self, cursor: int, through: int, limit: int, stream_type: str | None, stream_id: str | None
    ) -> list[RecordedEvent] | None:
        """What ``Store.read_events`` would answer after ``cursor`` (at most ``limit`` events passing the filters),
        if this tail holds every event from ``cursor`` through ``through``; None if it does not."""
        if self.end < 0 or cursor < self.start or self.end < through:
            return None
        found: list[RecordedEvent] = []
        events = self._events
        for index in range(bisect_right(events, cursor, key=_position), len(events)):  # not islice: it walks from 0
            event = events[index]
            if (stream_type is None or event.stream_type == stream_type) and (
                stream_id is None or event.stream_id == stream_id
            ):
                if event.position in self._as_written:
                    event = events[index] = as_read_back(event)
                    self._as_written.discard(event.position)
                found.append(event)
                if len(found) == limit:
                    break
        return found
