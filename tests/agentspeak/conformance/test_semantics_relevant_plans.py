"""``.relevant_plans`` and ``.plan_label`` give plans as values whose variables are renamed apart where the
calling plan uses the same names, as Jason renames them: no cyclic term when a plan looks itself up."""

from __future__ import annotations

from tests.agentspeak.conformance.syntax_support import run_source


def test_the_relevant_plans_of_the_calling_plan_itself() -> None:
    # the plan found mentions L, the variable it is bound to: its variables are renamed apart, as Jason's
    printed = run_source("!g.\n+!g <- .relevant_plans({+!g}, L); .length(L, N); .print(N).")
    assert printed == ["1"]
