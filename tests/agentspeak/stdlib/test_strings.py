"""``.replace`` and the string side of the list actions."""

from __future__ import annotations

from .helpers import fails, t, values


def test_replace_every_occurrence() -> None:
    assert values('.replace("a-b-c", "-", "+", S)')["S"] == "a+b+c"
    assert values('.replace(ab(c), "b", "x", S)')["S"] == "ax(c)"
    assert values('.replace("abc", "", "x", S)')["S"] == "abc"


def test_replace_patterns_are_literal() -> None:
    # a pattern is never run as a regular expression (no unbounded matching from agent code)
    assert values('.replace("a.c abc", ".", "!", S)')["S"] == "a!c abc"


def test_replace_needs_strings() -> None:
    assert "must be strings" in fails('.replace("abc", b, c, S)')
    assert t('"x"') == "x"
