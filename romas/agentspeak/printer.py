"""Printing terms, plans and programs back as AgentSpeak text that parses to the same thing."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from romas.agentspeak.terms import ANNOTATED_VAR, VAR_NS, Arith, Logic, PartialList, PlanTerm, Rel, Struct, Term, Var

if TYPE_CHECKING:
    from romas.agentspeak.program import Body, Formula, Plan, Program, Trigger

_PLAIN_ATOM = re.compile(r"[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*\Z")
_KEYWORDS = frozenset({"not", "div", "mod", "if", "elif", "else", "while", "for"})

# Binding strength of operators: higher binds tighter.
_PREC = {
    "or": 1,
    "and": 2,
    "not": 3,
    "rel": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "div": 6,
    "mod": 6,
    "**": 7,
    "neg": 8,
}
_ATOMIC = 9


def _quote(text: str, q: str) -> str:
    out = text.replace("\\", "\\\\").replace(q, "\\" + q)
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r").replace("\0", "\\0")
    return q + out + q


def format_functor(name: str) -> str:
    base = name
    prefix = ""
    if base.startswith("~"):
        prefix, base = "~", base[1:]
    if base.startswith(".") and re.fullmatch(r"\.[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*", base):
        return prefix + base
    ns = base.find("::")
    if ns > 0:  # a literal of a namespace, ``ns::b``
        return format_functor(base[:ns]) + "::" + prefix + format_functor(base[ns + 2 :])
    if _PLAIN_ATOM.match(base) and base not in _KEYWORDS:
        return prefix + base
    return prefix + _quote(base, "'")


def _number(n: int | float) -> str:
    if type(n) is int:
        return str(n)
    f = float(n)
    if math.isnan(f) or math.isinf(f):
        return "0" if math.isnan(f) else ("1.0e308" if f > 0 else "-1.0e308")
    text = repr(f)
    if "e" in text and "." not in text.split("e")[0]:
        mant, exp = text.split("e")
        text = f"{mant}.0e{exp}"
    return text


def _special(s: Struct) -> str:
    """A variable with annotations (``X[a]``) or a literal whose namespace is a variable (``NS::b``)."""
    if s.functor == ANNOTATED_VAR:
        return format_term(s.args[0]) + "[" + ", ".join(_wrap(a, _PREC["or"]) for a in s.annots) + "]"
    return format_term(s.args[0]) + "::" + format_term(s.args[1])


def _prec(t: Term) -> int:
    tt = type(t)
    if tt is Arith:
        if t.op.startswith("fn"):  # type: ignore[union-attr]
            return _ATOMIC
        return _PREC[t.op]  # type: ignore[union-attr]
    if tt is Rel:
        return _PREC["rel"]
    if tt is Logic:
        return _PREC[t.op]  # type: ignore[union-attr]
    if (tt is int or tt is float) and t < 0:  # type: ignore[operator]
        return _PREC["neg"]
    return _ATOMIC


def _wrap(t: Term, min_prec: int) -> str:
    s = format_term(t)
    if _prec(t) < min_prec:
        return f"({s})"
    return s


def format_term(t: Term) -> str:
    """AgentSpeak text of a term; anonymous and generated variables print as ``_``."""
    tt = type(t)
    if tt is Struct:
        s: Struct = t  # type: ignore[assignment]
        if s.functor == ANNOTATED_VAR or s.functor == VAR_NS:
            return _special(s)
        out = format_functor(s.functor)
        if s.args:
            out += "(" + ", ".join(_wrap(a, _PREC["or"]) for a in s.args) + ")"
        if s.annots:
            out += "[" + ", ".join(_wrap(a, _PREC["or"]) for a in s.annots) + "]"
        return out
    if tt is int or tt is float:
        return _number(t)  # type: ignore[arg-type]
    if tt is str:
        return _quote(t, '"')  # type: ignore[arg-type]
    if tt is Var:
        name = t.name  # type: ignore[union-attr]
        return "_" if name.startswith(("_#", "_%")) else name
    if tt is tuple:
        return "[" + ", ".join(_wrap(x, _PREC["and"]) for x in t) + "]"  # type: ignore[union-attr]
    if tt is PartialList:
        pl: PartialList = t  # type: ignore[assignment]
        return "[" + ", ".join(_wrap(x, _PREC["and"]) for x in pl.items) + " | " + _wrap(pl.tail, _PREC["and"]) + "]"
    if tt is Arith:
        a: Arith = t  # type: ignore[assignment]
        if a.op.startswith("fn"):  # a function call, ``math.abs(X)``
            return format_term(a.left)
        p = _PREC[a.op]
        if a.op == "neg":
            return "-" + _wrap(a.left, p + 1 if type(a.left) in (int, float) else p)
        assert a.right is not None
        if a.op == "**":  # right associative
            return f"{_wrap(a.left, p + 1)} ** {_wrap(a.right, p)}"
        return f"{_wrap(a.left, p)} {a.op} {_wrap(a.right, p + 1)}"
    if tt is Rel:
        r: Rel = t  # type: ignore[assignment]
        p = _PREC["rel"]
        return f"{_wrap(r.left, p + 1)} {r.op} {_wrap(r.right, p + 1)}"
    if tt is Logic:
        lg: Logic = t  # type: ignore[assignment]
        p = _PREC[lg.op]
        if lg.op == "not":
            return "not " + _wrap(lg.left, p)
        assert lg.right is not None
        sym = "&" if lg.op == "and" else "|"
        return f"{_wrap(lg.left, p)} {sym} {_wrap(lg.right, p + 1)}"
    if tt is PlanTerm:
        plan = t.plan  # type: ignore[union-attr]
        from romas.agentspeak.program import Body, Rule

        if isinstance(plan, Body):
            if not plan.formulas:
                return "{ }"
            return "{ " + "; ".join(_formula(f, "").replace("\n", " ") for f in plan.formulas) + " }"
        if isinstance(plan, Rule):
            return "{ " + format_term(plan.head) + " :- " + format_term(plan.body) + " }"
        return "{ " + format_plan(plan, end="", one_line=True) + " }"  # type: ignore[arg-type]
    return repr(t)


def format_trigger(trigger: Trigger) -> str:
    return trigger.op + trigger.kind + format_term(trigger.literal)


def _formula(f: Formula, indent: str) -> str:
    from romas.agentspeak.program import Action, BeliefUpdate, Condition, For, Goal, If, While

    if isinstance(f, Goal):
        return f.kind + format_term(f.literal)
    if isinstance(f, BeliefUpdate):
        return f.op + format_term(f.literal)
    if isinstance(f, Action):
        return format_term(f.term)
    if isinstance(f, Condition):
        text = format_term(f.expr)
        return f"({text})" if text.startswith("-") else text
    if isinstance(f, If):
        parts = []
        for i, (cond, body) in enumerate(f.branches):
            kw = "if" if i == 0 else "elif"
            parts.append(f"{kw} ({format_term(cond)}) {_block(body, indent)}")
        if f.orelse is not None:
            parts.append(f"else {_block(f.orelse, indent)}")
        return " ".join(parts)
    if isinstance(f, While):
        return f"while ({format_term(f.cond)}) {_block(f.body, indent)}"
    if isinstance(f, For):
        return f"for ({format_term(f.cond)}) {_block(f.body, indent)}"
    raise TypeError(f"not a formula: {f!r}")


def _block(body: Body, indent: str) -> str:
    if not body.formulas:
        return "{ }"
    inner = indent + "    "
    return "{\n" + ";\n".join(inner + _formula(f, inner) for f in body.formulas) + "\n" + indent + "}"


def format_body(body: Body, indent: str = "") -> str:
    """A plan body on one or several lines, formulas separated by ``;``."""
    return (";\n" + indent).join(_formula(f, indent) for f in body.formulas)


def format_plan(plan: Plan, end: str = ".", one_line: bool = False) -> str:
    """A plan as text; ``one_line`` keeps it on a single line (plans used as terms, snapshots)."""
    out = ""
    if plan.label is not None:
        label = plan.label
        if label.functor == "":  # ``@[atomic]`` or ``@L`` in a plan term
            out += "@" + (format_term(label.args[0]) if label.args else "")
            out += ("[" + ", ".join(format_term(a) for a in label.annots) + "]" if label.annots else "") + " "
        else:
            out += "@" + format_term(label) + " "
    out += format_trigger(plan.trigger)
    if plan.context is not None:
        out += " : " + format_term(plan.context)
    if plan.body.formulas:
        if one_line:
            out += " <- " + "; ".join(_formula(f, "").replace("\n", " ") for f in plan.body.formulas)
        else:
            out += "\n    <- " + format_body(plan.body, "       ")
    return out + end


def format_program(program: Program) -> str:
    """The whole program as text: beliefs, rules, initial goals, then plans."""
    lines: list[str] = []
    for b in program.beliefs:
        lines.append(format_term(b) + ".")
    for r in program.rules:
        lines.append(f"{format_term(r.head)} :- {format_term(r.body)}.")
    for g in program.goals:
        lines.append("!" + format_term(g) + ".")
    for p in program.plans:
        lines.append(format_plan(p))
    return "\n".join(lines) + ("\n" if lines else "")
