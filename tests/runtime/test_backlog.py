"""The scheduler pauses for requests at work, but not past the moment a message has waited ``backlog_s`` for its
agent; agents that compute without messages never cut a pause short."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from romas.runtime.backlog import Backlog
from romas.runtime.runtime import YIELD_TURNS
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import eventually, send

pytestmark = pytest.mark.anyio


@dataclass
class Ready:
    waiting_since: float | None


def test_with_nothing_waiting_a_pause_has_its_whole_bound() -> None:
    backlog = Backlog()
    backlog.begin_round([Ready(None), Ready(None)])  # agents that compute by themselves (spinners)
    assert backlog.since(0) == math.inf
    assert backlog.pause_bound(0, now=100.0, backlog_s=0.005, max_pause_s=0.004) == 0.004


def test_a_pause_ends_when_the_oldest_waiting_message_would_be_too_old() -> None:
    backlog = Backlog()
    backlog.begin_round([Ready(100.0), Ready(None)])
    assert backlog.pause_bound(0, now=100.002, backlog_s=0.005, max_pause_s=0.004) == pytest.approx(0.003)
    assert backlog.pause_bound(0, now=100.005, backlog_s=0.005, max_pause_s=0.004) == 0.0
    assert backlog.pause_bound(0, now=101.0, backlog_s=0.005, max_pause_s=0.004) == 0.0


def test_the_agents_a_round_has_stepped_no_longer_wait() -> None:
    backlog = Backlog()
    backlog.begin_round([Ready(10.0), Ready(None), Ready(30.0), Ready(20.0)])
    assert [backlog.since(stepped) for stepped in range(5)] == [10.0, 20.0, 20.0, 20.0, math.inf]
    backlog.end_round()
    assert backlog.since(0) == math.inf


def test_messages_that_came_since_the_round_began_wait_until_the_next_one() -> None:
    backlog = Backlog()
    backlog.begin_round([Ready(10.0)])
    backlog.arrived(50.0)
    backlog.arrived(60.0)
    assert backlog.since(1) == 50.0  # their agents may have had their step already
    assert backlog.since(0) == 10.0
    backlog.end_round()
    assert backlog.since(0) == 50.0  # the yield after the round
    backlog.begin_round([Ready(50.0)])  # the next round took them up
    assert backlog.since(1) == math.inf


def _in_server(client: Client, call: Callable[[], Any]) -> Awaitable[Any]:
    """Run ``call`` in the server's event loop (the test client runs the app in a loop of its own)."""
    return anyio.to_thread.run_sync(client.blocking_portal.call, call)


async def _yield_done_after_turns(runtime: Any, turns: int) -> bool:
    """Whether the scheduler's yield between slices ends within ``turns`` turns of the loop, a request at work."""
    runtime.clients.started()
    try:
        yielded = asyncio.create_task(runtime._yield())
        for _ in range(turns):
            await asyncio.sleep(0)
        return yielded.done()
    finally:
        runtime.clients.finished()
        await yielded


async def test_the_scheduler_pauses_for_a_request_at_work_when_no_message_waits(client: Client) -> None:
    runtime = client.app.state.services.runtime
    runtime.max_pause_s = 3600.0
    runtime.backlog.begin_round([])
    assert not await _in_server(client, lambda: _yield_done_after_turns(runtime, YIELD_TURNS * 4))


async def test_the_scheduler_does_not_pause_for_requests_once_a_message_has_waited_too_long(client: Client) -> None:
    runtime = client.app.state.services.runtime
    runtime.max_pause_s = 3600.0
    runtime.backlog_s = 0.005
    runtime.backlog.begin_round([])
    runtime.backlog.arrived(time.perf_counter() - 1.0)
    try:
        assert await _in_server(client, lambda: _yield_done_after_turns(runtime, YIELD_TURNS * 4))
    finally:
        runtime.backlog.begin_round([])


async def test_a_queued_message_notes_its_wait_until_it_is_delivered(client: Client) -> None:
    runtime = client.app.state.services.runtime
    await put_agent(client, "bob", code="+!inc <- true.\n")
    await put_agent(client, "spinner", code="!spin.\n+!spin <- while (true) { X = 1 }.\n")
    await send(client, "bob", "achieve", "inc")
    await eventually(_true(lambda: "spinner" in runtime.live), what="the spinner to run")
    bob, spinner = runtime.live["bob"], runtime.live["spinner"]
    assert bob.waiting_since is None and spinner.waiting_since is None  # computing is not waiting
    await _in_server(client, runtime._stop_scheduler)
    try:
        before = time.perf_counter()
        accepted = await send(client, "bob", "achieve", "inc", wait=0)
        assert len(bob.queue) == 1 and bob.waiting_since is not None and bob.waiting_since >= before
        noted = bob.waiting_since
        await send(client, "bob", "achieve", "inc", wait=0)
        assert len(bob.queue) == 2 and bob.waiting_since == noted  # the oldest one's
        assert runtime.backlog.since(0) <= noted
    finally:
        await _in_server(client, runtime._restart_scheduler)

    async def processed() -> bool:
        return bool((await client.get(accepted["_links"]["self"]["href"])).json()["status"] == "processed")

    await eventually(processed, what="the queued messages to be processed")
    assert bob.waiting_since is None


def _true(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def checked() -> bool:
        return check()

    return checked
