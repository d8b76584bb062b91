"""Requests at work are counted so busy agents pause for them, and a pause never outlasts its bound."""

from __future__ import annotations

import asyncio

import pytest

from romas.runtime.clients import Clients

pytestmark = pytest.mark.anyio


async def test_gone_returns_once_the_requests_at_work_have_finished() -> None:
    clients = Clients()
    clients.started()
    clients.started()
    loop = asyncio.get_running_loop()
    loop.call_later(0.01, clients.finished)
    loop.call_later(0.02, clients.finished)
    started = loop.time()
    await clients.gone(5.0)
    assert clients.busy == 0 and loop.time() - started < 1.0


async def test_a_pause_is_bounded_however_busy_the_clients() -> None:
    clients = Clients()
    clients.started()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await clients.gone(0.05)
    assert clients.busy == 1 and loop.time() - started < 1.0


async def test_a_waiting_request_is_not_at_work_and_counts_again_after() -> None:
    clients = Clients()
    clients.started()
    with clients.waiting():
        assert clients.busy == 0
        await clients.gone(5.0)  # returns at once
    assert clients.busy == 1
    clients.finished()
    with clients.waiting():  # outside any request: the count comes back to where it was
        pass
    assert clients.busy == 0


async def test_pauses_ended_by_their_bound_are_not_kept() -> None:
    clients = Clients()
    clients.started()
    for _ in range(3):
        await clients.gone(0.001)
    assert clients._pauses == []
    task = asyncio.create_task(clients.gone(5.0))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clients._pauses == []
    clients.finished()


async def test_a_request_waiting_for_the_store_is_parked_and_not_at_work() -> None:
    clients = Clients(park_on_store=True)
    clients.started()
    pause = asyncio.create_task(clients.gone(5.0))
    await asyncio.sleep(0)
    with clients.on_store():
        assert (clients.busy, clients.parked) == (0, 1)
        await asyncio.wait_for(pause, 1.0)  # the pause under way ended when the request parked
        await clients.gone(5.0)  # and a new one returns at once
    assert (clients.busy, clients.parked) == (1, 0)
    clients.finished()
