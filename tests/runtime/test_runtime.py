"""The runtime keeps agents running: hot swaps keep beliefs, stop/start and restarts keep the mind, a
runaway or failing agent does not stop the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient

from romas.cluster.shards import agent_shard
from romas.config import Settings
from romas.store import at_work
from romas.store.eventstore import RecordedEvent, WriteContext
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import beliefs, command, eventually, printed, send

pytestmark = pytest.mark.anyio

COUNTER = """count(0).
+!inc <- ?count(C); -+count(C + 1).
+!work <- .wait(400); .print("old plan finished").
"""


async def test_hot_swap_keeps_beliefs_and_running_intentions_finish_with_old_plans(client: Client) -> None:
    await put_agent(client, "bob", code=COUNTER)
    await send(client, "bob", "achieve", "inc")
    started = await send(client, "bob", "achieve", "work", wait=0)

    async def status() -> str:
        return str((await client.get(started["_links"]["self"]["href"])).json()["status"])

    # The swap must find the intention running: a swap that lands before the agent took the message (the request
    # answers at once) rightly has it handled by the new plan.
    await eventually(lambda: _is(status(), "delivered"), what="the agent to take the message")
    new_code = COUNTER.replace("old plan finished", "new plan finished") + "+!hello <- .print(hi).\n"
    deployed = await client.put("/agents/bob/code", content=new_code.encode(), headers={"content-type": "text/x-asl"})
    assert deployed.status_code == 200

    await eventually(lambda: _is(status(), "processed"), what="the running intention to finish")
    lines = await printed(client, "bob")
    assert "old plan finished" in lines and "new plan finished" not in lines
    assert "count(1)[source(self)]" in await beliefs(client, "bob")
    await send(client, "bob", "achieve", "hello")
    assert "hi" in await printed(client, "bob")
    mind = (await client.get("/agents/bob/mind")).json()
    assert mind["code_revision"] == 2


async def _is(value: Awaitable[str], expected: str) -> bool:
    return await value == expected


async def test_stop_keeps_messages_until_it_runs_again(client: Client) -> None:
    await put_agent(client, "bob", code=COUNTER)
    await send(client, "bob", "achieve", "inc")
    accepted = await send(client, "bob", "achieve", "inc", wait=0)
    await client.patch("/agents/bob", json={"state": "stopped"})
    await asyncio.sleep(0.1)
    await client.patch("/agents/bob", json={"state": "running"})

    async def done() -> bool:
        return bool((await client.get(accepted["_links"]["self"]["href"])).json()["status"] == "processed")

    await eventually(done, what="the message to be processed after the restart")
    assert "count(2)[source(self)]" in await beliefs(client, "bob")


async def test_a_server_restart_resumes_from_the_checkpoint(settings: Settings) -> None:
    from romas.server import create_app

    async with AsyncTestClient(app=create_app(settings)) as first:
        await put_agent(first, "bob", code=COUNTER)
        for _ in range(3):
            await send(first, "bob", "achieve", "inc")
    async with AsyncTestClient(app=create_app(settings)) as second:
        assert "count(3)[source(self)]" in await beliefs(second, "bob")
        await send(second, "bob", "achieve", "inc")
        assert "count(4)[source(self)]" in await beliefs(second, "bob")
        notes = (await second.get("/agents/bob/log")).json()["lines"]
        assert any("checkpoint" in x["text"] for x in notes if x["kind"] == "note")


async def test_a_runaway_agent_does_not_starve_the_others(client: Client) -> None:
    await put_agent(client, "spinner", code="!spin.\n+!spin <- while (true) { X = 1 }.\n")
    await put_agent(client, "bob", code=COUNTER)
    for _ in range(5):
        message = await send(client, "bob", "achieve", "inc")
        assert message["status"] == "processed"
    assert (await client.get("/agents/bob")).status_code == 200


async def test_a_failing_plan_leaves_the_agent_running(client: Client) -> None:
    code = COUNTER + "+!crash <- X = 1 / 0.\n"
    await put_agent(client, "bob", code=code)
    crashed = await send(client, "bob", "achieve", "crash")
    assert crashed["status"] == "failed"
    assert (await send(client, "bob", "achieve", "inc"))["status"] == "processed"
    notes = [x["text"] for x in (await client.get("/agents/bob/log")).json()["lines"] if x["kind"] == "note"]
    assert any("failed" in note and "division by zero" in note for note in notes), notes


async def test_deleting_an_agent_fails_what_it_had_not_finished(client: Client) -> None:
    await put_agent(client, "bob", code=COUNTER)
    pending = await send(client, "bob", "achieve", "work", wait=0)
    running = await command(client, "bob", ".wait(5000)", wait=0)
    await asyncio.sleep(0.1)
    await client.delete("/agents/bob")

    async def failed() -> bool:
        message = (await client.get(pending["_links"]["self"]["href"])).json()
        cmd = (await client.get(running["_links"]["self"]["href"])).json()
        return bool(message["status"] == "failed" and cmd["status"] == "cancelled")

    await eventually(failed, what="the deleted agent's work to end")


async def test_a_late_follower_does_not_run_what_the_start_already_took_up(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """An agent's start reads its unfinished messages and commands from the tables; the log follower may
    reach their ``accepted``/``queued`` events only after the agent has finished them."""
    await put_agent(client, "bob", code=COUNTER)
    message = await send(client, "bob", "achieve", "inc")
    done = await command(client, "bob", '.print("once")')
    assert message["status"] == "processed" and done["status"] == "succeeded"
    runtime = client.app.state.services.runtime

    async def start_then_follow_late() -> int:
        events = await client.app.state.services.store.read_events(after=0, limit=1000)
        stale = [e for e in events if e.type in ("message.accepted", "command.queued")]
        await runtime._load_all()  # what a start reads: here, after both were finished
        runtime.on_commit(stale)  # the follower, late
        return len(stale)

    assert await anyio.to_thread.run_sync(client.blocking_portal.call, start_then_follow_late) == 2
    await send(client, "bob", "achieve", "inc")
    assert "count(2)[source(self)]" in await beliefs(client, "bob")
    assert (await printed(client, "bob")).count("once") == 1
    assert (await client.get(done["_links"]["self"]["href"])).json()["status"] == "succeeded"
    failures = [r.getMessage() for r in caplog.records if r.name == "romas.runtime" and r.levelno >= logging.ERROR]
    assert failures == []


async def test_new_code_for_a_stopped_agent_is_not_reconciled_and_it_runs_it_once_started(client: Client) -> None:
    """A stopped agent that stays stopped has nothing to reconcile: the runtime does not read it again for each
    deployment. Started, it runs the code as committed; deleted, it is reconciled (forgotten)."""
    await put_agent(client, "bob", code=COUNTER, state="stopped")
    await put_agent(client, "carol", code=COUNTER, state="stopped")
    new_code = COUNTER.replace("count(0).", "count(10).")
    for name in ("bob", "carol"):
        deployed = await client.put(
            f"/agents/{name}/code", content=new_code.encode(), headers={"content-type": "text/x-asl"}
        )
        assert deployed.status_code == 200
    runtime = client.app.state.services.runtime

    def follow(event_type: str) -> Callable[[], Awaitable[set[str]]]:
        async def run() -> set[str]:
            events = await client.app.state.services.store.read_events(after=0, limit=1000)
            runtime.on_commit([e for e in events if e.type == event_type])
            return set(runtime._dirty)  # before the runtime's loop takes them (no await in between)

        return run

    assert not {"bob", "carol"} & await anyio.to_thread.run_sync(client.blocking_portal.call, follow("agent.updated"))

    assert (await client.patch("/agents/bob", json={"state": "running"})).status_code == 200
    await send(client, "bob", "achieve", "inc")
    assert "count(11)[source(self)]" in await beliefs(client, "bob")
    assert (await client.delete("/agents/carol")).status_code in (200, 204)
    assert "carol" in await anyio.to_thread.run_sync(client.blocking_portal.call, follow("agent.deleted"))


async def test_the_follower_takes_this_process_s_commits_without_reading_them_back(client: Client) -> None:
    """Message events this process commits reach the runtime as they commit; the follower reads the log only for
    the rest (here an agent's update, and what committed while it read that), and every event reaches the
    watchers once, in order."""
    services = client.app.state.services
    runtime, store = services.runtime, services.store
    await put_agent(client, "bob", code=COUNTER)
    await send(client, "bob", "achieve", "inc")

    def in_server(call: Callable[[], Awaitable[object]]) -> Awaitable[object]:
        return anyio.to_thread.run_sync(client.blocking_portal.call, call)

    async def caught_up() -> bool:
        return bool(await in_server(lambda: _at_end(runtime, store)))

    await eventually(caught_up, what="the follower to reach the end of the log")
    seen: list[int] = []
    read_back: list[RecordedEvent] = []
    real_read = store.read_events

    async def read_events(**kwargs: object) -> list[RecordedEvent]:
        found: list[RecordedEvent] = await real_read(**kwargs)
        task = asyncio.current_task()
        if task is not None and task.get_name() == "romas-runtime-follower":  # what it handles of the read
            read_back.extend(event for event in found if event.position > runtime.position)
        return found

    def watch(events: list[RecordedEvent]) -> None:
        seen.extend(event.position for event in events)

    start = runtime.position
    store.read_events = read_events
    runtime.watchers.append(watch)
    try:
        for _ in range(5):
            await send(client, "bob", "achieve", "inc")
        if store.dialect == "sqlite":  # on PostgreSQL a NOTIFY may still win the race (see Runtime._follow)
            assert read_back == []  # each commit was this process's, next in the log: nothing was read back
        assert (await client.patch("/agents/bob", json={"description": "counts"})).status_code == 200
        await send(client, "bob", "achieve", "inc")
        await eventually(caught_up, what="the follower to reach the end of the log")
    finally:
        runtime.watchers.remove(watch)
        del store.read_events
    logged = await in_server(lambda: real_read(after=start, limit=1000))
    assert isinstance(logged, list)
    assert seen == [event.position for event in logged]
    assert "count(7)[source(self)]" in await beliefs(client, "bob")
    assert "agent.updated" in {event.type for event in read_back}


async def _at_end(runtime: Any, store: Any) -> bool:
    return bool(runtime.position == await store.last_position())


async def test_an_agent_marked_again_while_its_clear_commits_stays_marked(client: Client) -> None:
    """A flush clears the at-work mark of an agent that went idle; the agent may get work and be marked again
    before that flush commits. The new mark is not lost to the clear, in the database or in the runtime."""
    services = client.app.state.services
    runtime, store = services.runtime, services.store
    await put_agent(client, "bob", code=COUNTER)
    await send(client, "bob", "achieve", "inc")

    async def marks() -> list[at_work.AtWork]:  # in the server's loop
        async with store.write(WriteContext(actor="test")) as writer:
            return await at_work.load(writer)

    async def remark_during_clear() -> tuple[list[at_work.AtWork], bool, list[at_work.AtWork], bool]:
        await runtime._stop_scheduler()
        try:
            await runtime._flush()
            await runtime._mark(["bob"])
            runtime._went_idle = True
            prepared = runtime._prepare()  # bob has no work: its mark is to be cleared
            assert prepared is not None and prepared.rested == ["bob"]
            await runtime._mark(["bob"])  # work came: marked again, committed before the clear
            await runtime._write(prepared)
            kept = (await marks(), "bob" in runtime._marked)
            runtime._went_idle = True
            prepared = runtime._prepare()
            assert prepared is not None and prepared.rested == ["bob"]
            await runtime._write(prepared)
            return (*kept, await marks(), "bob" in runtime._marked)
        finally:
            runtime._restart_scheduler()

    kept, in_runtime, cleared, still = await anyio.to_thread.run_sync(client.blocking_portal.call, remark_during_clear)
    assert kept == [at_work.AtWork("bob", True, 0)] and in_runtime
    assert cleared == [] and not still
    await send(client, "bob", "achieve", "inc")
    assert "count(2)[source(self)]" in await beliefs(client, "bob")


async def test_an_idle_agent_getting_a_message_is_marked_by_the_message_s_write(client: Client) -> None:
    """The scheduler writes no mark of its own for an idle agent that a client's message wakes: the message's
    write marked it (see accepts.py)."""
    runtime = client.app.state.services.runtime
    await put_agent(client, "bob", code=COUNTER)
    await send(client, "bob", "achieve", "inc")
    scheduled: list[list[str]] = []
    real_mark = runtime._mark

    async def mark(names: list[str]) -> None:
        scheduled.append(names)
        await real_mark(names)

    runtime._mark = mark
    try:
        for _ in range(5):
            sent = await send(client, "bob", "achieve", "inc", wait=0)  # the hot path: no Prefer
            status = lambda href=sent["_links"]["self"]["href"]: _is(_status(client, href), "processed")  # noqa: E731
            await eventually(status, what="the message to be processed")
    finally:
        del runtime._mark
    assert scheduled == []
    assert "count(6)[source(self)]" in await beliefs(client, "bob")


async def _status(client: Client, href: str) -> str:
    return str((await client.get(href)).json()["status"])


async def test_handing_shards_over_waits_for_the_marks_client_messages_are_writing(client: Client) -> None:
    """A client message's write may be marking an agent at work as its shard is handed over: the hand-over clears
    the marks after that write, so no mark outlives it, and no new write marks that shard's agents meanwhile."""
    services = client.app.state.services
    runtime, store = services.runtime, services.store
    await put_agent(client, "bob", code=COUNTER)
    await send(client, "bob", "achieve", "inc")
    shard = agent_shard("bob")

    async def marks() -> list[str]:
        async with store.write(WriteContext(actor="test")) as writer:
            return [row.agent for row in await at_work.load(writer)]

    async def hand_over_while_marking() -> tuple[bool, list[str], list[str]]:
        taken, since = runtime.take_marks(["bob"])  # a write of bob's message is on its way, marking bob
        assert taken == ["bob"]
        release = asyncio.create_task(runtime._release({shard}))
        for _ in range(20):
            await asyncio.sleep(0)
        waited = not release.done()
        refused, _ = runtime.take_marks(["bob"])  # a later message does not mark it
        async with store.write(WriteContext(actor="test")) as writer:
            await at_work.mark(writer, taken, since)
        runtime.settle_marks(taken, True)
        await release
        left = await marks()
        await runtime._gain({shard})
        return waited, refused, left

    waited, refused, left = await anyio.to_thread.run_sync(client.blocking_portal.call, hand_over_while_marking)
    assert waited and refused == [] and left == []
    await send(client, "bob", "achieve", "inc")
    assert "count(2)[source(self)]" in await beliefs(client, "bob")
