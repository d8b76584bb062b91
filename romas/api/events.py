"""``/events``: the global, append-only log every resource's history comes from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, Parameter

from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import EVENT_STREAM, HAL_JSON, JSON
from romas.api.problems import problem_specs
from romas.api.schemas import Limit
from romas.api.sse import EventStreamOperation, Filter, event_stream_response, follow
from romas.api.views import encoded
from romas.store.eventstore import RecordedEvent
from romas.store.notify import CommitSignal

# Litestar leaves ``ge=0`` out of the OpenAPI schema of an optional parameter (0 is falsy); state it again.
_NOT_NEGATIVE: dict[str, Any] = {"minimum": 0}

STREAM_TYPES = ("agent", "workspace", "artefact", "organisation", "group", "scheme", "deployment", "message", "command")


class Event(msgspec.Struct, kw_only=True):
    position: int
    stream_type: str
    stream: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime
    links: dict[str, Link] = msgspec.field(name="_links")


class EventsEmbedded(msgspec.Struct):
    events: list[Event]


class EventPage(msgspec.Struct, kw_only=True):
    count: int
    last_position: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: EventsEmbedded = msgspec.field(name="_embedded")


def render_event(r: RecordedEvent) -> Event:
    return Event(
        position=r.position,
        stream_type=r.stream_type,
        stream=r.stream_id,
        version=r.version,
        type=r.type,
        data=r.data,
        metadata=r.metadata,
        recorded_at=r.recorded_at,
        links={"stream": link(r.stream_id)} if r.stream_id.startswith("/") else {},
    )


def _encode_event(r: RecordedEvent) -> bytes:
    return msgspec.json.encode(render_event(r))


def wants_event_stream(request: Request[Any, Any, Any]) -> bool:
    return request.accept.best_match([HAL_JSON, JSON, EVENT_STREAM], default=HAL_JSON) == EVENT_STREAM


class EventController(Controller):
    path = "/events"
    tags = ["events"]

    @get(
        "/",
        summary="The global event log, in commit order, paged by position (or followed live as Server-Sent Events)",
        description=(
            "With `Accept: text/event-stream` the answer is a stream that never ends: every event past the cursor "
            "(`Last-Event-ID`, else `after`, else the current end of the log) that passes the filters, in "
            "position order, then each new one as it commits. A client that reconnects with the last `id:` it "
            "received misses nothing and sees nothing twice."
        ),
        media_type=HAL_JSON,
        operation_class=EventStreamOperation,
        responses={
            200: ResponseSpec(
                EventPage,
                description="A page of the event log, or the live stream",
                media_type=HAL_JSON,
                generate_examples=False,
            ),
            **problem_specs(400),
        },
    )
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        after: Annotated[
            int | None,
            Parameter(
                ge=0,
                le=2**63 - 1,
                description="Return events after this position (default: the start; for a stream, the current end)",
                schema_extra=_NOT_NEGATIVE,
            ),
        ] = None,
        limit: Limit = 100,
        stream_type: Annotated[
            str | None, Parameter(max_length=32, description="Only events of this stream type", pattern="^[a-z_]+$")
        ] = None,
        stream: Annotated[
            str | None,
            Parameter(max_length=300, description="Only events of this stream (a resource path such as /agents/alice)"),
        ] = None,
        last_event_id: Annotated[
            int | None,
            HeaderParameter(
                name="Last-Event-ID",
                ge=0,
                le=2**63 - 1,
                description="For a stream: resume after this position (what a reconnecting EventSource sends)",
                schema_extra=_NOT_NEGATIVE,
            ),
        ] = None,
    ) -> Response[Any]:
        if wants_event_stream(request):
            cursor = last_event_id if last_event_id is not None else after
            if cursor is None:
                cursor = await services.store.last_position()
            signal: CommitSignal = request.app.state.commit_signal
            live = follow(
                services.store,
                signal,
                after=cursor,
                only=Filter(stream_type, stream),
                batch=limit,
                render=_encode_event,
                tail=services.runtime.tail,
            )
            return event_stream_response(live)
        after = after or 0
        rows = await services.store.read_events(after=after, limit=limit, stream_type=stream_type, stream_id=stream)
        last = rows[-1].position if rows else after
        links = {
            "self": link(
                with_query(
                    "/events",
                    after=after or None,
                    limit=limit if limit != 100 else None,
                    stream_type=stream_type,
                    stream=stream,
                )
            ),
            "next": link(
                with_query(
                    "/events", after=last, limit=limit if limit != 100 else None, stream_type=stream_type, stream=stream
                )
            ),
        }
        events = [render_event(r) for r in rows]
        headers = {"Link": f'<{links["next"].href}>; rel="next"', "Vary": "Accept"}
        return encoded(
            EventPage(count=len(events), last_position=last, links=links, embedded=EventsEmbedded(events)),
            headers=headers,
        )
