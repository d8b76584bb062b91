"""Client messages accepted together: the inbox POSTs that wait for the store at the same time share one write.

Why: each accepted message used to be a write request of its own in the group commit's batch, and the requests of a
batch run one after the other on its connection: on PostgreSQL one round trip each, so a batch of sixteen POSTs
held the transaction for sixteen round trips, and every request paid the write's own machinery (its place in the
queue, its futures). Here the POSTs that arrive while a write of them waits for its batch join it, and are
accepted by one statement (``inbox.accept_many_if_running``), in arrival order; each request still hears its own
message's outcome, once the batch holding it committed.

The same write marks at work the agents of these messages that the runtime runs here and that are not marked
already (see :class:`Marks`): an idle agent getting a message used to wait, before its first step, for a write of
its own mark (a batch, a commit) after the message's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from romas.store import inbox
from romas.store.eventstore import Store, WriteContext
from romas.store.inbox import AgentGate, NewMessage

MAX_TOGETHER = 256
"""A write takes at most this many messages; the rest wait for the next one."""


@dataclass(slots=True)
class _Waiting:
    message: NewMessage
    context: WriteContext
    outcome: asyncio.Future[tuple[AgentGate, datetime]]


class Marks(Protocol):
    """The runtime's at-work marks (see runtime/quarantine.py), written with the messages that bring the work."""

    def take_marks(self, agents: Collection[str]) -> tuple[list[str], datetime]:
        """Of the agents of messages about to be accepted, those to mark in the same write, and the mark's instant;
        they are the caller's to settle with :meth:`settle_marks`."""
        ...

    def settle_marks(self, agents: list[str], committed: bool) -> None:
        """The write that marked ``agents`` committed, or failed (then it marked nothing)."""
        ...


class Accepts:
    """The messages waiting to be accepted, and the write that takes them."""

    def __init__(self, store: Store, clock: Callable[[], datetime], marks: Marks | None = None) -> None:
        self.store = store
        self.clock = clock
        self.marks = marks
        self._waiting: list[_Waiting] = []
        self._writing = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def accept(self, message: NewMessage, context: WriteContext) -> tuple[AgentGate, datetime]:
        """Accept ``message`` if its agent runs (with the messages that wait beside it); its agent's gate and the
        instant it was accepted at, once committed. Nothing is written for a message whose agent does not run."""
        outcome: asyncio.Future[tuple[AgentGate, datetime]] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(message, context, outcome))
        if not self._writing:
            self._writing = True
            self._start()
        return await outcome

    def _start(self) -> None:
        task = asyncio.create_task(self._write(), name="romas-inbox-accepts")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self) -> None:
        taken: list[_Waiting] = []
        took = False
        marked: list[str] = []
        try:
            # Light on PostgreSQL: one statement that writes the messages it accepts, or nothing.
            async with self.store.write(light=self.store.dialect == "postgresql") as writer:
                taken = [w for w in self._waiting[:MAX_TOGETHER] if not w.outcome.cancelled()]
                del self._waiting[:MAX_TOGETHER]
                took = True
                self._writing = bool(self._waiting)
                if self._writing:  # more than one write takes: the next one queues at once
                    self._start()
                if not taken:
                    writer.wrote_nothing()
                    return
                at = self.clock()
                since = at
                if self.marks is not None:
                    marked, since = self.marks.take_marks({w.message.agent for w in taken})
                gates = await inbox.accept_many_if_running(
                    writer, [(w.message, w.context) for w in taken], at, marked, since
                )
        except BaseException as exc:
            if marked and self.marks is not None:
                self.marks.settle_marks(marked, False)
            if not took:  # the write failed before it took any: those waiting fail with it
                taken, self._waiting = self._waiting, []
                self._writing = False
            error = exc if isinstance(exc, Exception) else RuntimeError("the store's writer stopped")
            for waiting in taken:
                if not waiting.outcome.done():
                    waiting.outcome.set_exception(error)
            if not isinstance(exc, Exception):
                raise
            return
        if marked and self.marks is not None:
            self.marks.settle_marks(marked, True)
        for waiting, gate in zip(taken, gates, strict=True):
            if not waiting.outcome.done():
                waiting.outcome.set_result((gate, at))
