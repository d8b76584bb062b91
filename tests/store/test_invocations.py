"""An artefact's run and its invocations' ends written together (``invocations.finish``): on PostgreSQL one
statement that writes all or nothing, so the executor's write needs no savepoint; the outcome is what the run and
the ends written one after the other give."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from romas.store import invocations
from romas.store.eventstore import Change, ConcurrencyConflict, NewEvent, Store, WriteContext
from romas.store.invocations import InvocationEnd, NewInvocation
from romas.store.raw import raw_statement

pytestmark = pytest.mark.anyio


def _artefact(name: str, revision: int, count: int, *, invocation: str = "") -> Change:
    return Change(
        f"/workspaces/w/artefacts/{name}",
        "artefact",
        "/workspaces/w",
        name,
        revision,
        "artefact.operated" if revision else "artefact.created",
        {"invocation": invocation, "changes": {"properties": {"count": count}}},
        {"type": "counter", "properties": {"count": count}},
        f"inc() by {invocation}" if invocation else "",
        ("properties",),
        actor="bob" if invocation else None,
    )


def _end(name: str, invocation: str, revision: int | None, *, failed: bool = False) -> InvocationEnd:
    if failed:
        return InvocationEnd(
            invocation, "w", name, 1, "failed", datetime.now(UTC), error={"detail": "no"}, invoker="bob"
        )
    return InvocationEnd(
        invocation, "w", name, 1, "succeeded", datetime.now(UTC), artefact_revision=revision, invoker="bob"
    )


async def _made(store: Store, names: list[str], calls: int) -> None:
    at = datetime.now(UTC)
    async with store.write(WriteContext(actor="alice")) as writer:
        for name in names:
            await writer.record(_artefact(name, 0, 0))
            await invocations.accept(
                writer, [NewInvocation(f"{name}{k}", "w", name, "inc", [], "bob", "agent") for k in range(calls)], at
            )


@pytest.mark.parametrize("changes", [0, 1, 3])
async def test_a_run_and_its_ends_are_written_as_the_run_then_the_ends_would_be(store: Store, changes: int) -> None:
    await _made(store, ["first", "second"], changes + 1)
    outcomes: dict[str, list[tuple[Change, InvocationEnd]]] = {}
    for name in ("first", "second"):
        runs = [
            (_artefact(name, 1 + k, k + 1, invocation=f"{name}{k}"), _end(name, f"{name}{k}", 2 + k))
            for k in range(changes)
        ]
        outcomes[name] = runs
    ends = {
        name: [e for _, e in outcomes[name]] + [_end(name, f"{name}{changes}", None, failed=True)] for name in outcomes
    }
    async with store.write(WriteContext(actor="runtime"), light=store.dialect == "postgresql") as writer:
        await invocations.finish(writer, [c for c, _ in outcomes["first"]], ends["first"])
    async with store.write(WriteContext(actor="runtime")) as writer:
        await writer.record_run([c for c, _ in outcomes["second"]])
        await invocations.end(writer, ends["second"])

    def shape(name: str, events: list) -> list[tuple]:  # type: ignore[type-arg]
        return [
            (
                e.stream_id.replace(f"/{name}", "/X").replace(f"X/invocations/{name}", "X/invocations/"),
                e.version,
                e.type,
                str(e.data).replace(f"'{name}", "'"),
                e.metadata,
            )
            for e in events
        ]

    log = await store.read_events(after=0, limit=1000)
    mine = [
        e
        for e in log
        if "/artefacts/first" in e.stream_id and e.type != "artefact.created" and e.type != "invocation.accepted"
    ]
    twins = [
        e
        for e in log
        if "/artefacts/second" in e.stream_id and e.type != "artefact.created" and e.type != "invocation.accepted"
    ]
    assert len(mine) == 2 * changes + 1
    assert shape("first", mine) == shape("second", twins)
    positions = [e.position for e in mine]
    assert positions == list(range(positions[0], positions[0] + len(mine))), "one run of positions, in order"
    ids = [f"{n}{k}" for n in ("first", "second") for k in range(changes + 1)]
    rows = {r.id: r for r in await invocations.by_ids(store, ids)}
    for k in range(changes + 1):
        mine_row, twin_row = rows[f"first{k}"], rows[f"second{k}"]
        assert (mine_row.status, mine_row.version, mine_row.result, mine_row.error, mine_row.artefact_revision) == (
            twin_row.status,
            twin_row.version,
            twin_row.result,
            twin_row.error,
            twin_row.artefact_revision,
        )
    revisions: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
    for name in ("first", "second"):
        stream = f"/workspaces/w/artefacts/{name}"
        current = await store.current(stream)
        assert current is not None and current.revision == changes + 1
        history = await store.history(stream, before=None, limit=10)
        assert [(h.revision, h.actor, h.summary) for h in history][:1] == (
            [(changes + 1, "bob", f"inc() by {name}{changes - 1}")] if changes else [(1, "alice", "")]
        )
        revisions[name] = []
        for h in history:
            row = await store.revision(stream, h.revision)
            assert row is not None
            entry = (h.revision, h.event_type, h.actor, h.summary.replace(name, "X"), h.changed, h.deleted, h.meta)
            revisions[name].append((*entry, row.state))
    assert revisions["first"] == revisions["second"], "each revision as the run written one change at a time gives"


async def test_a_stale_run_writes_nothing_and_the_rest_of_its_batch_commits(store: Store) -> None:
    await _made(store, ["a"], 2)
    async with store.write() as writer:
        await writer.record(_artefact("a", 1, 5))  # the artefact moved on: the run below expects revision 1
    before = await store.last_position()

    async def stale() -> None:
        async with store.write(WriteContext(actor="runtime"), light=store.dialect == "postgresql") as writer:
            await invocations.finish(writer, [_artefact("a", 1, 1, invocation="a0")], [_end("a", "a0", 2)])

    async def other() -> None:
        async with store.write(WriteContext(actor="carol")) as writer:
            await writer.append([NewEvent("note", "/notes/1", "note.made", {}, 0)])

    outcomes = await asyncio.gather(other(), stale(), other(), return_exceptions=True)
    assert isinstance(outcomes[1], ConcurrencyConflict)
    assert outcomes[0] is None and isinstance(outcomes[2], ConcurrencyConflict)  # the same note stream, version 1
    log = await store.read_events(after=before)
    assert [(e.stream_id, e.version) for e in log] == [("/notes/1", 1)]
    (row,) = await invocations.by_ids(store, ["a0"])
    assert row.status == "accepted"
    current = await store.current("/workspaces/w/artefacts/a")
    assert current is not None and current.revision == 2 and current.state["properties"] == {"count": 5}


_MORE_INVOCATIONS = raw_statement(
    "INSERT INTO invocations (id, workspace, artefact, operation, args, invoker, origin, status, version, accepted_at) "
    "SELECT 'x' || g, 'w', 'other', 'inc', '[]', 'bob', 'agent', 'succeeded', 2, now() FROM generate_series(1, 20000) g"
)
_TABLE_READS = raw_statement(
    "SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_xact_user_tables WHERE relname = 'invocations'"
)


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_an_end_finds_its_invocation_by_its_key_in_the_plan_kept_for_the_statement(store: Store) -> None:
    """PostgreSQL keeps a generic plan for a prepared statement after five runs. Made while the invocations were few
    (and not analysed), the plan of an artefact's run joined the ``unnest`` of its ends to the table by a sequential
    scan, and every later operation read every invocation. The writer's connection plans by key."""
    async with store.write() as writer:
        await writer.run(raw_statement("ALTER TABLE invocations SET (autovacuum_enabled = false)"))
    runs = 8
    await _made(store, ["a"], runs + 1)
    for k in range(runs):
        async with store.write(WriteContext(actor="runtime"), light=True) as writer:
            await invocations.finish(
                writer, [_artefact("a", 1 + k, 1 + k, invocation=f"a{k}")], [_end("a", f"a{k}", 2 + k)]
            )
    async with store.write() as writer:
        kept = await writer.read(
            raw_statement(
                "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH u AS (UPDATE resources%'"
            )
        )
        assert [row[0] > 0 for row in kept] == [True], "the statement runs the plan it kept"
        await writer.run(_MORE_INVOCATIONS)
    async with store.write(WriteContext(actor="runtime"), light=True) as writer:
        await invocations.finish(
            writer, [_artefact("a", 1 + runs, 1 + runs, invocation=f"a{runs}")], [_end("a", f"a{runs}", 2 + runs)]
        )
        ((read,),) = await writer.read(_TABLE_READS)
    assert read < 1_000, f"the end of one invocation read {read} rows of the table"
    (row,) = await invocations.by_ids(store, [f"a{runs}"])
    assert (row.status, row.artefact_revision) == ("succeeded", 2 + runs)
