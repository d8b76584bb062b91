"""External agents: agents romas does not run. What is sent to one is POSTed to its ``endpoint`` (signed as
Standard Webhooks says, with the agent's secret), and it takes part through the API like any client.

Messages to an external agent stay in its inbox with the usual statuses: ``accepted`` until its endpoint
answers 2xx, then ``processed`` (a tell, achieve...) or ``delivered`` for a question (``askOne``, ``askAll``,
``askHow``) until the external system answers by posting to the asker's inbox with ``in_reply_to`` set to the
question's id: then the question is ``processed`` with that answer as its reply, and the asking agent gets the
answer as it would from a romas agent. A message its endpoint keeps refusing fails after the retries. Messages
go out one at a time in arrival order; only the process that runs the agents forwards them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import select

from romas.interop.egress import EgressRule
from romas.interop.webhooks import DeliveryPolicy, SignedPoster, post_signed
from romas.runtime.runtime import failure
from romas.store import inbox
from romas.store import webhooks as secrets
from romas.store.eventstore import RecordedEvent, Store, WriteContext, Writer
from romas.store.tables import messages, resources

log = logging.getLogger("romas.external")

EXTERNAL = "external"
QUESTIONS = frozenset({"askOne", "askAll", "askHow"})


def is_external(state: dict[str, Any]) -> bool:
    return state.get("kind") == EXTERNAL


def message_payload(row: inbox.MessageRow) -> bytes:
    return msgspec.json.encode(
        {
            "type": "message",
            "timestamp": row.accepted_at,
            "data": {
                "id": row.id,
                "agent": row.agent,
                "sender": row.sender,
                "performative": row.performative,
                "content": row.content,
                "in_reply_to": row.in_reply_to,
                "reply_to": f"/agents/{row.sender}/inbox",
                "message": inbox.message_stream(row.agent, row.id),
            },
        }
    )


async def settle_answer(writer: Writer, answerer: str, question_id: str, answer: str) -> None:
    """An external agent answered a question it was asked: the question is processed with that reply."""
    query = select(messages.c.version, messages.c.performative).where(
        messages.c.id == question_id, messages.c.agent == answerer, messages.c.status == "delivered"
    )
    row = (await writer.execute(query)).first()
    if row is None or row[1] not in QUESTIONS:
        return
    now = datetime.now(UTC)
    await inbox.change(writer, [inbox.MessageChange(question_id, answerer, int(row[0]), "processed", now, answer)])


RELIST_PAUSE_S = 0.02
"""The shortest time between two looks for external agents' messages (each commit asks for one)."""


async def external_agents(store: Store) -> dict[str, str]:
    """Every external agent and its endpoint. The forwarder asks after every commit: the database picks the
    external ones, so the other agents' states (their code) are neither sent nor decoded."""
    query = select(resources.c.name, resources.c.state).where(
        resources.c.stream_type == "agent",
        ~resources.c.deleted,
        resources.c.state["kind"].as_string() == EXTERNAL,
    )
    async with store.reads.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {str(name): str(state["endpoint"]) for name, state in rows if is_external(state)}


_EXTERNALITY = frozenset({"kind", "endpoint"})
"""The fields of an agent's state that make it external and say where its messages go."""


class ExternalForwarder(SignedPoster):
    task_name = "romas-external-agents"
    relist_pause_s = RELIST_PAUSE_S

    def __init__(self, store: Store, egress: EgressRule, policy: DeliveryPolicy, leading: Callable[[], bool]) -> None:
        super().__init__(store, egress, policy, leading)
        self._attempts: dict[str, tuple[int, float]] = {}
        """Per message: failed attempts so far and the monotonic time of the next one."""
        self._external: frozenset[str] = frozenset()
        """The external agents found by the last look."""

    def concerns(self, event: RecordedEvent) -> bool:
        """An agent's own events (it may have become external, or changed its endpoint) and messages accepted for
        an external agent. An update that changes neither (new code, a description, a state) does not: under a
        stream of deployments the external agents are not listed again after each."""
        if event.stream_type == "agent":
            data = event.data
            if event.type.endswith(".updated") and "changes" in data:
                return bool(
                    _EXTERNALITY.intersection(data["changes"]) or _EXTERNALITY.intersection(data.get("removed", ()))
                )
            return True
        return event.type == "message.accepted" and event.data.get("agent") in self._external

    async def _run(self) -> None:
        while True:
            busy = False
            seen = self.signal.latest if self.signal is not None else 0
            try:
                if self.leading():
                    found = await external_agents(self.store)
                    self._external = frozenset(found)
                    for name, endpoint in found.items():
                        busy = await self._forward(name, endpoint) or busy
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("external agents: forwarding stumbled; retrying")
            await self._pause_then_wait(seen, self.policy.backoff_s if busy else 1.0)

    async def _forward(self, agent: str, endpoint: str) -> bool:
        """Forward the agent's accepted messages in order; True when one is waiting for a retry."""
        pending = [m for m in await inbox.unfinished(self.store, agent) if m.status == "accepted"]
        if not pending:
            return False
        async with self.store.reads.connect() as conn:
            secret = await secrets.secret_in(conn, secrets.agent_secret_key(agent))
        if secret is None:
            return False
        loop = asyncio.get_running_loop()
        for message in pending:
            attempts, next_at = self._attempts.get(message.id, (0, 0.0))
            if next_at > loop.time():
                return True
            outcome = await post_signed(
                self.client(), self.egress, endpoint, secret, message.id, message_payload(message)
            )
            now = datetime.now(UTC)
            if outcome.ok:
                self._attempts.pop(message.id, None)
                status = "delivered" if message.performative in QUESTIONS else "processed"
                change = inbox.MessageChange(message.id, agent, message.version, status, now)
            elif attempts + 1 >= self.policy.max_attempts:
                self._attempts.pop(message.id, None)
                error = failure(
                    "Delivery failed",
                    f"the endpoint refused it {attempts + 1} times; last: {outcome.error}",
                    "delivery-failed",
                )
                change = inbox.MessageChange(message.id, agent, message.version, "failed", now, None, error)
            else:
                self._attempts[message.id] = (attempts + 1, loop.time() + self.policy.wait_after(attempts + 1))
                return True
            async with self.store.write(WriteContext(actor="romas")) as writer:
                await inbox.change(writer, [change])
        return False
