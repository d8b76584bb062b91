"""Webhook bookkeeping: each subscription's secret and cursor in the event log, and its deliveries.

A delivery row is written in the same transaction that moves the cursor past its event, so after a crash every
event a subscription matched has exactly one delivery, and the dispatcher resumes from the oldest pending one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from romas.records import field_names, record
from romas.store.eventstore import Store, Writer
from romas.store.tables import webhook_cursors, webhook_deliveries

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


@record
class Delivery:
    seq: int
    id: str
    subscription: str
    event_position: int | None
    stream: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    finished_at: datetime | None


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(**{name: row[name] for name in field_names(Delivery)})


@record
class NewDelivery:
    id: str
    event_position: int | None
    stream: str
    event_type: str


async def create_cursor(connection: AsyncConnection, subscription: str, secret: str, position: int) -> None:
    await connection.execute(
        insert(webhook_cursors).values(subscription=subscription, secret=secret, position=position)
    )


async def drop_subscription(connection: AsyncConnection, subscription: str) -> None:
    await connection.execute(delete(webhook_cursors).where(webhook_cursors.c.subscription == subscription))
    await connection.execute(delete(webhook_deliveries).where(webhook_deliveries.c.subscription == subscription))


async def cursor_of(store: Store, subscription: str) -> tuple[str, int] | None:
    """The subscription's secret and the last event position it has taken."""
    query = select(webhook_cursors.c.secret, webhook_cursors.c.position).where(
        webhook_cursors.c.subscription == subscription
    )
    async with store.reads.connect() as conn:
        row = (await conn.execute(query)).first()
    return (str(row[0]), int(row[1])) if row else None


async def enqueue(store: Store, subscription: str, seen: int, upto: int, new: list[NewDelivery], now: datetime) -> bool:
    """Move the cursor from ``seen`` to ``upto`` and add the deliveries of the events in between, atomically;
    False when another process moved it first (then nothing is added)."""
    async with store.write() as writer:
        moved = await writer.execute(
            update(webhook_cursors)
            .where(webhook_cursors.c.subscription == subscription, webhook_cursors.c.position == seen)
            .values(position=upto)
        )
        if moved.rowcount != 1:
            return False
        if new:
            await writer.execute(
                insert(webhook_deliveries),
                [
                    {
                        "id": d.id,
                        "subscription": subscription,
                        "event_position": d.event_position,
                        "stream": d.stream,
                        "event_type": d.event_type,
                        "status": PENDING,
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for d in new
                ],
            )
    return True


async def add_delivery(
    store: Store,
    subscription: str,
    new: NewDelivery,
    now: datetime,
    *,
    status: str,
    attempts: int,
    status_code: int | None,
    error: str | None,
) -> Delivery:
    """A delivery made outside the queue (a ping), recorded with its outcome."""
    async with store.write() as writer:
        await writer.execute(
            insert(webhook_deliveries).values(
                id=new.id,
                subscription=subscription,
                event_position=new.event_position,
                stream=new.stream,
                event_type=new.event_type,
                status=status,
                attempts=attempts,
                last_status_code=status_code,
                last_error=error,
                created_at=now,
                next_attempt_at=now,
                finished_at=now,
            )
        )
    found = await delivery(store, subscription, new.id)
    assert found is not None
    return found


async def oldest_pending(store: Store, subscription: str) -> Delivery | None:
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.subscription == subscription, webhook_deliveries.c.status == PENDING)
        .order_by(webhook_deliveries.c.seq)
        .limit(1)
    )
    async with store.reads.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return _delivery(row) if row else None


async def record_attempt(store: Store, delivery_id: str, **values: Any) -> None:
    async with store.write() as writer:
        await update_delivery(writer, delivery_id, **values)


async def update_delivery(writer: Writer, delivery_id: str, **values: Any) -> None:
    """A delivery's outcome, in the writer's transaction (with the subscription's disabling, when it gave up)."""
    await writer.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id).values(**values))


async def retry_failed(connection: AsyncConnection, subscription: str, now: datetime) -> None:
    """A subscription enabled again retries the deliveries that gave up."""
    await connection.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.subscription == subscription, webhook_deliveries.c.status == FAILED)
        .values(status=PENDING, next_attempt_at=now, finished_at=None)
    )


async def list_deliveries(
    store: Store, subscription: str, *, after: int | None, limit: int, status: str | None = None
) -> list[Delivery]:
    """Oldest first, paged by ``seq``."""
    query = select(webhook_deliveries).where(webhook_deliveries.c.subscription == subscription)
    if after is not None:
        query = query.where(webhook_deliveries.c.seq > after)
    if status is not None:
        query = query.where(webhook_deliveries.c.status == status)
    query = query.order_by(webhook_deliveries.c.seq).limit(limit)
    async with store.reads.connect() as conn:
        return [_delivery(r) for r in (await conn.execute(query)).mappings()]


async def delivery(store: Store, subscription: str, delivery_id: str) -> Delivery | None:
    query = select(webhook_deliveries).where(
        webhook_deliveries.c.subscription == subscription, webhook_deliveries.c.id == delivery_id
    )
    async with store.reads.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return _delivery(row) if row else None


def agent_secret_key(agent: str) -> str:
    return f"agent:{agent}"


async def set_secret(connection: AsyncConnection, key: str, secret: str) -> None:
    """Create or replace a signing secret (an external agent's)."""
    await connection.execute(delete(webhook_cursors).where(webhook_cursors.c.subscription == key))
    await create_cursor(connection, key, secret, 0)


async def secret_in(connection: AsyncConnection, key: str) -> str | None:
    query = select(webhook_cursors.c.secret).where(webhook_cursors.c.subscription == key)
    value = (await connection.execute(query)).scalar()
    return str(value) if value is not None else None
