"""Bindings, unification, applying bindings and evaluating expressions.

Bindings are a plain ``dict`` from variable name to term (one per plan instance), optionally with a
*trail* (a list of the names bound, so a caller can undo them when it backtracks).

Policy, for AgentSpeak programmers:

* Unification performs the occurs check: ``X = f(X)`` fails, so cyclic terms never exist.
* Annotations unify by inclusion: every annotation of the left term must unify with some annotation of
  the right term (the first that fits), as Jason does when matching ``p[a]`` against ``p[a,b]``.
  Without annotations unification is symmetric.
* Numbers unify by value (``1 = 1.0``); a string never unifies with an atom.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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

Env = dict[str, Term]

MAX_INT_BITS = 4096
"""Integers larger than this are refused (an arithmetic error), so one agent cannot exhaust memory."""


class EvalError(Exception):
    """An expression cannot be evaluated (unbound variable, not a number, division by zero...)."""


FunctionHook = Callable[[str, Struct, "Env"], Term]
_function_hook: list[FunctionHook] = []


def set_function_hook(hook: FunctionHook) -> None:
    """Installs what computes function calls in expressions (``math.abs(X)``, ``.count(b(_))``, user
    functions): ``hook(op, call, env)`` with the call's arguments resolved (see stdlib/functions.py)."""
    _function_hook[:] = [hook]


def call_function_term(op: str, call: Term, env: Env) -> Term:
    """The value of a function call ``Arith(op, call, None)`` (``op`` starts with ``fn``)."""
    c = resolve(call, env)
    if type(c) is not Struct:
        raise EvalError(f"{c!r} is not a function call")
    if not _function_hook:
        raise EvalError(f"no functions available for {c.functor}")
    return _function_hook[0](op, c, env)


def deref(t: Term, env: Env) -> Term:
    while type(t) is Var:
        b = env.get(t.name)
        if b is None:
            return t
        t = b
    return t


def undo(env: Env, trail: list[str], mark: int) -> None:
    for name in trail[mark:]:
        env.pop(name, None)
    del trail[mark:]


def _occurs(name: str, t: Term, env: Env) -> bool:
    stack = [t]
    while stack:
        x = stack.pop()
        tx = type(x)
        if tx is Var:
            if x.name == name:  # type: ignore[union-attr]
                return True
            b = env.get(x.name)  # type: ignore[union-attr]
            if b is not None:
                stack.append(b)
        elif tx is Struct:
            if not x.ground:  # type: ignore[union-attr]
                stack.extend(x.args)  # type: ignore[union-attr]
                stack.extend(x.annots)  # type: ignore[union-attr]
        elif tx is tuple:
            stack.extend(x)  # type: ignore[arg-type]
        elif tx is PartialList:
            stack.extend(x.items)  # type: ignore[union-attr]
            stack.append(x.tail)  # type: ignore[union-attr]
        elif tx is Arith or tx is Rel or tx is Logic:
            stack.append(x.left)  # type: ignore[union-attr]
            if x.right is not None:  # type: ignore[union-attr]
                stack.append(x.right)  # type: ignore[union-attr]
    return False


def _bind(v: Var, t: Term, env: Env, trail: list[str] | None) -> bool:
    tt = type(t)
    compound = (tt is Struct and not t.ground) or tt is tuple or tt is PartialList  # type: ignore[union-attr]
    if compound and _occurs(v.name, t, env):
        return False
    env[v.name] = t
    if trail is not None:
        trail.append(v.name)
    return True


