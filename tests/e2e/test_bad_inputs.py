"""The bad inputs a probe of a real ``romas serve`` found: each gets a clear 4xx, and the server keeps serving."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.e2e
FACTS = "".join(f"n({i}).\n" for i in range(1500))


def test_hostile_inputs_get_a_problem_and_the_server_keeps_serving(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        deep = b"[" * 20_000 + b"]" * 20_000
        for method, path in (("PUT", "/agents/x"), ("POST", "/deployments"), ("PUT", "/workspaces/w")):
            answer = client.request(method, path, content=deep, headers={"content-type": "application/json"})
            assert answer.status_code == 400, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        assert client.put("/agents/alice", json={"code": FACTS}).status_code == 201
        unquoted = client.put("/agents/alice", json={"code": FACTS, "description": "x"}, headers={"If-Match": "1"})
        assert unquoted.status_code == 400 and "If-Match" in unquoted.json()["detail"]
        year_one = client.get("/agents/alice", headers={"Accept-Datetime": "Mon, 01 Jan 0001 00:00:00 GMT"})
        assert year_one.status_code == 404 and "0001-01-01" in year_one.json()["detail"]
        short_year = client.get("/agents/alice", headers={"Accept-Datetime": "Mon, 01 Jan 01 00:00:00 GMT"})
        assert short_year.status_code == 400
        assert client.get("/agents/alice", params={"at": "0001-01-01T00:00:00+01:00"}).status_code == 400
        mind = client.get("/agents/alice/mind", params={"limit": 1000})
        assert mind.status_code == 200 and mind.json()["belief_count"] == 1500 and len(mind.json()["beliefs"]) == 1000
        rest = client.get(mind.json()["_links"]["next"]["href"]).json()
        assert len(rest["beliefs"]) == 500 and "next" not in rest["_links"]
        assert client.get("/health").status_code == 200
    assert " 500 " not in server.output() and "Traceback" not in server.output(), server.output()[-5000:]
