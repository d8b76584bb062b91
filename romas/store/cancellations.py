"""Cancellations asked of a message or a command: an event in the log, which the process running the agent acts on.

Any process may be asked to cancel; only the one running the agent can. The request is recorded as a
``cancellation.requested`` event of the item's ``.../cancellation`` stream, so a process that starts running the
agent later (a takeover, a restart) finds the requests its followers never saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from romas.records import record
from romas.store.eventstore import NewEvent, Store
from romas.store.tables import events

REQUESTED = "cancellation.requested"


@record
class CancelRequest:
    """A message (``kind`` ``message``) or command (``command``) of ``agent`` to cancel, asked of any process."""

    kind: str
    agent: str
    item_id: str
    reason: str


def _stream(kind: str, agent: str, item_id: str) -> str:
    folder = "inbox" if kind == "message" else "commands"
    return f"/agents/{agent}/{folder}/{item_id}/cancellation"


def request_event(request: CancelRequest) -> NewEvent:
    return NewEvent(
        "cancellation",
        _stream(request.kind, request.agent, request.item_id),
        REQUESTED,
        {"of": request.kind, "agent": request.agent, "id": request.item_id, "reason": request.reason},
    )


def from_event(data: Mapping[str, Any]) -> CancelRequest:
    return CancelRequest(data["of"], data["agent"], data["id"], data.get("reason") or "cancelled")


async def requested(store: Store, agent: str, messages: Sequence[str], commands: Sequence[str]) -> list[CancelRequest]:
    """The cancellations recorded for these unfinished items of ``agent``, oldest first."""
    streams = [_stream("message", agent, i) for i in messages] + [_stream("command", agent, i) for i in commands]
    if not streams:
        return []
    query = (
        select(events.c.data)
        .where(events.c.stream_id.in_(streams), events.c.type == REQUESTED)
        .order_by(events.c.position)
    )
    async with store.reads.connect() as conn:
        return [from_event(data) for (data,) in await conn.execute(query)]
