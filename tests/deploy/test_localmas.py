"""``romas run``: a spec folder (or some of its agents' files) runs with the server's runtime, environment and
organisation, prints what the agents say, and ends with a documented exit status."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from romas.cli import main
from romas.deploy.localmas import BUSY, FAILED, QUIET, USAGE

SAMPLE = Path(__file__).resolve().parents[2] / "agent_specs"
LAST_WORDS = "[sam] Sam: here is your loaf, carol. That is 3 coins (sale number 1)."


def _run(*argv: str) -> tuple[int, str, str]:
    from romas.deploy.localmas import main as run_main

    out, err = io.StringIO(), io.StringIO()
    code = run_main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _sale_is_last(lines: list[str]) -> bool:
    """The sale ends the day; only sam's announcement of it on NATS (sent, or why not) may follow."""
    rest = lines[lines.index(LAST_WORDS) + 1 :] if LAST_WORDS in lines else None
    return rest is not None and all("announce" in line for line in rest)


def test_the_sample_folder_runs_to_its_end() -> None:
    code, out, err = _run(str(SAMPLE))
    assert code == QUIET, err
    lines = out.splitlines()
    assert "[bob] Bob: good morning! The oven is warming up." in lines
    assert "[bob] Bob: the bread is baked." in lines and _sale_is_last(lines), out
    assert "failed" not in err and "no such action" not in err


def test_the_agents_folder_of_the_sample_runs_the_whole_sample() -> None:
    code, out, err = _run(str(SAMPLE / "agents"))
    assert code == QUIET and _sale_is_last(out.splitlines()), err


def test_the_sample_agent_files_bring_their_workspaces_and_organisation(tmp_path: Path) -> None:
    """``romas run agent_specs/agents/*.asl`` from the command line, as a newcomer types it."""
    files = [str(p) for p in sorted((SAMPLE / "agents").glob("*.asl"))]
    proc = subprocess.run(
        [sys.executable, "-m", "romas.cli", "run", "--timeout", "120", *files],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert LAST_WORDS in proc.stdout.splitlines() and "Traceback" not in proc.stderr


def test_loose_files_run_without_a_folder(tmp_path: Path) -> None:
    (tmp_path / "ping.asl").write_text('!go.\n+!go <- .send(pong, achieve, hello); .print("sent").\n')
    (tmp_path / "pong.asl").write_text('+!hello[source(A)] <- .print("hello from ", A).\n')
    code, out, err = _run(str(tmp_path / "ping.asl"), f"pong={tmp_path / 'pong.asl'}")
    assert code == QUIET, err
    assert "[ping] sent" in out and "[pong] hello from ping" in out


def test_an_intention_left_waiting_is_noted(tmp_path: Path) -> None:
    (tmp_path / "patient.asl").write_text("!go.\n+!go <- .wait({+never}); .print(done).\n")
    code, out, err = _run(str(tmp_path / "patient.asl"))
    assert code == QUIET and "done" not in out
    assert "[patient] note: intention" in err and "still waiting for an event (.wait)" in err


def test_a_failing_agent_exits_1(tmp_path: Path) -> None:
    (tmp_path / "clumsy.asl").write_text("!go.\n+!go <- joinWorkspace(nowhere).\n")
    code, _out, err = _run(str(tmp_path / "clumsy.asl"))
    assert code == FAILED, err
    assert "failed" in err and "clumsy" in err


def test_an_agent_still_busy_at_the_timeout_exits_3(tmp_path: Path) -> None:
    (tmp_path / "spin.asl").write_text("!s.\n+!s <- !s.\n")
    code, _out, err = _run("--timeout", "2", str(tmp_path / "spin.asl"))
    assert code == BUSY and "timeout" in err and "spin" in err


def test_code_and_folder_problems_exit_2_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "bad.asl").write_text("+!g <- .print(.\n")
    (tmp_path / "Bad-Name.asl").write_text("a.\n")
    code, out, err = _run(str(tmp_path / "bad.asl"), str(tmp_path / "Bad-Name.asl"), str(tmp_path / "gone.asl"))
    assert code == USAGE and out == ""
    assert f"{tmp_path / 'bad.asl'}:1:" in err and "Bad-Name" in err and "gone.asl: cannot read" in err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "twin.asl").write_text("a.\n")
    (tmp_path / "twin.asl").write_text("b.\n")
    code, _out, err = _run(str(tmp_path / "twin.asl"), str(tmp_path / "other" / "twin.asl"))
    assert code == USAGE and "a second agent named 'twin'" in err
    broken = tmp_path / "specs"
    (broken / "workspaces").mkdir(parents=True)
    (broken / "workspaces" / "w.yaml").write_text("artefacts: {a: {type: no_such_type}}\n")
    code, _out, err = _run(str(broken))
    assert code == USAGE and "no_such_type" in err


def test_romas_run_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "agent_specs/" in text and "3 agents were still busy" in text


def test_included_files_are_files_given(tmp_path: Path) -> None:
    (tmp_path / "lib.asl").write_text('+!greet(N) <- .print("hello ", N).\n')
    (tmp_path / "user.asl").write_text('{ include("lib.asl") }\n!greet(1).\n')
    code, out, err = _run(str(tmp_path / "user.asl"), str(tmp_path / "lib.asl"))
    assert code == QUIET, err
    assert "[user] hello 1" in out.splitlines()
    (tmp_path / "nosy.asl").write_text('{ include("../../etc/passwd") }\n')
    code, out, err = _run(str(tmp_path / "nosy.asl"))
    assert code != QUIET
    assert "outside the agent set" in err
