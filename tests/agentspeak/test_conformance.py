"""The conformance suite: each folder under conformance/ is a small multi-agent system run with
``romas run`` (``args.txt`` holds its command line); its output must equal ``expected.txt`` (and the notes
on standard error ``expected_err.txt``). Every case is also run with the agents saved to JSON and restored
after every reasoning step, which must not change the output."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from romas.agentspeak.localrun import main

CASES = Path(__file__).parent / "conformance"


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "args.txt").exists())


def _run(case: str, *extra: str) -> tuple[int, str, str]:
    folder = CASES / case
    args = (folder / "args.txt").read_text(encoding="utf-8").split()
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        code = main(["--virtual-time", "--timeout", "60", "--seed", "7", *extra, *args], out=out, err=err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("case", _cases())
def test_case_output(case: str) -> None:
    code, out, err = _run(case)
    assert code == 0, err
    assert out == (CASES / case / "expected.txt").read_text(encoding="utf-8")
    expected_err = CASES / case / "expected_err.txt"
    assert err == (expected_err.read_text(encoding="utf-8") if expected_err.exists() else "")


@pytest.mark.parametrize("case", _cases())
def test_case_survives_serialisation_at_every_step(case: str) -> None:
    code, out, err = _run(case, "--checkpoint")
    assert code == 0, err
    assert out == (CASES / case / "expected.txt").read_text(encoding="utf-8")