def unify(a: Term, b: Term, env: Env, trail: list[str] | None = None) -> bool:
    """Unifies ``a`` with ``b`` under ``env``, adding bindings to it.

    On failure ``env`` may hold partial bindings: pass a ``trail`` and undo to a mark to roll back, or
    discard ``env``.
    """
    while type(a) is Var:
        x = env.get(a.name)
        if x is None:
            break
        a = x
    while type(b) is Var:
        x = env.get(b.name)
        if x is None:
            break
        b = x
    if a is b:
        return True
    ta = type(a)
    tb = type(b)
    if ta is Var:
        if tb is Var and a.name == b.name:  # type: ignore[union-attr]
            return True
        return _bind(a, b, env, trail)  # type: ignore[arg-type]
    if tb is Var:
        return _bind(b, a, env, trail)  # type: ignore[arg-type]
    if ta is Struct:
        if tb is not Struct:
            return False
        sa: Struct = a  # type: ignore[assignment]
        sb: Struct = b  # type: ignore[assignment]
        if sa.functor != sb.functor:
            if sa.functor == ANNOTATED_VAR or sa.functor == VAR_NS:
                return _unify_special(sa, sb, env, trail, True)
            if sb.functor == ANNOTATED_VAR or sb.functor == VAR_NS:
                return _unify_special(sb, sa, env, trail, False)
            return False
        aa = sa.args
        ba = sb.args
        if len(aa) != len(ba):
            return False
        if sa.ground and sb.ground:
            if aa != ba:
                return False
        else:
            for i in range(len(aa)):
                if not unify(aa[i], ba[i], env, trail):
                    return False
        if sa.annots:
            return unify_annots(sa.annots, sb.annots, env, trail)
        return True
    if ta is int or ta is float:
        return (tb is int or tb is float) and a == b
    if ta is str:
        return tb is str and a == b
    if ta is tuple:
        if tb is tuple:
            la: tuple[Term, ...] = a  # type: ignore[assignment]
            lb: tuple[Term, ...] = b  # type: ignore[assignment]
            if len(la) != len(lb):
                return False
            for i in range(len(la)):  # noqa: SIM110 - a plain loop is faster on this hot path
                if not unify(la[i], lb[i], env, trail):
                    return False
            return True
        if tb is PartialList:
            return _unify_partial(b, a, env, trail)  # type: ignore[arg-type]
        return False
    if ta is PartialList:
        if tb is tuple or tb is PartialList:
            return _unify_partial(a, b, env, trail)  # type: ignore[arg-type]
        return False
    if ta is Arith or ta is Rel or ta is Logic:
        if tb is not ta or a.op != b.op:  # type: ignore[union-attr]
            return False
        if not unify(a.left, b.left, env, trail):  # type: ignore[union-attr]
            return False
        ra = a.right  # type: ignore[union-attr]
        rb = b.right  # type: ignore[union-attr]
        if ra is None or rb is None:
            return ra is None and rb is None
        return unify(ra, rb, env, trail)
    if ta is PlanTerm:
        if tb is not PlanTerm:
            return False
        if a == b:
            return True
        pa, pb = a.plan, b.plan  # type: ignore[union-attr]
        from romas.agentspeak.program import Body

        if isinstance(pa, Body) or isinstance(pb, Body):
            return _unify_bodies(a, b, env, trail)  # type: ignore[arg-type]
        return _unify_plans(pa, pb, env, trail)
    return tb is ta and a == b  # Jason's collections: a set equals a set with its elements, others only themselves


def _unify_bodies(a: PlanTerm, b: PlanTerm, env: Env, trail: list[str] | None) -> bool:
    """Plan bodies unify formula by formula, as Jason's do; a variable as the last formula of one takes the
    rest of the other (``{H; R}`` against ``{a; b; c}`` gives ``H = a``, ``R = {b; c}``)."""
    from romas.agentspeak.program import Action, BeliefUpdate, Body, Condition, Goal

    if not isinstance(a.plan, Body) or not isinstance(b.plan, Body):
        return False
    fa, fb = a.plan.formulas, b.plan.formulas

    def element(f: object) -> Term:
        if isinstance(f, Action):
            return f.term
        return PlanTerm(Body((f,)))  # type: ignore[arg-type]

    for i in range(max(len(fa), len(fb))):
        x = fa[i] if i < len(fa) else None
        y = fb[i] if i < len(fb) else None
        for one, own, rest in ((x, fa, fb), (y, fb, fa)):
            if isinstance(one, Action) and type(one.term) is Var and len(own) > 1 and i == len(own) - 1:
                return unify(one.term, PlanTerm(Body(tuple(rest[i:]))), env, trail)
        if x is None or y is None:
            return False
        if isinstance(x, Action) and type(x.term) is Var:
            if not unify(x.term, element(y), env, trail):
                return False
        elif isinstance(y, Action) and type(y.term) is Var:
            if not unify(y.term, element(x), env, trail):
                return False
        elif isinstance(x, Action) and isinstance(y, Action):
            if not unify(x.term, y.term, env, trail):
                return False
        elif isinstance(x, Goal | BeliefUpdate) and type(x) is type(y):
            same = x.kind == y.kind if isinstance(x, Goal) else x.op == y.op  # type: ignore[union-attr]
            if not same or not unify(x.literal, y.literal, env, trail):
                return False
        elif isinstance(x, Condition) and isinstance(y, Condition):
            if not unify(x.expr, y.expr, env, trail):
                return False
        elif x != y:
            return False
    return True


