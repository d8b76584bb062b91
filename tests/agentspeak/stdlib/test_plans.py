"""``.relevant_plan``, ``.plan_label`` and ``.list_plans``."""

from __future__ import annotations

from romas.agentspeak.terms import PlanTerm

from ..support import RecordingHost
from .helpers import outcome, values

SOURCE = "@p1 +!g(1) <- .print(one).\n@p2 +!g(X) : X > 1 <- .print(more).\n@p3 +!h <- true."


def test_relevant_plan_backtracks() -> None:
    got = values(".findall(L, .relevant_plan({+!g(_)}, _, L), Ls)", SOURCE)
    assert [s.functor for s in got["Ls"]] == ["p1", "p2"]  # type: ignore[union-attr]


def test_plan_label_both_ways() -> None:
    got = values(".plan_label(P, p2); .plan_label(P, L)", SOURCE)
    assert type(got["P"]) is PlanTerm
    assert got["L"].functor == "p2"  # type: ignore[union-attr]
    assert outcome(".plan_label(P, nope)", SOURCE).status == "failed"


def test_list_plans_prints_them() -> None:
    host = RecordingHost()
    assert outcome(".list_plans({+!g(_)})", SOURCE, host).status == "succeeded"
    printed = host.texts()
    assert len(printed) == 2 and all("+!g(" in p for p in printed)
