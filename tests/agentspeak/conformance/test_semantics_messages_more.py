"""More of Jason's semantics found by its own unit tests: annotation lists with a tail (``p[a|T]``) and
plans added by messages or achieved goals being active for the next message."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.printer import format_term
from romas.agentspeak.terms import Term
from romas.agentspeak.unify import resolve, unify
from tests.agentspeak.conformance.syntax_support import run_source


def test_annotation_tail_takes_the_unmatched_annotations() -> None:
    env: dict[str, Term] = {}
    assert unify(parse_term("Name[Head|Tail]"), parse_term("b[test,atomic]"), env)
    assert format_term(resolve(parse_term("Name"), env)) == "b"
    head = format_term(resolve(parse_term("Head"), env))
    tail = format_term(resolve(parse_term("Tail"), env))
    assert {head, tail} == {"test", "[atomic]"} or {head, tail} == {"atomic", "[test]"}
    env2: dict[str, Term] = {}
    assert unify(parse_term("p[a|T]"), parse_term("p[a,b,c]"), env2)
    assert format_term(resolve(parse_term("T"), env2)) == "[b,c]"
    assert format_term(resolve(parse_term("p[a|T]"), env2)) == "p[a,b,c]"
    assert not unify(parse_term("p[x|T]"), parse_term("p[a]"), {})


def test_annotation_tail_in_a_plan_body() -> None:
    printed = run_source(
        """
        !g.
        +!g <- L = a[test]; L = N[H|T]; .print(N, " ", H, " ", T).
        """
    )
    assert printed == ["a test []"]
