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
    Term,
    Var,
    is_number,
)


@internal(".substring")
def _substring(c: Call) -> IAResult:
    """Jason's ``.substring(S, T[, Start[, End]])``: whether ``S`` is in ``T`` (a term not a string counts
    as its printed form); with ``Start`` it backtracks over every position of ``S`` in ``T`` (``End`` is
    bound to the position of its last character); ``.substring(X, T, 5[, 7])`` cuts ``T`` from 5 (to 7)."""
    c.arity(2, 3, 4)
    a0, a1 = c.args[0], c.args[1]
    if len(c.args) >= 3 and is_number(c.args[2]) and (type(a0) is Var or type(a1) is Var):
        cut, whole = (a0, a1) if type(a0) is Var else (a1, a0)
        if type(whole) is Var:
            raise _bad(c, "the string and the substring must not both be unbound")
        text = text_of(whole)
        start = int(c.args[2])  # type: ignore[arg-type]
        end = len(text)
        if len(c.args) == 4 and is_number(c.args[3]):
            end = int(c.args[3])  # type: ignore[arg-type]
        if not (0 <= start <= end <= len(text)):
            raise _bad(c, f"{start}..{end} is outside {text!r}")
        return c.unify(cut, text[start:end])
    if type(a0) is Var or type(a1) is Var:
        raise _bad(c, "the string and the substring must be bound")
    sub = text_of(a0)
    text = text_of(a1)
    if len(c.args) == 2:
        return sub in text
    found: list[tuple[Term, Term]] = []
    i = text.find(sub)
    while i >= 0:
        if len(c.args) == 4:
            found.append(((c.args[2], c.args[3]), (i, i + len(sub) - 1)))
        else:
            found.append((c.args[2], i))
        i = text.find(sub, i + 1)
    return _each(c, found)


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
