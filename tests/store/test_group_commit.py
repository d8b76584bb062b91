"""Group commit: requests that wait for the writer share one transaction, yet each keeps its own outcome."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import textwrap
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from romas.store import inbox, invocations, metrics
from romas.store.engine import create_engine
from romas.store.eventstore import (
    Change,
    ConcurrencyConflict,
    NewEvent,
    RecordedEvent,
    Store,
    StoredResponse,
    WriteContext,
    Writer,
)
from romas.store.group_commit import REPLAN_FROM, Batch, BatchBroken
from romas.store.inbox import NewMessage
from romas.store.raw import raw_statement
from tests.store.test_checkpoints import migrate_to
from tests.store.test_eventstore import change, put

pytestmark = pytest.mark.anyio

Block = Callable[[Writer], Awaitable[Any]]
ROOT = Path(__file__).resolve().parents[2]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for a condition that other tasks bring about (generously bounded: no timing is asserted)."""
    for _ in range(60_000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never happened: {what}")


async def in_one_batch(
    store: Store,
    blocks: list[Block],
    *,
    light: frozenset[int] = frozenset(),
    bulk: frozenset[int] = frozenset(),
    bulk_holder: bool = False,
) -> tuple[list[Any], list[int]]:
    """Run ``blocks`` as separate write requests queued behind a request that holds the writer, so that they
    all land in its batch (unless ``bulk`` ones on PostgreSQL, see ``GroupCommit.bulk_apart``); their results (or
    exceptions) and the batches they ran in, the holder's first, in order."""
    store.group_commit.max_span_s = 60.0
    gate = asyncio.Event()
    batches: list[int] = [0] * (len(blocks) + 1)

    async def holder() -> None:
        async with store.write(WriteContext(actor="holder"), bulk=bulk_holder) as writer:
            batches[0] = writer.batch
            await writer.append([NewEvent("thing", "/things/holder", "thing.held", {})])
            await gate.wait()

    async def request(i: int, block: Block) -> Any:
        async with store.write(WriteContext(actor=f"r{i}"), light=i in light, bulk=i in bulk) as writer:
            batches[i + 1] = writer.batch
            return await block(writer)

    holding = asyncio.create_task(holder())
    await until(lambda: batches[0] != 0, "the holder got the writer")
    tasks = []
    for i, block in enumerate(blocks):
        tasks.append(asyncio.create_task(request(i, block)))
        await until(lambda i=i: store.group_commit.waiting > i, "queued")  # so they queue in this order
    gate.set()
    (held,) = await asyncio.gather(holding, return_exceptions=True)
    if isinstance(held, BaseException) and not isinstance(held, BatchBroken):
        raise held  # a broken batch fails its holder too; anything else is the test's own trouble
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return list(results), batches


async def test_a_failing_request_is_rolled_back_alone_and_the_others_commit(store: Store) -> None:
    await put(store, "b", 0, 1)

    async def create(name: str) -> Block:
        async def block(writer: Writer) -> Any:
            return (await writer.record(change(name, 0, {"value": 1}, event="thing.created")))[1]

        return block

    async def stale(writer: Writer) -> Any:
        await writer.record(change("b", 5, {"value": 9}))

    async def raises(writer: Writer) -> Any:
        await writer.record(change("c", 0, {"value": 1}, event="thing.created"))
        raise ValueError("the request's own bug")

    async def duplicate(writer: Writer) -> Any:
        await writer.append([NewEvent("thing", "/things/b", "thing.pinged", {}, expected_version=0)])

    blocks = [await create("a"), stale, raises, duplicate, await create("d")]
    results, batches = await in_one_batch(store, blocks)

    assert len(set(batches)) == 1, "every request ran in the holder's batch"
    assert isinstance(results[0], RecordedEvent)
    assert isinstance(results[1], ConcurrencyConflict)
    assert isinstance(results[2], ValueError)
    assert isinstance(results[3], ConcurrencyConflict)
    assert isinstance(results[4], RecordedEvent)
    a, b, c, d = [await store.current(f"/things/{n}") for n in "abcd"]
    assert a is not None and a.revision == 1
    assert b is not None and b.revision == 1 and b.state == {"value": 1}
    assert c is None
    assert d is not None
    log = await store.read_events()
    assert [e.stream_id for e in log] == ["/things/b", "/things/holder", "/things/a", "/things/d"]
    assert await store.revision("/things/b", 2) is None


async def test_appends_take_no_savepoint_and_a_failure_after_them_undoes_them_alone(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a request's first appends run before its savepoint (checked in their statement); a request
    that fails after them has them deleted and their positions given back, the others commit, the log stays
    gapless. On SQLite every request takes its savepoint at once (no round trip there)."""
    sent: list[str] = []
    plain = Batch._plain

    async def counting(self: Batch, sql: str) -> None:
        sent.append(sql)
        await plain(self, sql)

    monkeypatch.setattr(Batch, "_plain", counting)

    def pinged(name: str, version: int) -> NewEvent:
        return NewEvent("thing", f"/things/{name}", "thing.pinged", {"n": version}, expected_version=version)

    async def appends(writer: Writer) -> Any:
        return await writer.append([pinged("w", 0), pinged("w", 1)])

    async def appends_then_raises(writer: Writer) -> Any:
        await writer.append([pinged("x", 0)])
        raise ValueError("the request's own bug, after its append")

    async def appends_records_then_raises(writer: Writer) -> Any:
        await writer.append([pinged("y", 0), pinged("y", 1)])
        await writer.record(change("z", 0, {"value": 1}, event="thing.created"))
        raise ValueError("the request's own bug, after its record")

    async def records(writer: Writer) -> Any:
        return (await writer.record(change("v", 0, {"value": 1}, event="thing.created")))[1]

    blocks = [appends_then_raises, appends, appends_records_then_raises, records, appends]
    blocks[4] = lambda writer: writer.append([pinged("w", 2)])
    results, batches = await in_one_batch(store, blocks)

    assert len(set(batches)) == 1, f"every request ran in the holder's batch: {results}"
    assert isinstance(results[0], ValueError)
    assert isinstance(results[1], list) and [e.version for e in results[1]] == [1, 2]
    assert isinstance(results[2], ValueError)
    assert isinstance(results[3], RecordedEvent)
    assert isinstance(results[4], list)
    log = await store.read_events()
    assert [(e.stream_id, e.version) for e in log] == [
        ("/things/holder", 1),
        ("/things/w", 1),
        ("/things/w", 2),
        ("/things/v", 1),
        ("/things/w", 3),
    ]
    assert [e.position for e in log] == list(range(1, len(log) + 1)), "gapless"
    assert await store.current("/things/z") is None
    savepoints = [sql for sql in sent if sql.startswith("SAVEPOINT")]
    if store.dialect == "postgresql":
        assert len(savepoints) == 2, "only the requests that ran more than appends took one"
    else:
        assert len(savepoints) == 5


async def _agent(store: Store, name: str, state: str) -> None:
    async with store.write() as writer:
        await writer.record(
            Change(f"/agents/{name}", "agent", "", name, 0, "agent.created", {}, {"state": state}, "created")
        )


def _message(agent: str, n: int) -> NewMessage:
    return NewMessage(f"m{n}", agent, "tester", "rest", "tell", f"hello({n})")


async def test_light_requests_that_write_nothing_fail_alone_without_a_savepoint(store: Store) -> None:
    await _agent(store, "runs", "running")
    await _agent(store, "rests", "stopped")
    at = datetime.now(UTC)

    def accept(agent: str, n: int) -> Block:
        async def block(writer: Writer) -> Any:
            gate = await inbox.accept_if_running(writer, _message(agent, n), at)
            if not gate.accepted:
                raise LookupError(f"{agent} is {gate.state if gate.exists else 'missing'}")
            return gate

        return block

    async def normal(writer: Writer) -> Any:
        return await writer.append([NewEvent("thing", "/things/n", "thing.pinged", {})])

    blocks = [accept("runs", 1), accept("rests", 2), accept("nobody", 3), normal, accept("runs", 4)]
    results, batches = await in_one_batch(store, blocks, light=frozenset({0, 1, 2, 4}))

    assert len(set(batches)) == 1, "every request ran in the holder's batch"
    assert isinstance(results[0], inbox.AgentGate) and results[0].accepted
    assert isinstance(results[1], LookupError) and "stopped" in str(results[1])
    assert isinstance(results[2], LookupError) and "missing" in str(results[2])
    assert isinstance(results[3], list)
    assert isinstance(results[4], inbox.AgentGate) and results[4].accepted
    assert [m.id for m in await inbox.unfinished(store, "runs")] == ["m1", "m4"]
    assert await inbox.unfinished(store, "rests") == []
    streams = [e.stream_id for e in await store.read_events(stream_type="message")]
    assert streams == ["/agents/runs/inbox/m1", "/agents/runs/inbox/m4"]
    positions = [e.position for e in await store.read_events()]
    assert positions == list(range(1, len(positions) + 1)), "gapless"


async def test_a_light_request_that_only_read_before_failing_undoes_nothing(store: Store) -> None:
    await put(store, "b", 0, 1)

    async def reads_then_refuses(writer: Writer) -> Any:
        row = await writer.current("/things/b")
        assert row is not None
        raise ValueError(f"precondition failed: revision {row.revision}")

    async def normal(writer: Writer) -> Any:
        return await writer.append([NewEvent("thing", "/things/n", "thing.pinged", {})])

    async def light_update(writer: Writer) -> Any:
        row = await writer.current("/things/b")
        assert row is not None
        return (await writer.record(change("b", row.revision, {"value": 2})))[1]

    results, batches = await in_one_batch(store, [normal, reads_then_refuses, light_update], light=frozenset({1, 2}))

    assert len(set(batches)) == 1
    assert isinstance(results[0], list)
    assert isinstance(results[1], ValueError)
    assert isinstance(results[2], RecordedEvent)
    b = await store.current("/things/b")
    assert b is not None and b.revision == 2 and b.state == {"value": 2}


async def test_a_light_request_that_fails_after_writing_undoes_its_whole_batch(store: Store) -> None:
    await _agent(store, "runs", "running")
    at = datetime.now(UTC)

    async def accepts_then_fails(writer: Writer) -> Any:
        await inbox.accept_if_running(writer, _message("runs", 1), at)
        raise ValueError("the request's own bug, after its write")

    async def normal(writer: Writer) -> Any:
        return await writer.append([NewEvent("thing", "/things/n", "thing.pinged", {})])

    results, batches = await in_one_batch(store, [normal, accepts_then_fails, normal], light=frozenset({1}))

    assert batches[0] == batches[1] == batches[2] < batches[3], "the broken batch ends; the next request starts one"
    assert isinstance(results[0], BatchBroken), "the holder and the request before it are undone with it"
    assert isinstance(results[1], ValueError)
    assert isinstance(results[2], list)
    assert await inbox.unfinished(store, "runs") == []
    assert [e.stream_id for e in await store.read_events()] == ["/agents/runs", "/things/n"]


async def test_a_failing_first_request_rolls_back_only_itself(store: Store) -> None:
    with pytest.raises(ValueError):
        async with store.write() as writer:
            await writer.append([NewEvent("thing", "/things/a", "thing.pinged", {})])
            raise ValueError("boom")
    await put(store, "b", 0, 1)
    assert [e.stream_id for e in await store.read_events()] == ["/things/b"]


async def test_an_idempotency_key_stored_earlier_in_the_batch_is_replayed(store: Store) -> None:
    response = StoredResponse("PUT", "/things/a", "f" * 64, 201, {"etag": '"1"'}, b"{}")

    async def first(writer: Writer) -> Any:
        assert await writer.stored_response("alice", "k1") is None
        await writer.record(change("a", 0, {"value": 1}, event="thing.created"))
        await writer.store_response("alice", "k1", response)
        return "wrote"

    async def retry(writer: Writer) -> Any:
        stored = await writer.stored_response("alice", "k1")
        if stored is not None:
            return stored
        await writer.record(change("a", 0, {"value": 1}, event="thing.created"))
        return "wrote again"

    results, batches = await in_one_batch(store, [first, retry])
    assert len(set(batches)) == 1
    assert results[0] == "wrote"
    assert results[1] == response
    assert len([e for e in await store.read_events() if e.stream_id == "/things/a"]) == 1


async def test_requests_keep_their_order_and_instants_in_a_batch(store: Store) -> None:
    def ping(i: int) -> Block:
        async def block(writer: Writer) -> Any:
            return (await writer.append([NewEvent("thing", f"/things/t{i}", "thing.pinged", {"i": i})]))[0]

        return block

    results, batches = await in_one_batch(store, [ping(i) for i in range(20)])
    assert len(set(batches)) == 1
    positions = [r.position for r in results]
    assert positions == sorted(positions)
    log = [e for e in await store.read_events() if e.stream_id != "/things/holder"]
    assert [e.data["i"] for e in log] == list(range(20))
    instants = [e.recorded_at for e in log]
    assert instants == sorted(instants) and len(set(instants)) == 20
    assert [e.position for e in log] == positions


async def test_at_low_load_each_write_commits_at_once(store: Store) -> None:
    batches = []
    for i in range(3):
        async with store.write() as writer:
            batches.append(writer.batch)
            await writer.append([NewEvent("thing", f"/things/t{i}", "thing.pinged", {})])
        assert len(await store.read_events()) == i + 1, "committed before write() returned"
    assert len(set(batches)) == 3


async def test_under_load_batches_grow_and_are_measured(store: Store) -> None:
    sizes = metrics.BATCH_SIZE
    before = sizes.count, sizes.sum

    async def one(i: int) -> None:
        async with store.write() as writer:
            await writer.append([NewEvent("thing", f"/things/t{i}", "thing.pinged", {})])

    await asyncio.gather(*(one(i) for i in range(64)))
    batches, writes = sizes.count - before[0], sizes.sum - before[1]
    assert writes == 64
    assert batches < 64, "concurrent writes shared transactions"
    assert [e.position for e in await store.read_events()] == list(range(1, 65))


async def test_on_postgresql_a_batch_holding_a_quick_write_commits_before_a_bulk_one(
    database_url: str, store: Store
) -> None:
    """The runtime's flush (bulk) does not hold up the commit of a client's write queued before it; one that comes
    first still takes the quick writes queued behind it. On SQLite every waiting write joins the batch."""

    def ping(name: str) -> Block:
        async def block(writer: Writer) -> Any:
            return await writer.append([NewEvent("thing", f"/things/{name}", "thing.pinged", {})])

        return block

    _, quick_first = await in_one_batch(store, [ping(f"q{i}") for i in range(3)], bulk=frozenset({0, 2}))
    if database_url.startswith("postgresql"):
        assert quick_first[1] != quick_first[0], "the bulk write opened a batch of its own"
        assert quick_first[2] == quick_first[1], "a quick write joins the batch a bulk one opened"
        assert quick_first[3] != quick_first[2], "that batch took no bulk write after its quick one"
    else:
        assert len(set(quick_first)) == 1
    _, bulk_first = await in_one_batch(store, [ping(f"b{i}") for i in range(2)], bulk_holder=True)
    assert len(set(bulk_first)) == 1
    log = [e.stream_id for e in await store.read_events() if e.stream_id != "/things/holder"]
    assert log == ["/things/q0", "/things/q1", "/things/q2", "/things/b0", "/things/b1"], "in the order they queued"


async def test_a_request_cancelled_while_queued_does_not_stop_the_writer(store: Store) -> None:
    store.group_commit.max_span_s = 60.0
    gate = asyncio.Event()

    async def holder() -> None:
        async with store.write() as writer:
            await writer.append([NewEvent("thing", "/things/h", "thing.pinged", {})])
            await gate.wait()

    holding = asyncio.create_task(holder())
    await until(lambda: store.group_commit.waiting == 0 and store.group_commit._task is not None, "granted")
    queued = asyncio.create_task(put(store, "gone", 0, 1))
    await until(lambda: store.group_commit.waiting == 1, "queued")
    queued.cancel()
    gate.set()
    await holding
    await put(store, "kept", 0, 1)
    assert await store.current("/things/kept") is not None
    assert await store.current("/things/gone") is None


async def test_a_write_inside_a_write_is_refused(store: Store) -> None:
    with pytest.raises(RuntimeError, match="wait for itself"):
        async with store.write(), store.write():
            pass


_CRASH_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from romas.store.engine import create_engine
    from romas.store.eventstore import NewEvent, Store, WriteContext

    async def main(url: str) -> None:
        store = Store(create_engine(url, pool_size=5))

        async def client(k: int) -> None:
            n = 0
            while True:
                async with store.write(WriteContext(actor=f"c{k}")) as writer:
                    await writer.append([NewEvent("thing", f"/things/c{k}-{n}", "thing.pinged", {})])
                sys.stdout.write(f"/things/c{k}-{n}\\n")  # the 2xx: only after the commit
                sys.stdout.flush()
                n += 1

        await asyncio.gather(*(client(k) for k in range(16)))

    asyncio.run(main(sys.argv[1]))
    """
)


async def test_kill_9_with_batches_in_flight_keeps_every_acknowledged_write(database_url: str, store: Store) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CRASH_WRITER,
        database_url,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    acknowledged: list[str] = []
    try:
        while len(acknowledged) < 400:
            line = await process.stdout.readline()
            if not line:
                break
            acknowledged.append(line.decode().strip())
    finally:
        process.send_signal(signal.SIGKILL)
        rest = (await process.stdout.read()).decode()
        await process.wait()
    acknowledged += [line for line in rest.split("\n")[:-1] if line]  # a line without its newline was not sent
    assert len(acknowledged) >= 400, "the writer process died early"
    async with store.engine.connect() as conn:
        stored = {row[0] for row in await conn.execute(text("SELECT stream_id FROM events"))}
    missing = [s for s in acknowledged if s not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:3]}"


