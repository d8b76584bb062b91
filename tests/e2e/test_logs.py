"""What ``romas serve`` writes to its log: one JSON line per request with ROMAS_LOG_FORMAT=json, nothing for
health checks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e


def test_json_request_log_without_probe_noise(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'romas.db'}"
    with running_server(url, tmp_path, env={"ROMAS_LOG_FORMAT": "json"}) as server:
        started = len(server.output().splitlines())
        for _ in range(3):
            assert httpx.get(f"{server.url}/ready").status_code == 200
        answer = httpx.get(f"{server.url}/agents/nobody", headers={"X-Request-Id": "probe-7"})
        assert answer.status_code == 404 and answer.headers["x-request-id"] == "probe-7"
        deadline = time.monotonic() + 10
        while "probe-7" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)  # the line is written once the answer is sent
        lines = [json.loads(line) for line in server.output().splitlines()[started:] if line.strip()]
    requests = [line for line in lines if line.get("logger") == "romas.requests"]
    assert [(r["method"], r["path"], r["route"], r["status"], r["request_id"]) for r in requests] == [
        ("GET", "/agents/nobody", "/agents/{name}", 404, "probe-7")
    ]
    assert requests[0]["duration_ms"] >= 0
    assert not [line for line in lines if line["logger"].startswith("alembic")]