def _unify_plans(pa: object, pb: object, env: Env, trail: list[str] | None) -> bool:
    """Plans as terms unify part by part, as Jason's: ``{@L +!T : C <- B}`` matches any achievement plan
    (``L`` its label, ``C`` its context or ``true``, ``B`` its body)."""
    from romas.agentspeak.program import Plan

    if not isinstance(pa, Plan) or not isinstance(pb, Plan):
        return False
    ta, tb = pa.trigger, pb.trigger
    if ta.op != tb.op or ta.kind != tb.kind:
        return False
    la, lb = _plan_label_term(pa), _plan_label_term(pb)
    if la is not None and lb is not None and not unify(la, lb, env, trail):
        return False
    if not unify(ta.literal, tb.literal, env, trail):
        return False
    if not unify(
        pa.context if pa.context is not None else _TRUE, pb.context if pb.context is not None else _TRUE, env, trail
    ):
        return False
    return unify(_body_term(pa), _body_term(pb), env, trail)


_TRUE = Struct("true")


def _plan_label_term(plan: object) -> Term | None:
    label = getattr(plan, "label", None)
    if label is None:
        return None
    if type(label) is Struct and label.functor == "" and label.args:
        return label.args[0]  # ``@L``: a variable label
    return label  # type: ignore[no-any-return]


def _body_term(plan: object) -> Term:
    """A plan's body as a term: a variable standing for the whole body, the one formula's term, or the
    body itself (compared by its printed form)."""
    from romas.agentspeak.program import Action, Body, Condition

    body = getattr(plan, "body", None)
    if not isinstance(body, Body):
        return _TRUE
    if len(body.formulas) == 1:
        f = body.formulas[0]
        if isinstance(f, Action):
            return f.term
        if isinstance(f, Condition):
            return f.expr
    return PlanTerm(body)


def _unify_special(sp: Struct, other: Struct, env: Env, trail: list[str] | None, left: bool) -> bool:
    """``X[a]`` (a variable with annotations) or ``NS::b`` (a namespace variable) against a literal."""
    if sp.functor == VAR_NS:
        ns_term, lit = sp.args
        f = other.functor
        neg = f.startswith("~")
        if neg:
            f = f[1:]
        i = f.find("::")
        ns = Struct(f[:i] if i > 0 else "default")
        inner = Struct(("~" if neg else "") + (f[i + 2 :] if i > 0 else f), other.args, other.annots)
        if not unify(ns_term, ns, env, trail):
            return False
        return unify(lit, inner, env, trail) if left else unify(inner, lit, env, trail)
    v = sp.args[0]
    bound = deref(v, env)
    if type(bound) is Struct:
        whole = Struct(bound.functor, bound.args, (*bound.annots, *sp.annots))
        return unify(whole, other, env, trail) if left else unify(other, whole, env, trail)
    if left:
        if not unify_annots(sp.annots, other.annots, env, trail):
            return False
    elif not unify_annots(other.annots, sp.annots, env, trail):
        return False
    # X[a] = p(1)[a,b] binds X to p(1): the annotations are matched, not kept (as Jason does)
    return unify(bound, Struct(other.functor, other.args), env, trail)


