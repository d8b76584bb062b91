"""Code deployments decided outside the write transaction: written only when the agent is still as read."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from romas.services.agents import AgentService, agent_key
from romas.services.agents_deploy import Conditional, KnownRows, record_many_if_current
from romas.store.eventstore import Change, ResourceRow, Store, WriteContext
from tests.runtime.helpers import eventually

pytestmark = pytest.mark.anyio

CODE = "count(0).\n+!inc <- ?count(C); -+count(C + 1).\n"


async def test_put_code_unlocked_creates_updates_and_leaves_a_no_op_unwritten(store: Store) -> None:
    agents = AgentService(store)
    context = WriteContext(actor="dev", request_id="r1")
    created = await agents.put_code_unlocked("ann", CODE, context)
    assert created is not None and created.created and created.changed and created.row.revision == 1
    assert created.row.state["state"] == "running" and created.row.state["code_revision"] == 1
    changed = await agents.put_code_unlocked("ann", CODE + "// two\n", context)
    assert changed is not None and not changed.created and changed.row.revision == 2
    assert changed.row.state["code_revision"] == 2
    before = await store.last_position()
    same = await agents.put_code_unlocked("ann", CODE + "// two\n", context)
    assert same is not None and not same.changed and same.row.revision == 2
    assert await store.last_position() == before
    (event,) = (await store.read_events(after=0, stream_id=agent_key("ann").stream_id))[1:]
    assert event.metadata == {"actor": "dev", "request_id": "r1"}


async def test_put_code_unlocked_writes_nothing_when_the_agent_moved(store: Store) -> None:
    """Two deployments read the same revision: the first written wins, the second writes nothing and says so,
    and a new attempt (a new read) is written after it. (On PostgreSQL deployments are written together and a
    deployment decided on a remembered agent reads it again by itself: see the tests below.)"""
    if store.dialect == "postgresql":
        pytest.skip("SQLite's one write per deployment")
    agents = AgentService(store)
    context = WriteContext(actor="dev")
    assert await agents.put_code_unlocked("bob", CODE, context) is not None
    async with store.write(context):
        # The writer is busy with this request: both deployments read revision 1 and queue for the next batch.
        codes = [CODE + "// a\n", CODE + "// b\n"]
        tasks = [asyncio.create_task(agents.put_code_unlocked("bob", code, context)) for code in codes]

        async def both_queued() -> bool:
            return store.group_commit.waiting == 2

        await eventually(both_queued, what="both deployments to queue for the writer")
    outcomes = [await task for task in tasks]
    written = [outcome for outcome in outcomes if outcome is not None]
    assert len(written) == 1 and written[0].row.revision == 2  # the other one wrote nothing
    current = await store.current(agent_key("bob").stream_id)
    assert current is not None and current.revision == 2 and current.state["code"] == written[0].row.state["code"]
    again = await agents.put_code_unlocked("bob", codes[outcomes.index(None)], context)
    assert again is not None and again.row.revision == 3 and again.row.state["code_revision"] == 3
    history = await store.history(agent_key("bob").stream_id, before=None, limit=10)
    assert [h.revision for h in history] == [3, 2, 1]


def _postgres_only(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("deployments are written together on PostgreSQL only")


async def test_deployments_waiting_together_are_written_together_each_with_its_own_outcome(store: Store) -> None:
    """Deployments of several agents queued behind a busy writer are written by one write, in arrival order, each
    event with its own request's metadata; a second deployment of the same agent waits for the next write and is
    written after the first, not lost."""
    _postgres_only(store)
    agents = AgentService(store)
    for name in ("a", "b", "c"):
        assert await agents.put_code_unlocked(name, CODE, WriteContext(actor="dev")) is not None
    after = await store.last_position()
    deployments = [("a", "// a1\n"), ("b", "// b1\n"), ("a", "// a2\n"), ("c", "// c1\n")]
    async with store.write(WriteContext(actor="dev")):
        tasks = [
            asyncio.create_task(agents.put_code_unlocked(name, CODE + tail, WriteContext("dev", f"r{i}")))
            for i, (name, tail) in enumerate(deployments)
        ]

        async def all_queued() -> bool:
            return agents._deployments is not None and agents._deployments.waiting == len(deployments)

        await eventually(all_queued, what="the deployments to queue")
    outcomes = [await task for task in tasks]
    assert all(outcome is not None and outcome.changed for outcome in outcomes)
    revisions = [outcome.row.revision for outcome in outcomes if outcome is not None]
    assert revisions == [2, 2, 3, 2]
    events = await store.read_events(after=after)
    assert [(e.stream_id, e.version, e.metadata["request_id"]) for e in events] == [
        ("/agents/a", 2, "r0"),
        ("/agents/b", 2, "r1"),
        ("/agents/c", 2, "r3"),
        ("/agents/a", 3, "r2"),
    ]
    assert [e.recorded_at for e in events] == sorted(e.recorded_at for e in events)
    by_request = {
        outcome.row.state["code"]: outcome.row.state for outcome in outcomes if outcome is not None
    }  # the stored data is what the hooks were given: the changed fields of the new state
    for event in events:
        (code,) = [c for c in by_request if event.data["changes"]["code"] == c]
        assert event.data == {"changes": {"code": code, "code_revision": by_request[code]["code_revision"]}}
    for name, tail in (("a", "// a2\n"), ("b", "// b1\n"), ("c", "// c1\n")):
        current = await store.current(agent_key(name).stream_id)
        assert current is not None and current.state["code"] == CODE + tail
        history = await store.history(agent_key(name).stream_id, before=None, limit=10)
        assert [h.revision for h in history] == list(range(current.revision, 0, -1))


async def test_a_remembered_agent_that_another_write_moved_is_read_again(store: Store) -> None:
    """A deployment decides on the agent as this process last wrote it: when another write changed the agent since,
    the deployment is decided again on the agent as committed (its description kept, its code written even when the
    remembered agent already had that code)."""
    _postgres_only(store)
    agents = AgentService(store)
    context = WriteContext(actor="dev")
    assert await agents.put_code_unlocked("ann", CODE, context) is not None
    async with store.write(context) as writer:
        await agents.patch_agent(writer, "ann", {"description": "changed elsewhere"})
    moved = await agents.put_code_unlocked("ann", CODE + "// two\n", context)
    assert moved is not None and moved.row.revision == 3
    assert moved.row.state["description"] == "changed elsewhere" and moved.row.state["code_revision"] == 3
    async with store.write(context) as writer:
        await agents.patch_agent(writer, "ann", {"code": CODE})
    # Remembered with this code already: still written, since the agent's code is no longer this.
    again = await agents.put_code_unlocked("ann", CODE + "// two\n", context)
    assert again is not None and again.changed and again.row.revision == 5
    current = await store.current(agent_key("ann").stream_id)
    assert current is not None and current.revision == 5 and current.state["code"] == CODE + "// two\n"


async def test_a_remembered_agent_of_the_same_revision_but_another_instant_is_not_written_on(store: Store) -> None:
    """The write checks the agent's instant as well as its revision: a remembered row that is not the committed one
    (a database put back to an earlier state, say) never becomes the base of a deployment."""
    _postgres_only(store)
    agents = AgentService(store)
    context = WriteContext(actor="dev")
    created = await agents.put_code_unlocked("bob", CODE, context)
    assert created is not None
    stale = replace(
        created.row,
        state={**created.row.state, "description": "not what is stored"},
        updated_at=created.row.updated_at - timedelta(seconds=1),
    )
    agents._known.remember(stale)
    written = await agents.put_code_unlocked("bob", CODE + "// two\n", context)
    assert written is not None and written.row.revision == 2 and written.row.state["description"] == ""
    current = await store.current(agent_key("bob").stream_id)
    assert current is not None and current.state["description"] == ""


def test_known_rows_are_bounded_by_count_and_characters() -> None:
    known = KnownRows(max_rows=2, max_chars=10, max_row_chars=6)
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def row(name: str, code: str, deleted: bool = False) -> ResourceRow:
        return ResourceRow(f"/agents/{name}", "agent", "", name, 1, deleted, {"code": code}, at)

    known.remember(row("a", "aaaa"))
    known.remember(row("b", "bbbb"))
    assert known.get("/agents/a") is not None  # a is now the most recent
    known.remember(row("c", "cc"))
    assert known.get("/agents/b") is None and len(known) == 2
    known.remember(row("d", "dddddd"))  # 2 + 6 + 4 > 10: the least recent go
    assert known.get("/agents/a") is None and known.get("/agents/c") is not None
    known.remember(row("e", "eeeeeee"))  # longer than a row may be: not kept
    assert known.get("/agents/e") is None
    known.remember(row("c", "cc", deleted=True))
    assert known.get("/agents/c") is None


async def test_an_event_is_stored_with_the_data_of_its_change(store: Store) -> None:
    """The statement builds an event's data from the new state when it is the state or its changed fields, and
    takes it as given otherwise: either way what is stored is the change's data."""
    _postgres_only(store)
    state = {"code": CODE, "description": "", "metadata": {"n": 1}, "state": "stopped", "code_revision": 1}
    changes = [
        Change("/agents/x", "agent", "", "x", 0, "agent.created", {"state": state}, state, "created", ("code",)),
        Change("/agents/y", "agent", "", "y", 0, "agent.created", {"note": [1, 2]}, state, "created", ("code",)),
    ]
    async with store.write(WriteContext("dev")) as writer:
        items = [Conditional(change, None, WriteContext("dev")) for change in changes]
        assert all(await record_many_if_current(writer, items))
    updated = {**state, "code": CODE + "// 2\n", "metadata": {"n": True}}
    update = Change(
        "/agents/x",
        "agent",
        "",
        "x",
        1,
        "agent.updated",
        {"changes": {"code": updated["code"], "metadata": {"n": 1}}},  # equal to the state's in Python, not in JSON
        updated,
        "changed",
        ("code", "metadata"),
    )
    current = await store.current("/agents/x")
    assert current is not None
    async with store.write(WriteContext("dev")) as writer:
        assert (await record_many_if_current(writer, [Conditional(update, current.updated_at, WriteContext())]))[0]
    events = await store.read_events(after=0)
    assert [e.data for e in events] == [changes[0].data, changes[1].data, update.data]
    assert type(events[2].data["changes"]["metadata"]["n"]) is int  # as given, not the state's True
    revision = await store.revision("/agents/x", 2)
    assert revision is not None and revision.state == updated


