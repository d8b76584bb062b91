"""Functions in expressions: ``math.*`` and ``system.*``, the internal actions that are also functions
(``.length(L)``, ``.count(b(_))``), any internal action whose last argument is its result used as an
operand (``.nth(0, L) + 1``), and user functions (``{ register_function("myf.sum", 2, "sum") }``)."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.printer import format_term
from romas.agentspeak.unify import evaluate
from tests.agentspeak.conformance.syntax_support import run_source


def test_math_functions_evaluate() -> None:
    assert evaluate(parse_term("math.max(4, math.abs(-10))"), {}) == 10
    assert evaluate(parse_term("math.floor(2.5) + math.ceil(2.1)"), {}) == 5
    assert evaluate(parse_term("math.sqrt(16)"), {}) == 4
    assert evaluate(parse_term("math.sum([1, 2, 3]) * 2"), {}) == 12
    assert format_term(parse_term("math.abs(X) + 1")) == "(math.abs(X)+1)"


def test_functions_in_a_program() -> None:
    printed = run_source(
        """
        b(10). b(20). t(x).
        !go.
        +!go <-
            X = math.max(4, math.abs(-10)); .print(X);
            .print(math.max(4, math.abs(-10)));
            .print(.count(b(_)));
            L = [a, b, c]; .print(.length(L));
            +n(.length(L));
            ?n(N); .print(N);
            .print(.nth(1, [5, 6, 7]) + 1);
            if (.length(L) > 2) { .print(long) }
            T = system.time; if (T > 0) { .print(time) }
            R = math.random; if (R >= 0 & R < 1) { .print(random) }.
        """
    )
    assert printed == ["10", "10", "2", "3", "3", "7", "long", "time", "random"]


def test_user_functions_defined_by_rules() -> None:
    printed = run_source(
        """
        { register_function("myf.sum", 2, "sum") }
        sum(X, Y, S) :- S = X + Y.
        { register_function("myf.limit", 0, "limit") }
        limit(10).
        !go.
        +!go <- .print(myf.sum(1, 2)); .print(myf.limit); .print(myf.sum(5, myf.sum(2, myf.limit))).
        """
    )
    assert printed == ["3", "10", "17"]


def test_a_function_that_cannot_be_computed_fails_the_plan() -> None:
    printed = run_source(
        """
        !go.
        +!go <- math.median([1, 1, 3, a]); .print(not_reached).
        -!go <- .print(failed).
        """
    )
    assert printed == ["failed"]


def test_functions_in_rules_and_contexts() -> None:
    printed = run_source(
        """
        dist(X, Y, D) :- D = math.abs(X - Y).
        !go.
        +!go : dist(3, 10, D) & D == math.abs(-7) <- .print(D).
        """
    )
    assert printed == ["7"]