def _unify_partial(p: PartialList, other: Term, env: Env, trail: list[str] | None) -> bool:
    items = p.items
    if type(other) is tuple:
        if len(other) < len(items):
            return False
        for i in range(len(items)):
            if not unify(items[i], other[i], env, trail):
                return False
        return unify(p.tail, other[len(items) :], env, trail)
    q: PartialList = other  # type: ignore[assignment]
    n = min(len(items), len(q.items))
    for i in range(n):
        if not unify(items[i], q.items[i], env, trail):
            return False
    rest_p: Term = _rest(items[n:], p.tail)
    rest_q: Term = _rest(q.items[n:], q.tail)
    return unify(rest_p, rest_q, env, trail)


def _rest(items: tuple[Term, ...], tail: Term) -> Term:
    if not items:
        return tail
    return PartialList(items, tail)


def _split_tail(annots: tuple[Term, ...], env: Env) -> tuple[tuple[Term, ...], Term | None]:
    """The annotations without their tail (``p[a|T]``), with the tail's bound list spliced in, and the tail."""
    for i, last in enumerate(annots):
        if type(last) is Struct and last.functor == ANNOTS_TAIL:
            rest = (*annots[:i], *annots[i + 1 :])
            tail = deref(last.args[0], env)
            if type(tail) is tuple:
                return (*rest, *tail), None
            return rest, tail
    return annots, None


def unify_annots(sub: tuple[Term, ...], sup: tuple[Term, ...], env: Env, trail: list[str] | None) -> bool:
    """Every annotation in ``sub`` unifies with one in ``sup`` (first fit, no backtracking).

    As in Jason, a tail of ``sub`` (``p[a|T]``) unifies with the list of ``sup``'s annotations left unmatched,
    and a tail of ``sup`` takes the annotations of ``sub`` that ``sup`` lacks.
    """
    local: list[str] = [] if trail is None else trail
    sub_tail: Term | None = None
    sup_tail: Term | None = None
    if sub:
        sub, sub_tail = _split_tail(sub, env)
    if sup:
        sup, sup_tail = _split_tail(sup, env)
    if sub_tail is None and sup_tail is None:
        for x in sub:
            for y in sup:
                mark = len(local)
                if unify(x, y, env, local):
                    break
                undo(env, local, mark)
            else:
                return False
        return True
    left = list(sup)
    extra: list[Term] = []
    for x in sub:
        for i, y in enumerate(left):
            mark = len(local)
            if unify(x, y, env, local):
                del left[i]
                break
            undo(env, local, mark)
        else:
            if sup_tail is None:
                return False
            extra.append(x)
    if sup_tail is not None and not unify(sup_tail, tuple(extra), env, local):
        return False
    return sub_tail is None or unify(sub_tail, tuple(left), env, local)


def annots_solutions(sub: tuple[Term, ...], sup: tuple[Term, ...], env: Env, trail: list[str], i: int = 0) -> object:
    """Generator: every way the annotations ``sub[i:]`` unify into ``sup`` (for queries). A tail of ``sub``
    (``p[a|T]``, ``p[|T]``) takes the annotations of ``sup`` that the others did not match."""
    if i == 0 and any(type(a) is Struct and a.functor == ANNOTS_TAIL for a in sub):
        items, tail = _split_tail(sub, env)
        if tail is not None:
            yield from _tail_solutions(items, tail, sup, env, trail, 0, [False] * len(sup))  # type: ignore[misc]
            return
        sub = items
    if i == len(sub):
        yield None
        return
    x = sub[i]
    for y in sup:
        mark = len(trail)
        if unify(x, y, env, trail):
            yield from annots_solutions(sub, sup, env, trail, i + 1)  # type: ignore[misc]
        undo(env, trail, mark)


def _tail_solutions(
    items: tuple[Term, ...], tail: Term, sup: tuple[Term, ...], env: Env, trail: list[str], i: int, used: list[bool]
) -> object:
    if i == len(items):
        mark = len(trail)
        if unify(tail, tuple(y for y, u in zip(sup, used, strict=True) if not u), env, trail):
            yield None
        undo(env, trail, mark)
        return
    x = items[i]
    for j, y in enumerate(sup):
        if used[j]:
            continue
        mark = len(trail)
        if unify(x, y, env, trail):
            used[j] = True
            yield from _tail_solutions(items, tail, sup, env, trail, i + 1, used)  # type: ignore[misc]
            used[j] = False
        undo(env, trail, mark)


