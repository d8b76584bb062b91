"""Variables with annotations, ``X[a]``: in triggers (``-!G[error(E)]``), contexts (``_[source(S)]``) and
bodies (``B[source(bob)]``). As in Jason, ``X[a]`` matches a literal having at least the annotation ``a``,
and ``X`` is bound to the literal without its annotations."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.printer import format_term
from romas.agentspeak.terms import Term
from romas.agentspeak.unify import resolve, unify
from tests.agentspeak.conformance.syntax_support import run_source


def test_unification_binds_the_variable_without_the_annotations() -> None:
    env: dict[str, Term] = {}
    assert unify(parse_term("X[a]"), parse_term("p(1)[a, b]"), env)
    assert format_term(resolve(parse_term("X"), env)) == "p(1)"
    assert not unify(parse_term("X[c]"), parse_term("p(1)[a, b]"), {})
    env2: dict[str, Term] = {}
    assert unify(parse_term("X[source(S)]"), parse_term("p[source(bob)]"), env2)
    assert format_term(resolve(parse_term("S"), env2)) == "bob"


def test_applying_bindings_adds_the_annotations() -> None:
    env: dict[str, Term] = {}
    assert unify(parse_term("B"), parse_term("p(1)"), env)
    assert resolve(parse_term("B[source(bob)]"), env) == parse_term("p(1)[source(bob)]")


def test_failure_plan_for_any_goal() -> None:
    printed = run_source(
        """
        !g(1).
        +!g(X) <- .fail.
        -!G[error(E)] <- if (G == g(1) & E == ia_failed) { .print(recovered) }.
        """
    )
    assert printed == ["recovered"]


def test_context_with_an_anonymous_annotated_variable() -> None:
    printed = run_source(
        """
        p(1)[source(bob)].
        q(2)[source(alice)].
        !go.
        +!go : _[source(alice)] & X[source(bob)] <- if (X == p(1)) { .print(ok) }.
        """
    )
    assert printed == ["ok"]


def test_body_adds_a_belief_through_an_annotated_variable() -> None:
    printed = run_source(
        """
        !go.
        +!go <- B = info(3); +B[source(bob)]; ?info(N)[source(S)]; if (N == 3 & S == bob) { .print(ok) }.
        """
    )
    assert printed == ["ok"]


def test_count_and_abolish_with_annotated_variables() -> None:
    printed = run_source(
        """
        a[source(ag2)]. b(1)[source(ag2)]. c[source(ag1)].
        !go.
        +!go <- .count(_[source(ag2)], N); .print(N).
        """
    )
    assert printed == ["2"]
