"""``romas serve --seed DIR`` starts an empty database with the sample MAS, and only an empty one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ROMAS, running_server

pytestmark = pytest.mark.e2e
SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"


def test_seed_loads_the_sample_once(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path, extra_args=("--seed", str(SAMPLE))) as server:
        overview = httpx.get(f"{server.url}/overview").json()
        assert {a["name"] for a in overview["agents"]} >= {"bob", "carol", "sam"}
        assert overview["workspaces"][0]["name"] == "bakery" and overview["workspaces"][0]["artefacts"]
        assert [o["name"] for o in overview["organisations"]] == ["shop"]
        revisions = httpx.get(f"{server.url}/agents/bob/revisions").json()["_embedded"]["revisions"]
        assert revisions[0]["actor"] == "seed"
        httpx.patch(f"{server.url}/agents/bob", json={"description": "changed by a user"})
    with running_server(database_url, tmp_path, extra_args=("--seed", str(SAMPLE))) as server:
        bob = httpx.get(f"{server.url}/agents/bob").json()
        assert bob["description"] == "changed by a user" and bob["revision"] == 2


def test_a_broken_seed_folder_is_refused_with_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    (folder / "agents").mkdir(parents=True)
    (folder / "agents" / "a.asl").write_text("+!go <- .print(.\n")
    (folder / "workspaces").mkdir()
    (folder / "workspaces" / "w.yaml").write_text("artefacts: {x: {type: rocket}}\n")
    result = subprocess.run(
        [ROMAS, "serve", "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--seed", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "agents/a.asl:1:" in result.stderr and "workspaces/w.yaml" in result.stderr
