"""The store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from romas.domain.revisioned import fold
from romas.store.eventstore import Change, ConcurrencyConflict, NewEvent, Store, StoredResponse, WriteContext
from romas.store.tables import metadata

pytestmark = pytest.mark.anyio


def change(
    name: str,
    expected: int,
    state: dict[str, Any],
    *,
    event: str = "thing.updated",
    deleted: bool = False,
    changed: tuple[str, ...] = ("value",),
) -> Change:
    data: dict[str, Any] = {"state": state} if event.endswith((".created", ".restored")) else {"changes": state}
    return Change(
        stream_id=f"/things/{name}",
        stream_type="thing",
        parent="",
        name=name,
        expected_revision=expected,
        event_type=event,
        data=data,
        state=state,
        summary="test",
        changed=changed,
        deleted=deleted,
    )


async def put(store: Store, name: str, expected: int, value: int, **kw: Any) -> None:
    event = "thing.created" if expected == 0 else "thing.updated"
    async with store.write(WriteContext(actor="tester")) as writer:
        await writer.record(change(name, expected, {"value": value}, event=event, **kw))


async def test_record_writes_event_projection_and_revision(store: Store) -> None:
    async with store.write(WriteContext(actor="alice", request_id="r1")) as writer:
        row, event = await writer.record(change("a", 0, {"value": 1}, event="thing.created"))
    assert row.revision == 1 and event.version == 1 and event.position >= 1
    current = await store.current("/things/a")
    assert current is not None and current.state == {"value": 1} and current.revision == 1
    first = await store.revision("/things/a", 1)
    assert first is not None and first.state == {"value": 1}
    [stored] = await store.read_events()
    assert stored.type == "thing.created" and stored.metadata == {"actor": "alice", "request_id": "r1"}
    assert stored.recorded_at.tzinfo is not None


async def test_stale_expected_revision_is_a_conflict_and_changes_nothing(store: Store) -> None:
    await put(store, "a", 0, 1)
    await put(store, "a", 1, 2)
    with pytest.raises(ConcurrencyConflict):
        await put(store, "a", 1, 3)
    current = await store.current("/things/a")
    assert current is not None and current.revision == 2 and current.state == {"value": 2}
    assert [e.version for e in await store.read_events()] == [1, 2]


async def test_creating_an_existing_stream_is_a_conflict(store: Store) -> None:
    await put(store, "a", 0, 1)
    with pytest.raises(ConcurrencyConflict):
        await put(store, "a", 0, 5)


async def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.write() as writer:
            await writer.record(change("a", 0, {"value": 1}, event="thing.created"))
            raise RuntimeError("boom")
    assert await store.current("/things/a") is None
    assert await store.read_events() == []


@pytest.mark.parametrize("statement", ["UPDATE events SET type = 'x'", "DELETE FROM events"])
async def test_the_database_refuses_to_rewrite_events(store: Store, statement: str) -> None:
    await put(store, "a", 0, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with store.engine.begin() as conn:
            await conn.execute(text(statement))
    assert len(await store.read_events()) == 1


async def test_truncate_is_refused_on_postgres(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    await put(store, "a", 0, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with store.engine.begin() as conn:
            await conn.execute(text("TRUNCATE events"))


async def test_recorded_at_is_monotonic_even_when_the_clock_goes_back(store: Store) -> None:
    instants = iter([datetime(2030, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)] * 5)
    store.clock = lambda: next(instants)
    await put(store, "a", 0, 1)
    await put(store, "a", 1, 2)
    await put(store, "b", 0, 1)
    times = [e.recorded_at for e in await store.read_events()]
    assert times == sorted(times) and len(set(times)) == 3
    assert times[1] - times[0] == timedelta(microseconds=1)


async def test_concurrent_appends_give_gapless_positions_in_commit_order(store: Store) -> None:
    async def writer(i: int) -> None:
        async with store.write() as w:
            await w.append([NewEvent("thing", f"/things/t{i}", "thing.pinged", {"i": i})])

    seen: list[int] = []
    done = asyncio.Event()

    async def reader() -> None:
        cursor = 0
        while True:
            finished = done.is_set()  # noted before reading, so the last page read after it is complete
            page = await store.read_events(after=cursor, limit=1000)
            for event in page:
                assert event.position == cursor + 1, f"skipped from {cursor} to {event.position}"
                cursor = event.position
                seen.append(cursor)
            if finished and not page:
                return
            await asyncio.sleep(0)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(i) for i in range(60)))
    done.set()
    await reading
    assert seen == list(range(1, 61))


async def test_as_of_reads_the_revision_in_force_at_an_instant(store: Store) -> None:
    await put(store, "a", 0, 1)
    await asyncio.sleep(0.002)
    middle = datetime.now(UTC)
    await asyncio.sleep(0.002)
    await put(store, "a", 1, 2)
    before = await store.as_of("/things/a", middle - timedelta(hours=1))
    at_middle = await store.as_of("/things/a", middle)
    now = await store.as_of("/things/a", datetime.now(UTC))
    assert before is None
    assert at_middle is not None and at_middle.revision == 1 and at_middle.state == {"value": 1}
    assert now is not None and now.revision == 2


async def test_list_as_of_shows_what_existed_then(store: Store) -> None:
    await put(store, "a", 0, 1)
    await put(store, "b", 0, 1)
    between = datetime.now(UTC)
    await asyncio.sleep(0.002)
    async with store.write() as writer:
        await writer.record(change("a", 1, {"value": 1}, event="thing.deleted", deleted=True))
    await put(store, "c", 0, 1)
    then = await store.list_as_of("thing", "", between, after=None, limit=10)
    now = await store.list_as_of("thing", "", datetime.now(UTC), after=None, limit=10)
    assert [r.name for r in then] == ["a", "b"]
    assert [r.name for r in now] == ["b", "c"]
    assert [r.name for r in await store.list_current("thing", "", after="b", limit=10)] == ["c"]


async def test_history_is_newest_first_pages_and_filters(store: Store) -> None:
    await put(store, "a", 0, 1, changed=("value", "code"))
    for revision in range(1, 6):
        await put(store, "a", revision, revision + 1, changed=("code",) if revision % 2 else ("value",))
    history = await store.history("/things/a", before=None, limit=3)
    assert [h.revision for h in history] == [6, 5, 4]
    older = await store.history("/things/a", before=4, limit=10)
    assert [h.revision for h in older] == [3, 2, 1]
    code_only = await store.history("/things/a", before=None, limit=10, changed="code")
    assert [h.revision for h in code_only] == [6, 4, 2, 1]
    assert all(h.actor == "tester" for h in history)


async def test_projection_equals_the_fold_of_the_log(store: Store) -> None:
    states = [{"value": 1, "extra": "x"}, {"value": 2, "extra": "x"}, {"value": 2}]
    async with store.write() as w:
        await w.record(change("a", 0, states[0], event="thing.created"))
    async with store.write() as w:
        await w.record(change("a", 1, {"value": 2}, event="thing.updated"))
    async with store.write() as w:
        await w.record(
            Change(
                "/things/a",
                "thing",
                "",
                "a",
                2,
                "thing.updated",
                {"changes": {}, "removed": ["extra"]},
                states[2],
                "t",
                ("extra",),
            )
        )
    log = await store.read_events(stream_id="/things/a")
    folded, deleted = fold((e.type, e.data) for e in log)
    current = await store.current("/things/a")
    assert current is not None and folded == current.state == {"value": 2} and not deleted


async def test_idempotency_keys_round_trip(store: Store) -> None:
    response = StoredResponse("PUT", "/agents/a", "f" * 64, 201, {"ETag": '"1"'}, b'{"x":1}')
    async with store.write() as w:
        assert await w.stored_response("alice", "k1") is None
        await w.store_response("alice", "k1", response)
    async with store.write() as w:
        assert await w.stored_response("alice", "k1") == response
        assert await w.stored_response("bob", "k1") is None


async def test_migrated_schema_matches_the_tables_the_code_queries(store: Store) -> None:
    def compare(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
        return list(compare_metadata(context, metadata))

    async with store.engine.connect() as conn:
        diff = await conn.run_sync(compare)
    assert diff == []


async def test_record_if_current_writes_only_at_the_revision_read(store: Store) -> None:
    """A change decided outside the transaction is written only if the resource is still as read; otherwise
    nothing is written, no position is taken, and the batch's other requests commit."""
    async with store.write(WriteContext(actor="alice")) as writer:
        created = await writer.record_if_current(change("a", 0, {"value": 1}, event="thing.created"))
    assert created is not None and created[0].revision == 1 and created[1].version == 1
    async with store.write(WriteContext(actor="alice"), light=True) as writer:
        assert await writer.record_if_current(change("a", 0, {"value": 9}, event="thing.created")) is None
        assert not writer.touched  # nothing to undo: a light request may go on
    async with store.write(WriteContext(actor="alice"), light=True) as writer:
        updated = await writer.record_if_current(change("a", 1, {"value": 2}))
    assert updated is not None and updated[0].revision == 2 and updated[0].state == {"value": 2}
    before = await store.last_position()

    async def stale() -> None:
        async with store.write(WriteContext(actor="bob"), light=True) as writer:
            assert await writer.record_if_current(change("a", 1, {"value": 3})) is None

    async def other() -> None:
        async with store.write(WriteContext(actor="carol"), light=True) as writer:
            await writer.record_if_current(change("b", 0, {"value": 1}, event="thing.created"))

    await asyncio.gather(stale(), other(), stale())
    current = await store.current("/things/a")
    assert current is not None and current.revision == 2 and current.state == {"value": 2}
    assert await store.revision("/things/a", 3) is None
    events = await store.read_events(after=before)
    assert [(e.stream_id, e.version, e.position) for e in events] == [("/things/b", 1, before + 1)]
    history = await store.history("/things/a", before=None, limit=10)
    assert [h.revision for h in history] == [2, 1]


