"""``+b``, ``-b``, ``-+b``, ``+<b`` and ``+>b`` in a plan are handled on the plan's own intention, as Jason does
by default ("same focus"): the intention goes on after the plan for the belief event has run; a belief event no
plan applies to lets it go on. ``++b`` and ``--b`` start an intention of their own (new focus)."""

from __future__ import annotations

from tests.agentspeak.conformance.syntax_support import run_source


def test_the_plan_for_a_belief_added_runs_before_the_rest_of_the_plan() -> None:
    assert run_source("!g.\n+!g <- +b; .print(x); .print(z).\n+b <- .print(y1); .print(y2).") == ["y1", "y2", "x", "z"]


def test_new_focus_interleaves() -> None:
    assert run_source("!g.\n+!g <- ++b; .print(x); .print(z).\n+b <- .print(y1); .print(y2).") == [
        "x",
        "y1",
        "z",
        "y2",
    ]


def test_removal_and_replacement() -> None:
    printed = run_source(
        """
        c(1).
        !g.
        +!g <- -c(1); .print(a); -+c(2); .print(b).
        -c(X) <- .print(removed(X)).
        +c(X) <- .print(added(X)).
        """
    )
    # the initial belief's event first; then each change is handled before the plan goes on
    assert printed == ["added(1)", "removed(1)", "a", "added(2)", "b"]


def test_a_belief_plan_whose_context_fails_lets_the_intention_go_on() -> None:
    assert run_source("!g.\n+!g <- +b(1); .print(x).\n+b(X) : X > 5 <- .print(big).") == ["x"]


def test_a_failing_belief_plan_fails_the_goal_that_added_the_belief() -> None:
    printed = run_source("!g.\n+!g <- +b; .print(x).\n+b <- .fail.\n-!g[error(E)] <- .print(recovered(E)).")
    assert printed == ["recovered(ia_failed)"]
