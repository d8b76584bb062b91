"""``romas apply``, ``export`` and ``rollback`` without a server: usage and spec errors exit 2 before any
request, an unreachable server exits 1, and the plan prints as a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from romas.cli import main
from romas.deploy.report import report

SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
NOWHERE = "http://127.0.0.1:9"  # nothing listens there: reaching it would exit 1, not 2


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ROMAS_SERVER", "ROMAS_URL", "ROMAS_TOKEN", "ROMAS_ARTEFACT_MODULES"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("apply", "--server", NOWHERE), "give a folder"),
        (("apply", str(SAMPLE), "--git", ".", "--server", NOWHERE), "give a folder"),
        (("apply", str(SAMPLE), "--ref", "main", "--server", NOWHERE), "--ref goes with --git"),
        (("apply", str(SAMPLE), "--server", "ftp://x"), "http:// or https://"),
        (("export", "out", "--server", NOWHERE, "--at", "yesterday"), "not an RFC 3339 instant"),
        (("export", "out", "--server", NOWHERE, "--at", "2026-11-21T10:00:00"), "no time zone"),
        (("rollback", "0", "--server", NOWHERE), "1 or more"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and message in err


def test_a_broken_folder_is_refused_with_every_problem_before_any_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "specs"
    (folder / "agents").mkdir(parents=True)
    (folder / "agents" / "a.asl").write_text("+!go <- .print(.\n")
    (folder / "workspaces").mkdir()
    (folder / "workspaces" / "w.yaml").write_text("artefacts: {x: {type: rocket}}\n")
    (folder / "organisations").mkdir()
    (folder / "organisations" / "o.yml").write_text("roles: {}\n")
    code, out, err = run(capsys, "apply", str(folder), "--server", NOWHERE)
    assert code == 2 and out == ""
    assert f"{folder}/agents/a.asl:1:" in err and f"{folder}/workspaces/w.yaml:1:" in err
    assert f"{folder}/organisations/o.yml" in err and "3 problem(s)" in err and "nothing was sent" in err


def test_an_unknown_artefact_module_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROMAS_ARTEFACT_MODULES", "no.such.module")
    code, _out, err = run(capsys, "apply", str(SAMPLE), "--server", NOWHERE)
    assert code == 2 and "no.such.module" in err


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ext::sh -c touch% {marker}", "ext:: transport is refused"),
        ("fd::17", "fd:: transport is refused"),
        ("--upload-pack=touch {marker}", "cannot start with '-'"),
        ("ext://sh -c touch% {marker}", "ext:// is not a transport"),
    ],
)
def test_a_repository_address_that_could_run_commands_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "ran"
    code, out, err = run(capsys, "apply", "--git", address.format(marker=marker), "--server", NOWHERE)
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err
    assert not marker.exists()


def test_the_client_commands_default_to_the_local_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from argparse import Namespace

    from romas.deploy.cli import server_url

    assert server_url(Namespace(server=None)) == "http://127.0.0.1:8000"
    monkeypatch.setenv("ROMAS_SERVER", "http://old.example:1")
    assert server_url(Namespace(server=None)) == "http://old.example:1"
    monkeypatch.setenv("ROMAS_URL", "http://new.example:2")
    assert server_url(Namespace(server=None)) == "http://new.example:2"
    assert server_url(Namespace(server="http://flag.example:3")) == "http://flag.example:3"
    for command in (["apply", "--help"], ["export", "--help"], ["rollback", "--help"]):
        with pytest.raises(SystemExit):
            main(command)
        assert "http://127.0.0.1:8000" in capsys.readouterr().out


def test_an_unreachable_server_exits_1(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROMAS_URL", NOWHERE)
    code, _out, err = run(capsys, "apply", str(SAMPLE), "--timeout", "5")
    assert code == 1 and "cannot reach" in err
    code, _out, err = run(capsys, "rollback", "3")
    assert code == 1 and "cannot reach" in err
    code, _out, err = run(capsys, "export", "out")
    assert code == 1 and "cannot reach" in err


def test_an_unreadable_plan_to_expect_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text('{"no": "plan"}')
    code, _out, err = run(capsys, "apply", str(SAMPLE), "--expect", str(tmp_path / "plan.json"), "--server", NOWHERE)
    assert code == 2 and "--expect" in err


def test_a_deployment_id_must_be_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["rollback", "latest", "--server", NOWHERE])
    assert exit_.value.code == 2


def _entry(path: str, action: str, before: int | None, after: int | None, **more: Any) -> dict[str, Any]:
    kind, name = path.strip("/").split("/")[-2:]
    kinds = {"agents": "agent", "artefacts": "artefact", "workspaces": "workspace"}
    workspace = path.split("/")[2] if kinds[kind] == "artefact" else None
    return {
        "kind": kinds[kind],
        "name": name,
        "workspace": workspace,
        "path": path,
        "action": action,
        "from_revision": before,
        "to_revision": after,
        "changed": more.get("changed", []),
        "cascade": more.get("cascade", False),
        "note": more.get("note"),
    }


ANSWER: dict[str, Any] = {
    "id": 4,
    "status": "applied",
    "actor": "ci",
    "prune": True,
    "source": {"commit": "0123456789abcdef", "branch": "main", "author": "Ann <ann@example.org>", "message": "Bake"},
    "rollback_of": None,
    "rolled_back_by": None,
    "counts": {"create": 1, "update": 1, "delete": 2, "unchanged": 1},
    "plan": [
        _entry("/agents/bob", "update", 2, 3, changed=["code", "state"]),
        _entry("/agents/amy", "unchanged", 1, 1),
        _entry("/agents/new", "create", None, 1),
        _entry("/workspaces/lab", "delete", 1, 2),
        _entry("/workspaces/lab/artefacts/a", "delete", 4, 5, cascade=True),
    ],
    "unmanaged": [],
}


def test_the_plan_prints_as_a_table_a_person_can_read() -> None:
    assert report(ANSWER) == [
        "source: commit 0123456789ab on main by Ann <ann@example.org>: Bake",
        "  ACTION  RESOURCE        REVISION  CHANGES",
        "  update  agent bob       2 -> 3    code, state",
        "  create  agent new       - -> 1",
        "  delete  workspace lab   1 -> 2",
        "  delete  artefact lab/a  4 -> 5    with its workspace",
        "  (1 unchanged not listed; --verbose lists them)",
        "deployment 4 applied: 1 created, 1 updated, 2 deleted, 1 unchanged",
    ]
    assert "  unchanged  agent amy       1" in report(ANSWER, verbose=True)


def test_a_plan_without_changes_says_so() -> None:
    unchanged = {**ANSWER, "id": None, "status": "unchanged", "source": None, "unmanaged": ["/agents/x"]}
    unchanged["plan"] = [_entry("/agents/amy", "unchanged", 1, 1)]
    unchanged["counts"] = {"create": 0, "update": 0, "delete": 0, "unchanged": 1}
    assert report(unchanged) == [
        "source: no git provenance",
        "not in the manifest, left alone (--prune deletes them): /agents/x",
        "nothing to change: the server already matches (1 resource unchanged)",
    ]
    assert json.dumps(report({**unchanged, "status": "planned"})).count("dry run") == 1
