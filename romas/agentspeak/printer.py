"""Printing terms, plans and programs.

Two forms:

* **Jason's form** (:func:`format_term`, :func:`format_plan`, :func:`format_program` ...) is what users see:
  ``.print``, logs, the mind of an agent, error messages. It is exactly what Jason's ``toString`` gives:
  ``f(a,b)[x,y]``, ``[1,2|T]``, whole numbers without ``.0`` (``3``), other numbers as Java prints a
  ``double`` (``1.5``, ``1.0E-4``, ``1.0E20``), strings quoted but not escaped, annotations in Jason's order,
  operators in parentheses (``(X+1)``, ``(X > 3)``, ``(a & b)``, ``not (b)``), generated variables as
  ``_12``, ``if``/``while``/``for`` as Jason's ``.if_then_else``/``.loop``/``.foreach``.
* **The source form** (:func:`source_term`, :func:`source_plan`, :func:`source_program`) is AgentSpeak text
  that parses back to the very same thing (``3.0`` stays a float, strings are escaped); romas stores it
  (snapshots, message contents, agents created by agents). It looks like Jason's form wherever it can.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from romas.agentspeak.terms import (
    ANNOTATED_VAR,
    ANNOTS_TAIL,
    GROUND_OBJECTS,
    VAR_NS,
    Arith,
    Logic,
    PartialList,
    PlanTerm,
    Rel,
    Struct,
    Term,
    Var,
)

if TYPE_CHECKING:
    from romas.agentspeak.program import Body, Formula, Plan, Program, Rule, Trigger

_PLAIN_ATOM = re.compile(r"[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*\Z")
_INTERNAL = re.compile(r"\.[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*\Z")
_LOCAL_NS = re.compile(r"#[0-9]+[a-z][a-zA-Z0-9_]*\Z")
_KEYWORDS = frozenset({"not", "div", "mod", "if", "elif", "else", "while", "for"})

# Binding strength of operators in the source form: higher binds tighter.
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

# How Jason prints each arithmetic operator between its operands.
_JASON_ARITH = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**", "div": " div ", "mod": " mod "}

_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1


def _quote(text: str, q: str) -> str:
    out = text.replace("\\", "\\\\").replace(q, "\\" + q)
    out = out.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r").replace("\0", "\\0")
    return q + out + q


def format_functor(name: str, local_ns: bool = False) -> str:
    """A functor as written in AgentSpeak: quoted when it is not a plain atom (``'hello world'``).
    ``local_ns``: a module-local namespace (``#1priv``) is written as Jason prints it, unquoted."""
    base = name
    prefix = ""
    if base.startswith("~"):
        prefix, base = "~", base[1:]
    ns, sep, rest = base.partition("::")
    if local_ns and not sep and _LOCAL_NS.match(base):
        return prefix + base  # a local namespace as an atom (``NS::b`` bound it): Jason prints it as is
    if sep and ns and rest.lstrip("~"):
        # a namespace: Jason writes ns::~p
        if rest.startswith("~"):
            prefix, rest = "~", rest[1:]
        shown = ns if local_ns and _LOCAL_NS.match(ns) else format_functor(ns)
        return shown + "::" + prefix + format_functor(rest)
    if base.startswith(".") and _INTERNAL.match(base):
        return prefix + base
    if _PLAIN_ATOM.match(base) and base not in _KEYWORDS:
        return prefix + base
    return prefix + _quote(base, "'")


# ---- numbers ---------------------------------------------------------------------------------------------


def java_double(f: float) -> str:
    """Java's ``Double.toString``: ``1.5``, ``100.0``, ``1.0E7``, ``1.0E-4``, ``NaN``, ``Infinity``."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0:
        return "-0.0" if math.copysign(1.0, f) < 0 else "0.0"
    sign = "-" if f < 0 else ""
    a = abs(f)
    _, digit_tuple, exp = Decimal(repr(a)).as_tuple()
    digits = "".join(map(str, digit_tuple))
    assert isinstance(exp, int)
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    digits = stripped.lstrip("0") or "0"
    sci = len(digits) - 1 + exp  # a = d.ddd x 10^sci
    if 1e-3 <= a < 1e7:
        if sci >= 0:
            whole = digits[: sci + 1].ljust(sci + 1, "0")
            frac = digits[sci + 1 :] or "0"
        else:
            whole = "0"
            frac = "0" * (-sci - 1) + digits
        return f"{sign}{whole}.{frac}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{sci}"


def jason_number(n: int | float) -> str:
    """How Jason prints a number (a Java ``double``): whole values as integers, others as Java does."""
    if type(n) is int:
        if _LONG_MIN <= n <= _LONG_MAX:
            return str(n)
        try:
            f = float(n)
        except OverflowError:
            return "Infinity" if n > 0 else "-Infinity"
    else:
        f = float(n)
    if math.isnan(f):
        return "NaN"
    if not math.isinf(f):
        # Math.round: the nearest long, clamped to the long range
        r = math.floor(f + 0.5) if abs(f) < 2**62 else int(f)
        r = min(max(r, _LONG_MIN), _LONG_MAX)
        if float(r) == f:
            return str(r)
    return java_double(f)


def _source_number(n: int | float) -> str:
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


# ---- Jason's order of terms (annotations are kept and printed in it) ----------------------------------------


def _rank(t: Term) -> int:
    tt = type(t)
    if tt is int or tt is float:
        return 0
    if tt is str:
        return 1
    if tt is tuple or tt is PartialList:
        return 2
    if tt is Var:
        return 5 if t.anonymous else 4  # type: ignore[union-attr]
    return 3


def jason_compare(a: Term, b: Term) -> int:
    """Jason's standard order of terms (``compareTo``): numbers, strings, lists, structures (by functor,
    positive before negated, then arguments, arity and annotations), variables, unnamed variables."""
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        fx, fy = float(a), float(b)  # type: ignore[arg-type]
        return -1 if fx < fy else (1 if fx > fy else 0)
    if ra == 1:
        return -1 if a < b else (1 if a > b else 0)  # type: ignore[operator]
    if ra == 2:
        xs = _list_cells(a)
        ys = _list_cells(b)
        for x, y in zip(xs, ys, strict=False):
            c = jason_compare(x, y)
            if c:
                return c
        return -1 if len(xs) < len(ys) else (1 if len(xs) > len(ys) else 0)
    if ra >= 4:
        na, nb = a.name, b.name  # type: ignore[union-attr]
        return -1 if na < nb else (1 if na > nb else 0)
    if type(a) is not Struct or type(b) is not Struct:
        if type(a) is Struct and type(b) in GROUND_OBJECTS:  # Jason's collections come after literals
            return -1
        if type(b) is Struct and type(a) in GROUND_OBJECTS:
            return 1
        sa, sb = format_term(a), format_term(b)
        return -1 if sa < sb else (1 if sa > sb else 0)
    fa, fb = a.functor.lstrip("~"), b.functor.lstrip("~")
    if fa != fb:
        return -1 if fa < fb else 1
    if a.negated != b.negated:
        return 1 if a.negated else -1
    for x, y in zip(a.args, b.args, strict=False):
        c = jason_compare(x, y)
        if c:
            return c
    if len(a.args) != len(b.args):
        return -1 if len(a.args) < len(b.args) else 1
    for x, y in zip(_sorted_annots(a.annots), _sorted_annots(b.annots), strict=False):
        c = jason_compare(x, y)
        if c:
            return c
    return -1 if len(a.annots) < len(b.annots) else (1 if len(a.annots) > len(b.annots) else 0)


def _list_cells(t: Term) -> list[Term]:
    if type(t) is tuple:
        return list(t)
    pl: PartialList = t  # type: ignore[assignment]
    return [*pl.items, pl.tail]


def _split_annots_tail(annots: tuple[Term, ...]) -> tuple[tuple[Term, ...], Term | None]:
    for i, a in enumerate(annots):
        if type(a) is Struct and a.functor == ANNOTS_TAIL and len(a.args) == 1:
            return (*annots[:i], *annots[i + 1 :]), a.args[0]
    return annots, None


def _jason_annots(annots: tuple[Term, ...]) -> str:
    """``[a,b]``, ``[a|T]``; only a tail (``p[|T]``) prints nothing, as Jason's empty annotation list."""
    items, tail = _split_annots_tail(annots)
    if tail is None:
        return "[" + ",".join([format_term(a) for a in _sorted_annots(items)]) + "]"
    if not items:
        return ""
    return "[" + ",".join([format_term(a) for a in _sorted_annots(items)]) + "|" + format_term(tail) + "]"


