"""The scheduler gives agents short slices while no message waits for them, longer ones while messages do; agents
that compute by themselves are no backlog."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from romas.runtime.backlog import Backlog
from tests.api.helpers import Client, put_agent
from tests.runtime.helpers import eventually, send

pytestmark = pytest.mark.anyio


@dataclass
class Ready:
    waiting_since: float | None


def test_agents_that_compute_by_themselves_are_no_backlog() -> None:
    backlog = Backlog()
    backlog.begin_round([Ready(None), Ready(None)])  # spinners
    assert backlog.since(0) == math.inf
    assert backlog.slice_over(0, 0.00025, slice_s=0.00025, message_slice_s=0.002)


def test_slices_are_longer_while_a_message_waits_for_its_agent() -> None:
    backlog = Backlog()
    backlog.begin_round([Ready(None), Ready(10.0)])
    assert not backlog.slice_over(1, 0.001, slice_s=0.00025, message_slice_s=0.002)  # the second agent's waits
    assert backlog.slice_over(1, 0.002, slice_s=0.00025, message_slice_s=0.002)
    assert backlog.slice_over(2, 0.00025, slice_s=0.00025, message_slice_s=0.002)  # delivered at its step
    assert not backlog.slice_over(2, 0.0001, slice_s=0.00025, message_slice_s=0.002)


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
    assert backlog.since(0) == 50.0
    backlog.begin_round([Ready(50.0)])  # the next round took them up
    assert backlog.since(1) == math.inf


def _in_server(client: Client, call: Callable[[], Any]) -> Awaitable[Any]:
    """Run ``call`` in the server's event loop (the test client runs the app in a loop of its own)."""
    return anyio.to_thread.run_sync(client.blocking_portal.call, call)


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


async def test_a_message_cancelled_in_the_queue_leaves_no_wait_behind(client: Client) -> None:
    runtime = client.app.state.services.runtime
    await put_agent(client, "bob", code="+!inc <- true.\n")
    await send(client, "bob", "achieve", "inc")
    bob = runtime.live["bob"]
    await _in_server(client, runtime._stop_scheduler)
    try:
        accepted = await send(client, "bob", "achieve", "inc", wait=0)
        assert bob.waiting_since is not None
        assert await _in_server(client, lambda: runtime.cancel_message("bob", accepted["id"], "not wanted"))
        assert not bob.queue and bob.waiting_since is None
    finally:
        await _in_server(client, runtime._restart_scheduler)


async def _two_agents(client: Client) -> None:
    """bob and carol, running, each with a first message processed."""
    for name in ("bob", "carol"):
        await put_agent(client, name, code="+!inc <- true.\n")
        await send(client, name, "achieve", "inc")


async def _yields_in_one_round(
    client: Client, names: list[str], slices: tuple[float, float], parked: int = 0
) -> list[str]:
    """The scheduler's yields in one round of it over the agents ``names``, each sent a message first, with its
    slices (``slice_s``, ``message_slice_s``) as given and ``parked`` requests waiting for the store."""
    runtime = client.app.state.services.runtime
    yields: list[str] = []
    real_yield = runtime._yield

    async def counted() -> None:
        yields.append("yield")
        await real_yield()

    async def one_round() -> list[str]:
        kept = runtime.slice_s, runtime.message_slice_s
        runtime.slice_s, runtime.message_slice_s = slices
        runtime._yield = counted
        runtime.clients.parked += parked
        try:
            assert await runtime._round()
            return list(yields)
        finally:
            runtime.clients.parked -= parked
            del runtime._yield
            runtime.slice_s, runtime.message_slice_s = kept

    await _in_server(client, runtime._stop_scheduler)
    try:
        for name in names:
            await send(client, name, "achieve", "inc", wait=0)
        yielded: list[str] = await _in_server(client, one_round)
    finally:
        await _in_server(client, runtime._restart_scheduler)
    return yielded


async def test_a_round_yields_between_its_agents_not_after_the_last(client: Client) -> None:
    """The cycle commits what a round did before it yields: a yield after the round's last agent would hold that
    commit back for a pause."""
    await _two_agents(client)
    every_slice_over = (0.0, 0.0)
    assert await _yields_in_one_round(client, ["bob"], every_slice_over) == []
    assert await _yields_in_one_round(client, ["bob", "carol"], every_slice_over) == ["yield"]


async def test_while_requests_wait_for_the_store_slices_are_short_though_messages_wait(client: Client) -> None:
    """Requests parked on the store (PostgreSQL, see clients.py) resume when its round trip returns: the agents then
    step in short slices even while messages wait, so those answers do not wait for a long one."""
    await _two_agents(client)
    only_a_long_slice_over = (0.0, 10.0)  # while messages wait, a slice would end after 10 s
    assert await _yields_in_one_round(client, ["bob", "carol"], only_a_long_slice_over) == []
    assert await _yields_in_one_round(client, ["bob", "carol"], only_a_long_slice_over, parked=1) == ["yield"]


def _true(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def checked() -> bool:
        return check()

    return checked
