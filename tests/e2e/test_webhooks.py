"""Webhooks against a real server: 200 changes reach a receiver that fails now and then, each in order per
resource and signed (checked with the independent ``standardwebhooks`` package), across a kill -9; a target
outside the egress rule is refused; a subscription that keeps failing is disabled and says why."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.receiver import Received, receiver
from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ENV = {"ROMAS_EGRESS_ALLOW": "127.0.0.1", "ROMAS_WEBHOOK_BACKOFF_S": "0.05", "ROMAS_WEBHOOK_MAX_ATTEMPTS": "4"}
WORKSPACES = 5
CHANGES = 200


def flaky(tried: set[str]) -> object:
    """Fail the first two requests, then the first attempt of every 7th delivery, then answer 204."""

    def decide(got: Received, count: int) -> int:
        if got.path == "/fail":
            return 500
        if count < 2 and len(tried) < 2:
            tried.add(f"start-{len(tried)}")
            return 500
        delivery = got.headers.get("webhook-id", "")
        if b'"type":"ping"' in got.body:
            return 204  # a ping is one attempt: it tells whether the receiver answers now
        if delivery not in tried and hash(delivery) % 7 == 0:
            tried.add(delivery)
            return 503
        return 204

    return decide


def change(client: httpx.Client, i: int) -> None:
    response = client.put(f"/workspaces/w{i % WORKSPACES}", json={"description": f"change {i}"})
    assert response.status_code in (200, 201), response.text


def wait_for(predicate: object, what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def test_webhooks_deliver_every_change_in_order_across_a_kill(database_url: str, tmp_path: Path) -> None:
    tried: set[str] = set()
    with receiver(flaky(tried)) as target:  # type: ignore[arg-type]
        with running_server(database_url, tmp_path, env=ENV) as server:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                refused = client.post("/subscriptions", json={"url": "http://10.1.2.3/hook"})
                assert refused.status_code == 422, refused.text
                assert refused.headers["content-type"].startswith("application/problem+json")
                refused = client.post("/subscriptions", json={"url": "http://127.0.0.2:9/hook"})
                assert refused.status_code == 422
                created = client.post("/subscriptions", json={"url": target.url + "/hook", "events": ["workspace"]})
                assert created.status_code == 201, created.text
                sub = created.json()
                assert sub["secret"].startswith("whsec_")
                assert "secret" not in client.get(created.headers["location"]).json()
                doomed = client.post("/subscriptions", json={"url": target.url + "/fail", "events": ["/workspaces/w0"]})
                assert doomed.status_code == 201
                for i in range(CHANGES // 2):
                    change(client, i)
            server.process.kill()  # kill -9: no shutdown, deliveries in flight
            server.process.wait()
        with (
            running_server(database_url, tmp_path, env=ENV) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            for i in range(CHANGES // 2, CHANGES):
                change(client, i)
            hook = Webhook(sub["secret"])

            def seen() -> dict[str, dict[str, object]]:
                firsts: dict[str, dict[str, object]] = {}
                for got in target.snapshot():
                    if got.path == "/hook" and got.headers["webhook-id"] not in firsts:
                        firsts[got.headers["webhook-id"]] = hook.verify(got.body, got.headers)
                return firsts

            # 200 changes; the first PUT of each workspace creates it, every change is one event.
            wait_for(lambda: len(seen()) >= CHANGES, "200 deliveries")
            by_stream: dict[str, list[int]] = defaultdict(list)
            for payload in seen().values():
                data = payload["data"]
                assert isinstance(data, dict)
                by_stream[data["stream"]].append(data["version"])
            assert len(by_stream) == WORKSPACES
            for versions in by_stream.values():
                assert versions == list(range(1, len(versions) + 1))
            assert sum(len(v) for v in by_stream.values()) == CHANGES

            path = created.headers["location"]
            deliveries = client.get(f"{path}/deliveries", params={"limit": 500}).json()["_embedded"]["deliveries"]
            assert len(deliveries) == CHANGES
            assert all(d["status"] == "delivered" for d in deliveries)
            assert any(d["attempts"] > 1 for d in deliveries)

            ping = client.post(f"{path}/ping")
            assert ping.status_code == 200 and ping.json()["status"] == "delivered"

            doomed_path = doomed.headers["location"]
            wait_for(lambda: client.get(doomed_path).json()["status"] == "disabled", "the failing one disabled")
            reason = client.get(doomed_path).json()["disabled_reason"]
            assert "failed 4 times" in reason and "500" in reason
            failed = client.get(f"{doomed_path}/deliveries", params={"status": "failed"}).json()
            assert failed["count"] == 1

            # PATCH and DELETE
            patched = client.patch(
                path, json={"status": "disabled"}, headers={"content-type": "application/merge-patch+json"}
            )
            assert patched.status_code == 200 and patched.json()["status"] == "disabled"
            assert client.delete(path).status_code == 204
            assert client.get(path).status_code == 404