def _source_annots(annots: tuple[Term, ...]) -> str:
    items, tail = _split_annots_tail(annots)
    out = ",".join(_wrap(a, _PREC["or"]) for a in items)
    if tail is not None:
        out += "|" + source_term(tail)
    return "[" + out + "]"


def _sorted_annots(annots: tuple[Term, ...]) -> list[Term]:
    if len(annots) < 2:
        return list(annots)
    from functools import cmp_to_key

    return sorted(annots, key=cmp_to_key(jason_compare))


# ---- Jason's form ------------------------------------------------------------------------------------------


def var_name(v: Var) -> str:
    """A variable as Jason prints it: generated and anonymous ones as ``_`` and a number."""
    name = v.name
    if name.startswith(("_#", "_%")):
        return "_" + name[2:]
    return name


def format_term(t: Term) -> str:
    """A term exactly as Jason's ``toString`` prints it."""
    tt = type(t)
    if tt is Struct:
        s: Struct = t  # type: ignore[assignment]
        if s.functor == ANNOTATED_VAR or s.functor == VAR_NS:
            if s.functor == VAR_NS:  # a literal whose namespace is a variable, ``NS::b``
                return format_term(s.args[0]) + "::" + format_term(s.args[1])
            # a variable with annotations, ``X[a]``
            return format_term(s.args[0]) + _jason_annots(s.annots)
        out = format_functor(s.functor, True)
        if s.args:
            out += "(" + ",".join([format_term(a) for a in s.args]) + ")"
        if s.annots:
            out += _jason_annots(s.annots)
        return out
    if tt is str:
        return '"' + t + '"'  # type: ignore[operator]
    if tt is int or tt is float:
        return jason_number(t)  # type: ignore[arg-type]
    if tt is tuple:
        return "[" + ",".join([format_term(x) for x in t]) + "]"  # type: ignore[union-attr]
    if tt is Var:
        return var_name(t)  # type: ignore[arg-type]
    if tt is PartialList:
        pl: PartialList = t  # type: ignore[assignment]
        return "[" + ",".join([format_term(x) for x in pl.items]) + "|" + format_term(pl.tail) + "]"
    if tt is Arith:
        a: Arith = t  # type: ignore[assignment]
        if a.op.startswith("fn"):  # a function call, ``math.abs(X)``
            return format_term(a.left)
        if a.op == "neg":
            return "(-" + _operand(a.left) + ")"
        assert a.right is not None
        return "(" + _operand(a.left) + _JASON_ARITH.get(a.op, a.op) + _operand(a.right) + ")"
    if tt is Rel:
        r: Rel = t  # type: ignore[assignment]
        return "(" + format_term(r.left) + " " + r.op + " " + format_term(r.right) + ")"
    if tt is Logic:
        lg: Logic = t  # type: ignore[assignment]
        if lg.op == "not":
            return "not (" + format_term(lg.left) + ")"
        assert lg.right is not None
        return "(" + format_term(lg.left) + (" & " if lg.op == "and" else " | ") + format_term(lg.right) + ")"
    if tt is PlanTerm:
        from romas.agentspeak.program import Body, Rule

        inner = t.plan  # type: ignore[union-attr]
        if isinstance(inner, Body):  # ``{ .print(x); a }``
            return "{ " + format_body(inner) + " }" if inner.formulas else "{ }"
        if isinstance(inner, Rule):  # ``{ a :- b }``
            return "{ " + format_rule(inner) + " }"
        return "{ " + format_plan(inner, end="") + " }"  # type: ignore[arg-type]
    return _collection(t, format_term)


