"""Strings: ``.substring``, ``.lower_case``, ``.upper_case`` ..."""

from __future__ import annotations

from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _each,
    internal,
    text_of,
)
from romas.agentspeak.terms import (
    Var,
)


@internal(".substring")
def _substring(c: Call) -> IAResult:
    c.arity(2, 3)
    if type(c.args[0]) is Var or type(c.args[1]) is Var:
        raise _bad(c, "the string and the substring must be bound")
    sub = text_of(c.args[0])
    text = text_of(c.args[1])
    if len(c.args) == 2:
        return sub in text
    pos = c.args[2]
    positions = []
    i = text.find(sub)
    while i >= 0:
        positions.append(i)
        i = text.find(sub, i + 1)
    return _each(c, ((pos, p) for p in positions))


@internal(".lower_case")
def _lower(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], text_of(c.args[0]).lower())


@internal(".upper_case")
def _upper(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], text_of(c.args[0]).upper())


@internal(".replace")
def _replace(c: Call) -> IAResult:
    """``.replace(S, Old, New, R)``: every ``Old`` in ``S`` replaced by ``New``. The pattern is taken
    literally (Jason reads it as a Java regular expression; running arbitrary patterns from agent code
    could take unbounded time)."""
    c.arity(4)
    text, old, new, result = c.args
    if type(old) is not str or type(new) is not str:
        raise _bad(c, "the pattern and the replacement must be strings")
    if not old:
        return c.unify(result, text_of(text))
    return c.unify(result, text_of(text).replace(old, new))
