"""A MAS kept in a real git repository, pushed to a real ``romas serve`` with ``romas apply``, changed, applied
again, rolled back and exported, the way a CI job does it; exit codes included."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ROMAS, running_server

pytestmark = pytest.mark.e2e
SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
TOKEN = "s3cret"
CUSTOM_TYPE = '''
from romas.domain.artefact_types import ArtefactType, observable


class Oven(ArtefactType):
    """Known to the client only."""

    type_name = "oven"
    heat: int = observable(default=0)
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def romas(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ROMAS_")}
    environment["ROMAS_TOKEN"] = TOKEN
    environment.update(env or {})
    return subprocess.run([ROMAS, *args], capture_output=True, text=True, timeout=120, env=environment, cwd=cwd)


def make_repository(root: Path) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Ann Baker")
    git(root, "config", "user.email", "ann@example.org")
    shutil.copytree(SAMPLE, root / "agent_specs")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "The bakery")
    return root


def test_a_ci_pipeline_applies_changes_rolls_back_and_exports(database_url: str, tmp_path: Path) -> None:
    repo = make_repository(tmp_path / "bakery")
    specs = str(repo / "agent_specs")
    env = {"ROMAS_TOKENS": f"ci:{TOKEN}:deploy+read+write"}
    with running_server(database_url, tmp_path, env=env) as server:
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"})

        first = romas("apply", specs, "--server", server.url)
        assert first.returncode == 0, first.stderr
        assert "deployment 1 applied: 10 created" in first.stdout and "create  agent bob" in first.stdout
        assert f"commit {git(repo, 'rev-parse', 'HEAD')[:12]} on main by Ann Baker" in first.stdout

        bob = repo / "agent_specs" / "agents" / "bob.asl"
        original = bob.read_text()
        bob.write_text(original.replace("The oven is warming up.", "The oven is hot."))
        git(repo, "commit", "-qam", "Bob's oven heats faster")
        sha = git(repo, "rev-parse", "HEAD")
        second = romas("apply", specs, "--server", server.url)
        assert second.returncode == 0, second.stderr
        assert "update  agent bob  1 -> 2    code" in second.stdout and "deployment 2 applied" in second.stdout
        deployment = api.get("/deployments/2").json()
        assert deployment["counts"] == {"create": 0, "update": 1, "delete": 0, "unchanged": 9}
        assert [e["path"] for e in deployment["plan"] if e["action"] != "unchanged"] == ["/agents/bob"]
        assert deployment["source"]["commit"] == sha and deployment["source"]["dirty"] is False
        revision = api.get("/agents/bob/revisions").json()["_embedded"]["revisions"][0]
        assert revision["revision"] == 2 and revision["actor"] == "ci"
        assert revision["meta"]["deployment"] == 2 and revision["meta"]["git"]["commit"] == sha
        assert revision["meta"]["git"]["message"] == "Bob's oven heats faster"

        again = romas("apply", specs, "--server", server.url)
        assert again.returncode == 0 and "nothing to change" in again.stdout, again.stderr
        assert api.get("/deployments").json()["count"] == 2

        undo = romas("rollback", "2", "--server", server.url)
        assert undo.returncode == 0 and "rollback of deployment 2" in undo.stdout, undo.stderr
        assert api.get("/agents/bob").json()["code"] == original
        refused = romas("rollback", "2", "--server", server.url)
        assert refused.returncode == 1 and "409 Conflict" in refused.stderr

        exported = tmp_path / "export"
        out = romas("export", str(exported), "--server", server.url)
        assert out.returncode == 0, out.stderr
        assert (exported / "agents" / "bob.asl").read_text() == original
        noop = romas("apply", str(exported), "--server", server.url)
        assert noop.returncode == 0 and "nothing to change" in noop.stdout, noop.stderr
        assert "not in a git checkout" in noop.stderr

        at = api.get("/deployments/2").json()["recorded_at"]
        then = romas("export", str(tmp_path / "then"), "--server", server.url, "--at", at)
        assert then.returncode == 0, then.stderr
        assert (tmp_path / "then" / "agents" / "bob.asl").read_text() == bob.read_text()

        from_git = romas("apply", "--git", str(repo), "--ref", "main", "--server", server.url, "--dry-run", "--json")
        assert from_git.returncode == 0, from_git.stderr
        assert '"action": "update"' in from_git.stdout and '"status": "planned"' in from_git.stdout

        reviewed = romas("apply", specs, "--server", server.url, "--dry-run", "--json")
        (tmp_path / "plan.json").write_text(reviewed.stdout)
        assert api.patch("/agents/carol", json={"description": "changed by hand"}).status_code == 200
        stale = romas("apply", specs, "--server", server.url, "--expect", str(tmp_path / "plan.json"))
        assert stale.returncode == 1 and "409 Conflict" in stale.stderr and "/agents/carol" in stale.stderr

        anonymous = romas("apply", specs, "--server", server.url, env={"ROMAS_TOKEN": ""})
        assert anonymous.returncode == 1 and "401" in anonymous.stderr


def test_exit_codes_for_spec_errors_refusals_and_unreachable_servers(database_url: str, tmp_path: Path) -> None:
    repo = make_repository(tmp_path / "bakery")
    (repo / "agent_specs" / "agents" / "carol.asl").write_text("+!start <- .print(.\n")
    broken = romas("apply", str(repo / "agent_specs"), "--server", "http://127.0.0.1:9")
    assert broken.returncode == 2 and "agents/carol.asl:1:" in broken.stderr and "nothing was sent" in broken.stderr
    git(repo, "checkout", "-q", "--", ".")

    (tmp_path / "oven_type.py").write_text(CUSTOM_TYPE)
    (repo / "agent_specs" / "workspaces" / "kitchen.yaml").write_text("artefacts: {oven: {type: oven}}\n")
    client_knows = {"ROMAS_ARTEFACT_MODULES": "oven_type", "PYTHONPATH": str(tmp_path)}
    with running_server(database_url, tmp_path) as server:
        unknown = romas("apply", str(repo / "agent_specs"), "--server", server.url, env=client_knows)
        assert unknown.returncode == 1 and "422" in unknown.stderr, unknown.stderr
        assert "/manifest/workspaces/kitchen/artefacts/oven/type" in unknown.stderr
        assert httpx.get(f"{server.url}/deployments").json()["count"] == 0
    gone = romas("apply", str(repo / "agent_specs"), "--server", server.url, env=client_knows)
    assert gone.returncode == 1 and "cannot reach" in gone.stderr
