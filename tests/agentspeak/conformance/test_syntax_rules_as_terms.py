"""Rules as terms: ``+{a :- b}`` adds a rule, ``-{a :- b}`` removes it, ``{a :- b}`` is a value."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.program import Rule
from romas.agentspeak.serialise import term_from_json, term_to_json
from romas.agentspeak.terms import PlanTerm
from tests.agentspeak.conformance.syntax_support import run_source


def test_a_rule_is_a_term() -> None:
    t = parse_term("{ a(X) :- b(X) & X > 1 }")
    assert type(t) is PlanTerm and isinstance(t.plan, Rule)
    assert term_from_json(term_to_json(t)) == t


def test_rules_added_and_removed_by_the_body() -> None:
    printed = run_source(
        """
        b(1). b(2). b(3).
        !go.
        +!go <-
            +{ r(Y) :- b(Y) & Y > 1 };
            .findall(Y, r(Y), L);
            if (L == [2, 3]) { .print(added) }
            -{ r(Y) :- b(Y) & Y > 1 };
            .findall(Y, r(Y), L2);
            if (L2 == []) { .print(removed) }.
        """
    )
    assert printed == ["added", "removed"]


def test_a_rule_bound_to_a_variable_is_added() -> None:
    printed = run_source(
        """
        !go.
        +!go <- R = { big(X) :- X > 10 }; +R; if (big(11) & not big(3)) { .print(ok) }.
        """
    )
    assert printed == ["ok"]


def test_rules_told_as_terms() -> None:
    printed = run_source(
        """
        c.
        !go.
        +!go <- L = [{ a :- c }]; .member(R, L); +R; if (a) { .print(ok) }.
        """
    )
    assert printed == ["ok"]
