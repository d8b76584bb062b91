"""The webhook dispatcher's last attempt at a delivery: the delivery marked failed and its subscription disabled in
one transaction, so a crash between the two cannot leave the subscription delivering (and failing) the next one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from romas.interop import webhooks
from romas.interop.egress import EgressRule
from romas.store import webhooks as queue
from romas.store.eventstore import Store, WriteContext

pytestmark = pytest.mark.anyio


async def test_the_last_failed_attempt_and_the_disabling_commit_together(store: Store) -> None:
    now = datetime.now(UTC)
    state = webhooks.subscription_state("s1", "http://127.0.0.1:9/hook", ["workspace"], "", now)
    secret = webhooks.new_secret()
    async with store.write(WriteContext(actor="test")) as writer:
        await webhooks.record_subscription(writer, None, state, "SubscriptionCreated", "subscribed")
        await queue.create_cursor(await writer.connection(), "s1", secret, 0)
    await queue.add_delivery(
        store,
        "s1",
        queue.NewDelivery("d1", None, "/subscriptions/s1", "ping"),
        now,
        status=queue.PENDING,
        attempts=3,
        status_code=500,
        error="boom",
    )
    pending = await queue.oldest_pending(store, "s1")
    assert pending is not None and pending.id == "d1"
    dispatcher = webhooks.WebhookDispatcher(
        store, EgressRule(), webhooks.DeliveryPolicy(max_attempts=4), lambda: True
    )  # 127.0.0.1 is not allowed out: the attempt fails without a request
    batches = store.group_commit._batches
    try:
        await dispatcher._attempt("s1", state, secret, pending)
    finally:
        await dispatcher.stop()
    assert store.group_commit._batches == batches + 1  # one transaction for both
    (delivery,) = await queue.list_deliveries(store, "s1", after=None, limit=10)
    assert (delivery.status, delivery.attempts) == (queue.FAILED, 4)
    row = await store.current(webhooks.subscription_path("s1"))
    assert row is not None and row.state["status"] == "disabled"
    assert "delivery d1 failed 4 times" in row.state["disabled_reason"]
