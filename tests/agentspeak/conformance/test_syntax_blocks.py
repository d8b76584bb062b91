"""A ``}`` closing ``if``/``while``/``for`` may be followed by the next formula without ``;``, as in Jason."""

from __future__ import annotations

from romas.agentspeak import parse_body, parse_program
from romas.agentspeak.program import Action, For, If, While
from tests.agentspeak.conformance.syntax_support import run_source


def test_formulas_after_a_block_without_semicolon() -> None:
    body = parse_body("if (x) { a } b; while (y) { c } for (z) { d } e")
    kinds = [type(f) for f in body.formulas]
    assert kinds == [If, Action, While, For, Action]


def test_it_runs_in_order() -> None:
    printed = run_source(
        """
        !go.
        +!go <-
            if (1 > 0) { .print(a) } .print(b);
            for (.member(X, [1, 2])) { .print(X) }
            while (not n(1)) { +n(1) } .print(c);
            .print(d).
        """
    )
    assert printed == ["a", "b", "1", "2", "c", "d"]


def test_elif_else_chains_and_empty_blocks() -> None:
    printed = run_source(
        """
        !go(2).
        +!go(N) <- if (N == 1) { .print(one) } elif (N == 2) { .print(two) } else { } .print(done).
        """
    )
    assert printed == ["two", "done"]


def test_a_leading_true_is_dropped() -> None:
    program = parse_program("+!g <- true; .print(x).")
    assert len(program.plans[0].body.formulas) == 1