async def test_a_deployment_holding_a_nul_is_written_with_the_others_of_its_statement(store: Store) -> None:
    """U+0000, which PostgreSQL refuses, is stored as U+FFFD (see storable.py): a deployment holding one does not
    fail the deployments written with it."""
    _postgres_only(store)
    agents = AgentService(store)
    for name in ("a", "b"):
        assert await agents.put_code_unlocked(name, CODE, WriteContext(actor="dev")) is not None
    async with store.write(WriteContext(actor="dev")):
        tasks = [
            asyncio.create_task(agents.put_code_unlocked("a", CODE + "// a\x00\n", WriteContext("dev"))),
            asyncio.create_task(agents.put_code_unlocked("b", CODE + "// b\n", WriteContext("dev"))),
        ]

        async def both_queued() -> bool:
            return agents._deployments is not None and agents._deployments.waiting == 2

        await eventually(both_queued, what="the deployments to queue")
    outcomes = [await task for task in tasks]
    assert all(outcome is not None for outcome in outcomes)
    a, b = await store.current("/agents/a"), await store.current("/agents/b")
    assert a is not None and a.revision == 2 and a.state["code"] == CODE + "// a\ufffd\n"
    assert b is not None and b.revision == 2 and b.state["code"] == CODE + "// b\n"