async def test_a_task_started_inside_a_write_may_write_once_that_write_ended(store: Store) -> None:
    started: list[asyncio.Task[None]] = []
    async with store.write():
        started.append(asyncio.create_task(put(store, "later", 0, 1)))
        await asyncio.sleep(0)
    await started[0]
    assert await store.current("/things/later") is not None


async def test_an_unreachable_database_fails_the_write_instead_of_queueing_it_for_ever() -> None:
    from romas.store.engine import create_engine

    unreachable = Store(create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/romas"))
    try:
        for _ in range(2):
            with pytest.raises(OSError):
                async with unreachable.write():
                    pass
    finally:
        await unreachable.dispose()


async def test_an_invocation_is_accepted_only_for_a_live_artefact_and_a_refusal_writes_nothing(store: Store) -> None:
    """Accepted only when the artefact exists, is not deleted and, when asked, is of the type the operation was
    checked against (a cached type that went stale writes nothing)."""
    counter = {"type": "counter"}
    live = Change(
        "/workspaces/w/artefacts/live", "artefact", "/workspaces/w", "live", 0, "artefact.created", {}, counter, ""
    )
    gone = Change(
        "/workspaces/w/artefacts/gone", "artefact", "/workspaces/w", "gone", 0, "artefact.created", {}, counter, ""
    )
    async with store.write() as writer:
        await writer.record(live)
        await writer.record(gone)
    async with store.write() as writer:
        deleted = Change(
            gone.stream_id, "artefact", "/workspaces/w", "gone", 1, "artefact.deleted", {}, {}, "", (), True
        )
        await writer.record(deleted)
    before = await store.last_position()
    at = datetime.now(UTC)
    gates = []
    asked = [("gone", None), ("missing", None), ("live", "board"), ("live", "counter")]
    for n, (artefact, kind) in enumerate(asked):
        with contextlib.suppress(LookupError):
            async with store.write(light=True) as writer:
                new = invocations.NewInvocation(f"i{n}", "w", artefact, "inc", [], "tester", "rest")
                gate = await invocations.accept_if_live(writer, new, at, artefact_type=kind)
                gates.append(gate)
                if not gate.accepted:
                    raise LookupError(artefact)
    assert gates == [
        invocations.ArtefactGate(True, True, 2),  # its deleted state holds no type
        invocations.ArtefactGate(False),
        invocations.ArtefactGate(True, False, 1, "counter"),
        invocations.ArtefactGate(True, False, 1, "counter", accepted=True),
    ]
    log = await store.read_events(after=before)
    assert [e.stream_id for e in log] == ["/workspaces/w/artefacts/live/invocations/i3"]
    assert log[0].position == before + 1, "gapless"
    rows = await invocations.pending(store)
    assert [(r.id, r.status) for r in rows] == [("i3", "accepted")]


_TOUCH = raw_statement(
    "UPDATE messages SET version = messages.version FROM unnest($1::text[]) AS u(id) WHERE messages.id = u.id"
)
_NEW_MESSAGES = raw_statement(
    "INSERT INTO messages (id, agent, sender, origin, performative, content, status, version, accepted_at) "
    "SELECT 'm' || g, 'a', 'x', 'rest', 'tell', 'hello', 'processed', 1, now() FROM generate_series($1::int, $2::int) g"
)


async def _generic_plan(store: Store) -> str:
    """The plan PostgreSQL keeps for ``_TOUCH`` on the writer's connection (asyncpg's prepared statement)."""
    async with store.write() as writer:
        await writer.run(_TOUCH, ["m1"])
        found = await writer.read(
            raw_statement("SELECT name FROM pg_prepared_statements WHERE statement = $1"), _TOUCH.sql
        )
        assert len(found) == 1, "one prepared statement, on the one connection the writer used"
        await writer.read(raw_statement("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"))
        plan = await writer.read(raw_statement(f"EXPLAIN EXECUTE {found[0][0]}('{{m1}}')"))
        await writer.read(raw_statement("SELECT set_config('plan_cache_mode', 'auto', true)"))
    return "\n".join(str(row[0]) for row in plan)


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_statements_planned_on_a_young_database_are_planned_again_as_the_log_doubles(store: Store) -> None:
    """A flush's ``UPDATE messages ... FROM unnest(...)`` first run on a young database kept a sequential scan of
    the messages table for good (until autovacuum's ANALYZE): a cost per flush that grew with the table. The
    writer's connection now plans by key (see the next test); planning as any other connection here, it shows that
    the plans are made again, which stale plans of other kinds need."""
    async with store.write() as writer:
        await writer.run(raw_statement("SET enable_seqscan = on"))  # a session setting: for the rest of the test
        await writer.run(raw_statement("ALTER TABLE messages SET (autovacuum_enabled = false)"))
        # A database handed on from an earlier test keeps the pages of the rows it deleted, which the planner counts:
        # young again, as a new one is.
        await writer.run(raw_statement("TRUNCATE messages"))
        await writer.run(_NEW_MESSAGES, 1, 20)
    for _ in range(6):  # PostgreSQL keeps a generic plan after five custom ones
        plan = await _generic_plan(store)
    assert "Seq Scan on messages" in plan, plan

    async with store.write() as writer:
        await writer.run(_NEW_MESSAGES, 21, 20_000)
        await writer.append(
            [NewEvent("thing", f"/things/t{i}", "thing.pinged", {}, expected_version=0) for i in range(REPLAN_FROM)]
        )
    before = metrics.PLANS_REFRESHED.value
    for _ in range(6):
        plan = await _generic_plan(store)
    assert "Index Scan" in plan and "Seq Scan on messages" not in plan, plan
    assert metrics.PLANS_REFRESHED.value == before + 1


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("wrote_before", [False, True], ids=["first-batch", "knowing-the-log-end"])
async def test_a_batch_that_waited_for_the_append_lock_sees_the_instants_of_the_batch_that_held_it(
    database_url: str, store: Store, wrote_before: bool
) -> None:
    """Two processes on one database: the one whose clock lags must still record instants after the other's,
    whether its batch reads the newest event or only checks that the log still ends where it left it."""
    if wrote_before:
        await _append(store, "/things/mine")
    ahead = Store(create_engine(database_url, pool_size=2), clock=lambda: datetime.now(UTC) + timedelta(hours=1))
    try:
        holding = asyncio.Event()
        release = asyncio.Event()

        async def hold() -> RecordedEvent:
            async with ahead.write() as writer:
                holding.set()
                await release.wait()
                (event,) = await writer.append([NewEvent("thing", "/things/a", "thing.pinged", {})])
            return event

        held = asyncio.create_task(hold())
        await holding.wait()
        waiting = asyncio.create_task(_append(store, "/things/b"))
        async with store.engine.connect() as probe:
            for _ in range(10_000):
                lock = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                if (await probe.execute(text(lock))).scalar():
                    break
                await asyncio.sleep(0.001)
            else:
                raise AssertionError("the lagging store's batch never waited for the lock")
        release.set()
        first, second = await held, await waiting
        assert second.position > first.position
        assert second.recorded_at > first.recorded_at
    finally:
        await ahead.dispose()


async def _append(store: Store, stream: str) -> RecordedEvent:
    async with store.write() as writer:
        (event,) = await writer.append([NewEvent("thing", stream, "thing.pinged", {})])
    return event


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_batch_reads_the_newest_event_only_when_someone_else_wrote_since_its_last(
    database_url: str, store: Store
) -> None:
    """The opening round trip checks the log's end instead of reading it: the read comes back only after another
    writer, whose instants (an hour ahead here) the next batch then follows."""
    for i in range(5):
        await _append(store, f"/things/t{i}")
    assert store.group_commit.newest_reads == 1
    ahead = Store(create_engine(database_url, pool_size=2), clock=lambda: datetime.now(UTC) + timedelta(hours=1))
    try:
        theirs = await _append(ahead, "/things/theirs")
    finally:
        await ahead.dispose()
    mine = await _append(store, "/things/after")
    assert store.group_commit.newest_reads == 2
    assert (mine.position, mine.recorded_at > theirs.recorded_at) == (theirs.position + 1, True)
    again = await _append(store, "/things/again")
    assert store.group_commit.newest_reads == 2 and again.recorded_at > mine.recorded_at

    async with store.write() as writer:  # a batch that appends nothing leaves the log's end as it was
        await writer.read(raw_statement("SELECT 1"))
    await _append(store, "/things/last")
    assert store.group_commit.newest_reads == 2


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_batch_learns_the_leases_epoch_when_it_opens_and_reads_it_only_after_a_shard_changed_holder(
    database_url: str, store: Store
) -> None:
    """The leases' epoch (the sum of the shards' fencing numbers) comes with the opening round trip's check, like the
    log's end: a takeover since the last batch makes the next one read both."""
    await _append(store, "/things/first")
    reads = store.group_commit.newest_reads
    async with store.write() as writer:
        epoch = writer.leases_epoch
    assert epoch is not None
    await _append(store, "/things/second")
    async with store.write() as writer:
        assert writer.leases_epoch == epoch
    assert store.group_commit.newest_reads == reads
    async with store.engine.begin() as connection:  # a shard changes holder (its lease made first, as at startup)
        await connection.execute(text("INSERT INTO cluster_shards (shard, owner, fence) VALUES (7, NULL, 0)"))
        await connection.execute(text("UPDATE cluster_shards SET owner = 'other', fence = fence + 1 WHERE shard = 7"))
    async with store.write() as writer:
        assert writer.leases_epoch == epoch + 1
    assert store.group_commit.newest_reads == reads + 1
    async with store.write() as writer:
        assert writer.leases_epoch == epoch + 1
    assert store.group_commit.newest_reads == reads + 1


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_the_opening_calls_no_function_and_going_back_to_0016_brings_the_one_of_0015_back(
    database_url: str,
) -> None:
    async def functions() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                found = "SELECT count(*) FROM pg_proc WHERE proname = 'romas_lock_appends'"
                return int((await connection.execute(text(found))).scalar_one())
        finally:
            await engine.dispose()

    assert await functions() == 0
    await migrate_to(database_url, "0016", down=True)
    assert await functions() == 1
    await migrate_to(database_url, "head")
    assert await functions() == 0


@pytest.mark.parametrize("database_url", [pytest.param("sqlite")], indirect=True)
async def test_a_batch_waits_for_a_write_lock_another_connection_holds(database_url: str, store: Store) -> None:
    """On SQLite a batch begins on the event loop's thread when the write lock is free; when another connection
    (another process, a tool) holds it, the batch waits for it instead of failing."""
    await _append(store, "/things/before")
    other = sqlite3.connect(database_url.split(":///", 1)[1], isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        waiting = asyncio.create_task(_append(store, "/things/after"))
        for _ in range(50):
            await asyncio.sleep(0.002)
        assert not waiting.done()
        other.execute("COMMIT")
        event = await waiting
        assert event.stream_id == "/things/after"
    finally:
        other.close()
    assert (await _append(store, "/things/last")).position == event.position + 1


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_the_writer_keeps_its_connection_and_replaces_one_that_died_without_failing_a_write(
    store: Store,
) -> None:
    """The writer's connection is kept from batch to batch; if it dies in between (its backend terminated here),
    the next batch opens on a new one and its request never sees the failure."""

    async def writer_pid() -> int:
        held = store.group_commit._held
        assert held is not None
        return int((await held.get_raw_connection()).driver_connection.get_server_pid())

    await _append(store, "/things/one")
    first = await writer_pid()
    await _append(store, "/things/two")
    assert await writer_pid() == first
    async with store.engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await other.commit()
    three = await _append(store, "/things/three")
    assert await writer_pid() != first
    assert three.stream_id == "/things/three"


@pytest.mark.parametrize("database_url", [pytest.param("sqlite")], indirect=True)
async def test_the_writer_gives_its_connection_back_as_it_took_it(store: Store) -> None:
    """SQLite's connections leave transactions to romas (no implicit BEGIN of pysqlite's); the writer's, kept
    from batch to batch, goes back to the pool that way when the writer stops, and writing goes on after."""
    await _append(store, "/things/one")
    await store.group_commit.stop()
    async with store.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None and driver._conn.isolation_level is None
    assert (await _append(store, "/things/two")).stream_id == "/things/two"


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_the_writer_plans_by_key_and_gives_its_connection_back_planning_as_any_other(store: Store) -> None:
    """The writer's connection plans without sequential scans where an index serves, without JIT, and with the
    opening's check prepared (see ``_PG_WRITER_SESSION``); the connections of the pool that it gives back plan as
    PostgreSQL would, for the reads, and hold nothing of the writer's."""

    async def session(connection: Any) -> tuple[str, str, int]:
        driver = (await connection.get_raw_connection()).driver_connection
        prepared = "SELECT count(*) FROM pg_prepared_statements WHERE name = 'romas_unchanged'"
        seqscan, jit = await driver.fetchval("SHOW enable_seqscan"), await driver.fetchval("SHOW jit")
        return str(seqscan), str(jit), int(await driver.fetchval(prepared))

    await _append(store, "/things/one")
    held = store.group_commit._held
    assert held is not None and await session(held) == ("off", "off", 1)
    await store.group_commit.stop()
    async with store.engine.connect() as connection:
        assert (await session(connection))[0::2] == ("on", 0)
    assert (await _append(store, "/things/two")).stream_id == "/things/two"


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_writer_connection_that_died_is_let_go_when_the_writer_stops(store: Store) -> None:
    """Giving its connection back, the writer resets the planner setting first; on a connection that died since
    (its backend terminated here) that fails, and the connection is still let go, not kept checked out."""
    await _append(store, "/things/one")
    held = store.group_commit._held
    assert held is not None
    pid = (await held.get_raw_connection()).driver_connection.get_server_pid()
    async with store.engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await other.commit()
    await store.group_commit.stop()
    assert store.engine.pool.checkedout() == 0
    async with store.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert str(await driver.fetchval("SHOW enable_seqscan")) == "on"
    assert (await _append(store, "/things/two")).stream_id == "/things/two"
