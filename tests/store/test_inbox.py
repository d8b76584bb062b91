"""Status changes of messages: several changes of one message in one call (a runtime flush that holds both its
delivery and its end) leave the row as applying them one at a time does, with every event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from romas.store import at_work, checkpoints, inbox
from romas.store.eventstore import Change, ConcurrencyConflict, Store, WriteContext
from romas.store.group_commit import Batch
from romas.store.inbox import MessageChange, NewMessage
from romas.store.raw import raw_statement

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


async def _agent(store: Store, name: str, state: str, *, deleted: bool = False) -> None:
    async with store.write() as writer:
        await writer.record(
            Change(
                f"/agents/{name}", "agent", "", name, 0, "agent.created", {}, {"state": state}, "created", (), deleted
            )
        )


async def test_many_messages_are_accepted_in_one_write_only_where_their_agent_runs(store: Store) -> None:
    await _agent(store, "runs", "running")
    await _agent(store, "rests", "stopped")
    await _agent(store, "gone", "running", deleted=True)
    given = [
        (NewMessage("m1", "runs", "c1", "rest", "tell", "a(1)"), WriteContext(actor="c1", request_id="r1")),
        (NewMessage("m2", "rests", "c2", "rest", "tell", "a(2)"), WriteContext(actor="c2")),
        (NewMessage("m3", "nobody", "c3", "rest", "tell", "a(3)"), WriteContext(actor="c3")),
        (NewMessage("m4", "gone", "c4", "rest", "tell", "a(4)"), WriteContext(actor="c4")),
        (NewMessage("m5", "runs", "c5", "rest", "achieve", "inc", expires_at=T0), WriteContext(actor="c5")),
    ]
    async with store.write(WriteContext(actor="writer")) as writer:
        gates = await inbox.accept_many_if_running(writer, given, T0)
    assert [g.accepted for g in gates] == [True, False, False, False, True]
    assert (gates[1].exists, gates[1].state) == (True, "stopped")
    assert not gates[2].exists
    assert gates[3].deleted
    rows = await inbox.unfinished(store, "runs")
    assert [(r.id, r.sender, r.performative, r.content, r.status) for r in rows] == [
        ("m1", "c1", "tell", "a(1)", "accepted"),
        ("m5", "c5", "achieve", "inc", "accepted"),
    ]
    assert rows[0].accepted_at == T0 and rows[1].expires_at == T0
    assert await inbox.unfinished(store, "rests") == [] and await inbox.unfinished(store, "gone") == []
    events = await store.read_events(stream_type="message")
    assert [e.stream_id for e in events] == [inbox.message_stream("runs", "m1"), inbox.message_stream("runs", "m5")]
    assert [e.metadata.get("actor") for e in events] == ["c1", "c5"]
    assert events[0].metadata.get("request_id") == "r1"
    assert events[0].position < events[1].position and events[0].recorded_at < events[1].recorded_at
    assert events[1].data["expires_at"] == T0.isoformat()


async def test_accepting_many_where_no_agent_runs_writes_nothing(store: Store) -> None:
    await _agent(store, "rests", "stopped")
    before = await store.last_position()
    async with store.write(WriteContext(actor="writer"), light=True) as writer:
        gates = await inbox.accept_many_if_running(
            writer, [(NewMessage("m1", "rests", "c", "rest", "tell", "a"), WriteContext(actor="c"))], T0
        )
    assert not gates[0].accepted
    assert await store.last_position() == before


async def test_a_change_from_a_stale_version_is_a_conflict_and_changes_nothing(store: Store) -> None:
    await _accept(store, ["m1"])
    with pytest.raises(ConcurrencyConflict):
        async with store.write(WriteContext(actor="test")) as writer:
            await inbox.change(writer, [MessageChange("m1", "bob", 0, "processed", T0)])
    row = await inbox.get(store, "bob", "m1")
    assert row is not None and (row.status, row.version) == ("accepted", 1)
    events = await store.read_events(stream_id=inbox.message_stream("bob", "m1"))
    assert [e.type for e in events] == ["message.accepted"]


async def test_a_flush_s_checkpoints_and_cleared_marks_go_with_its_changes(store: Store) -> None:
    """The runtime's flush hands its checkpoints and the marks it clears to the messages' change (one statement
    on PostgreSQL): each checkpoint is written or replaced, and only marks no newer than the cutoff go."""
    await _accept(store, ["m1"])
    old, cutoff, new = T0 + timedelta(microseconds=1), T0 + timedelta(microseconds=2), T0 + timedelta(microseconds=3)
    async with store.write(WriteContext(actor="test")) as writer:
        await checkpoints.save_many(writer, [("bob", 1, {"v": 0})], T0)
        await at_work.mark(writer, ["bob", "carol"], old)
        await at_work.mark(writer, ["dave"], new)
    for changes in ([MessageChange("m1", "bob", 1, "processed", T0, "yes")], []):
        along = inbox.Along([("bob", 2, {"v": len(changes)}), ("carol", 1, {"v": 9})], new, ["bob", "dave"], cutoff)
        async with store.write(WriteContext(actor="test")) as writer:
            await inbox.change(writer, changes, along)
        bob, carol = await checkpoints.load(store, "bob"), await checkpoints.load(store, "carol")
        assert bob is not None and (bob.code_revision, bob.state, bob.updated_at) == (2, {"v": len(changes)}, new)
        assert carol is not None and carol.state == {"v": 9}
        async with store.write(WriteContext(actor="test")) as writer:
            assert [row.agent for row in await at_work.load(writer)] == ["carol", "dave"]
    message = await inbox.get(store, "bob", "m1")
    assert message is not None and (message.status, message.reply) == ("processed", "yes")


async def test_texts_instants_and_documents_are_stored_exactly_as_given(store: Store) -> None:
    """On PostgreSQL the accepts' and the changes' rows go as one JSON parameter (raw.json_rows): every kind of
    text, a naive instant (UTC, as the driver takes it), one with an offset, and the events as recorded in memory
    read back the same."""
    await _agent(store, "runs", "running")
    odd = 'q("a\\"b", \'c\', "\\\\", "é ✓ 𝄞", "line\nbreak\ttab", "nul\x00")'
    naive = datetime(2031, 2, 3, 4, 5, 6, 7)
    offset = datetime(2031, 2, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=2)))
    given = [
        (NewMessage("m1", "runs", "c1", "rest", "tell", odd, expires_at=naive), WriteContext(actor="c\x001")),
        (NewMessage("m2", "runs", "c2", "rest", "tell", "ok", "m0", offset, "m9"), WriteContext(actor="c2")),
    ]
    async with store.write(WriteContext(actor="writer")) as writer:
        gates = await inbox.accept_many_if_running(writer, given, T0)
        accepted = list(writer.recorded)
    assert [g.accepted for g in gates] == [True, True]
    error = {"type": "/problems/message-failed", "title": "Message failed", "detail": 'no "\\ \x00 ✓'}
    async with store.write(WriteContext(actor="runtime")) as writer:
        await inbox.change(
            writer,
            [
                MessageChange("m1", "runs", 1, "delivered", T0 + timedelta(microseconds=1)),
                MessageChange("m1", "runs", 2, "processed", T0 + timedelta(seconds=1), reply='r("\x00 é\n")'),
                MessageChange("m2", "runs", 1, "failed", T0 + timedelta(seconds=2), error=error),
            ],
            inbox.Along([], T0, [], T0),
        )
        changed = list(writer.recorded)
    first, second = await inbox.get(store, "runs", "m1"), await inbox.get(store, "runs", "m2")
    assert first is not None and second is not None
    assert first.content == odd.replace("\x00", "\ufffd") and first.sender == "c1"
    assert first.expires_at == naive.replace(tzinfo=UTC) and second.expires_at == offset
    assert (second.in_reply_to, second.retry_of) == ("m0", "m9")
    assert first.delivered_at == T0 + timedelta(microseconds=1) and first.finished_at == T0 + timedelta(seconds=1)
    assert first.reply == 'r("\ufffd é\n")' and (first.status, first.version) == ("processed", 3)
    assert second.error == {**error, "detail": 'no "\\ \ufffd ✓'} and (second.status, second.version) == ("failed", 2)
    read = await store.read_events(stream_type="message")
    assert [(e.position, e.stream_id, e.version, e.type, e.recorded_at) for e in read] == [
        (e.position, e.stream_id, e.version, e.type, e.recorded_at) for e in [*accepted, *changed]
    ]
    assert read[0].data["content"] == first.content and read[0].metadata["actor"] == "c\ufffd1"
    assert [e.data for e in read[2:]] == [
        {"status": "delivered", "id": "m1", "agent": "runs"},
        {"status": "processed", "id": "m1", "agent": "runs", "reply": first.reply},
        {"status": "failed", "id": "m2", "agent": "runs", "error": second.error},
    ]


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_flush_reads_its_messages_through_the_index_on_a_large_table(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL takes the flush's JSON array of rows for 100 rows whatever it holds: joined to the messages by
    ``id`` alone, a table of some thousands was read whole at every flush (a hash join over a sequential scan)."""
    await _accept(store, ["m1", "m2"])
    async with store.write() as writer:
        await writer.run(
            raw_statement(
                "INSERT INTO messages (id, agent, sender, origin, performative, content, status, version, accepted_at) "
                "SELECT 'x' || g, 'bob', 'alice', 'rest', 'tell', 'q', 'processed', 3, now() "
                "FROM generate_series(1, 20000) g"
            )
        )
        await writer.run(raw_statement("ANALYZE messages"))
    plans: list[str] = []
    rows = Batch.rows

    async def explained(self: Batch, pg_sql: str, sqlite_sql: str, args: Sequence[Any]) -> list[Sequence[Any]]:
        if "UPDATE messages" in pg_sql:
            plan = await rows(self, "EXPLAIN " + pg_sql, sqlite_sql, args)
            plans.append("\n".join(str(line[0]) for line in plan))
        return await rows(self, pg_sql, sqlite_sql, args)

    monkeypatch.setattr(Batch, "rows", explained)
    async with store.write(WriteContext(actor="test")) as writer:
        await inbox.change(
            writer, [MessageChange(i, "bob", 1, "delivered", T0 + timedelta(seconds=1)) for i in ("m1", "m2")]
        )
    (plan,) = plans
    assert "Seq Scan on messages" not in plan and "messages_id_key" in plan, plan
    row = await inbox.get(store, "bob", "m1")
    assert row is not None and row.status == "delivered"
