"""A JaCaMo-style project of our own, imported with ``romas import`` and applied to a real ``romas serve``: the
agents run, join and focus, the group, subgroup and scheme instances exist with their players, and the scheme
completes."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import running_server
from tests.e2e.test_apply import romas

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
RELAY = Path(__file__).resolve().parents[1] / "deploy" / "jacamo_projects" / "relay" / "relay.jcm"


def test_an_imported_jacamo_project_runs(database_url: str, tmp_path: Path) -> None:
    specs = tmp_path / "agent_specs"
    imported = romas("import", str(RELAY), "--out", str(specs))
    assert imported.returncode == 3, imported.stderr  # deployable, with a Java artifact left out
    assert "left out: artifact track.stopwatch" in imported.stdout
    with (
        running_server(database_url, tmp_path) as server,
        httpx.Client(base_url=server.url, timeout=20) as client,
    ):
        applied = romas("apply", str(specs), "--server", server.url)
        assert applied.returncode == 0, applied.stderr
        assert "6 created" in applied.stdout
        # Each agent adopts its role when it starts: one runner's leg may satisfy the scheme before the other runner
        # (which first creates the pit crew it owns) has adopted its role, so wait for both.
        expected = {("coach", "trainer"), ("runner1", "athlete"), ("runner2", "athlete")}
        deadline = time.monotonic() + 90
        while True:
            scheme = client.get("/organisations/club/schemes/race")
            team = client.get("/organisations/club/groups/team").json()
            players = {(p["agent"], p["role"]) for p in team.get("players", [])}
            if scheme.status_code == 200 and scheme.json()["satisfied"] and players == expected:
                break
            assert time.monotonic() < deadline, (
                f"the scheme was not completed or the team not formed ({players}):\n{server.output()[-3000:]}"
            )
            time.sleep(0.25)
        race = scheme.json()
        assert race["group"] == "team" and race["type"] == "race_scheme"
        assert {(c["agent"], c["mission"]) for c in race["commitments"]} >= {("coach", "m_coach")}
        assert team["type"] == "relay_team"
        pit = client.get("/organisations/club/groups/pit").json()
        assert (pit["type"], pit["parent"]) == ("pit_crew", "team")
        laps = client.get("/workspaces/track/artefacts/laps_done").json()
        assert laps["properties"]["count"] >= 1 and "coach" in laps["observers"]
        xml = client.get("/organisations/club", headers={"Accept": "application/xml"})
        assert xml.headers["content-type"].startswith("application/xml") and 'id="race_scheme"' in xml.text
        deadline = time.monotonic() + 10  # log lines are written a moment after what they tell
        while True:
            said = [line["text"] for line in client.get("/agents/coach/log").json()["lines"]]
            if any("a relay of 2 legs starts" in x for x in said) and any("laps done" in x for x in said):
                break
            assert time.monotonic() < deadline, said
            time.sleep(0.25)