def _operand(t: Term) -> str:
    # Jason parses ``X * -1`` as the expression (-1): a negative number inside an expression shows so
    if (type(t) is int or type(t) is float) and t < 0:
        return "(" + jason_number(t) + ")"
    return format_term(t)


def format_trigger(trigger: Trigger) -> str:
    """``+!g(X)``, ``-b[source(bob)]`` ..."""
    return trigger.op + trigger.kind + format_term(trigger.literal)


def format_rule(rule: Rule) -> str:
    """A rule as Jason prints it: ``a(X) :- (b(X) & (X > 1))`` (no final dot)."""
    return format_term(rule.head) + " :- " + format_term(rule.body)


def _jason_formula(f: Formula) -> str:
    from romas.agentspeak.program import Action, BeliefUpdate, Condition, For, Goal, If, While

    if isinstance(f, Goal):
        return f.kind + format_term(f.literal)
    if isinstance(f, BeliefUpdate):
        return f.op + format_term(f.literal)
    if isinstance(f, Action):
        return format_term(f.term)
    if isinstance(f, Condition):
        return format_term(f.expr)
    if isinstance(f, If):
        text = ""
        for cond, body in reversed(f.branches):
            args = [format_term(cond), format_body(body)]
            if text:
                args.append(text)
            elif f.orelse is not None:
                args.append(format_body(f.orelse))
            text = ".if_then_else(" + ",".join(args) + ")"
        return text
    if isinstance(f, While):
        return ".loop(" + format_term(f.cond) + "," + format_body(f.body) + ")"
    if isinstance(f, For):
        return ".foreach(" + format_term(f.cond) + "," + format_body(f.body) + ")"
    return _formula(f, "").replace("\n", " ")


