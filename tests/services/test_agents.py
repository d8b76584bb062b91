"""Code deployments decided outside the write transaction: written only when the agent is still as read."""

from __future__ import annotations

import asyncio

import pytest

from romas.services.agents import AgentService, agent_key
from romas.store.eventstore import Store, WriteContext
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
    and a new attempt (a new read) is written after it."""
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
