"""An answer's status line, headers and body written to the socket in one write.

Why: uvicorn (httptools) writes the status line and headers when the application sends ``http.response.start`` and
the body when it sends ``http.response.body``, each straight to the socket (uvloop tries every write at once), so
every answer cost two ``send()`` system calls, and on loopback each of them also runs the receiving side's TCP
work (the two were ~7% of the server's CPU per inbox POST under load, one is ~5%). For the answers romas has whole
before it starts them (the hot reads and writes), the two sends run as always — uvicorn builds, checks and counts the
bytes, keeps its state and its keep-alive — but into a transport that gathers them, and the gathered bytes go to the
socket in one write as soon as the body's send returns (before the event loop runs anything else).

Only when it is safe: uvicorn's httptools cycle (another server's ``send`` is used as it is), a response not
started, a connection that stays open (a close is uvicorn's to do right after the write) and a socket not paused for
writing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.types import Message, Send

try:
    from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
except ImportError:  # pragma: no cover - uvicorn without httptools: every answer is sent as it is
    RequestResponseCycle = None  # type: ignore[assignment,misc]


class _Gathered(asyncio.Transport):
    """What uvicorn writes while an answer is sent: kept, to be written at once by :func:`send_in_one_write`."""

    __slots__ = ("closing", "parts")

    def __init__(self) -> None:  # no call of Transport's: its ``extra`` is never read here
        self.parts: list[bytes] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.parts.append(data)

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing


async def send_in_one_write(send: Send, server_send: Send, start: Message, end: Message) -> None:
    """Send an answer's ``start`` and ``end`` through ``send`` (which ends in the ASGI server's own
    ``server_send``); what the server writes for them reaches the socket in one write, after the second."""
    cycle = getattr(server_send, "__self__", None)
    if (
        type(cycle) is not RequestResponseCycle
        or cycle.response_started
        or not cycle.keep_alive
        or cycle.disconnected
        or cycle.flow.write_paused
    ):
        await send(start)
        await send(end)
        return
    transport = cycle.transport
    gathered = _Gathered()
    cycle.transport = gathered
    try:
        await send(start)
        await send(end)
    finally:
        cycle.transport = transport
        if gathered.parts:
            transport.write(b"".join(gathered.parts))
        if gathered.closing:
            transport.close()
