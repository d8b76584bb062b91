"""Client messages accepted together: the inbox POSTs that wait for the store at the same time share one write.

The POSTs that arrive while a write of them waits for its batch join it (romas/store/together.py says why), and are
accepted by one statement (``inbox.accept_many_if_running``), in arrival order; each request still hears its own
message's outcome, once the batch holding it committed.

The same write marks at work the agents of these messages that the runtime runs here and that are not marked
already (see :class:`Marks`): an idle agent getting a message used to wait, before its first step, for a write of
its own mark (a batch, a commit) after the message's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Protocol

from romas.store import inbox
from romas.store.eventstore import Store, WriteContext, Writer
from romas.store.inbox import AgentGate, NewMessage
from romas.store.together import Settle, Together


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
    """Client messages accepted together (romas/store/together.py), their agents marked at work in the same write."""

    def __init__(self, store: Store, clock: Callable[[], datetime], marks: Marks | None = None) -> None:
        self.marks = marks
        self._together: Together[tuple[NewMessage, WriteContext], AgentGate] = Together(
            store, self._write, name="romas-inbox-accepts", clock=clock
        )

    async def accept(self, message: NewMessage, context: WriteContext) -> tuple[AgentGate, datetime]:
        """Accept ``message`` if its agent runs (with the messages that wait beside it); its agent's gate and the
        instant it was accepted at, once committed. Nothing is written for a message whose agent does not run."""
        return await self._together.submit((message, context))

    async def _write(
        self, writer: Writer, messages: Sequence[tuple[NewMessage, WriteContext]], at: datetime
    ) -> tuple[list[AgentGate], Settle | None]:
        marked: list[str] = []
        since = at
        if self.marks is not None:
            marked, since = self.marks.take_marks({message.agent for message, _ in messages})
        marks = self.marks
        settle = None if not marked or marks is None else lambda committed: marks.settle_marks(marked, committed)
        try:
            gates = await inbox.accept_many_if_running(writer, messages, at, marked, since)
        except BaseException:
            if settle is not None:
                settle(False)
            raise
        return gates, settle
