"""The README's sample after a cold start: agents driven only by their obligations complete the bakery's
three-goal scheme in order, acting on the artefacts, and it all shows in logs, revisions and the overview."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"


def test_the_sample_completes_its_scheme_after_a_cold_start(database_url: str, tmp_path: Path) -> None:
    with (
        running_server(database_url, tmp_path, extra_args=("--seed", str(SAMPLE))) as server,
        httpx.Client(base_url=server.url, timeout=20) as client,
    ):
        deadline = time.monotonic() + 90
        while True:
            scheme = client.get("/organisations/shop/schemes/today")
            if scheme.status_code == 200 and scheme.json()["satisfied"]:
                break
            assert time.monotonic() < deadline, f"the scheme was not completed:\n{server.output()[-3000:]}"
            time.sleep(0.25)
        goals = scheme.json()["goals"]
        order = [goals[g]["satisfied_at"] for g in ("bread_baked", "bread_ordered", "bread_sold")]
        assert order == sorted(order)
        assert [goals[g]["achieved_by"] for g in ("bread_baked", "bread_ordered", "bread_sold")] == [
            "bob",
            "carol",
            "sam",
        ]
        obligations = client.get("/organisations/shop/obligations").json()["_embedded"]["obligations"]
        assert obligations and all(o["state"] == "fulfilled" for o in obligations)
        till = client.get("/workspaces/bakery/artefacts/till").json()
        assert till["properties"]["takings"] == 3 and till["properties"]["sales"] == 1
        stock_history = client.get("/workspaces/bakery/artefacts/stock/revisions").json()
        actors = {r["actor"] for r in stock_history["_embedded"]["revisions"]}
        assert {"bob", "sam"} <= actors
        # The log is written a moment after what it tells (lines are batched), so wait for the last ones.
        deadline = time.monotonic() + 10
        while True:
            sam_said = [x["text"] for x in client.get("/agents/sam/log").json()["lines"]]
            told = any("here is your loaf, carol" in x for x in sam_said)
            rang = any("the till rings" in x for x in sam_said)
            if (told and rang) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert told and rang, sam_said
        overview = client.get("/overview").json()
        shop = overview["organisations"][0]
        assert shop["schemes"][0]["goals"]["bread_day"] == "satisfied"
        assert sorted(shop["groups"][0]["players"]) == ["bob:baker", "carol:customer", "sam:seller"]
        team = client.get("/organisations/shop/groups/team/revisions").json()
        assert team["count"] >= 4