def format_body(body: Body, indent: str = "") -> str:
    """A plan body as Jason prints it: formulas separated by ``; `` (``indent`` is not used any more)."""
    return "; ".join([_jason_formula(f) for f in body.formulas])


def format_plan(plan: Plan, end: str = ".", one_line: bool = True) -> str:
    """A plan as Jason prints it: ``@label[annots] +!g(X) : (X > 1) <- .print(X); !h.``"""
    out = ""
    if plan.label is not None:
        out += "@" + _label(plan.label, format_term) + " "
    out += format_trigger(plan.trigger)
    if plan.context is not None:
        out += " : " + format_term(plan.context)
    extra = plan.extra
    if extra and extra.get("goal_condition") is not None:
        out += " <: " + format_term(extra["goal_condition"])
    if extra and extra.get("sub_plans"):
        # as Jason's toString: the body and the sub-plans inside braces
        out += " {"
        if plan.body.formulas:
            out += "\n   <- " + format_body(plan.body) + "."
        for sub in extra["sub_plans"]:
            out += "\n   " + format_plan(sub)
        return out + "\n}"
    if plan.body.formulas:
        out += " <- " + format_body(plan.body)
    return out + end


def _label(label: Struct, show: Callable[[Term], str]) -> str:
    if label.functor == "":  # ``@[atomic]`` or ``@L`` in a plan term
        out = show(label.args[0]) if label.args else ""
        return out + ("[" + ",".join(show(a) for a in label.annots) + "]" if label.annots else "")
    return show(label)


def format_program(program: Program) -> str:
    """The whole program in Jason's form, one clause a line: beliefs, rules, initial goals, then plans."""
    lines: list[str] = []
    for b in program.beliefs:
        lines.append(format_term(b) + ".")
    for r in program.rules:
        lines.append(format_rule(r) + ".")
    for g in program.goals:
        lines.append("!" + format_term(g) + ".")
    for p in program.plans:
        lines.append(format_plan(p))
    return "\n".join(lines) + ("\n" if lines else "")


# ---- the source form (parses back to the same thing) -------------------------------------------------------


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
    s = source_term(t)
    if _prec(t) < min_prec:
        return f"({s})"
    return s


def source_term(t: Term) -> str:
    """AgentSpeak text of a term that parses back to the same term (``3.0`` stays a float, strings are
    escaped); anonymous and generated variables print as ``_``."""
    tt = type(t)
    if tt is Struct:
        s: Struct = t  # type: ignore[assignment]
        if s.functor == VAR_NS:  # a literal whose namespace is a variable, ``NS::b``
            return source_term(s.args[0]) + "::" + source_term(s.args[1])
        if s.functor == ANNOTATED_VAR:  # a variable with annotations, ``X[a]``
            return source_term(s.args[0]) + _source_annots(s.annots)
        out = format_functor(s.functor)
        if s.args:
            out += "(" + ",".join(_wrap(a, _PREC["or"]) for a in s.args) + ")"
        if s.annots:
            out += _source_annots(s.annots)
        return out
    if tt is int or tt is float:
        return _source_number(t)  # type: ignore[arg-type]
    if tt is str:
        return _quote(t, '"')  # type: ignore[arg-type]
    if tt is Var:
        name = t.name  # type: ignore[union-attr]
        return "_" if name.startswith(("_#", "_%")) else name
    if tt is tuple:
        return "[" + ",".join(_wrap(x, _PREC["and"]) for x in t) + "]"  # type: ignore[union-attr]
    if tt is PartialList:
        pl: PartialList = t  # type: ignore[assignment]
        return "[" + ",".join(_wrap(x, _PREC["and"]) for x in pl.items) + "|" + _wrap(pl.tail, _PREC["and"]) + "]"
    if tt is Arith:
        a: Arith = t  # type: ignore[assignment]
        if a.op.startswith("fn"):  # a function call, ``math.abs(X)``
            return source_term(a.left)
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
        from romas.agentspeak.program import Body, Rule

        plan = t.plan  # type: ignore[union-attr]
        if isinstance(plan, Body):  # ``{ .print(x); a }``
            if not plan.formulas:
                return "{ }"
            return "{ " + "; ".join(_formula(f, "").replace("\n", " ") for f in plan.formulas) + " }"
        if isinstance(plan, Rule):  # ``{ a :- b }``
            return "{ " + source_term(plan.head) + " :- " + source_term(plan.body) + " }"
        return "{ " + source_plan(plan, end="", one_line=True) + " }"  # type: ignore[arg-type]
    if tt in GROUND_OBJECTS:  # Jason's collections: their value, as '$map'([[K,V],...]) (see mutables.revive)
        from romas.agentspeak.mutable_values import as_struct

        return source_term(as_struct(t))  # type: ignore[arg-type]
    return repr(t)


