"""Webhooks: subscriptions (revisioned resources) and the dispatcher that POSTs every matching event to them,
signed as the Standard Webhooks specification says.

Each subscription takes events from the log past its cursor, turns them into delivery rows (same transaction as
the cursor moves) and delivers those strictly one after another, oldest first: so events reach the receiver in
log order (hence in order per resource), a failing delivery is retried with exponential backoff before the next
one goes, and a restart resumes from the oldest pending delivery (at least once; the ``webhook-id`` stays the
same across retries so a receiver can drop duplicates). A delivery that fails ``max_attempts`` times disables its
subscription, with the reason in the subscription's state. Only the process that runs the agents delivers.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from romas.interop.a2a import TASK_STATES
from romas.interop.egress import EgressRefused, EgressRule
from romas.runtime.ids import new_id
from romas.store import webhooks as queue
from romas.store.eventstore import Change, RecordedEvent, ResourceRow, Store, WriteContext, Writer
from romas.store.notify import CommitSignal

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("romas.webhooks")

STREAM_TYPE = "subscription"
COLLECTION = "/subscriptions"
SECRET_PREFIX = "whsec_"


def subscription_path(subscription_id: str) -> str:
    return f"{COLLECTION}/{subscription_id}"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(24)).decode()


def check_secret(secret: str) -> str | None:
    """Why ``secret`` cannot sign (None when it can): ``whsec_`` then base64 of 24 to 64 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return f"a secret starts with {SECRET_PREFIX!r} (then base64 of 24 to 64 random bytes)"
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return "the secret after 'whsec_' is not base64"
    if not 24 <= len(key) <= 64:
        return "the secret must encode 24 to 64 bytes"
    return None


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: ``v1,`` + base64(HMAC-SHA256(key, "id.timestamp.body"))."""
    key = base64.b64decode(secret[len(SECRET_PREFIX) :])
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "user-agent": "romas-webhooks",
    }


def matches(selectors: list[str], event: RecordedEvent) -> bool:
    """A selector is a stream type (``message``) or a resource path, which also takes the resources under it
    (``/agents/alice`` takes her inbox). No selector takes every event except the subscriptions' own."""
    if not selectors:
        return event.stream_type != STREAM_TYPE
    for selector in selectors:
        if selector.startswith("/"):
            if event.stream_id == selector or event.stream_id.startswith(selector.rstrip("/") + "/"):
                return True
        elif event.stream_type == selector:
            return True
    return False


def event_payload(event: RecordedEvent) -> bytes:
    """The body of a delivery: Standard Webhooks' ``type``/``timestamp``/``data`` envelope around the event."""
    return msgspec.json.encode(
        {
            "type": f"{event.stream_type}.{event.type}",
            "timestamp": event.recorded_at,
            "data": {
                "position": event.position,
                "stream_type": event.stream_type,
                "stream": event.stream_id,
                "version": event.version,
                "type": event.type,
                "data": event.data,
                "metadata": event.metadata,
                "recorded_at": event.recorded_at,
            },
        }
    )


def a2a_push_payload(event: RecordedEvent) -> bytes:
    """An A2A push notification: a ``statusUpdate`` StreamResponse for a change of the task's message."""
    data = event.data
    status: dict[str, Any] = {
        "state": TASK_STATES.get(str(data.get("status")), "TASK_STATE_WORKING"),
        "timestamp": event.recorded_at,
    }
    text = data.get("reply") or (data.get("error") or {}).get("detail")
    if text:
        status["message"] = {
            "messageId": f"{data.get('id')}-{event.version}",
            "role": "ROLE_AGENT",
            "parts": [{"text": str(text)}],
        }
    task_id = str(data.get("id", event.stream_id.rsplit("/", 1)[-1]))
    return msgspec.json.encode({"statusUpdate": {"taskId": task_id, "contextId": task_id, "status": status}})


