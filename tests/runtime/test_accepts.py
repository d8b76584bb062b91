"""Client messages that wait for the store at the same time are accepted by one write, each with its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime

import pytest

from romas.runtime.accepts import Accepts
from romas.store import at_work, inbox
from romas.store.eventstore import Change, Store, WriteContext
from romas.store.inbox import NewMessage

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, tzinfo=UTC)


async def _agent(store: Store, name: str, state: str) -> None:
    async with store.write() as writer:
        await writer.record(
            Change(f"/agents/{name}", "agent", "", name, 0, "agent.created", {}, {"state": state}, "created")
        )


def _message(n: int, agent: str) -> NewMessage:
    return NewMessage(f"m{n}", agent, f"c{n}", "rest", "tell", f"a({n})")


async def test_messages_waiting_together_share_one_write_and_keep_their_order(store: Store) -> None:
    await _agent(store, "runs", "running")
    await _agent(store, "rests", "stopped")
    accepts = Accepts(store, lambda: T0)
    writes_before = store.group_commit._batches
    agents = ["runs", "runs", "rests", "nobody", "runs"]
    outcomes = await asyncio.gather(
        *(accepts.accept(_message(n, agent), WriteContext(actor=f"c{n}")) for n, agent in enumerate(agents))
    )
    assert [gate.accepted for gate, _ in outcomes] == [True, True, False, False, True]
    assert {at for _, at in outcomes} == {T0}
    assert store.group_commit._batches - writes_before == 1, "one write, in one batch"
    assert [r.id for r in await inbox.unfinished(store, "runs")] == ["m0", "m1", "m4"]
    events = await store.read_events(stream_type="message")
    assert [e.data["id"] for e in events] == ["m0", "m1", "m4"]
    assert [e.metadata["actor"] for e in events] == ["c0", "c1", "c4"]


async def test_a_message_whose_request_went_away_before_its_write_is_not_accepted(store: Store) -> None:
    await _agent(store, "runs", "running")
    accepts = Accepts(store, lambda: T0)
    async with store.write():  # holds the writer: the accepts below wait for the next batch
        first = asyncio.create_task(accepts.accept(_message(1, "runs"), WriteContext(actor="c1")))
        second = asyncio.create_task(accepts.accept(_message(2, "runs"), WriteContext(actor="c2")))
        await asyncio.sleep(0.01)
        first.cancel()
    gate, _ = await second
    assert gate.accepted
    with pytest.raises(asyncio.CancelledError):
        await first
    assert [r.id for r in await inbox.unfinished(store, "runs")] == ["m2"]


async def test_a_write_that_fails_fails_every_message_it_took(store: Store) -> None:
    await _agent(store, "runs", "running")
    accepts = Accepts(store, lambda: T0)
    duplicate = _message(1, "runs")
    await accepts.accept(duplicate, WriteContext(actor="c1"))
    outcomes = await asyncio.gather(
        accepts.accept(duplicate, WriteContext(actor="c1")),
        accepts.accept(_message(2, "runs"), WriteContext(actor="c2")),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, Exception) for outcome in outcomes)
    assert [r.id for r in await inbox.unfinished(store, "runs")] == ["m1"]
    gate, _ = await accepts.accept(_message(3, "runs"), WriteContext(actor="c3"))
    assert gate.accepted, "the accepts go on after a failed write"


class _Marks:
    """The runtime's side of the marks written with the messages (see accepts.Marks)."""

    def __init__(self, runs: set[str]) -> None:
        self.runs = runs
        self.settled: list[tuple[list[str], bool]] = []

    def take_marks(self, agents: Collection[str]) -> tuple[list[str], datetime]:
        return sorted(set(agents) & self.runs), T0

    def settle_marks(self, agents: list[str], committed: bool) -> None:
        self.settled.append((agents, committed))


async def _marks(store: Store) -> list[at_work.AtWork]:
    async with store.write() as writer:
        return await at_work.load(writer)


async def test_the_agents_the_runtime_runs_are_marked_at_work_in_their_messages_write(store: Store) -> None:
    """An idle agent that gets a message is marked at work by the write that accepts it, not by a write of its
    own that its first step would wait for; a write that fails marks nobody, and the runtime hears it."""
    await _agent(store, "runs", "running")
    await _agent(store, "elsewhere", "running")
    marks = _Marks({"runs"})
    accepts = Accepts(store, lambda: T0, marks)
    await asyncio.gather(
        *(accepts.accept(_message(n, agent), WriteContext()) for n, agent in enumerate(["runs", "elsewhere", "runs"]))
    )
    assert await _marks(store) == [at_work.AtWork("runs", True, 0)]
    assert marks.settled == [(["runs"], True)]

    async with store.write() as writer:
        await at_work.clear(writer, ["runs"])
    with pytest.raises(Exception):  # noqa: B017 - the driver's own error for a duplicate id
        await accepts.accept(_message(0, "runs"), WriteContext())
    assert await _marks(store) == []
    assert marks.settled[-1] == (["runs"], False)
