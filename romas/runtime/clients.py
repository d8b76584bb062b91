"""Client requests at work in this process, so agents that compute without pause leave the core to them.

A request takes many turns of the event loop (each database round trip is one). If busy agents only yielded
for one turn between slices, a request would wait a slice per turn; instead they pause until the requests at
work have answered, for at most a bounded time, so agents keep a fair share of the core under any load.
Requests that wait for an outcome (``Prefer: wait``) or stream events are not at work while they wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class Clients:
    def __init__(self) -> None:
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
