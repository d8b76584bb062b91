"""An external agent against a real server: romas POSTs what is sent to it to its endpoint (a local receiver),
signed; a romas agent's askOne gets the answer the external system posts back through the API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.receiver import Received, receiver
from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e]
ENV = {"ROMAS_EGRESS_ALLOW": "127.0.0.1", "ROMAS_WEBHOOK_BACKOFF_S": "0.05"}


def until(predicate: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def test_a_romas_agent_asks_an_external_agent(database_url: str, tmp_path: Path) -> None:
    refusals: list[str] = []

    def decide(got: Received, count: int) -> int:
        """Refuse the first request once, so the first message goes through a retry."""
        if not refusals:
            refusals.append(got.path)
            return 503
        return 200

    with (
        receiver(decide) as target,
        running_server(database_url, tmp_path, env=ENV) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        refused = client.put("/agents/oracle", json={"kind": "external", "endpoint": "http://192.168.7.7/in"})
        assert refused.status_code == 422, refused.text
        created = client.put("/agents/oracle", json={"kind": "external", "endpoint": target.url + "/oracle"})
        assert created.status_code == 201, created.text
        assert created.json()["kind"] == "external"
        secret = created.headers["webhook-secret"]
        assert client.put("/agents/alice", json={"code": ""}).status_code == 201

        command = client.post("/agents/alice/commands", json={"body": ".send(oracle, askOne, temperature(T), A)"})
        assert command.status_code == 202, command.text
        until(lambda: len(target.snapshot()) >= 1, "the question at the endpoint")
        got = target.snapshot()[0]
        question = Webhook(secret).verify(got.body, got.headers)["data"]
        assert question["performative"] == "askOne" and question["content"] == "temperature(T)"
        assert question["sender"] == "alice" and question["reply_to"] == "/agents/alice/inbox"
        inbox = f"/agents/oracle/inbox/{question['id']}"
        until(lambda: client.get(inbox).json()["status"] == "delivered", "the question delivered")

        answer = client.post(
            "/agents/alice/inbox",
            json={
                "performative": "tell",
                "content": "temperature(21)",
                "in_reply_to": question["id"],
                "sender": "oracle",
            },
        )
        assert answer.status_code == 202, answer.text
        location = command.headers["location"]
        until(
            lambda: (
                client.get(location).json()["status"] != "running" and client.get(location).json()["status"] != "queued"
            ),
            "the command",
        )
        result = client.get(location).json()
        assert result["status"] == "succeeded", result
        assert result["result"]["bindings"]["A"] == "temperature(21)[source(oracle)]"  # as Jason: the answerer
        settled = client.get(f"/agents/oracle/inbox/{question['id']}").json()
        assert settled["status"] == "processed" and settled["reply"] == "temperature(21)"

        told = client.post(
            "/agents/alice/commands", json={"body": ".send(oracle, tell, hello)"}, headers={"Prefer": "wait=10"}
        )
        assert told.json()["status"] == "succeeded"
        until(lambda: len(target.snapshot()) >= 2, "the tell at the endpoint")
        tell = json.loads(target.snapshot()[1].body)["data"]
        assert tell["performative"] == "tell" and tell["content"] == "hello"
        until(lambda: client.get(f"/agents/oracle/inbox/{tell['id']}").json()["status"] == "processed", "the tell")
