"""Belief updates beyond ``+b -b -+b``: ``+<b`` (as ``+b``), ``+>b`` (added after the others), ``++b`` and
``--b`` (new focus), and ``+{plan}`` / ``+>{plan}`` / ``-{plan}`` on the plan library."""

from __future__ import annotations

from romas.agentspeak import parse_body
from romas.agentspeak.printer import format_body
from tests.agentspeak.conformance.syntax_support import run_source


def test_the_operators_parse_and_print_back() -> None:
    body = parse_body("+<a; +>b; ++c; --d; -+e")
    assert format_body(body).replace("\n", " ") == "+a; +>b; ++c; --d; -+e"


def test_added_at_the_end_is_found_last() -> None:
    printed = run_source(
        """
        !go.
        +!go <- +b(1); +b(2); +>b(3); .findall(X, b(X), L); .nth(2, L, Last); .print(Last).
        """
    )
    assert printed == ["3"]


def test_new_focus_updates() -> None:
    printed = run_source(
        """
        !go.
        +!go <- ++x; .print(added); --x; if (not x) { .print(removed) }.
        +x <- .print(event).
        """
    )
    assert "added" in printed and "removed" in printed and "event" in printed


def test_plans_added_and_removed_with_plus_and_minus() -> None:
    printed = run_source(
        """
        !go.
        +!go <-
            +{ +!h <- .print(first) };
            +>{ +!h <- .print(second) };
            !h;
            .relevant_plans({ +!h }, L); .length(L, N); .print(N).
        """
    )
    assert printed == ["first", "2"]
