"""The external agents' forwarder looks for them again only after events that may change them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from romas.interop.egress import EgressRule
from romas.interop.external import ExternalForwarder
from romas.interop.webhooks import DeliveryPolicy
from romas.store.eventstore import RecordedEvent, Store


def event(event_type: str, data: dict[str, Any], stream_type: str = "agent") -> RecordedEvent:
    return RecordedEvent(1, stream_type, "/agents/bob", 2, event_type, data, {}, datetime.now(UTC))


def test_only_events_that_may_change_the_external_agents_concern_the_forwarder() -> None:
    # concerns() reads nothing: no store is needed to ask it
    forwarder = ExternalForwarder(cast(Store, None), EgressRule(), DeliveryPolicy(), lambda: True)
    assert not forwarder.concerns(event("agent.updated", {"changes": {"code": "a.", "code_revision": 2}}))
    assert not forwarder.concerns(event("agent.updated", {"changes": {"state": "stopped", "description": "x"}}))
    assert forwarder.concerns(event("agent.updated", {"changes": {"kind": "external", "endpoint": "http://x"}}))
    assert forwarder.concerns(event("agent.updated", {"changes": {"endpoint": "http://y"}}))
    assert forwarder.concerns(event("agent.updated", {"changes": {"code": "a."}, "removed": ["kind", "endpoint"]}))
    assert forwarder.concerns(event("agent.created", {"state": {"code": "a.", "state": "running"}}))
    assert forwarder.concerns(event("agent.restored", {"from_revision": 1, "state": {"code": "a."}}))
    assert forwarder.concerns(event("agent.deleted", {}))
    assert not forwarder.concerns(event("message.accepted", {"agent": "bob"}, stream_type="message"))
