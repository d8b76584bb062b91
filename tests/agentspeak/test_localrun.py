"""``romas run``: agents from files, output lines, exit statuses."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from romas.agentspeak.localrun import main


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_agents_named_after_files_or_explicitly(tmp_path: Path) -> None:
    (tmp_path / "alice.asl").write_text("!hi. +!hi <- .my_name(N); .print(N); .send(b, tell, hello).\n")
    (tmp_path / "other.asl").write_text('+hello[source(S)] <- .print("hello from ", S).\n')
    code, out, err = _run([str(tmp_path / "alice.asl"), f"b={tmp_path / 'other.asl'}"])
    assert (code, out, err) == (0, "[alice] alice\n[b] hello from alice\n", "")


def test_parse_errors_exit_1_with_every_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.asl"
    bad.write_text("ok.\n+!g <- .print(1)\n+!h.\np(\n")
    also = tmp_path / "also.asl"
    also.write_text('x("unterminated).\n')
    code, out, err = _run([str(bad), str(also)])
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{bad}:2:17: expected '.' after the plan",
        f"{bad}:4:3: unexpected end of input",
        f"{also}:1:3: unterminated string",
    ]


def test_missing_file_exits_1(tmp_path: Path) -> None:
    code, _out, err = _run([str(tmp_path / "nope.asl")])
    assert code == 1 and "cannot read" in err


def test_timeout_exits_2(tmp_path: Path) -> None:
    (tmp_path / "spin.asl").write_text("!spin. +!spin <- !spin.\n")
    code, _out, err = _run(["--timeout", "0.3", str(tmp_path / "spin.asl")])
    assert code == 2 and "timeout" in err


def test_real_time_waits(tmp_path: Path) -> None:
    (tmp_path / "w.asl").write_text("!w. +!w <- .wait(50); .print(done).\n")
    code, out, _err = _run([str(tmp_path / "w.asl")])
    assert (code, out) == (0, "[w] done\n")


def test_module_entry_point(tmp_path: Path) -> None:
    (tmp_path / "a.asl").write_text('!g. +!g <- .print("hi").\n')
    proc = subprocess.run(
        [sys.executable, "-m", "romas.agentspeak.localrun", str(tmp_path / "a.asl")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, "[a] hi\n")


def test_agents_create_kill_and_stop_the_system(tmp_path: Path) -> None:
    (tmp_path / "boss.asl").write_text(
        '!go. +!go <- .create_agent(w1, "worker.asl"); .create_agent(w2, "+!hi <- .print(code).");'
        " .send(w1, achieve, hi); .send(w2, achieve, hi); .wait(10); .kill_agent(w2); .all_names(L); .print(L);"
        ' !refused; .stopMAS; .print("not reached").\n'
        '+!refused <- .create_agent(w3, "/etc/passwd.asl").\n'
        "-!refused[error_msg(M)] <- .print(M).\n"
    )
    (tmp_path / "worker.asl").write_text("+!hi <- .my_name(N); .print(N).\n")
    code, out, err = _run(["--virtual-time", str(tmp_path / "boss.asl"), f"spare={tmp_path / 'worker.asl'}"])
    lines = out.splitlines()
    assert code == 0, err
    assert "[w1] w1" in lines and "[w2] code" in lines
    assert "[boss] [boss, spare, w1]" in [line.replace(",", ", ").replace(",  ", ", ") for line in lines]
    assert any("no file /etc/passwd.asl" in line for line in lines)
    assert lines.count("[boss] not reached") <= 1  # the system stops after the turn that asked for it