def ping_payload(subscription_id: str, now: datetime) -> bytes:
    return msgspec.json.encode(
        {"type": "ping", "timestamp": now, "data": {"subscription": subscription_path(subscription_id)}}
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    ok: bool
    status_code: int | None
    error: str | None


async def post_signed(
    client: httpx.AsyncClient,
    egress: EgressRule,
    url: str,
    secret: str,
    message_id: str,
    body: bytes,
    extra_headers: dict[str, str] | None = None,
) -> Attempt:
    """One signed POST; any 2xx is success, anything else (or no answer) a failure with its reason."""
    import httpx

    try:
        await egress.check(url)
    except EgressRefused as exc:
        return Attempt(False, None, str(exc))
    try:
        headers = {**signed_headers(secret, message_id, body), **(extra_headers or {})}
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Attempt(True, response.status_code, None)
    return Attempt(False, response.status_code, f"the receiver answered {response.status_code}")


# -- the subscription resource -------------------------------------------------------------------------------


def subscription_state(
    subscription_id: str,
    url: str,
    events: list[str],
    description: str,
    created_at: datetime,
    *,
    enabled: bool = True,
    disabled_reason: str | None = None,
) -> dict[str, Any]:
    return {
        "id": subscription_id,
        "url": url,
        "events": events,
        "description": description,
        "status": "enabled" if enabled else "disabled",
        "disabled_reason": disabled_reason,
        "created_at": created_at.isoformat(),
    }


async def record_subscription(
    writer: Writer, row: ResourceRow | None, state: dict[str, Any], event_type: str, summary: str
) -> ResourceRow:
    subscription_id = state["id"]
    before = row.state if row is not None and not row.deleted else {}
    written, _ = await writer.record(
        Change(
            stream_id=subscription_path(subscription_id),
            stream_type=STREAM_TYPE,
            parent=COLLECTION,
            name=subscription_id,
            expected_revision=row.revision if row is not None else 0,
            event_type=event_type,
            data={k: v for k, v in state.items() if before.get(k) != v},
            state=state,
            summary=summary,
            changed=tuple(sorted(k for k, v in state.items() if before.get(k) != v)),
            deleted=event_type == "SubscriptionDeleted",
        )
    )
    return written


async def give_up(store: Store, subscription_id: str, delivery_id: str, reason: str, **outcome: Any) -> None:
    """A delivery failed for the last time: it is marked failed and its subscription disabled in one transaction,
    so a crash between the two cannot leave the subscription enabled to deliver (and fail) the next one."""
    async with store.write(WriteContext(actor="romas")) as writer:
        await queue.update_delivery(writer, delivery_id, status=queue.FAILED, **outcome)
        row = await writer.current(subscription_path(subscription_id))
        if row is None or row.deleted or row.state.get("status") != "enabled":
            return
        state = {**row.state, "status": "disabled", "disabled_reason": reason}
        await record_subscription(writer, row, state, "SubscriptionDisabled", f"disabled: {reason}")


# -- the dispatcher ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    backoff_s: float = 1.0
    """The wait before the second attempt; it doubles after each failure, up to ``max_backoff_s``."""
    max_backoff_s: float = 300.0
    max_attempts: int = 10
    """Attempts at one delivery before the subscription is disabled."""
    timeout_s: float = 10.0

    def wait_after(self, attempts: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * 2 ** max(0, attempts - 1)))


RELIST_PAUSE_S = 0.05
"""The shortest time between two listings (each commit asks for one)."""


