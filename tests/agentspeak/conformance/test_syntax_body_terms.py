"""Plan-body terms ``{ .print(x); a }`` are values: bound to variables, put in lists, passed to internal
actions, run when a variable bound to one is a formula, and saved with the agent."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.program import Body
from romas.agentspeak.serialise import term_from_json, term_to_json
from romas.agentspeak.terms import PlanTerm
from tests.agentspeak.conformance.syntax_support import run_source


def test_body_terms_parse() -> None:
    t = parse_term("{ .print(x); a; !g }")
    assert type(t) is PlanTerm and isinstance(t.plan, Body) and len(t.plan.formulas) == 3
    assert term_from_json(term_to_json(t)) == t
    empty = parse_term("{}")
    assert type(empty) is PlanTerm and isinstance(empty.plan, Body) and not empty.plan.formulas
    beliefs = parse_term("{ +b; -c }")
    assert type(beliefs) is PlanTerm and isinstance(beliefs.plan, Body) and len(beliefs.plan.formulas) == 2


def test_a_variable_bound_to_a_body_runs_it() -> None:
    printed = run_source(
        """
        !go.
        +!go <- X = 5; B = { .print(in_body); Y = X + 1 }; B; .print(Y).
        """
    )
    assert printed == ["in_body", "6"]


def test_bodies_walked_as_lists() -> None:
    printed = run_source(
        """
        !show_run({ .print(a); .print(b) }).
        +!show_run({}) <- .print(end).
        +!show_run({H; R}) <- H; !show_run(R).
        """
    )
    assert printed == ["a", "b", "end"]


def test_bodies_given_to_control_actions() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .if_then_else(1 > 2, { .print(yes) }, { .print(no) }); .foreach(.member(X, [1, 2]), { .print(X) }).
        """
    )
    assert printed == ["no", "1", "2"]
