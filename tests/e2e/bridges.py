"""Helpers of the bridge end-to-end tests: a server that may reach 127.0.0.1, and waiting for an agent."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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
