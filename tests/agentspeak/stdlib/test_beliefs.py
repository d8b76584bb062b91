"""``.setof``, ``.eval``, ``.belief``, ``.asserta``/``.assertz`` and rules as seen by the stdlib."""

from __future__ import annotations

from ..support import RecordingHost
from .helpers import fails, outcome, t, values


def test_setof_is_sorted_and_unique() -> None:
    assert values(".setof(X, c(X), L)", "c(200). c(100). c(300). c(100).")["L"] == t("[100, 200, 300]")
    assert values(".setof(X, c(X) & X > 150, L)", "c(200). c(100). c(300).")["L"] == t("[200, 300]")


def test_eval() -> None:
    assert values(".eval(X, true | false)")["X"] == t("true")
    assert values(".eval(X, 3 < 5 & not 4 + 2 < 3)")["X"] == t("true")
    assert values(".eval(X, b(3))", "b(1).")["X"] == t("false")


def test_belief_ignores_rules() -> None:
    source = "b(1). b(2). b(3) :- true. c(X) :- b(X)."
    assert values(".findall(X, .belief(b(X)), L)", source)["L"] == t("[1, 2]")
    assert values(".findall(X, .belief(c(X)), L)", source)["L"] == t("[]")
    assert values(".findall(X, b(X), L)", source)["L"] == t("[1, 2, 3]")


def test_asserta_puts_first_assertz_last() -> None:
    got = values(".asserta(b(0)); .assertz(b(9)); .findall(X, b(X), L); ?b(F)", "b(1). b(2).")
    assert got["L"] == t("[0, 1, 2, 9]")
    assert got["F"] == 0


def test_asserta_adds_source_self_and_events() -> None:
    host = RecordingHost()
    out = outcome(".asserta(b(1)); .wait(10); ?seen(X)", "+b(X)[source(self)] <- +seen(X).", host)
    assert out.status == "succeeded"
    assert out.bindings["X"] == 1


def test_relevant_rules() -> None:
    got = values(".relevant_rules(p(_), L); .length(L, N)", "p(X) :- q(X). p(1) :- true. q(2).")
    assert got["N"] == 2
    assert "literal" in fails(".relevant_rules(3, L)")


def test_list_rules_prints_every_rule() -> None:
    host = RecordingHost()
    assert outcome(".list_rules", "p(X) :- q(X). q(1).", host).status == "succeeded"
    assert len(host.texts()) == 1 and host.texts()[0].startswith("p(X) :- q(X)")
