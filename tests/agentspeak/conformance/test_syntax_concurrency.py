"""Concurrent composition: ``A |&| B`` goes on when both have ended, ``A ||| B`` when the first has (the
other is dropped); ``|&|`` binds tighter than ``|||``, and parentheses group: ``!a |&| (!b ||| !c)``."""

from __future__ import annotations

from romas.agentspeak import parse_body
from romas.agentspeak.printer import format_term
from romas.agentspeak.program import Action
from tests.agentspeak.conformance.syntax_support import run_source


def test_they_parse_as_forks() -> None:
    body = parse_body("!g(c) |&| (!g(a) ||| !g(b)); .print(x)")
    first = body.formulas[0]
    assert isinstance(first, Action)
    assert format_term(first.term).replace(" ", "") == ".fork(and,{!g(c)},{.fork(or,{!g(a)},{!g(b)})})"
    mixed = parse_body("!a |&| !b ||| !c").formulas[0]
    assert isinstance(mixed, Action)
    assert format_term(mixed.term).replace(" ", "") == ".fork(or,{.fork(and,{!a},{!b})},{!c})"


def test_and_waits_for_both() -> None:
    printed = run_source(
        """
        !start.
        +!start <- !g(1) |&| !g(2); .print(both).
        +!g(N) <- .wait(N * 10); .print(N).
        """
    )
    assert printed == ["1", "2", "both"]


def test_or_goes_on_with_the_first() -> None:
    printed = run_source(
        """
        !start.
        +!start <- (!g(50) ||| !g(10)); .print(first_done).
        +!g(N) <- .wait(N); .print(N).
        """
    )
    assert printed[:2] == ["10", "first_done"]
    assert "50" not in printed


def test_nested_composition() -> None:
    printed = run_source(
        """
        !start.
        +!start <- !g(c, 7) |&| (!g(a, 9) ||| !g(b, 3)); .print(end).
        +!g(X, N) <- .wait(N); .print(X).
        """
    )
    assert printed == ["b", "c", "end"]
