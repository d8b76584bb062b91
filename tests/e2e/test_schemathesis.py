"""Property-based tests from the served OpenAPI document: no 5xx, and every answer fits the schema.

The README's command (``st run --checks all --max-examples 50``), on each database. Its CPU goes mostly to
schemathesis itself (about four fifths), not to the server; one run per database, started first
(tests/durations.json), costs less than halves on servers of their own would.

Where schemathesis spends it (py-spy, SQLite, 9493 cases): the fuzzing phase about four fifths, the coverage phase
most of the rest; within fuzzing, drawing cases about twice what sending them and checking the answers costs, spread
evenly over the 111 operations (none above 1.4 CPU-s). What was measured not to pay: restating the document's
``oneOf: [X, null]`` as ``anyOf`` or a type list (schemathesis normalises both to the same strategy: the same
cases), Hypothesis health checks (they judge the cases the run draws anyway) and larger garbage-collector
thresholds (collections of a larger young generation cost more in total)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CONFIG = Path(__file__).with_name("schemathesis.toml")
ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CODE = 'stock(3).\n+!sell <- ?stock(N); .print("have ", N).\n'
SPEC = {
    "roles": {"seller": {}, "buyer": {}},
    "groups": {"market": {"roles": {"seller": {"min": 1, "max": 2}, "buyer": {}}}},
    "schemes": {
        "sale": {
            "goals": {"sold": {"sequence": ["offered", "paid"]}, "offered": {}, "paid": {}},
            "missions": {"m_seller": {"goals": ["offered"]}, "m_buyer": {"goals": ["paid"]}},
        }
    },
    "norms": [{"id": "n1", "type": "obligation", "role": "seller", "mission": "m_seller"}],
}


def seed(url: str) -> None:
    with httpx.Client(base_url=url) as client:
        for name in ("alice", "bob"):
            assert client.put(f"/agents/{name}", json={"code": CODE}).status_code == 201
            client.put(f"/agents/{name}", json={"code": CODE, "description": "second revision"})
        assert client.put("/workspaces/shop", json={"description": "a shop"}).status_code == 201
        client.put("/workspaces/shop/artefacts/stock", json={"type": "counter", "properties": {"count": 3}})
        client.put("/workspaces/shop/artefacts/orders", json={"type": "queue"})
        assert client.put("/organisations/market", json=SPEC).status_code == 201
        assert client.put("/organisations/market/groups/team", json={"type": "market"}).status_code == 201
        client.post("/organisations/market/groups/team/players", json={"agent": "alice", "role": "seller"})
        assert (
            client.put("/organisations/market/schemes/day", json={"type": "sale", "group": "team"}).status_code == 201
        )
        client.post("/organisations/market/schemes/day/commitments", json={"agent": "alice", "mission": "m_seller"})


def test_the_served_openapi_holds(server: ServerProcess, tmp_path: Path) -> None:
    seed(server.url)
    # ROMAS_SCHEMATHESIS_EXAMPLES=5 makes a quick local run; CI runs the README's 50.
    examples = os.environ.get("ROMAS_SCHEMATHESIS_EXAMPLES", "50")
    seed_value = os.environ.get("ROMAS_SCHEMATHESIS_SEED", "20261121")
    result = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(CONFIG),
            "run",
            f"{server.url}/schema/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            examples,
            "--seed",
            seed_value,
            "--workers",
            "1",
            "--no-color",
            "--request-timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        # Hypothesis keeps its Unicode tables under its storage folder, by default in the working directory: in
        # a fresh folder every run would rebuild them (two seconds of CPU).
        env={**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(ROOT / ".hypothesis")},
    )
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report
    assert " 500 " not in server.output(), server.output()[-5000:]
