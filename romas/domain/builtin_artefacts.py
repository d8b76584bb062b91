"""The artefact types every romas server has: a counter, a key/value board and a FIFO queue."""

from __future__ import annotations

from typing import Any, Final

from romas.domain.artefact_types import ArtefactType, OperationFailed, computed, observable, operation


class Counter(ArtefactType):
    """A shared integer that agents and clients count with."""

    type_name = "counter"

    count: int = observable(default=0, description="the current value")

    @operation
    def inc(self) -> None:
        """Add one to the count."""
        self.count += 1

    @operation
    def dec(self) -> None:
        """Take one from the count."""
        self.count -= 1

    @operation
    def reset(self, value: int) -> None:
        """Set the count to a value."""
        self.count = value


class Board(ArtefactType):
    """A key/value blackboard: agents and clients post entries that every observer sees."""

    type_name = "board"

    entries: dict[str, Any] = observable(default={}, description="the posted values, by key")

    @operation
    def put(self, key: str, value: Any) -> None:
        """Post a value under a key, replacing the value it had."""
        self.entries[key] = value

    @operation
    def remove(self, key: str) -> None:
        """Remove the entry of a key; fails when the board has no such entry."""
        if key not in self.entries:
            raise OperationFailed(f"the board has no entry '{key}'")
        del self.entries[key]


class Queue(ArtefactType):
    """A first-in, first-out queue of work items shared by producers and consumers."""

    type_name = "queue"
    signals = {
        "pushed": "an item joined the queue; args: (item)",
        "popped": "an item left the queue; args: (item)",
    }

    items: list[Any] = observable(default=[], description="the waiting items, oldest first")

    @computed
    def size(self) -> int:
        """how many items are waiting"""
        return len(self.items)

    @operation
    def push(self, item: Any) -> None:
        """Add an item at the back of the queue."""
        self.items.append(item)
        self.signal("pushed", item)

    @operation
    def pop(self) -> Any:
        """Take the item at the front of the queue and return it; fails when the queue is empty."""
        if not self.items:
            raise OperationFailed("queue is empty")
        item = self.items.pop(0)
        self.signal("popped", item)
        return item


BUILTIN_TYPES: Final[tuple[type[ArtefactType], ...]] = (Counter, Board, Queue)
