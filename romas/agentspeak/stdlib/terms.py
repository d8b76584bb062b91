"""Terms: type tests, ``.type``, ``.term2string``, annotations, copies ..."""

from __future__ import annotations

from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _each,
    _number,
    internal,
)
from romas.agentspeak.terms import (
    GROUND_OBJECTS,
    PartialList,
    PlanTerm,
    Struct,
    Term,
    Var,
    is_ground,
    is_number,
)
from romas.agentspeak.unify import rename


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
    # as Jason: ~b is a literal, not an atom
    return type(x) is Struct and not x.args and not x.annots and not x.functor.startswith("~")


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


# ---- annotations, copies and types ---------------------------------------------------------------------------


def _annotated(c: Call, t: Term, extra: tuple[Term, ...]) -> Term:
    if type(t) is tuple:
        return tuple(_annotated(c, x, extra) for x in t)
    if type(t) is Struct:
        return Struct(t.functor, t.args, t.annots + tuple(a for a in extra if a not in t.annots))
    raise _bad(c, f"expected a literal or a list of literals, got {format_term(t)}")


@internal(".add_annot")
def _add_annot(c: Call) -> IAResult:
    c.arity(3)
    extra = c.args[1] if type(c.args[1]) is tuple else (c.args[1],)
    return c.unify(c.args[2], _annotated(c, c.args[0], extra))


def _nested_source(c: Call, t: Term, source: Term) -> Term:
    if type(t) is tuple:
        return tuple(_nested_source(c, x, source) for x in t)
    if type(t) is not Struct:
        raise _bad(c, f"expected a literal or a list of literals, got {format_term(t)}")
    old = tuple(a for a in t.annots if type(a) is Struct and a.functor == "source")
    rest = tuple(a for a in t.annots if a not in old)
    new = Struct("source", (source,), old)  # the old sources are the new source's sources
    return Struct(t.functor, t.args, (*rest, new))


@internal(".add_nested_source")
def _add_nested_source(c: Call) -> IAResult:
    c.arity(3)
    return c.unify(c.args[2], _nested_source(c, c.args[0], c.args[1]))


def _no_source(t: Term) -> Term:
    if type(t) is Struct:
        return Struct(
            t.functor, t.args, tuple(a for a in t.annots if not (type(a) is Struct and a.functor == "source"))
        )
    if type(t) is PlanTerm:
        from romas.agentspeak.program import Plan

        plan = t.plan
        if isinstance(plan, Plan) and plan.label is not None:
            from dataclasses import replace

            return PlanTerm(replace(plan, label=_no_source(plan.label), code=None))  # type: ignore[arg-type]
    return t


@internal(".remove_source_annot")
def _remove_source_annot(c: Call) -> IAResult:
    c.arity(2)
    t = c.args[0]
    out = tuple(_no_source(x) for x in t) if type(t) is tuple else _no_source(t)
    return c.unify(c.args[1], out)


def _fresh_copy(c: Call, t: Term) -> Term:
    return rename(t, {}, c.agent.fresh_name)


@internal(".copy_term")
def _copy_term(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], _fresh_copy(c, c.args[0]))


@internal(".rename_apart")
def _rename_apart(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], _fresh_copy(c, c.args[0]))


def type_names(t: Term) -> list[str]:
    """Jason's types of a term, from the most primitive."""
    tt = type(t)
    out: list[str] = []
    if tt is int or tt is float:
        out.append("number")
    if tt is Struct and not t.args and not t.annots and not t.functor.startswith("~"):  # type: ignore[union-attr]
        out.append("atom")
    if tt is Struct:
        out.append("literal")
    if tt is str:
        out.append("string")
    if tt is tuple or tt is PartialList:
        out.append("list")
    if tt in GROUND_OBJECTS:  # Jason's collections
        kind = t.kind  # type: ignore[union-attr]
        if kind != "queue":
            out.append(kind)
    if tt is Struct or tt is tuple or tt is PartialList:
        out.append("structure")
    if tt is PlanTerm:
        out.append("plan")
    if tt in GROUND_OBJECTS and t.kind == "queue":  # type: ignore[union-attr]
        out.append("queue")
    if is_ground(t):
        out.append("ground")
    if tt is Var:
        out.append("free")
    return out


@internal(".type")
def _type(c: Call) -> IAResult:
    c.arity(2)
    return _each(c, ((c.args[1], Struct(n)) for n in type_names(c.args[0])))


@internal(".internal_action")
def _is_internal_action(c: Call) -> IAResult:
    c.arity(1)
    t = c.args[0]
    return type(t) is Struct and "." in t.functor and not t.functor.startswith("~")
