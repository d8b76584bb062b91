"""Unification, applying bindings, arithmetic and the term order; property-based where it fits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from romas.agentspeak import format_term, parse_term, source_term
from romas.agentspeak.terms import PartialList, Struct, Term, Var, is_ground
from romas.agentspeak.unify import EvalError, compare, compute, evaluate, resolve, undo, unify

atoms = st.sampled_from(["a", "b", "foo", "bar_1", "x"]).map(Struct)
variables = st.sampled_from(["X", "Y", "Z", "W"]).map(Var)
numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3)))
strings = st.text(alphabet="abc \"\\\n'xyz", max_size=5)


def _terms(leaves: st.SearchStrategy[Term]) -> st.SearchStrategy[Term]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.builds(
                lambda f, args: Struct(f, tuple(args)),
                st.sampled_from(["f", "g", "p"]),
                st.lists(children, min_size=1, max_size=3),
            ),
            st.lists(children, max_size=3).map(tuple),
        ),
        max_leaves=8,
    )


plain_terms = _terms(st.one_of(atoms, variables, numbers, strings))
ground_terms = _terms(st.one_of(atoms, numbers, strings))


def _unified(a: Term, b: Term) -> tuple[bool, dict[str, Term]]:
    env: dict[str, Term] = {}
    return unify(a, b, env), env


@given(plain_terms, plain_terms)
def test_unify_is_symmetric(a: Term, b: Term) -> None:
    assert _unified(a, b)[0] == _unified(b, a)[0]


@given(plain_terms, plain_terms)
def test_a_unifier_makes_both_sides_equal(a: Term, b: Term) -> None:
    ok, env = _unified(a, b)
    if ok:
        assert resolve(a, env) == resolve(b, env)


@given(plain_terms)
def test_a_term_unifies_with_itself_without_binding(a: Term) -> None:
    ok, env = _unified(a, a)
    assert ok and env == {}


@given(ground_terms, ground_terms)
def test_ground_terms_unify_exactly_when_equal(a: Term, b: Term) -> None:
    assert _unified(a, b)[0] == (a == b)


@given(plain_terms, plain_terms)
def test_undo_restores_the_bindings(a: Term, b: Term) -> None:
    env: dict[str, Term] = {"Q": 1}
    trail: list[str] = []
    unify(a, b, env, trail)
    undo(env, trail, 0)
    assert env == {"Q": 1}


@settings(max_examples=200)
@given(_terms(st.one_of(atoms, variables, numbers, strings)))
def test_print_then_parse_gives_the_same_term(t: Term) -> None:
    assert parse_term(source_term(t)) == t


def test_occurs_check() -> None:
    assert not _unified(Var("X"), Struct("f", (Var("X"),)))[0]
    assert not _unified((Var("X"),), PartialList((1,), Var("X")))[0]
    ok, env = _unified(Struct("f", (Var("X"), Var("Y"))), Struct("f", (Var("Y"), 1)))
    assert ok and resolve(Var("X"), env) == 1


def test_lists_with_tails() -> None:
    ok, env = _unified(parse_term("[H | T]"), parse_term("[1, 2, 3]"))
    assert ok and resolve(Var("H"), env) == 1 and resolve(Var("T"), env) == (2, 3)
    ok, env = _unified(parse_term("[1, X | T]"), parse_term("[A, 2 | U]"))
    assert ok and resolve(parse_term("[1, X | T]"), env) == resolve(parse_term("[A, 2 | U]"), env)
    assert not _unified(parse_term("[1, 2 | T]"), parse_term("[1]"))[0]


def test_annotations_unify_by_inclusion() -> None:
    assert _unified(parse_term("p[a]"), parse_term("p[b, a]"))[0]
    assert not _unified(parse_term("p[a, c]"), parse_term("p[b, a]"))[0]
    ok, env = _unified(parse_term("p(1)[source(S)]"), parse_term("p(1)[x, source(bob)]"))
    assert ok and env["S"] == Struct("bob")
    assert _unified(parse_term("p(1)"), parse_term("p(1)[x]"))[0]


def test_numbers_and_strings() -> None:
    assert _unified(1, 1.0)[0]
    assert not _unified("a", Struct("a"))[0]
    assert not _unified(Struct("f", (1,)), Struct("f", (1, 2)))[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7 div 2", 3),
        ("-7 div 2", -3),
        ("7 mod 3", 1),
        ("-7 mod 3", -1),
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("2 ** 10", 1024),
        ("2 ** -1", 0.5),
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-(3)", -3),
        ("1.5 + 1", 2.5),
    ],
)
def test_arithmetic(text: str, value: float) -> None:
    result = evaluate(parse_term(text), {})
    assert result == value and type(result) is type(value)


def test_arithmetic_errors() -> None:
    with pytest.raises(EvalError, match="division by zero"):
        evaluate(parse_term("1 div 0"), {})
    with pytest.raises(EvalError, match="unbound variable X"):
        evaluate(parse_term("X + 1"), {})
    with pytest.raises(EvalError, match="too large"):
        compute("**", 10, 100000)
    with pytest.raises(EvalError, match="is not a number"):
        evaluate(parse_term("a + 1"), {})


def test_resolve_evaluates_bound_arithmetic_only() -> None:
    t = parse_term("f(X + 1, Y * 2)")
    r = resolve(t, {"X": 4})
    assert format_term(r) == "f(5,(Y*2))"
    assert not is_ground(r)


def test_standard_order() -> None:
    items = [parse_term(x) for x in ['"s"', "b", "1", "f(a)", "a", "[1]", "2.5", "g(a, b)"]]
    import functools

    ordered = sorted(items, key=functools.cmp_to_key(compare))
    assert [format_term(x) for x in ordered] == ["1", "2.5", "a", "b", "f(a)", "g(a,b)", '"s"', "[1]"]
