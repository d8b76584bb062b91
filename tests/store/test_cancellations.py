"""Cancellations are found in the log by the items they name, whichever process recorded them."""

from __future__ import annotations

import pytest

from romas.store import cancellations
from romas.store.cancellations import CancelRequest
from romas.store.eventstore import Store, WriteContext

pytestmark = pytest.mark.anyio


async def test_the_recorded_cancellations_of_the_items_asked_are_found_oldest_first(store: Store) -> None:
    asked = [
        CancelRequest("message", "bob", "m1", "canceled over A2A"),
        CancelRequest("command", "bob", "c1", "cancelled on request"),
        CancelRequest("message", "bob", "m2", "not asked below"),
        CancelRequest("message", "alice", "m1", "another agent's"),
    ]
    async with store.write(WriteContext(actor="test")) as writer:
        await writer.append([cancellations.request_event(r) for r in asked])
    found = await cancellations.requested(store, "bob", ["m1", "m9"], ["c1"])
    assert found == asked[:2]
    assert await cancellations.requested(store, "bob", [], []) == []
    assert await cancellations.requested(store, "bob", ["c1"], []) == []  # a command's id is not a message's
