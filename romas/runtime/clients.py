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
        self._idle = asyncio.Event()
        self._idle.set()

    def started(self) -> None:
        self.busy += 1
        self._idle.clear()

    def finished(self) -> None:
        self.busy -= 1
        if self.busy <= 0:
            self._idle.set()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """A request that waits for something the agents do is not at work meanwhile."""
        self.finished()
        try:
            yield
        finally:
            self.started()

    async def gone(self, at_most: float) -> None:
        """Return when no request is at work, or after ``at_most`` seconds."""
        if self.busy > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(at_most):
                    await self._idle.wait()