# ---- applying bindings ---------------------------------------------------------------------------------------


def resolve(t: Term, env: Env) -> Term:
    """``t`` with its bound variables replaced and its arithmetic evaluated where operands are numbers."""
    tt = type(t)
    if tt is Struct:
        if t.ground:  # type: ignore[union-attr]
            return t
        s: Struct = t  # type: ignore[assignment]
        if s.functor == ANNOTATED_VAR or s.functor == VAR_NS:
            return _resolve_special(s, env)
        args: list[Term] = []
        append = args.append
        for x in s.args:
            tx = type(x)
            if tx is Var:
                v = env.get(x.name)  # type: ignore[union-attr]
                if v is not None:
                    tv = type(v)
                    plain = tv is int or tv is str or tv is float or (tv is Struct and v.ground)  # type: ignore[union-attr]
                    x = v if plain else resolve(v, env)
            elif tx is Struct:
                if not x.ground:  # type: ignore[union-attr]
                    x = resolve(x, env)
            elif not (tx is int or tx is str or tx is float):
                x = resolve(x, env)
            append(x)
        return Struct(
            s.functor,
            tuple(args),
            _resolve_annots(s.annots, env) if s.annots else (),
        )
    if tt is Var:
        b = env.get(t.name)  # type: ignore[union-attr]
        if b is None:
            return t
        return resolve(b, env)
    if tt is int or tt is str or tt is float:
        return t
    if tt is tuple:
        return tuple([resolve(x, env) for x in t])  # type: ignore[union-attr]
    if tt is Arith:
        a: Arith = t  # type: ignore[assignment]
        if a.right is None and a.op[0] == "f":  # a function call, computed once its arguments are known
            call = resolve(a.left, env)
            if type(call) is Struct and (call.ground or call.functor.startswith(".")):
                return call_function_term(a.op, call, env)
            return Arith(a.op, call, None)
        left = a.left
        if type(left) is Var:
            v = env.get(left.name)
            if v is not None:
                left = v if (type(v) is int or type(v) is float) else resolve(v, env)
        elif not (type(left) is int or type(left) is float):
            left = resolve(left, env)
        right = a.right
        if type(right) is Var:
            v = env.get(right.name)
            if v is not None:
                right = v if (type(v) is int or type(v) is float) else resolve(v, env)
        elif right is not None and not (type(right) is int or type(right) is float):
            right = resolve(right, env)
        tl = type(left)
        if (tl is int or tl is float) and (right is None or type(right) is int or type(right) is float):
            return compute(a.op, left, right)  # type: ignore[arg-type]
        return Arith(a.op, left, right)
    if tt is PartialList:
        p: PartialList = t  # type: ignore[assignment]
        items = tuple([resolve(x, env) for x in p.items])
        tail = resolve(p.tail, env)
        if type(tail) is tuple:
            return items + tail
        if type(tail) is PartialList:
            return PartialList(items + tail.items, tail.tail)
        return PartialList(items, tail)
    if tt is Rel:
        r: Rel = t  # type: ignore[assignment]
        return Rel(r.op, resolve(r.left, env), resolve(r.right, env))
    if tt is Logic:
        lg: Logic = t  # type: ignore[assignment]
        return Logic(lg.op, resolve(lg.left, env), resolve(lg.right, env) if lg.right is not None else None)
    if tt is PlanTerm:
        from romas.agentspeak.program import map_plan_terms

        return PlanTerm(map_plan_terms(t.plan, lambda x: resolve(x, env)))  # type: ignore[union-attr]
    return t


def _resolve_annots(annots: tuple[Term, ...], env: Env) -> tuple[Term, ...]:
    out = [resolve(a, env) for a in annots]
    for i, last in enumerate(out):
        if type(last) is Struct and last.functor == ANNOTS_TAIL:
            tail = last.args[0]
            if type(tail) is tuple:  # the tail is bound: its annotations join the others
                out[i : i + 1] = [a for a in tail if a not in out]
            elif type(tail) is not Var:
                del out[i]
            break
    return tuple(out)


