"""Status changes of messages: several changes of one message in one call (a runtime flush that holds both its
delivery and its end) leave the row as applying them one at a time does, with every event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from romas.store import inbox
from romas.store.eventstore import Store, WriteContext
from romas.store.inbox import MessageChange, NewMessage

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, tzinfo=UTC)


async def _accept(store: Store, ids: list[str]) -> None:
    async with store.write(WriteContext(actor="test")) as writer:
        await inbox.accept(writer, [NewMessage(i, "bob", "alice", "rest", "askOne", "q") for i in ids], T0)


async def test_changes_of_one_message_in_one_call_end_as_applied_in_turn(store: Store) -> None:
    await _accept(store, ["m1", "m2", "m3", "m4"])
    delivered, done = T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)
    error = {"type": "/problems/message-failed", "title": "Message failed", "detail": "no"}

    def story(i: str, end: str) -> list[MessageChange]:
        return [
            MessageChange(i, "bob", 1, "delivered", delivered),
            MessageChange(
                i, "bob", 2, end, done, "yes" if end == "processed" else None, error if end == "failed" else None
            ),
        ]

    async with store.write(WriteContext(actor="test")) as writer:
        await inbox.change(writer, [*story("m1", "processed"), *story("m2", "failed")])
    for change in [*story("m3", "processed"), *story("m4", "failed")]:
        async with store.write(WriteContext(actor="test")) as writer:
            await inbox.change(writer, [change])
    rows = {i: await inbox.get(store, "bob", i) for i in ("m1", "m2", "m3", "m4")}
    for together, apart in (("m1", "m3"), ("m2", "m4")):
        a, b = rows[together], rows[apart]
        assert a is not None and b is not None
        assert (a.status, a.version, a.delivered_at, a.finished_at, a.reply, a.error) == (
            b.status,
            b.version,
            b.delivered_at,
            b.finished_at,
            b.reply,
            b.error,
        )
    assert rows["m1"].status == "processed" and rows["m1"].reply == "yes" and rows["m1"].version == 3
    assert rows["m2"].status == "failed" and rows["m2"].error == error
    events = await store.read_events(stream_id=inbox.message_stream("bob", "m1"))
    assert [e.type for e in events] == ["message.accepted", "message.delivered", "message.processed"]
