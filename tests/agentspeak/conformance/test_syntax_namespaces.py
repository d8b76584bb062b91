"""Namespaces: ``ns::b`` literals, ``::b`` (the namespace the file is read into), ``NS::b`` (a namespace
variable), ``default::b`` (= ``b``), ``{ namespace(ns) }``, ``{ begin namespace(ns) } ... { end }`` and
``.namespace(NS)``."""

from __future__ import annotations

from romas.agentspeak import parse_program, parse_term
from romas.agentspeak.printer import format_term
from romas.agentspeak.terms import Struct
from tests.agentspeak.conformance.syntax_support import run_source


def test_namespaced_literals_parse_and_print() -> None:
    assert format_term(parse_term("family::brother(bob)")) == "family::brother(bob)"
    assert parse_term("default::b") == Struct("b")
    assert format_term(parse_term("NS::b(X)")) == "NS::b(X)"
    assert format_term(parse_term("ns::~b")) == "ns::~b"


def test_beliefs_of_different_namespaces_are_different() -> None:
    printed = run_source(
        """
        b(1). ns::b(2).
        !go.
        +!go <- ?b(X); ?ns::b(Y); .print(X); .print(Y); .findall(Z, default::b(Z), L); .length(L, N); .print(N).
        """
    )
    assert printed == ["1", "2", "1"]


def test_namespace_variables_match_any_namespace() -> None:
    printed = run_source(
        """
        family::brother(bob).
        !go.
        +!go <- ?NS::brother(B); .print(NS); .print(B); X = NS::sister(ann); +X; ?family::sister(S); .print(S).
        """
    )
    assert printed == ["family", "bob", "ann"]


def test_the_namespace_action() -> None:
    printed = run_source(
        """
        !go.
        +!go <-
            if (not .namespace(family)) { .print(none_yet) }
            +a(1); +family::brother(bob); +financial::account(1234);
            if (.namespace(family) & .namespace(financial) & .namespace(default)) { .print(known) }
            .findall(N, .namespace(N), L); .length(L, C); .print(C).
        """
    )
    assert printed == ["none_yet", "known", "3"]


def test_begin_namespace_puts_the_enclosed_clauses_in_it() -> None:
    program = parse_program(
        """
        { begin namespace(inner) }
        b(1).
        +!g : b(X) <- +c(X); .print(X).
        { end }
        d.
        """
    )
    assert program.beliefs == [Struct("inner::b", (1,)), Struct("d")]
    plan = program.plans[0]
    assert format_term(plan.trigger.literal) == "inner::g"
    printed = run_source(
        """
        { begin namespace(inner) }
        b(1).
        +!g : b(X) <- +c(X); .print(X).
        { end }
        !inner::g.
        """
    )
    assert printed == ["1"]


def test_local_namespaces_get_a_name_of_their_own() -> None:
    program = parse_program("{ namespace(priv, local) }\npriv::secret(1).\npub::open(2).")
    functors = [b.functor for b in program.beliefs]
    assert functors[1] == "pub::open"
    assert functors[0].endswith("priv::secret") and functors[0] != "priv::secret"
