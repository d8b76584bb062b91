"""Client requests at work in this process, so agents that compute without pause leave the core to them.

A request takes many turns of the event loop (each database round trip is one). If busy agents only yielded
for one turn between slices, a request would wait a slice per turn; instead they pause until the requests at
work have answered, for at most a bounded time, so agents keep a fair share of the core under any load.
Requests that wait for an outcome (``Prefer: wait``) or stream events are not at work while they wait.

On PostgreSQL neither is a request whose write waits for its commit (:meth:`Clients.on_store`): the writer's round
trips are sockets on the event loop, so the core is free meanwhile, and agents pausing for such requests left it idle
(under a steady 1,000 messages a second the scheduler paused ~14 ms after every round, the server's core a third
idle). While requests wait so, agents step in short slices instead (``Runtime._round``), so the answers a commit
releases wait for a quarter of a millisecond at most. On SQLite the wait is the commit's flush to disk on another
thread, which needs the interpreter's lock back to hand the outcome over: agents stepping meanwhile held it from
that thread and made every commit later (``bench.runtime throughput`` lost a quarter), so there such a request stays at
work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class Clients:
    def __init__(self, *, park_on_store: bool = False) -> None:
        self.park_on_store = park_on_store
        """Whether requests waiting for the store's commits leave the count (PostgreSQL, see the module)."""
        self.parked = 0
        """Requests waiting for the store's commits, out of the count meanwhile."""
        self.busy = 0
        self._pauses: list[asyncio.Future[None]] = []
        """The pauses under way (:meth:`gone`), ended when no request is at work any more."""

    def started(self) -> None:
        self.busy += 1

    def finished(self) -> None:
        self.busy -= 1
        if self.busy <= 0 and self._pauses:
            pauses, self._pauses = self._pauses, []
            for pause in pauses:
                _end(pause)

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """A request that waits for something the agents do is not at work meanwhile."""
        self.finished()
        try:
            yield
        finally:
            self.started()

    @contextlib.contextmanager
    def on_store(self) -> Iterator[None]:
        """A request whose write waits for its commit: waiting (:meth:`waiting`), and counted as parked."""
        self.parked += 1
        try:
            with self.waiting():
                yield
        finally:
            self.parked -= 1

    async def gone(self, at_most: float) -> None:
        """Return when no request is at work, or after ``at_most`` seconds. Under a flood of requests the bound is
        what ends most pauses: a timer that resolves a future, since a timeout raising and catching an exception
        every few milliseconds cost the scheduler more than the pause itself."""
        if self.busy <= 0:
            return
        loop = asyncio.get_running_loop()
        pause: asyncio.Future[None] = loop.create_future()
        self._pauses.append(pause)
        timer = loop.call_later(at_most, _end, pause)
        try:
            await pause
        finally:
            timer.cancel()
            with contextlib.suppress(ValueError):  # ended by its bound, or cancelled: no longer under way
                self._pauses.remove(pause)


def _end(pause: asyncio.Future[None]) -> None:
    if not pause.done():
        pause.set_result(None)