def _resolve_special(s: Struct, env: Env) -> Term:
    if s.functor == ANNOTATED_VAR:
        v = resolve(s.args[0], env)
        annots = _resolve_annots(s.annots, env) if s.annots else ()
        if type(v) is Struct:
            return Struct(v.functor, v.args, (*v.annots, *[a for a in annots if a not in v.annots]))
        return Struct(s.functor, (v,), annots)
    ns = resolve(s.args[0], env)
    lit = resolve(s.args[1], env)
    if type(ns) is Struct and not ns.args and type(lit) is Struct:
        f = lit.functor
        neg = f.startswith("~")
        base = f[1:] if neg else f
        i = base.find("::")
        if i >= 0:
            base = base[i + 2 :]
        if ns.functor != "default":
            base = f"{ns.functor}::{base}"
        return Struct(("~" if neg else "") + base, lit.args, lit.annots)
    return Struct(s.functor, (ns, lit))


def rename(t: Term, mapping: dict[str, Term], fresh: Callable[[], str]) -> Term:
    """``t`` with every variable renamed to a fresh one (the same name maps to the same new variable)."""
    tt = type(t)
    if tt is Struct:
        if t.ground:  # type: ignore[union-attr]
            return t
        s: Struct = t  # type: ignore[assignment]
        return Struct(
            s.functor,
            tuple([rename(a, mapping, fresh) for a in s.args]),
            tuple([rename(a, mapping, fresh) for a in s.annots]) if s.annots else (),
        )
    if tt is Var:
        v = mapping.get(t.name)  # type: ignore[union-attr]
        if v is None:
            v = mapping[t.name] = Var(fresh())  # type: ignore[union-attr]
        return v
    if tt is int or tt is str or tt is float:
        return t
    if tt is tuple:
        return tuple([rename(x, mapping, fresh) for x in t])  # type: ignore[union-attr]
    if tt is PartialList:
        p: PartialList = t  # type: ignore[assignment]
        return PartialList(tuple([rename(x, mapping, fresh) for x in p.items]), rename(p.tail, mapping, fresh))
    if tt is Arith:
        a: Arith = t  # type: ignore[assignment]
        return Arith(
            a.op, rename(a.left, mapping, fresh), rename(a.right, mapping, fresh) if a.right is not None else None
        )
    if tt is Rel:
        r: Rel = t  # type: ignore[assignment]
        return Rel(r.op, rename(r.left, mapping, fresh), rename(r.right, mapping, fresh))
    if tt is Logic:
        lg: Logic = t  # type: ignore[assignment]
        return Logic(
            lg.op, rename(lg.left, mapping, fresh), rename(lg.right, mapping, fresh) if lg.right is not None else None
        )
    if tt is PlanTerm:
        from romas.agentspeak.program import map_plan_terms

        return PlanTerm(map_plan_terms(t.plan, lambda x: rename(x, mapping, fresh)))  # type: ignore[union-attr]
    return t


# ---- arithmetic and comparison -------------------------------------------------------------------------------


class TooLarge(EvalError):
    """A number past the size an agent may build (a ``limit_exceeded`` failure, not a false constraint)."""


def _check_int(v: int | float) -> int | float:
    if type(v) is int and v.bit_length() > MAX_INT_BITS:
        raise TooLarge(f"integer too large (more than {MAX_INT_BITS} bits)")
    if type(v) is float and (math.isnan(v) or math.isinf(v)):
        raise EvalError("arithmetic overflow")
    return v


