"""Requests that wait for the store at the same time, written together: one write request takes them all.

Why: each request used to be a write of its own in the group commit's batch, and the requests of a batch run one
after the other on its connection: on PostgreSQL one round trip each, so sixteen clients held the batch's
transaction for sixteen round trips, and each paid the write's own machinery (its place in the queue, its
futures). Here the requests that arrive while a write of their kind waits for its batch join it, and ``write_many``
writes them with one statement (on PostgreSQL), in arrival order; each request still hears its own outcome, once
the batch holding it committed.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from romas.store.eventstore import Store, Writer

T = TypeVar("T")
R = TypeVar("R")

Settle = Callable[[bool], None]
"""Told once whether the write committed (True) or failed (False), for what the write took beside its rows (the
runtime's at-work marks, say)."""

MAX_TOGETHER = 256
"""A write takes at most this many requests; the rest wait for the next one."""

WAITING: contextvars.ContextVar[Callable[[], AbstractContextManager[None]] | None] = contextvars.ContextVar(
    "romas_store_waiting", default=None
)
"""What the current request holds while its item waits for its write to commit, if anything: set by the API for the
runtime's count of requests at work (romas/runtime/clients.py), which a request waiting for the database leaves."""


@dataclass(slots=True)
class _Waiting(Generic[T, R]):
    item: T
    outcome: asyncio.Future[tuple[R, datetime]]


class Together(Generic[T, R]):
    """The requests of one kind waiting to be written, and the write that takes them.

    ``write_many(writer, items, at)`` answers one outcome per item, in order, and maybe a :data:`Settle`. It must
    write nothing when it fails on PostgreSQL (the write is a light one there: one statement that writes all it
    writes or nothing), and say so with ``writer.wrote_nothing()`` when it wrote nothing at all."""

    def __init__(
        self,
        store: Store,
        write_many: Callable[[Writer, Sequence[T], datetime], Awaitable[tuple[list[R], Settle | None]]],
        *,
        name: str,
        clock: Callable[[], datetime] | None = None,
        one_per: Callable[[T], Hashable] | None = None,
    ) -> None:
        self.store = store
        self.write_many = write_many
        self.name = name
        self.clock = clock or store.clock
        self.one_per = one_per
        """A write takes at most one item of each key (the others wait for the next write): for items decided on
        the same state, each written only if that state is still current."""
        self._waiting: list[_Waiting[T, R]] = []
        self._writing = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def waiting(self) -> int:
        """Items no write has taken yet."""
        return len(self._waiting)

    async def submit(self, item: T) -> tuple[R, datetime]:
        """Write ``item`` with those waiting beside it; its outcome and the instant it was written at, once
        committed."""
        outcome: asyncio.Future[tuple[R, datetime]] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(item, outcome))
        if not self._writing:
            self._writing = True
            self._start()
        waiting = WAITING.get()
        if waiting is None:
            return await outcome
        with waiting():
            return await outcome

    def _start(self) -> None:
        task = asyncio.create_task(self._write(), name=self.name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _take(self) -> list[_Waiting[T, R]]:
        """The next write's items: at most ``MAX_TOGETHER``, at most one per key of ``one_per``."""
        if self.one_per is None:
            taken = [w for w in self._waiting[:MAX_TOGETHER] if not w.outcome.cancelled()]
            del self._waiting[:MAX_TOGETHER]
            return taken
        taken, left = [], []
        keys: set[Hashable] = set()
        for waiting in self._waiting:
            if waiting.outcome.cancelled():
                continue
            key = self.one_per(waiting.item)
            if len(taken) >= MAX_TOGETHER or key in keys:
                left.append(waiting)
            else:
                keys.add(key)
                taken.append(waiting)
        self._waiting = left
        return taken

    async def _write(self) -> None:
        taken: list[_Waiting[T, R]] = []
        took = False
        settle: Settle | None = None
        try:
            async with self.store.write(light=self.store.dialect == "postgresql") as writer:
                taken = self._take()
                took = True
                self._writing = bool(self._waiting)
                if self._writing:  # more than one write takes: the next one queues at once
                    self._start()
                if not taken:
                    writer.wrote_nothing()
                    return
                at = self.clock()
                outcomes, settle = await self.write_many(writer, [w.item for w in taken], at)
        except BaseException as exc:
            if settle is not None:
                settle(False)
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
        if settle is not None:
            settle(True)
        for waiting, outcome in zip(taken, outcomes, strict=True):
            if not waiting.outcome.done():
                waiting.outcome.set_result((outcome, at))
