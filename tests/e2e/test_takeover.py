"""Two servers on one PostgreSQL database, each running the agents of its half of the shards; when the one running
an agent dies (kill -9) the other takes its shards over from the checkpoints, and no message is lost or processed
twice."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]
COUNTER = "count(0).\n@inc[atomic] +!inc <- ?count(C); -+count(C + 1).\n"


def count(client: httpx.Client) -> int:
    beliefs = [b["text"] for b in client.get("/agents/counter/mind").json()["beliefs"]]
    found = [re.match(r"count\((\d+)\)", b) for b in beliefs]
    return next(int(m.group(1)) for m in found if m)


def test_the_other_server_takes_over_when_the_one_running_the_agents_dies(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    with (
        running_server(database_url, tmp_path) as first,
        running_server(database_url, tmp_path) as second,
        httpx.Client(base_url=second.url, timeout=30) as api,
    ):
        assert api.put("/agents/counter", json={"code": COUNTER}).status_code == 201
        for _ in range(10):
            done = api.post(
                "/agents/counter/inbox",
                json={"performative": "achieve", "content": "inc"},
                headers={"Prefer": "wait=10"},
            )
            assert done.status_code == 200 and done.json()["status"] == "processed", done.text
        owner = api.get("/agents/counter").json()["process"]
        with httpx.Client(base_url=first.url) as one:
            runner, other = (first, second) if one.get("/cluster").json()["this_process"] == owner else (second, first)
        api.close()
        api = httpx.Client(base_url=other.url, timeout=30)
        with httpx.Client(base_url=runner.url) as running:
            assert running.get("/agents/counter").json()["running_code_revision"] == 1
        os.kill(runner.process.pid, signal.SIGKILL)
        runner.process.wait(timeout=10)
        accepted = []
        for _ in range(10):
            response = api.post("/agents/counter/inbox", json={"performative": "achieve", "content": "inc"})
            assert response.status_code == 202
            accepted.append(response.headers["location"])
        deadline = time.monotonic() + 30
        while not all(api.get(loc).json()["status"] == "processed" for loc in accepted):
            assert time.monotonic() < deadline, other.output()[-3000:]
            time.sleep(0.2)
        assert count(api) == 20
        assert api.get("/agents/counter").json()["running_code_revision"] == 1
        assert api.get("/agents/counter").json()["process"] == api.get("/cluster").json()["this_process"]
        api.close()
