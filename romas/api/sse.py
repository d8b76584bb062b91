"""Server-Sent Events for ``GET /events``: following the event log live, read from the table in batches.

A stream never takes an event from a notification: it pages through ``events`` from its cursor, and
:class:`~romas.store.notify.CommitSignal` only says when paging again is worthwhile. So a client sees every event
once, in position order, whether it arrived while the client listened or before it reconnected.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.response import Stream

from romas.api.media import EVENT_STREAM
from romas.records import record
from romas.runtime.tail import HANDOVER_TURNS, Tail
from romas.store.eventstore import RecordedEvent, Store
from romas.store.notify import CommitSignal

KEEPALIVE = b": keep-alive\n\n"
HEADERS = {"Content-Type": EVENT_STREAM, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
"""Content-Type is set here because Litestar gives a streamed answer the handler's media type (HAL JSON);
``X-Accel-Buffering: no`` keeps nginx-style proxies from holding events back."""

Render = Callable[[RecordedEvent], bytes]


@record
class Filter:
    stream_type: str | None = None
    stream_id: str | None = None


def message(event_id: int, event_type: str, data: bytes) -> bytes:
    """One SSE message; ``data`` is single-line JSON (JSON encoders escape newlines inside strings)."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, event_type.encode(), data)


async def follow(
    store: Store,
    signal: CommitSignal,
    *,
    after: int,
    only: Filter,
    batch: int,
    render: Render,
    tail: Tail | None = None,
) -> AsyncIterator[bytes]:
    """Every event past ``after`` that passes ``only``, then new ones as they commit, forever.

    One chunk per batch read, so a slow client holds back the reads (the server's send waits for it) and memory
    stays at one batch. Disconnecting cancels this generator at its current await; it owns no tasks. A read
    that ``tail`` (the runtime's newest events) can answer is taken from there, not from the database.
    """
    loop = asyncio.get_running_loop()
    cursor = after  # the last event sent
    seen = after  # every position up to here has been read, matching or not: no need to wake for those
    next_keepalive = loop.time() + signal.keepalive
    while True:
        known = signal.latest  # committed before the read starts, so the read sees it
        rows = None
        if tail is not None:  # from ``seen`` on: what lies between the cursor and there was read and did not match
            rows = tail.after(max(cursor, seen), known, batch, only.stream_type, only.stream_id)
        if rows is None:
            rows = await store.read_events(
                after=cursor, limit=batch, stream_type=only.stream_type, stream_id=only.stream_id
            )
        if rows:
            cursor = rows[-1].position
            yield b"".join(message(r.position, r.type, render(r)) for r in rows)
            next_keepalive = loop.time() + signal.keepalive
            if len(rows) == batch:
                continue
        seen = max(seen, cursor, known)
        next_poll = loop.time() + signal.fallback_poll
        while True:
            try:
                async with asyncio.timeout_at(min(next_keepalive, next_poll)):
                    await signal.wait_past(seen)
                break  # something past what we have read has committed
            except TimeoutError:
                pass
            now = loop.time()
            if now >= next_poll:
                break  # read anyway, in case a wake-up was lost
            if now >= next_keepalive:
                yield KEEPALIVE
                next_keepalive = now + signal.keepalive
        # PostgreSQL's NOTIFY of a commit of this process may come before the tail has its events: a few turns of
        # the loop let them come (see Runtime._follow)
        for _ in range(HANDOVER_TURNS):
            if tail is None or tail.end >= signal.latest:
                break
            await asyncio.sleep(0)


def event_stream_response(events: AsyncIterator[bytes]) -> Stream:
    return Stream(events, media_type=EVENT_STREAM, headers=HEADERS)


@dataclass
class EventStreamOperation(Operation):
    """Documents the ``text/event-stream`` form of a 200 answer next to its JSON form."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content[EVENT_STREAM] = OpenAPIMediaType(
                schema=Schema(
                    type=OpenAPIType.STRING,
                    description=(
                        "Server-Sent Events, sent when the request accepts text/event-stream. Each message has "
                        "`id:` (the event's position), `event:` (its type) and `data:` (the event as JSON, with "
                        "the same fields as an embedded event of the page); `: keep-alive` comments keep an idle "
                        "connection open."
                    ),
                    examples=[
                        'id: 42\nevent: message.processed\ndata: {"position":42,"stream_type":"message",...}\n\n'
                    ],
                )
            )
