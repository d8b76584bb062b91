"""``Prefer: wait=N``: a request waits for a message or command to reach a final status, up to N seconds.

A waiter registers first and only then reads the current status, so a status that becomes final in between is
never missed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from romas.runtime.clients import Clients


class Waiters:
    def __init__(self, clients: Clients | None = None) -> None:
        self._events: dict[str, list[asyncio.Event]] = defaultdict(list)
        self.clients = clients or Clients()

    def register(self, key: str) -> asyncio.Event:
        event = asyncio.Event()
        self._events[key].append(event)
        return event

    async def wait(self, key: str, event: asyncio.Event, seconds: float) -> bool:
        """True when :meth:`done` was called for ``key`` within ``seconds``."""
        try:
            with self.clients.waiting():
                await asyncio.wait_for(event.wait(), seconds)
            return True
        except TimeoutError:
            return False
        finally:
            self.release(key, event)

    def release(self, key: str, event: asyncio.Event) -> None:
        waiting = self._events.get(key)
        if waiting is not None:
            if event in waiting:
                waiting.remove(event)
            if not waiting:
                del self._events[key]

    def done(self, key: str) -> None:
        for event in self._events.pop(key, []):
            event.set()
