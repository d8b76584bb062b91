"""Helpers of the bridge end-to-end tests: a server that may reach 127.0.0.1, and waiting for an agent."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import ServerProcess, running_server

WAIT = {"Prefer": "wait=15"}


@contextmanager
def bridge_server(database_url: str, workdir: Path, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    with running_server(database_url, workdir, env={"ROMAS_EGRESS_ALLOW": "127.0.0.1", **(env or {})}) as server:
        yield server


def operate(client: httpx.Client, artefact: str, op: str, *args: Any, ws: str = "w") -> dict[str, Any]:
    answer = client.post(
        f"/workspaces/{ws}/artefacts/{artefact}/operations/{op}", json={"args": list(args)}, headers=WAIT
    )
    assert answer.status_code in (200, 202), answer.text
    body: dict[str, Any] = answer.json()
    return body


def beliefs(client: httpx.Client, agent: str) -> list[str]:
    return [b["text"] for b in client.get(f"/agents/{agent}/mind").json()["beliefs"]]


def eventually(check: Callable[[], bool], what: str, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen in time: {what}")
        time.sleep(0.2)


def has_belief(client: httpx.Client, agent: str, belief: str) -> bool:
    """The agent believes ``belief`` (with whatever annotations)."""
    return any(b.startswith(belief + "[") for b in beliefs(client, agent))


LISTENER = "+message(C, D)[artefact(ears)] <- +got(C, D).\n"


def agents_and_outsiders_talk(
    server: ServerProcess,
    kind: str,
    listen: str,
    publish: str,
    outside: Callable[[str], Awaitable[None]],
) -> None:
    """The scenario every message-bus bridge passes: one agent publishes through an artefact ``mouth`` (the
    command ``publish``, with ``{channel}`` in it), another hears it through ``ears`` (its operation ``listen``),
    then an outside client (``outside(channel)``) publishes ``{"loaves": 3}`` and the agent hears that too. Its
    agents and artefacts are not those of ``brokers.down_and_back``: the two scenarios can share a server."""
    channel = f"c{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.put("/workspaces/w", json={})
        for name in ("mouth", "ears"):
            assert client.put(f"/workspaces/w/artefacts/{name}", json={"type": kind, "properties": {}}).is_success
        assert operate(client, "ears", listen, channel)["status"] == "succeeded"
        client.put("/agents/listener", json={"code": LISTENER})
        client.post("/agents/listener/commands", json={"body": "joinWorkspace(w); focus(ears)"})
        client.put("/agents/talker", json={"code": ""})
        said = client.post(
            "/agents/talker/commands",
            json={"body": f"joinWorkspace(w); {publish.format(channel=channel)}[artefact(mouth)]"},
            headers={"Prefer": "wait=10"},
        )
        assert said.json()["status"] == "succeeded", said.text
        eventually(lambda: has_belief(client, "listener", f'got("{channel}","fresh bread")'), "the agent's message")
        asyncio.run(outside(channel))
        eventually(lambda: sum(b.startswith(f'got("{channel}"') for b in beliefs(client, "listener")) == 2, "both")
        ears = client.get("/workspaces/w/artefacts/ears").json()["properties"]
        assert ears["received"] == 2 and ears["last_received"]["args"] == [channel, {"loaves": 3}]
