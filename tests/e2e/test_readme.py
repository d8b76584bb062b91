"""The README's tour works when pasted: its ``sh`` blocks run, in order and in one shell, against a real server
with the sample MAS (as ``make serve`` starts it), and every request they make succeeds."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def tour() -> list[str]:
    """Every ``sh`` block but the installation one (``make serve``, ``make test``)."""
    blocks = SH_BLOCK.findall((REPO / "README.md").read_text())
    return [block for block in blocks if not block.lstrip().startswith("make ")]


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{") and '"romas.requests"' in line:
            lines.append(json.loads(line))
    return lines


def test_the_tour_has_the_examples_it_promises() -> None:
    text = "\n".join(tour())
    assert len(tour()) >= 5
    assert "?at=$AT" in text and "after=0" in text and "/retry" in text
    assert "2026-" not in text  # instants come from earlier answers, never a fixed date


def test_the_readme_tour_works_when_pasted(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'romas.db'}"
    with running_server(
        database,
        tmp_path,
        extra_args=("--seed", str(REPO / "agent_specs")),
        env={"ROMAS_LOG_FORMAT": "json", "ROMAS_EGRESS_ALLOW": "127.0.0.1"},
    ) as server:
        host = server.url.removeprefix("http://")
        script = "\n".join(tour()).replace("http://127.0.0.1:8000", server.url).replace("localhost:8000", host)
        result = subprocess.run(
            ["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=240, check=False
        )
        deadline = time.monotonic() + 10
        while "/manifest" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)  # the last request's log line follows its answer
        requests = request_lines(server.output())
    out = result.stdout
    assert "Traceback" not in result.stderr and "command not found" not in result.stderr, result.stderr
    failed = [(r["method"], r["path"], r["status"]) for r in requests if r["status"] >= 400]
    assert failed == [], out
    paths = {(r["method"], r["route"]) for r in requests}
    assert ("POST", "/agents/{name}/inbox/{message_id}/retry") in paths and ("GET", "/events") in paths
    assert ("GET", "/manifest") in paths
    assert '"kind":"print","text":"hello"' in out  # alice's initial goal printed
    assert '"name":"alice","revision":1' in out  # ?at= with the instant of revision 1
    for status in ("accepted", "delivered", "processed"):
        assert f"event: message.{status}" in out, out  # the SSE replay of bob's message
    assert '"retry_of":' in out and '"content":"greet_customer","status":"processed"' in out
