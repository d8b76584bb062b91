"""What each rule of the AgentSpeak grammar builds: terms, formulas, plan bodies and clauses, made straight from the
parser's reductions (see parser.py, which drives the grammar's tables and calls :class:`Builder` on each one)."""

from __future__ import annotations

import bisect
import re
from typing import Any

from romas.agentspeak.program import (
    Action,
    BeliefUpdate,
    Body,
    Condition,
    For,
    Formula,
    Goal,
    If,
    Plan,
    Rule,
    Trigger,
    While,
    finish_plan,
)
from romas.agentspeak.terms import (
    ANNOTATED_VAR,
    ANNOTS_TAIL,
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


class _Args(tuple[Any, ...]):
    __slots__ = ()


class _Annots(tuple[Any, ...]):
    __slots__ = ()


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


class _Operand:
    """An operand with prefix operators (``not``, unary minus) still to be applied by precedence."""

    __slots__ = ("prefixes", "term")

    def __init__(self, prefixes: tuple[str, ...], term: Any) -> None:
        self.prefixes = prefixes
        self.term = term


# binary operator token -> (operator, precedence); higher binds tighter
_BINARY = {
    "BAR": ("or", 1),
    "AND": ("and", 2),
    "EQ": ("=", 4),
    "EQEQ": ("==", 4),
    "NEQ": ("\\==", 4),
    "UNIV": ("=..", 4),
    "LT": ("<", 4),
    "LE": ("<=", 4),
    "GT": (">", 4),
    "GE": (">=", 4),
    "PLUS": ("+", 5),
    "MINUS": ("-", 5),
    "STAR": ("*", 6),
    "SLASH": ("/", 6),
    "DIV": ("div", 6),
    "MOD": ("mod", 6),
    "POW": ("**", 7),
}
_NOT_PREC = 3
_NEG_PREC = 8


class _Precedence:
    """Precedence climbing over a flat ``operand op operand ...`` sequence from the grammar."""

    __slots__ = ("operands", "ops", "pos", "prefixes")

    def __init__(self, children: list[Any]) -> None:
        self.operands: list[Any] = []
        self.prefixes: list[list[str]] = []
        for x in children[0::2]:
            if type(x) is _Operand:
                self.operands.append(x.term)
                self.prefixes.append(list(x.prefixes))
            else:
                self.operands.append(x)
                self.prefixes.append([])
        self.ops: list[Tok] = children[1::2]
        self.pos = 0

    def run(self) -> Any:
        return self.expr(0)

    def expr(self, min_prec: int) -> Any:
        left = self.unary()
        ops = self.ops
        while self.pos < len(ops):
            name, prec = _BINARY[ops[self.pos].type]
            if prec < min_prec:
                break
            self.pos += 1
            right = self.expr(prec if name == "**" else prec + 1)
            if prec == 1:
                left = Logic("or", left, right)
            elif prec == 2:
                left = Logic("and", left, right)
            elif prec == 4:
                left = Rel(name, left, right)
            else:
                if type(left) is Struct and left.functor.startswith("."):
                    left = Arith("fn", left, None)  # an internal action used as a function: ``.nth(0, L) + 1``
                if type(right) is Struct and right.functor.startswith("."):
                    right = Arith("fn", right, None)
                left = Arith(name, left, right)
        return left

    def unary(self) -> Any:
        pre = self.prefixes[self.pos]
        if pre:
            op = pre.pop(0)
            if op == "not":
                return Logic("not", self.expr(_NOT_PREC + 1), None)
            inner = self.expr(_NEG_PREC)
            if type(inner) is int or type(inner) is float:
                return -inner
            return Arith("neg", inner, None)
        return self.operands[self.pos]


_SIGNATURES: list[frozenset[tuple[str, int]]] = []
USER_FUNCTIONS: dict[tuple[str, int], str] = {}
"""Functions registered in AgentSpeak by any program read so far (``{ register_function("f.sum", 2, "sum") }``),
so plans printed and read back (snapshots, plans told to others) keep them."""


def _function_signatures() -> frozenset[tuple[str, int]]:
    if not _SIGNATURES:
        from romas.agentspeak.stdlib.functions import FUNCTION_SIGNATURES

        _SIGNATURES.append(FUNCTION_SIGNATURES)
    return _SIGNATURES[0]


class Tok:
    """A token: terminal name (as in grammar.lark), text, and offset inside the text being parsed.

    Line and column are computed only when asked for (errors, and the line of each body formula).
    """

    __slots__ = ("start_pos", "type", "value")

    def __init__(self, type_: str, value: str, start_pos: int) -> None:
        self.type = type_
        self.value = value
        self.start_pos = start_pos

    @property
    def line(self) -> int:
        return text_position(self.start_pos)[0]

    @property
    def column(self) -> int:
        return text_position(self.start_pos)[1]

    def __repr__(self) -> str:
        return f"Tok({self.type}, {self.value!r}, {self.start_pos})"


class CurrentText:
    """The text being parsed, with its line starts (computed on the first position asked for)."""

    text = ""
    starts: list[int] | None = None


def line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts."""
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def line_column(starts: list[int], pos: int) -> tuple[int, int]:
    """The 1-based line and column of offset ``pos``, given the line starts."""
    i = bisect.bisect_right(starts, pos) - 1
    return i + 1, pos - starts[i] + 1


def text_position(pos: int) -> tuple[int, int]:
    starts = CurrentText.starts
    if starts is None:
        starts = CurrentText.starts = line_starts(CurrentText.text)
    return line_column(starts, pos)


def _not_token(c: object) -> bool:
    return type(c) is not Tok


class Builder:
    """Turns parser reductions into terms and syntax-tree objects (runs inline with the LALR parser)."""

    def __init__(self) -> None:
        self.anon = 0
        self.errors: list[tuple[int, int, str]] = []
        self.lines: dict[int, int] = {}  # id of a term -> offset where it starts
        self.last_pos = 0
        self.line_offset = 0  # lines of formulas are counted from the start of the whole source
        self.this_ns = ""  # the namespace the file is read into ("" is the default namespace)
        self.local_ns: dict[str, str] = {}  # local namespaces of this file -> their unique names
        self.explicit: set[int] = set()  # ids of literals written with an explicit namespace
        self.functions: dict[tuple[str, int], str] = {}  # user functions: (name, arity) -> predicate
        self.term_bodies = False  # a plan body (with the lines of its formulas) was read as a term
        self.term_plans = False  # a plan was read as a term (``{ +!g <- ... }``)

    # -- terms --------------------------------------------------------------------------------------------
    def number(self, c: list[Tok]) -> int | float:
        self.last_pos = c[0].start_pos
        v = c[0].value
        if "." in v or "e" in v or "E" in v:
            return float(v)
        return int(v)

    def string(self, c: list[Tok]) -> str:
        self.last_pos = c[0].start_pos
        return _unescape(str(c[0].value[1:-1]))

    def args(self, c: list[Any]) -> _Args:
        return _Args([x for x in c if type(x) is not Tok])

    def annots(self, c: list[Any]) -> _Annots:
        items = [x for x in c if type(x) is not Tok]
        last = items[-1] if items else None
        if type(last) is Logic and last.op == "or" and type(last.right) is Var:
            # ``p[a,b|T]``: a list's tail, not an "or" (Jason's annotations are a list)
            items[-1:] = [last.left, Struct(ANNOTS_TAIL, (last.right,))]
        elif type(last) is Logic and last.op == "or" and type(last.right) is tuple:
            # ``p[a|[b,c]]``: Jason concatenates the list after ``|``
            items[-1:] = [last.left, *last.right]
        return _Annots(items)

    def annots_tail(self, c: list[Any]) -> _Annots:
        # ``p[|T]``: only a tail, as Jason's grammar allows: ``T`` takes all the annotations
        return _Annots([Struct(ANNOTS_TAIL, (Var(str(c[2].value)),))])

    def struct(self, c: list[Any]) -> Struct:
        args: tuple[Term, ...] = ()
        annots: tuple[Term, ...] = ()
        for x in c[1:]:
            if type(x) is _Args:
                args = tuple(x)
            elif type(x) is _Annots:
                annots = tuple(x)
        tok: Tok = c[0]
        name = _unescape(str(tok.value[1:-1])) if tok.type == "QATOM" else str(tok.value)
        if name == "this_ns" and not args and tok.type == "ATOM":
            name = self.this_ns or "default"  # the namespace this file is read into
        s = Struct(name, args, annots)
        self.lines[id(s)] = tok.start_pos
        if "." in name and tok.type != "QATOM" and not annots:
            # a function (``math.abs(X)``, ``.count(b(_))``, one registered with register_function)
            sig = (name, len(args))
            if sig in _function_signatures():
                f = Arith("fn", s, None)
                self.lines[id(f)] = tok.start_pos
                return f  # type: ignore[return-value]
            pred = self.functions.get(sig)
            if pred is not None:
                f = Arith("fn:" + pred, s, None)
                self.lines[id(f)] = tok.start_pos
                return f  # type: ignore[return-value]
        return s

    def neg_literal(self, c: list[Any]) -> Struct:
        s: Struct = c[1]
        if s.functor.startswith("."):
            self.errors.append((c[0].line, c[0].column, "an internal action cannot be negated with '~'"))
        n = Struct("~" + s.functor, s.args, s.annots)
        self.lines[id(n)] = c[0].start_pos
        return n

    def var_literal(self, c: list[Any]) -> Var | Struct:
        tok: Tok = c[0]
        name = str(tok.value)
        if name == "_":
            self.anon += 1
            name = f"_#{self.anon}"
        v = Var(name)
        self.lines[id(v)] = tok.start_pos
        if len(c) > 1:
            # a variable with annotations, ``X[a]``: it unifies with a literal having (at least) those annotations
            s = Struct(ANNOTATED_VAR, (v,), tuple(c[1]))
            self.lines[id(s)] = tok.start_pos
            return s
        return v

    def ns_literal(self, c: list[Any]) -> Term:
        """``ns::b``, ``::b`` (the namespace the file is read into) or ``NS::b`` (any namespace)."""
        lit: Term = c[-1]
        first: Tok = c[0]
        if first.type == "NS_SEP":
            ns = self.this_ns
        elif first.type == "VAR":
            v = Var(str(first.value))
            if v.name == "_":
                self.anon += 1
                v = Var(f"_#{self.anon}")
            out = Struct(VAR_NS, (v, lit))
            self.lines[id(out)] = first.start_pos
            self.explicit.add(id(out))
            return out
        elif first.type == "QATOM":
            ns = _unescape(str(first.value[1:-1]))  # ``'#1priv'::b``: a local namespace in the source form
        else:
            ns = str(first.value)
            if ns == "default":
                ns = ""
            elif ns == "this_ns":
                ns = self.this_ns
            else:
                ns = self.local_ns.get(ns, ns)
        if (type(lit) is Struct and lit.functor == ANNOTATED_VAR) or type(lit) is Var:
            if ns:
                lit = Struct(VAR_NS, (Struct(ns), lit))
        elif type(lit) is Struct and lit.functor not in ("true", "false") and not lit.functor.startswith("."):
            lit = with_namespace(lit, ns)
        self.lines[id(lit)] = first.start_pos
        self.explicit.add(id(lit))
        return lit

    def empty_list(self, c: list[Any]) -> tuple[Term, ...]:
        return ()

    def list_term(self, c: list[Any]) -> Any:
        items: list[Term] = []
        tail: Term | None = None
        bar = False
        for x in c:
            if type(x) is Tok:
                if x.type == "BAR":
                    bar = True
                continue
            if bar:
                tail = x
            else:
                items.append(x)
        if tail is None:
            return tuple(items)
        if type(tail) is tuple:
            return tuple(items) + tail
        if type(tail) is PartialList:
            return PartialList(tuple(items) + tail.items, tail.tail)
        return PartialList(tuple(items), tail)

    def paren(self, c: list[Any]) -> Any:
        return c[1]

    def plan_term(self, c: list[Any]) -> PlanTerm:
        plan: Plan = c[1]
        finish_plan(plan, 0)
        self.term_plans = True
        return PlanTerm(plan)

    def empty_body_term(self, c: list[Any]) -> PlanTerm:
        return PlanTerm(Body(()))

    def body_term(self, c: list[Any]) -> PlanTerm:
        self.term_bodies = True
        return PlanTerm(c[1])

    def rule_term(self, c: list[Any]) -> PlanTerm:
        head = c[1]
        if type(head) is not Struct or head.functor.startswith("."):
            self.errors.append((c[2].line, c[2].column, "the head of a rule must be a literal"))
        return PlanTerm(Rule(head, c[3]))

    def body_nt(self, c: list[Any]) -> Body:
        items = [x for x in c if type(x) is not Tok]
        if len(items) > 1 and any(type(x) is Tok and x.type in ("PAND", "POR") for x in c):
            return Body((self._parallel(c),))
        return Body(tuple(items))

    def body_trig(self, c: list[Any]) -> Body:
        trig: Trigger = c[0]
        first: Formula
        if trig.kind or trig.op not in ("+", "-"):
            self.errors.append((c[1].line, c[1].column, "a plan body cannot start with a goal's trigger"))
        first = BeliefUpdate(trig.op, trig.literal, self._line_of(trig.literal) + self.line_offset)
        rest: tuple[Formula, ...] = c[2].formulas if len(c) > 2 else ()
        return Body((first, *rest))

    def prefixed(self, c: list[Any]) -> Any:
        op = "not" if c[0].type == "NOT" else "neg"
        inner = c[1]
        if type(inner) is _Operand:
            return _Operand((op, *inner.prefixes), inner.term)
        if op == "neg" and (type(inner) is int or type(inner) is float):
            return -inner
        return _Operand((op,), inner)

    def single(self, c: list[Any]) -> Any:
        x = c[0]
        if type(x) is _Operand:
            return _Precedence([x]).run()
        return x

    def seq(self, c: list[Any]) -> Any:
        if len(c) == 1 and type(c[0]) is not _Operand:
            return c[0]
        return _Precedence(c).run()

    # -- plan bodies --------------------------------------------------------------------------------------
    def f_achieve(self, c: list[Any]) -> Goal:
        return Goal("!", self._goal_literal(c), c[0].line + self.line_offset)

    def f_achieve_new(self, c: list[Any]) -> Goal:
        return Goal("!!", self._goal_literal(c), c[0].line + self.line_offset)

    def f_test(self, c: list[Any]) -> Goal:
        return Goal("?", c[1], c[0].line + self.line_offset)

    def f_test_expr(self, c: list[Any]) -> Goal:
        return Goal("?", c[2], c[0].line + self.line_offset)

    def f_add_end(self, c: list[Any]) -> BeliefUpdate:
        return BeliefUpdate("+>", self._bel_literal(c), c[0].line + self.line_offset)

    def f_add_new(self, c: list[Any]) -> BeliefUpdate:
        return BeliefUpdate("++", self._bel_literal(c), c[0].line + self.line_offset)

    def f_del_new(self, c: list[Any]) -> BeliefUpdate:
        return BeliefUpdate("--", self._bel_literal(c), c[0].line + self.line_offset)

    def _term_update(self, c: list[Any], end: bool) -> Formula:
        tok: Tok = c[0]
        t: PlanTerm = c[1]
        line = tok.line + self.line_offset
        inner = t.plan
        if isinstance(inner, Rule):
            return BeliefUpdate(tok.value if tok.value != "+<" else "+", t, line)
        if isinstance(inner, Plan):
            if tok.type == "MINUS":
                return Action(Struct(".remove_plan", (t,)), line)
            where = Struct("end" if end else "begin")
            return Action(Struct(".add_plan", (t, Struct("self"), where)), line)
        self.errors.append((tok.line, tok.column, f"'{tok.value}' cannot be applied to a plan body"))
        return Condition(Struct("true"), line)

    def f_add_term(self, c: list[Any]) -> Formula:
        return self._term_update(c, False)

    def f_add_term_end(self, c: list[Any]) -> Formula:
        return self._term_update(c, True)

    def f_del_term(self, c: list[Any]) -> Formula:
        return self._term_update(c, False)

    def _parallel(self, c: list[Any]) -> Formula:
        """``a |&| b ||| c``: ``.fork(or, {.fork(and, {a}, {b})}, {c})``, as Jason composes them."""
        self.term_bodies = True
        groups: list[list[Formula]] = [[]]
        line = 0
        for x in c:
            if type(x) is Tok:
                if x.type == "POR":
                    groups.append([])
                if not line:
                    line = x.line + self.line_offset
                continue
            groups[-1].append(x)
        ands: list[Formula] = []
        for g in groups:
            if len(g) == 1:
                ands.append(g[0])
            else:
                bodies = tuple(PlanTerm(Body((f,))) for f in g)
                ands.append(Action(Struct(".fork", (Struct("and"), *bodies)), line))
        if len(ands) == 1:
            return ands[0]
        bodies = tuple(PlanTerm(Body((f,))) for f in ands)
        return Action(Struct(".fork", (Struct("or"), *bodies)), line)

    def f_parallel(self, c: list[Any]) -> Formula:
        return self._parallel(c)

    def f_group(self, c: list[Any]) -> Formula:
        inner = c[1:-1]
        if len(inner) == 1:
            f: Formula = inner[0]
            return f
        return self._parallel(inner)

    def _goal_literal(self, c: list[Any]) -> Term:
        lit: Term = c[1]
        if type(lit) is Struct and lit.functor.startswith("."):
            self.errors.append((c[0].line, c[0].column, "an internal action cannot be a goal"))
        return lit

    def _bel_literal(self, c: list[Any]) -> Term:
        lit: Term = c[1]
        if type(lit) is Struct and lit.functor.startswith("."):
            self.errors.append((c[0].line, c[0].column, "an internal action cannot be a belief"))
        return lit

    def f_add(self, c: list[Any]) -> BeliefUpdate:
        return BeliefUpdate("+", self._bel_literal(c), c[0].line + self.line_offset)

    def f_del(self, c: list[Any]) -> BeliefUpdate:
        return BeliefUpdate("-", self._bel_literal(c), c[0].line + self.line_offset)

    def f_replace(self, c: list[Any]) -> BeliefUpdate:
        return BeliefUpdate("-+", self._bel_literal(c), c[0].line + self.line_offset)

    def _line_of(self, x: Any) -> int:
        """The line where the term ``x`` (or its leftmost part) starts, 0 when unknown."""
        while True:
            pos = self.lines.get(id(x))
            if pos is not None:
                return text_position(pos)[0]
            if type(x) in (Rel, Logic, Arith):
                x = x.left
            elif type(x) is tuple and x:
                x = x[0]
            else:
                return 0

    def f_expr(self, c: list[Any]) -> Formula:
        x = c[0]
        line = self._line_of(x)
        col = 1
        if not line:
            line, col = text_position(self.last_pos)
        tx = type(x)
        at = line + self.line_offset  # the line in the whole source, for the formula itself
        if tx is Struct:
            if x.functor == "true" and not x.args:
                return Condition(x, at)
            return Action(x, at)
        if tx is Var:
            return Action(x, at)
        if tx is Rel or tx is Logic:
            return Condition(x, at)
        if tx is Arith and x.op.startswith("fn"):
            # a function used as a formula (``math.median(L)``): computed, and the plan fails if it cannot be
            self.anon += 1
            return Condition(Rel("=", Var(f"_#{self.anon}"), x), at)
        self.errors.append((line, col, "this is not an action, a goal or a condition"))
        return Condition(Struct("true"), line)

    def block(self, c: list[Any]) -> Body:
        for x in c:
            if type(x) is Body:
                return x
        return Body(())

    def f_if(self, c: list[Any]) -> If:
        return self._if(c, 0)

    def _if(self, c: list[Any], start: int) -> If:
        line = c[start].line + self.line_offset
        parts = [x for x in c[start:] if _not_token(x)]
        branches: list[tuple[Term, Body]] = [(parts[0], parts[1])]
        orelse: Body | None = None
        for p in parts[2:]:
            if p[0] == "elif":
                branches.append((p[1], p[2]))
            else:
                orelse = p[1]
        return If(tuple(branches), orelse, line)

    def elif_part(self, c: list[Any]) -> tuple[str, Term, Body]:
        parts = [x for x in c if _not_token(x)]
        return ("elif", parts[0], parts[1])

    def else_part(self, c: list[Any]) -> tuple[str, Body]:
        return ("else", c[1])

    def else_if(self, c: list[Any]) -> tuple[str, Body]:
        return ("else", Body((self._if(c, 1),)))

    def f_while(self, c: list[Any]) -> While:
        return While(c[2], c[4], c[0].line + self.line_offset)

    def f_for(self, c: list[Any]) -> For:
        return For(c[2], c[4], c[0].line + self.line_offset)

    def body(self, c: list[Any]) -> Body:
        return Body(tuple([x for x in c if type(x) is not Tok]))

    # -- plans ----------------------------------------------------------------------------------------------
    def _trigger(self, op: str, kind: str, c: list[Any]) -> Trigger:
        lit = c[-1]
        if type(lit) is Struct and lit.functor.startswith("."):
            self.errors.append((c[0].line, c[0].column, "an internal action cannot be a triggering event"))
        return Trigger(op, kind, lit)

    def t_add_bel(self, c: list[Any]) -> Trigger:
        return self._trigger("+", "", c)

    def t_del_bel(self, c: list[Any]) -> Trigger:
        return self._trigger("-", "", c)

    def t_add_ach(self, c: list[Any]) -> Trigger:
        return self._trigger("+", "!", c)

    def t_del_ach(self, c: list[Any]) -> Trigger:
        return self._trigger("-", "!", c)

    def t_add_test(self, c: list[Any]) -> Trigger:
        return self._trigger("+", "?", c)

    def t_del_test(self, c: list[Any]) -> Trigger:
        return self._trigger("-", "?", c)

    def label(self, c: list[Any]) -> Struct:
        s: Struct = c[1]
        if s.args and not s.functor.startswith("."):
            pass
        return s

    def anon_label(self, c: list[Any]) -> Struct:
        # ``@[atomic]``: the plan gets a unique label (``l__N``) carrying these annotations
        return Struct("", (), tuple(c[1]))

    def var_label(self, c: list[Any]) -> Struct:
        # ``@L``: a variable as label (plans as terms, patterns of .relevant_plans); the plan gets a unique one
        annots = tuple(c[2]) if len(c) > 2 else ()
        return Struct("", (Var(str(c[1].value)),), annots)

    def goal_condition(self, c: list[Any]) -> tuple[str, Term]:
        return ("goal_cond", c[1])

    def t_state_bel(self, c: list[Any]) -> Trigger:
        return self._trigger("^", "", c)

    def t_state_ach(self, c: list[Any]) -> Trigger:
        return self._trigger("^", "!", c)

    def t_state_test(self, c: list[Any]) -> Trigger:
        return self._trigger("^", "?", c)

    def context(self, c: list[Any]) -> tuple[str, Term]:
        return ("ctx", c[1])

    def plan_body(self, c: list[Any]) -> tuple[str, Body]:
        return ("body", c[1])

    def plan(self, c: list[Any]) -> Plan:
        label: Struct | None = None
        trigger: Trigger | None = None
        context: Term | None = None
        body = Body(())
        line = 0
        goal_cond: Term | None = None
        for x in c:
            if type(x) is Struct:
                label = x
            elif type(x) is Trigger:
                trigger = x
            elif type(x) is tuple:
                if x[0] == "ctx":
                    context = x[1]
                elif x[0] == "goal_cond":
                    goal_cond = x[1]
                else:
                    body = x[1]
        assert trigger is not None
        if body.formulas and type(body.formulas[0]) is Condition and body.formulas[0].expr == _TRUE:
            body = Body(body.formulas[1:])  # Jason drops a leading `true` of a body
        plan = Plan(trigger, context, body, label, line)
        if goal_cond is not None:
            plan.extra["goal_condition"] = goal_cond
        return plan

    # -- clauses --------------------------------------------------------------------------------------------
    def belief(self, c: list[Any]) -> tuple[str, Any, int, int]:
        lit = c[0]
        dot: Tok = c[-1]
        if type(lit) is not Struct:
            self.errors.append((dot.line, max(1, dot.column - 1), "a belief must be a literal, not a variable"))
        elif lit.functor.startswith("."):
            self.errors.append((dot.line, 1, "an internal action cannot be a belief"))
        return ("belief", lit, 0, 0)

    def rule(self, c: list[Any]) -> tuple[str, Any, int, int]:
        head = c[0]
        op: Tok = c[1]
        if type(head) is not Struct or head.functor.startswith("."):
            self.errors.append((op.line, op.column, "the head of a rule must be a literal"))
        return ("rule", Rule(head, c[2]), 0, 0)

    def initial_goal(self, c: list[Any]) -> tuple[str, Any, int, int]:
        lit = c[1]
        if type(lit) is not Struct or lit.functor.startswith("."):
            self.errors.append((c[0].line, c[0].column, "an initial goal must be a literal"))
        return ("goal", lit, 0, 0)

    def plan_clause(self, c: list[Any]) -> tuple[str, Any, int, int]:
        return ("plan", c[0], 0, 0)

    def directive(self, c: list[Any]) -> tuple[str, Any, int, int]:
        lit = c[1]
        if type(lit) is Arith and lit.op.startswith("fn"):
            lit = lit.left
        if type(lit) is not Struct:
            tok: Tok = c[0]
            self.errors.append((tok.line, tok.column + 1, "a directive is a name with arguments"))
        return ("directive", lit, 0, 0)

    def term_input(self, c: list[Any]) -> Any:
        return c[0]

    def body_input(self, c: list[Any]) -> Body:
        return c[0] if c else Body(())


_TRUE = Struct("true")


def with_namespace(lit: Struct, ns: str) -> Struct:
    """``lit`` in the namespace ``ns`` ("" is the default one): the namespace prefixes the functor, ``ns::b``."""
    functor = lit.functor
    neg = functor.startswith("~")
    if neg:
        functor = functor[1:]
    i = functor.find("::")
    if i >= 0:
        functor = functor[i + 2 :]
    if ns:
        functor = f"{ns}::{functor}"
    return Struct(("~" if neg else "") + functor, lit.args, lit.annots)


class SyntaxProblem(Exception):
    """A token the grammar does not accept here (``expected`` holds the terminals it would accept)."""

    def __init__(self, token: Tok, expected: set[str]) -> None:
        super().__init__(token.type)
        self.token = token
        self.expected = expected