def compute(op: str, a: int | float, b: int | float | None) -> int | float:
    """One arithmetic operation; integers stay integers except with ``/``."""
    try:
        if op == "+":
            return _check_int(a + b)  # type: ignore[operator]
        if op == "-":
            return _check_int(a - b)  # type: ignore[operator]
        if op == "*":
            return _check_int(a * b)  # type: ignore[operator]
        if op == "neg":
            return -a
        assert b is not None
        if op == "/":
            if b == 0:
                raise EvalError("division by zero")
            return _check_int(a / b)
        if op == "div":
            if b == 0:
                raise EvalError("division by zero")
            if type(a) is int and type(b) is int:
                q = abs(a) // abs(b)
                return q if (a >= 0) == (b >= 0) else -q
            return float(math.trunc(a / b))
        if op == "mod":
            if b == 0:
                raise EvalError("division by zero")
            if type(a) is int and type(b) is int:
                return int(math.fmod(a, b)) if abs(a) < 2**52 else a - b * int(compute("div", a, b))
            return math.fmod(a, b)
        if op == "**":
            if type(a) is int and type(b) is int and b >= 0:
                if abs(a) > 1 and b * max(1, abs(a).bit_length() - 1) > MAX_INT_BITS:
                    raise TooLarge(f"integer too large (more than {MAX_INT_BITS} bits)")
                power: int = a**b
                return power
            if a == 0 and b < 0:
                raise EvalError("division by zero")
            r = float(a) ** float(b)
            if isinstance(r, complex):
                raise EvalError("the result is not a real number")
            return _check_int(r)
    except OverflowError:
        raise EvalError("arithmetic overflow") from None
    raise EvalError(f"unknown operator {op}")


def evaluate(t: Term, env: Env) -> int | float:
    """The numeric value of ``t`` (an expression or a bound variable); raises :class:`EvalError`."""
    t = deref(t, env)
    tt = type(t)
    if tt is int or tt is float:
        return t  # type: ignore[return-value]
    if tt is Arith:
        a: Arith = t  # type: ignore[assignment]
        if a.right is None and a.op[0] == "f":
            v = call_function_term(a.op, a.left, env)
            if type(v) is int or type(v) is float:
                return v
            raise EvalError(f"the function {a.left!r} has no numeric value")
        left = evaluate(a.left, env)
        right = evaluate(a.right, env) if a.right is not None else None
        return compute(a.op, left, right)
    if tt is Var:
        raise EvalError(f"unbound variable {t.name} in an arithmetic expression")  # type: ignore[union-attr]
    from romas.agentspeak.printer import format_term

    raise EvalError(f"{format_term(t)} is not a number")


_KIND_ORDER = {Var: 0, int: 1, float: 1, Struct: 2, str: 3, tuple: 4, PartialList: 4}


def compare(a: Term, b: Term) -> int:
    """Standard order of terms: variables < numbers < atoms and structures < strings < lists.

    Numbers compare by value, atoms and strings alphabetically, structures by arity, then name, then
    arguments.
    """
    ka = _KIND_ORDER.get(type(a), 5)
    kb = _KIND_ORDER.get(type(b), 5)
    if ka != kb:
        return -1 if ka < kb else 1
    if ka == 1:
        return (a > b) - (a < b)  # type: ignore[operator]
    if ka == 3:
        return (a > b) - (a < b)  # type: ignore[operator]
    if ka == 2:
        sa: Struct = a  # type: ignore[assignment]
        sb: Struct = b  # type: ignore[assignment]
        if len(sa.args) != len(sb.args):
            return -1 if len(sa.args) < len(sb.args) else 1
        if sa.functor != sb.functor:
            return -1 if sa.functor < sb.functor else 1
        for x, y in zip(sa.args, sb.args, strict=True):
            c = compare(x, y)
            if c:
                return c
        return 0
    if ka == 4:
        la: list[Term] = list(a.items) if type(a) is PartialList else list(a)  # type: ignore[arg-type]
        lb: list[Term] = list(b.items) if type(b) is PartialList else list(b)  # type: ignore[arg-type]
        for x, y in zip(la, lb, strict=False):
            c = compare(x, y)
            if c:
                return c
        return (len(la) > len(lb)) - (len(la) < len(lb))
    if ka == 0:
        na = a.name  # type: ignore[union-attr]
        nb = b.name  # type: ignore[union-attr]
        return (na > nb) - (na < nb)
    from romas.agentspeak.printer import format_term

    sa_, sb_ = format_term(a), format_term(b)
    return (sa_ > sb_) - (sa_ < sb_)
