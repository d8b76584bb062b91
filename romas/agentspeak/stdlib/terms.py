"""Terms: type tests, ``.term2string``, ``.abs`` ..."""

from __future__ import annotations

from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _number,
    internal,
)
from romas.agentspeak.terms import (
    PartialList,
    Struct,
    Var,
    is_ground,
    is_number,
)


@internal(".abs")
def _abs(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], abs(_number(c, c.args[0])))


@internal(".term2string")
def _term2string(c: Call) -> IAResult:
    c.arity(2)
    t, s = c.args
    if type(t) is not Var:
        return c.unify(s, format_term(t))
    if type(s) is str:
        from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
        from romas.agentspeak.parser import parse_term

        try:
            parsed = parse_term(s)
        except AgentSpeakSyntaxError as e:
            raise _bad(c, f"{s!r} is not a term: {e}") from None
        return c.unify(t, c.agent.import_term(parsed))
    raise _bad(c, "one argument must be bound")


@internal(".string")
def _is_string(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) is str


@internal(".number")
def _is_number(c: Call) -> IAResult:
    c.arity(1)
    return is_number(c.args[0])


@internal(".atom")
def _is_atom(c: Call) -> IAResult:
    c.arity(1)
    x = c.args[0]
    return type(x) is Struct and not x.args and not x.annots


@internal(".structure")
def _is_structure(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) in (Struct, tuple, PartialList)


@internal(".literal")
def _is_literal(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) is Struct


@internal(".list")
def _is_list(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) is tuple or type(c.args[0]) is PartialList


@internal(".ground")
def _is_ground(c: Call) -> IAResult:
    c.arity(1)
    return is_ground(c.args[0])
