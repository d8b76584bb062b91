"""Types, annotations and copies of terms."""

from __future__ import annotations

import pytest

from romas.agentspeak.terms import Var

from .helpers import t, values


@pytest.mark.parametrize(
    ("term", "types"),
    [
        ('"home page"', "[string, ground]"),
        ("b(10)", "[literal, structure, ground]"),
        ("b", "[atom, literal, structure, ground]"),
        ("~b", "[literal, structure, ground]"),
        ("10", "[number, ground]"),
        ("[a, X]", "[list, structure]"),
        ("Z", "[free]"),
    ],
)
def test_type_backtracks_every_type(term: str, types: str) -> None:
    assert values(f".findall(T, .type({term}, T), L)")["L"] == t(types)


def test_type_checks_one_type() -> None:
    body = 'if (.type("a", string) & not .type(b(1), atom) & .type(b, atom)) { X = ok }'
    assert values(body)["X"] == t("ok")


def test_annotations() -> None:
    assert values(".add_annot(a, x, B)")["B"] == t("a[x]")
    assert values(".add_annot([a, b[y]], [x], B)")["B"] == t("[a[x], b[y, x]]")
    assert values(".add_nested_source(a, jomi, B)")["B"] == t("a[source(jomi)]")
    assert values(".add_nested_source([a1, a2], jomi, B)")["B"] == t("[a1[source(jomi)], a2[source(jomi)]]")
    assert values(".add_nested_source(a[source(bob)], jomi, B)")["B"] == t("a[source(jomi)[source(bob)]]")
    assert values(".remove_source_annot(a[source(bob), x], B)")["B"] == t("a[x]")
    assert values(".remove_source_annot([a[source(bob)], b], B)")["B"] == t("[a, b]")


def test_copies_have_fresh_variables() -> None:
    got = values("X = 1; .copy_term(f(X, Y, Y), C); .rename_apart(g(Y), R)")
    c = got["C"]
    assert c.functor == "f" and c.args[0] == 1  # type: ignore[union-attr]
    assert type(c.args[1]) is Var and c.args[1] == c.args[2]  # type: ignore[union-attr]
    assert c.args[1] != Var("Y")  # type: ignore[union-attr]
    r = got["R"]
    assert type(r.args[0]) is Var and r.args[0] != Var("Y")  # type: ignore[union-attr]


def test_internal_action_check() -> None:
    body = "if (.internal_action(.print(a)) & not .internal_action(p)) { X = ok }"
    assert values(body)["X"] == t("ok")
