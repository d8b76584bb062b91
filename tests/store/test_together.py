"""Requests that wait for the store at the same time are written by one write, each with its own outcome (here:
clients' invocations, ``invocations.accept_many_if_live``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from romas.store import invocations
from romas.store.eventstore import Change, Store, WriteContext, Writer
from romas.store.invocations import ArtefactGate, NewInvocation
from romas.store.together import WAITING, Together

pytestmark = pytest.mark.anyio

T0 = datetime(2030, 1, 1, tzinfo=UTC)


async def _artefact(store: Store, name: str, kind: str, *, deleted: bool = False) -> None:
    stream = f"/workspaces/w/artefacts/{name}"
    async with store.write() as writer:
        await writer.record(
            Change(stream, "artefact", "/workspaces/w", name, 0, "artefact.created", {}, {"type": kind}, "")
        )
        if deleted:
            await writer.record(
                Change(stream, "artefact", "/workspaces/w", name, 1, "artefact.deleted", {}, {}, "", (), True)
            )


async def _accept(writer: Writer, asked: Sequence[invocations.Asked], at: datetime) -> tuple[list[ArtefactGate], None]:
    return await invocations.accept_many_if_live(writer, asked, at), None


def _together(store: Store) -> Together[invocations.Asked, ArtefactGate]:
    return Together(store, _accept, name="test-accepts", clock=lambda: T0)


def _asked(n: int, artefact: str, kind: str | None = "counter") -> invocations.Asked:
    return NewInvocation(f"i{n}", "w", artefact, "inc", [], f"c{n}", "rest"), WriteContext(actor=f"c{n}"), kind


async def test_requests_waiting_together_share_one_write_and_keep_their_order(store: Store) -> None:
    await _artefact(store, "c", "counter")
    await _artefact(store, "b", "board")
    await _artefact(store, "gone", "counter", deleted=True)
    together = _together(store)
    batches_before = store.group_commit._batches
    asked = [
        _asked(0, "c"),
        _asked(1, "c"),
        _asked(2, "b"),
        _asked(3, "nothing"),
        _asked(4, "gone"),
        _asked(5, "b", None),
    ]
    outcomes = await asyncio.gather(*(together.submit(a) for a in asked))
    assert [gate for gate, _ in outcomes] == [
        ArtefactGate(True, False, 1, "counter", True),
        ArtefactGate(True, False, 1, "counter", True),
        ArtefactGate(True, False, 1, "board"),  # checked against a counter: written for none
        ArtefactGate(False),
        ArtefactGate(True, True, 2, None),
        ArtefactGate(True, False, 1, "board", True),
    ]
    assert {at for _, at in outcomes} == {T0}
    assert store.group_commit._batches - batches_before == 1, "one write, in one batch"
    assert [r.id for r in await invocations.pending(store)] == ["i0", "i1", "i5"]
    events = await store.read_events(stream_type="invocation")
    assert [(e.data["id"], e.metadata["actor"]) for e in events] == [("i0", "c0"), ("i1", "c1"), ("i5", "c5")]
    positions = [e.position for e in events]
    assert positions == list(range(positions[0], positions[0] + 3))


async def test_a_request_that_went_away_before_its_write_is_not_written(store: Store) -> None:
    await _artefact(store, "c", "counter")
    together = _together(store)
    async with store.write():  # holds the writer: the submits below wait for the next batch
        first = asyncio.create_task(together.submit(_asked(1, "c")))
        second = asyncio.create_task(together.submit(_asked(2, "c")))
        await asyncio.sleep(0.01)
        first.cancel()
    gate, _ = await second
    assert gate.accepted
    with pytest.raises(asyncio.CancelledError):
        await first
    assert [r.id for r in await invocations.pending(store)] == ["i2"]


async def test_a_write_that_fails_fails_every_request_it_took_and_the_next_ones_go_on(store: Store) -> None:
    await _artefact(store, "c", "counter")
    together = _together(store)
    await together.submit(_asked(1, "c"))
    outcomes = await asyncio.gather(
        together.submit(_asked(1, "c")), together.submit(_asked(2, "c")), return_exceptions=True
    )
    assert all(isinstance(outcome, Exception) for outcome in outcomes)  # i1 again: its primary key refuses the write
    assert [r.id for r in await invocations.pending(store)] == ["i1"]
    gate, _ = await together.submit(_asked(3, "c"))
    assert gate.accepted


async def test_a_request_waits_for_its_write_inside_what_its_context_holds_for_store_waits(store: Store) -> None:
    """``WAITING`` (set by the API for the runtime's count of requests at work) is held around the wait for the
    commit, in the requesting task only, and released once the outcome is in."""
    await _artefact(store, "c", "counter")
    together = _together(store)
    held: list[str] = []

    @contextlib.contextmanager
    def waiting() -> Iterator[None]:
        held.append("in")
        try:
            yield
        finally:
            held.append("out")

    async def request() -> ArtefactGate:
        WAITING.set(waiting)
        outcome, _ = await together.submit(_asked(1, "c"))
        return outcome

    async with store.write():  # holds the writer: the request waits for the next batch
        task = asyncio.create_task(request())
        await asyncio.sleep(0.01)
        assert held == ["in"]
    assert (await task).accepted
    assert held == ["in", "out"]
    outcome, _ = await together.submit(_asked(2, "c"))  # no WAITING in this context: nothing held
    assert outcome.accepted and held == ["in", "out"]
