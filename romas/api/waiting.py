"""``Prefer: wait=N`` for resources that reach a final status later (messages, commands, invocations)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from romas.runtime.waiters import Waiters


class HasFinal(Protocol):
    @property
    def final(self) -> bool: ...


Row = TypeVar("Row", bound=HasFinal)


async def read_after_waiting(waiters: Waiters, key: str, load: Callable[[], Awaitable[Row]], wait: float | None) -> Row:
    """The resource, after waiting up to ``wait`` seconds for a final status. The waiter registers before the
    first read, so a status that becomes final in between is not missed."""
    waiter = waiters.register(key) if wait else None
    try:
        row = await load()
        if waiter is not None and not row.final:
            assert wait is not None
            if await waiters.wait(key, waiter, wait):
                row = await load()
            waiter = None
    finally:
        if waiter is not None:
            waiters.release(key, waiter)
    return row
