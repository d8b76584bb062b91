"""Jason's own examples of e-r goals and modules, run as written on the interpreter alone (with
``ROMAS_JASON_SRC`` pointing at a Jason checkout): ``contract-net-protocol-er`` (goal conditions, sub-plans,
``.done``) and ``contract-net-protocol-module`` (namespaces, ``.include`` into namespaces, local namespaces)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from romas.agentspeak.localrun import run

ROOT = Path(os.environ.get("ROMAS_JASON_SRC", "/nonexistent"))
EXAMPLES = ROOT / "examples"
needs_jason = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="ROMAS_JASON_SRC does not point at a Jason checkout")


def _run(folder: str, agents: list[tuple[str, str]], checkpoint: bool = False) -> list[str]:
    out = io.StringIO()
    err = io.StringIO()
    specs = [(name, EXAMPLES / folder / file) for name, file in agents]
    code = run(specs, timeout=120, virtual_time=True, seed=7, out=out, err=err, checkpoint=checkpoint)
    assert code == 0, err.getvalue()
    return out.getvalue().splitlines()


@needs_jason
@pytest.mark.parametrize("checkpoint", [False, True])
def test_contract_net_with_goal_conditions_and_sub_plans(checkpoint: bool) -> None:
    lines = _run(
        "contract-net-protocol-er",
        [("c", "c_alt.asl"), ("p1", "p.asl"), ("p2", "p.asl"), ("p3", "p.asl"), ("pr", "pr.asl"), ("pn", "pn.asl")],
        checkpoint,
    )
    assert sum("Offers are for" in line for line in lines) == 2
    winners = [line for line in lines if " won CNP " in line]
    assert len(winners) == 2
    assert sum("I lost CNP" in line for line in lines) == 4  # each CNP: 3 proposals, 1 winner
    assert sum(line.endswith("Done!") for line in lines) == 2  # the winners end their .done sub-plan


@needs_jason
def test_contract_net_with_modules_and_namespaces() -> None:
    lines = _run(
        "contract-net-protocol-module",
        [
            ("bob", "bob.asl"),
            ("alice", "alice.asl"),
            ("a1", "company_A.asl"),
            ("a2", "company_A.asl"),
            ("b1", "company_B.asl"),
            ("b2", "company_B.asl"),
            ("initiator", "initiator.asl"),  # the modules, read through the agent set
            ("participant", "participant.asl"),
        ],
    )
    assert sum("Offers in CNP taking place in" in line for line in lines) == 5  # hall, comm, tv, pc, oven
    assert sum(line.startswith("[alice] Winner to fix ") for line in lines) == 3
    assert sum(" won!" in line for line in lines) == 5
