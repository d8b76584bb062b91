"""``/subscriptions``: webhooks. A subscription names a URL and the events it wants (stream types or resource
paths); romas POSTs each matching event there, signed as Standard Webhooks says, and records every delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import JSONBody, Parameter

from romas.api.conditional import etag
from romas.api.deps import ServicesDep
from romas.api.hal import Link, link, with_query
from romas.api.media import HAL_JSON
from romas.api.openapi_docs import NoContentOperation
from romas.api.problems import ProblemError, problem_specs
from romas.api.schemas import Limit
from romas.api.views import encoded
from romas.api.writes import Reply, perform
from romas.interop import webhooks
from romas.interop.egress import EgressRefused, EgressRule
from romas.runtime.ids import ID_PATTERN, new_id
from romas.store import webhooks as queue
from romas.store.eventstore import ResourceRow, Writer

Selector = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=r"^(/[A-Za-z0-9_.~/-]*|[a-z_]+)$")]
Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
SubscriptionId = Annotated[str, Parameter(pattern=ID_PATTERN, description="A subscription's id.")]


class SubscriptionInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Url
    """Where to POST; it must pass the egress rule (``ROMAS_EGRESS_ALLOW``)."""
    events: list[Selector] = msgspec.field(default_factory=list)
    """Stream types (``message``, ``agent``...) or resource paths (``/agents/alice`` and what is under it);
    empty: every event."""
    secret: str | None = None
    """``whsec_`` + base64 of 24 to 64 bytes; romas makes one when absent. Shown only in this answer."""
    description: Annotated[str, msgspec.Meta(max_length=500)] = ""


class SubscriptionPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Url | None = None
    events: list[Selector] | None = None
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    status: Literal["enabled", "disabled"] | None = None
    """``enabled`` turns a disabled subscription on again and retries the deliveries that gave up."""


class Subscription(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    url: str
    events: list[str]
    description: str
    status: str
    disabled_reason: str | None
    created_at: str
    revision: int
    secret: str | None = None
    links: dict[str, Link] = msgspec.field(name="_links")


class SubscriptionsEmbedded(msgspec.Struct):
    subscriptions: list[Subscription]


class SubscriptionList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: SubscriptionsEmbedded = msgspec.field(name="_embedded")


class Delivery(msgspec.Struct, kw_only=True):
    id: str
    event_type: str
    stream: str
    event_position: int | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    links: dict[str, Link] = msgspec.field(name="_links")


class DeliveriesEmbedded(msgspec.Struct):
    deliveries: list[Delivery]


class DeliveryList(msgspec.Struct, kw_only=True):
    count: int
    links: dict[str, Link] = msgspec.field(name="_links")
    embedded: DeliveriesEmbedded = msgspec.field(name="_embedded")


def _links(subscription_id: str) -> dict[str, Link]:
    path = webhooks.subscription_path(subscription_id)
    return {
        "self": link(path),
        "collection": link(webhooks.COLLECTION),
        "deliveries": link(f"{path}/deliveries"),
        "ping": link(f"{path}/ping", title="POST to send a signed ping"),
        "history": link(with_query("/events", stream=path)),
    }


def render(row: ResourceRow, secret: str | None = None) -> Subscription:
    s = row.state
    return Subscription(
        id=s["id"],
        url=s["url"],
        events=list(s["events"]),
        description=s["description"],
        status=s["status"],
        disabled_reason=s.get("disabled_reason"),
        created_at=s["created_at"],
        revision=row.revision,
        secret=secret,
        links=_links(s["id"]),
    )


def render_delivery(d: queue.Delivery) -> Delivery:
    path = f"{webhooks.subscription_path(d.subscription)}/deliveries/{d.id}"
    links = {"self": link(path), "subscription": link(webhooks.subscription_path(d.subscription))}
    if d.stream.startswith("/"):
        links["resource"] = link(d.stream)
    return Delivery(
        id=d.id,
        event_type=d.event_type,
        stream=d.stream,
        event_position=d.event_position,
        status=d.status,
        attempts=d.attempts,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at if d.status == queue.PENDING else None,
        finished_at=d.finished_at,
        links=links,
    )


def egress_rule(request: Request[Any, Any, Any]) -> EgressRule:
    return EgressRule.parse(request.app.state.settings.egress_allow)


async def _check_url(request: Request[Any, Any, Any], url: str) -> None:
    try:
        await egress_rule(request).check(url)
    except EgressRefused as exc:
        raise ProblemError(422, "egress-refused", str(exc)) from None


async def _live(writer: Writer, subscription_id: str) -> ResourceRow:
    row = await writer.current(webhooks.subscription_path(subscription_id))
    if row is None or row.deleted:
        raise ProblemError(404, "not-found", f"no subscription {subscription_id}")
    return row


def _check_if_match(request: Request[Any, Any, Any], row: ResourceRow) -> None:
    wanted = request.headers.get("if-match")
    if wanted is not None and wanted.strip() not in ("*", etag(row.revision)):
        raise ProblemError(412, "precondition-failed", f"the subscription is at revision {row.revision}")


class SubscriptionController(Controller):
    path = webhooks.COLLECTION
    tags = ["subscriptions"]

    @post(
        "/",
        media_type=HAL_JSON,
        summary="Subscribe a URL to events (webhooks signed as Standard Webhooks)",
        status_code=201,
        responses=problem_specs(400, 415, 422),
    )
    async def create(
        self, request: Request[Any, Any, Any], services: ServicesDep, data: JSONBody[SubscriptionInput]
    ) -> Response[Any]:
        await _check_url(request, data.url)
        if data.secret is not None and (why := webhooks.check_secret(data.secret)) is not None:
            raise ProblemError(422, "invalid-content", why)
        secret = data.secret or webhooks.new_secret()
        subscription_id = new_id()

        async def operation(writer: Writer) -> Reply:
            state = webhooks.subscription_state(
                subscription_id, data.url, list(data.events), data.description, datetime.now(UTC)
            )
            row = await webhooks.record_subscription(
                writer, None, state, "SubscriptionCreated", f"subscribed {data.url}"
            )
            # Events from now on: the cursor starts at the end of the log as this transaction sees it.
            position = writer.recorded[-1].position
            await queue.create_cursor(await writer.connection(), subscription_id, secret, position)
            path = webhooks.subscription_path(subscription_id)
            body = msgspec.json.encode(render(row, secret))
            return Reply(201, body, headers={"Location": path, "ETag": etag(row.revision)})

        return await perform(request, services, operation)

    @get("/", summary="The subscriptions", media_type=HAL_JSON, responses=problem_specs(400))
    async def list_subscriptions(self, services: ServicesDep) -> Response[Any]:
        rows = await services.store.list_current(webhooks.STREAM_TYPE, webhooks.COLLECTION, after=None, limit=10_000)
        items = [render(r) for r in rows]
        return encoded(
            SubscriptionList(
                count=len(items),
                links={"self": link(webhooks.COLLECTION)},
                embedded=SubscriptionsEmbedded(items),
            )
        )

    @get(
        "/{subscription_id:str}",
        media_type=HAL_JSON,
        summary="A subscription: its target, filters and status",
        responses=problem_specs(400, 404),
    )
    async def read(self, services: ServicesDep, subscription_id: SubscriptionId) -> Response[Any]:
        row = await services.store.current(webhooks.subscription_path(subscription_id))
        if row is None or row.deleted:
            raise ProblemError(404, "not-found", f"no subscription {subscription_id}")
        return encoded(render(row), headers={"ETag": etag(row.revision)})

    @patch(
        "/{subscription_id:str}",
        media_type=HAL_JSON,
        summary="Change a subscription, or disable or enable it again",
        responses=problem_specs(400, 404, 409, 412, 415, 422),
    )
    async def change(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        subscription_id: SubscriptionId,
        data: JSONBody[SubscriptionPatch],
    ) -> Response[Any]:
        if data.url is not None:
            await _check_url(request, data.url)

        async def operation(writer: Writer) -> Reply:
            row = await _live(writer, subscription_id)
            _check_if_match(request, row)
            state = dict(row.state)
            if data.url is not None:
                state["url"] = data.url
            if data.events is not None:
                state["events"] = list(data.events)
            if data.description is not None:
                state["description"] = data.description
            if data.status is not None:
                state["status"] = data.status
                if data.status == "enabled":
                    state["disabled_reason"] = None
                    if row.state.get("status") != "enabled":
                        await queue.retry_failed(await writer.connection(), subscription_id, datetime.now(UTC))
                elif row.state.get("status") == "enabled":
                    state["disabled_reason"] = f"disabled by {writer.context.actor}"
            if state == row.state:
                return Reply(200, msgspec.json.encode(render(row)), headers={"ETag": etag(row.revision)})
            new = await webhooks.record_subscription(writer, row, state, "SubscriptionChanged", "changed")
            return Reply(200, msgspec.json.encode(render(new)), headers={"ETag": etag(new.revision)})

        return await perform(request, services, operation)

    @delete(
        "/{subscription_id:str}",
        operation_class=NoContentOperation,
        summary="Unsubscribe; pending deliveries are dropped",
        status_code=204,
        responses=problem_specs(400, 404, 409, 412),
    )
    async def remove(
        self, request: Request[Any, Any, Any], services: ServicesDep, subscription_id: SubscriptionId
    ) -> Response[None]:
        async def operation(writer: Writer) -> Reply:
            row = await _live(writer, subscription_id)
            _check_if_match(request, row)
            await webhooks.record_subscription(writer, row, row.state, "SubscriptionDeleted", "unsubscribed")
            await queue.drop_subscription(await writer.connection(), subscription_id)
            return Reply(204, b"")

        response: Response[None] = await perform(request, services, operation)
        return response

    @post(
        "/{subscription_id:str}/ping",
        media_type=HAL_JSON,
        summary="Send one signed ping now and answer with its delivery",
        status_code=200,
        responses=problem_specs(400, 404),
    )
    async def ping(
        self, request: Request[Any, Any, Any], services: ServicesDep, subscription_id: SubscriptionId
    ) -> Response[Any]:
        path = webhooks.subscription_path(subscription_id)
        row = await services.store.current(path)
        cursor = await queue.cursor_of(services.store, subscription_id)
        if row is None or row.deleted or cursor is None:
            raise ProblemError(404, "not-found", f"no subscription {subscription_id}")
        now = datetime.now(UTC)
        delivery_id = new_id()
        import httpx  # here: a server that is never asked to ping does not import it

        async with httpx.AsyncClient(timeout=10.0) as client:
            outcome = await webhooks.post_signed(
                client,
                egress_rule(request),
                row.state["url"],
                cursor[0],
                delivery_id,
                webhooks.ping_payload(subscription_id, now),
            )
        recorded = await queue.add_delivery(
            services.store,
            subscription_id,
            queue.NewDelivery(delivery_id, None, path, "ping"),
            now,
            status=queue.DELIVERED if outcome.ok else queue.FAILED,
            attempts=1,
            status_code=outcome.status_code,
            error=outcome.error,
        )
        return encoded(render_delivery(recorded))

    @get(
        "/{subscription_id:str}/deliveries",
        media_type=HAL_JSON,
        summary="A subscription's deliveries, oldest first",
        responses=problem_specs(400, 404),
    )
    async def deliveries(
        self,
        services: ServicesDep,
        subscription_id: SubscriptionId,
        after: Annotated[
            int | None,
            # Litestar leaves ge=0 out of the OpenAPI schema (0 is falsy); schema_extra states it.
            Parameter(ge=0, le=2**62, description="Deliveries after this sequence number", schema_extra={"minimum": 0}),
        ] = None,
        status: Annotated[Literal["pending", "delivered", "failed"] | None, Parameter(description="Only these")] = None,
        limit: Limit = 100,
    ) -> Response[Any]:
        path = webhooks.subscription_path(subscription_id)
        if await queue.cursor_of(services.store, subscription_id) is None:
            raise ProblemError(404, "not-found", f"no subscription {subscription_id}")
        rows = await queue.list_deliveries(services.store, subscription_id, after=after, limit=limit, status=status)
        links = {"self": link(with_query(f"{path}/deliveries", after=after, status=status)), "subscription": link(path)}
        if len(rows) == limit:
            links["next"] = link(with_query(f"{path}/deliveries", after=rows[-1].seq, status=status, limit=limit))
        items = [render_delivery(d) for d in rows]
        return encoded(DeliveryList(count=len(items), links=links, embedded=DeliveriesEmbedded(items)))

    @get(
        "/{subscription_id:str}/deliveries/{delivery_id:str}",
        media_type=HAL_JSON,
        summary="One delivery: its status and attempts",
        responses=problem_specs(400, 404),
    )
    async def one_delivery(
        self,
        services: ServicesDep,
        subscription_id: SubscriptionId,
        delivery_id: Annotated[str, Parameter(pattern=ID_PATTERN)],
    ) -> Response[Any]:
        found = await queue.delivery(services.store, subscription_id, delivery_id)
        if found is None:
            raise ProblemError(404, "not-found", f"no delivery {delivery_id}")
        return encoded(render_delivery(found))