@pytest.mark.parametrize("run", [1, 2, 3, 5])
async def test_a_run_of_changes_is_recorded_as_one_by_one_would(store: Store, run: int) -> None:
    """An artefact's queued operations are written as one run: the same events, revisions and current row as
    recording each change after the other (on a twin resource)."""
    for name in ("a", "twin"):
        await put(store, name, 0, 0)
    states = [{"value": k + 1, "step": f"s{k}"} for k in range(run)]
    async with store.write(WriteContext(actor="alice", request_id="r")) as writer:
        recorded = await writer.record_run(
            [change("a", 1 + k, s, changed=("value", "step")) for k, s in enumerate(states)]
        )
    async with store.write(WriteContext(actor="alice", request_id="r")) as writer:
        for k, s in enumerate(states):
            await writer.record(change("twin", 1 + k, s, changed=("value", "step")))
    assert [(row.revision, row.state) for row, _ in recorded] == [(2 + k, s) for k, s in enumerate(states)]
    positions = [event.position for _, event in recorded]
    assert positions == sorted(positions) and len(set(positions)) == run
    ours, twins = await store.read_events(stream_id="/things/a"), await store.read_events(stream_id="/things/twin")
    assert [(e.version, e.type, e.data, e.metadata) for e in ours] == [
        (e.version, e.type, e.data, e.metadata) for e in twins
    ]
    assert [e.position for e in ours[1:]] == positions
    assert [e.recorded_at for e in ours] == sorted(e.recorded_at for e in ours)
    for revision in range(1, run + 2):
        mine, twin = await store.revision("/things/a", revision), await store.revision("/things/twin", revision)
        assert mine is not None and twin is not None and mine.state == twin.state
        info, twin_info = (
            await store.revision_info("/things/a", revision),
            await store.revision_info("/things/twin", revision),
        )
        assert info is not None and twin_info is not None
        assert (info.event_type, info.actor, info.summary, info.changed) == (
            twin_info.event_type,
            twin_info.actor,
            twin_info.summary,
            twin_info.changed,
        )
    current = await store.current("/things/a")
    assert current is not None and (current.revision, current.state) == (run + 1, states[-1])
    history = await store.history("/things/a", before=None, limit=10)
    assert [h.revision for h in history] == list(range(run + 1, 0, -1))


async def test_a_stale_run_writes_none_of_its_changes(store: Store) -> None:
    await put(store, "a", 0, 0)
    await put(store, "a", 1, 1)
    before = await store.last_position()
    with pytest.raises(ConcurrencyConflict):
        async with store.write() as writer:
            await writer.record_run([change("a", 1 + k, {"value": 10 + k}) for k in range(4)])
    current = await store.current("/things/a")
    assert current is not None and (current.revision, current.state) == (2, {"value": 1})
    assert await store.read_events(after=before) == []
    assert await store.revision("/things/a", 3) is None
