"""Deliveries are signed so that the independent ``standardwebhooks`` implementation accepts them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from romas.interop.webhooks import check_secret, matches, new_secret, signed_headers
from romas.store.eventstore import RecordedEvent


def test_signature_verifies_with_standardwebhooks() -> None:
    secret = new_secret()
    assert check_secret(secret) is None
    body = b'{"type":"ping"}'
    headers = signed_headers(secret, "msg_1", body)
    assert Webhook(secret).verify(body, headers) == {"type": "ping"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"type":"pong"}', headers)


@pytest.mark.parametrize("secret", ["plain", "whsec_not base64!", "whsec_AAAA"])
def test_bad_secrets_are_explained(secret: str) -> None:
    assert check_secret(secret) is not None


def _event(stream_type: str, stream: str) -> RecordedEvent:
    return RecordedEvent(1, stream_type, stream, 1, "X", {}, {}, datetime.now(UTC))


def test_selectors() -> None:
    inbox = _event("message", "/agents/alice/inbox/01")
    assert matches([], inbox)
    assert matches(["message"], inbox)
    assert matches(["/agents/alice"], inbox)
    assert not matches(["/agents/al"], inbox)
    assert not matches(["agent"], inbox)
    assert not matches([], _event("subscription", "/subscriptions/x"))