class SignedPoster:
    """What the webhook dispatcher and the external agents' forwarder share: their settings, an HTTP client open
    from start to stop, their tasks, and waiting for the next commit that concerns them (or a while).

    Given the runtime's ``watchers`` (the events its follower reads, from every process), a poller looks again only
    when an event it :meth:`concerns` itself with committed: under a stream of inbox messages the subscriptions and
    the external agents are not listed again after every commit. Without them, every commit wakes it."""

    task_name = "romas-poster"
    relist_pause_s = RELIST_PAUSE_S

    def __init__(self, store: Store, egress: EgressRule, policy: DeliveryPolicy, leading: Callable[[], bool]) -> None:
        self.store = store
        self.egress = egress
        self.policy = policy
        self.leading = leading
        self.signal: CommitSignal | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._watchers: list[Callable[[list[RecordedEvent]], None]] | None = None
        self._stale = asyncio.Event()
        """Set when an event this poller cares about committed since it last looked."""

    async def start(
        self, signal: CommitSignal, watchers: list[Callable[[list[RecordedEvent]], None]] | None = None
    ) -> None:
        self.signal = signal
        if watchers is not None:
            self._watchers = watchers
            watchers.append(self._on_events)
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    def client(self) -> httpx.AsyncClient:
        """Made for the first post: most servers never post, and httpx and its TLS set-up cost a start CPU."""
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=self.policy.timeout_s, follow_redirects=False)
        return self._client

    def _tasks(self) -> list[asyncio.Task[None]]:
        return [self._task] if self._task is not None else []

    async def stop(self) -> None:
        if self._watchers is not None and self._on_events in self._watchers:
            self._watchers.remove(self._on_events)
        tasks = self._tasks()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()

    def concerns(self, event: RecordedEvent) -> bool:
        """Whether this event may change what the poller would find (every event, unless a subclass knows)."""
        return True

    def _on_events(self, events: list[RecordedEvent]) -> None:
        if not self._stale.is_set() and any(self.concerns(event) for event in events):
            self._stale.set()

    async def _wait(self, seen: int, seconds: float) -> None:
        if self.signal is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.signal.wait_past(seen)

    async def _pause_then_wait(self, seen: int, seconds: float) -> None:
        """Every commit (or, with the runtime's watchers, every commit that concerns this poller) wakes the loop;
        under a stream of them, look at most every RELIST_PAUSE_S (what committed meanwhile is past ``seen``, or
        set ``_stale`` again, so it is looked at right after the pause)."""
        if self.signal is not None:
            await asyncio.sleep(self.relist_pause_s)
        if self._watchers is None:
            await self._wait(seen, seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stale.wait()
        self._stale.clear()  # before the look: what commits during it sets it again

    async def _run(self) -> None:
        raise NotImplementedError


class WebhookDispatcher(SignedPoster):
    """Runs one delivery loop per enabled subscription, while this process leads."""

    task_name = "romas-webhooks"

    def __init__(self, store: Store, egress: EgressRule, policy: DeliveryPolicy, leading: Callable[[], bool]) -> None:
        super().__init__(store, egress, policy, leading)
        self._loops: dict[str, asyncio.Task[None]] = {}

    def _tasks(self) -> list[asyncio.Task[None]]:
        return [*super()._tasks(), *self._loops.values()]

    def concerns(self, event: RecordedEvent) -> bool:
        """Only a subscription's own events change which subscriptions are enabled."""
        return event.stream_type == STREAM_TYPE

    async def stop(self) -> None:
        await super().stop()
        self._loops.clear()

    async def _run(self) -> None:
        while True:
            seen = self.signal.latest if self.signal else 0
            try:
                enabled: set[str] = set()
                if self.leading():
                    rows = await self.store.list_current(STREAM_TYPE, COLLECTION, after=None, limit=100_000)
                    enabled = {r.name for r in rows if r.state.get("status") == "enabled"}
                for name in list(self._loops):
                    if name not in enabled or self._loops[name].done():
                        self._loops.pop(name).cancel()
                for name in enabled - set(self._loops):
                    self._loops[name] = asyncio.create_task(self._serve(name), name=f"romas-webhook-{name}")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhooks: listing subscriptions failed")
            await self._pause_then_wait(seen, 1.0)

    async def _serve(self, subscription_id: str) -> None:
        while True:
            try:
                if not await self._step(subscription_id):
                    return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhooks: subscription %s stumbled; retrying", subscription_id)
                await asyncio.sleep(1.0)

    async def _step(self, subscription_id: str) -> bool:
        """Take new events, then make one attempt at the oldest pending delivery; False once disabled."""
        row = await self.store.current(subscription_path(subscription_id))
        if row is None or row.deleted or row.state.get("status") != "enabled":
            return False
        cursor = await queue.cursor_of(self.store, subscription_id)
        if cursor is None:
            return False
        secret, seen = cursor
        await self._take(subscription_id, row.state.get("events") or [], seen)
        pending = await queue.oldest_pending(self.store, subscription_id)
        if pending is None:
            latest = await queue.cursor_of(self.store, subscription_id)
            await self._wait(latest[1] if latest else seen, 1.0)
            return True
        delay = (pending.next_attempt_at - datetime.now(UTC)).total_seconds()
        if delay > 0:
            await asyncio.sleep(min(delay, 1.0))
            return True
        await self._attempt(subscription_id, row.state, secret, pending)
        return True

    async def _take(self, subscription_id: str, selectors: list[str], seen: int) -> None:
        batch = await self.store.read_events(after=seen, limit=500)
        if not batch:
            return
        new = [queue.NewDelivery(new_id(), e.position, e.stream_id, e.type) for e in batch if matches(selectors, e)]
        await queue.enqueue(self.store, subscription_id, seen, batch[-1].position, new, datetime.now(UTC))

    async def _attempt(self, subscription_id: str, state: dict[str, Any], secret: str, pending: queue.Delivery) -> None:
        body: bytes
        if pending.event_position is None:
            body = ping_payload(subscription_id, pending.created_at)
        else:
            found = await self.store.read_events(after=pending.event_position - 1, limit=1)
            if not found or found[0].position != pending.event_position:
                await queue.record_attempt(
                    self.store,
                    pending.id,
                    status=queue.FAILED,
                    last_error="the event is gone",
                    finished_at=datetime.now(UTC),
                )
                return
            push = state.get("a2a_push")
            body = a2a_push_payload(found[0]) if isinstance(push, dict) else event_payload(found[0])
        push = state.get("a2a_push")
        token = push.get("token") if isinstance(push, dict) else None
        extra = {"X-A2A-Notification-Token": str(token)} if token else None
        outcome = await post_signed(self.client(), self.egress, state["url"], secret, pending.id, body, extra)
        attempts = pending.attempts + 1
        now = datetime.now(UTC)
        if outcome.ok:
            await queue.record_attempt(
                self.store,
                pending.id,
                status=queue.DELIVERED,
                attempts=attempts,
                last_status_code=outcome.status_code,
                last_error=None,
                finished_at=now,
            )
            return
        if attempts >= self.policy.max_attempts:
            await give_up(
                self.store,
                subscription_id,
                pending.id,
                f"delivery {pending.id} failed {attempts} times; last: {outcome.error}",
                attempts=attempts,
                last_status_code=outcome.status_code,
                last_error=outcome.error,
                finished_at=now,
            )
            return
        await queue.record_attempt(
            self.store,
            pending.id,
            attempts=attempts,
            last_status_code=outcome.status_code,
            last_error=outcome.error,
            next_attempt_at=now + timedelta(seconds=self.policy.wait_after(attempts)),
        )