def _collection(t: Term, show: Callable[[Term], str]) -> str:
    if type(t) in GROUND_OBJECTS:
        from romas.agentspeak.mutable_values import jason_text

        return jason_text(t, show)  # type: ignore[arg-type]
    return repr(t)


def source_trigger(trigger: Trigger) -> str:
    return trigger.op + trigger.kind + source_term(trigger.literal)


def _formula(f: Formula, indent: str) -> str:
    from romas.agentspeak.program import Action, BeliefUpdate, Condition, For, Goal, If, While

    if isinstance(f, Goal):
        return f.kind + source_term(f.literal)
    if isinstance(f, BeliefUpdate):
        return f.op + source_term(f.literal)
    if isinstance(f, Action):
        return source_term(f.term)
    if isinstance(f, Condition):
        text = source_term(f.expr)
        return f"({text})" if text.startswith("-") else text
    if isinstance(f, If):
        parts = []
        for i, (cond, body) in enumerate(f.branches):
            kw = "if" if i == 0 else "elif"
            parts.append(f"{kw} ({source_term(cond)}) {_block(body, indent)}")
        if f.orelse is not None:
            parts.append(f"else {_block(f.orelse, indent)}")
        return " ".join(parts)
    if isinstance(f, While):
        return f"while ({source_term(f.cond)}) {_block(f.body, indent)}"
    if isinstance(f, For):
        return f"for ({source_term(f.cond)}) {_block(f.body, indent)}"
    raise TypeError(f"not a formula: {f!r}")


def _block(body: Body, indent: str) -> str:
    if not body.formulas:
        return "{ }"
    inner = indent + "    "
    return "{\n" + ";\n".join(inner + _formula(f, inner) for f in body.formulas) + "\n" + indent + "}"


def source_body(body: Body, indent: str = "") -> str:
    """A plan body in the source form, on one or several lines, formulas separated by ``;``."""
    return (";\n" + indent).join(_formula(f, indent) for f in body.formulas)


def source_plan(plan: Plan, end: str = ".", one_line: bool = False) -> str:
    """A plan in the source form; ``one_line`` keeps it on a single line (plans used as terms, snapshots)."""
    out = ""
    if plan.label is not None:
        out += "@" + _label(plan.label, source_term) + " "
    out += source_trigger(plan.trigger)
    if plan.context is not None:
        out += " : " + source_term(plan.context)
    extra = plan.extra
    if extra and extra.get("goal_condition") is not None:
        out += " <: " + source_term(extra["goal_condition"])
    if plan.body.formulas:
        if one_line:
            out += " <- " + "; ".join(_formula(f, "").replace("\n", " ") for f in plan.body.formulas)
        else:
            out += "\n    <- " + source_body(plan.body, "       ")
    out += end
    if extra and extra.get("sub_plans") and not one_line:
        # sub-plans follow their plan in braces (snapshots keep them apart: one_line leaves them out)
        out += " {\n" + "\n".join(source_plan(sub) for sub in extra["sub_plans"]) + "\n}"
    return out


def source_program(program: Program) -> str:
    """The whole program in the source form: beliefs, rules, initial goals, then plans."""
    lines: list[str] = []
    for b in program.beliefs:
        lines.append(source_term(b) + ".")
    for r in program.rules:
        lines.append(f"{source_term(r.head)} :- {source_term(r.body)}.")
    for g in program.goals:
        lines.append("!" + source_term(g) + ".")
    for p in program.plans:
        lines.append(source_plan(p))
    return "\n".join(lines) + ("\n" if lines else "")
