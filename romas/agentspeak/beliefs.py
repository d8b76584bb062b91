"""The belief base and the rules: storage indexed by functor and arity, and logical queries over them.

A belief is a literal without annotations (the key) plus its annotations (``source(...)`` and others), so
``p(1)[source(bob)]`` and ``p(1)[source(self)]`` are one belief with two sources, as in Jason. Beliefs are
found in Jason's order: a new belief comes first (``+b``, ``.asserta``), except those added at the end
(``+>b``, ``.assertz``); initial beliefs keep the order of the source. Each bucket is a dictionary that holds
the beliefs in the reverse of that order (adding first is an append), read backwards. A ground query is a
dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any, Protocol

from romas.agentspeak.program import Rule
from romas.agentspeak.sizes import NODE_BYTES, weight
from romas.agentspeak.terms import ANNOTATED_VAR, VAR_NS, Logic, Rel, Struct, Term, Var
from romas.agentspeak.unify import Env, EvalError, TooLarge, annots_solutions, rename, undo, unify


class Failure(Exception):
    """Fails the current plan. ``error`` is the Jason error kind (``action_failed``, ``ia_failed``...),
    ``annots`` extra annotations for the ``-!g`` event, ``code`` the formula that failed."""

    def __init__(self, reason: str, error: str = "ia_failed", annots: tuple[Term, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.annots = annots


class LimitExceeded(Failure):
    """A safety limit was reached (rule depth, term size, intentions...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "limit_exceeded")


def eval_failure(e: EvalError) -> Failure:
    """How an arithmetic error fails a plan: a number too large is a limit, anything else a false constraint."""
    if isinstance(e, TooLarge):
        return LimitExceeded(str(e))
    return Failure(str(e), "constraint_failed")


class BeliefBase:
    __slots__ = ("bytes", "embedded", "embedded_bytes", "index", "size")

    def __init__(self) -> None:
        self.index: dict[tuple[str, int], dict[Struct, list[Term]]] = {}
        self.size = 0
        self.bytes = 0
        """The estimated memory of every belief (see sizes.py), kept up to date by add and remove."""
        self.embedded: dict[Struct, tuple[Any, int]] = {}
        """The encoded JSON of beliefs unchanged since a checkpoint made it, and what it weighs (see
        ``serialise._beliefs_json``). A belief's annotations change only through :meth:`add` and :meth:`remove`,
        which drop it."""
        self.embedded_bytes = 0
        """What the entries of ``embedded`` weigh together."""

    def add(self, lit: Struct, annots: tuple[Term, ...], last: bool = False, weight: int = -1) -> tuple[Term, ...]:
        """Adds ``lit`` (without annotations) with ``annots``, found first (or last, with ``last``) among
        the beliefs of its functor and arity; returns the annotations that are new (empty when the belief
        was already there with all of them; a belief already there keeps its place). ``weight``, when not
        negative, is what ``lit`` and ``annots`` weigh together, known by the caller (no walk here)."""
        key = (lit.functor, len(lit.args))
        bucket = self.index.get(key)
        if bucket is None:
            bucket = self.index[key] = {}
        have = bucket.get(lit)
        if have is None:
            if last and bucket:
                moved = {lit: list(annots)}
                moved.update(bucket)
                self.index[key] = moved
            else:
                bucket[lit] = list(annots)
            self.size += 1
            self.bytes += weight if weight >= 0 else _weights((lit, *annots))
            return annots
        added = tuple(a for a in annots if a not in have)
        if added:
            have.extend(added)
            self._forget(lit)
            self.bytes += _weights(added)
        return added

    def get(self, lit: Struct) -> list[Term] | None:
        bucket = self.index.get((lit.functor, len(lit.args)))
        if bucket is None:
            return None
        return bucket.get(lit)

    def remove(self, lit: Struct, annots: tuple[Term, ...] | None) -> tuple[Term, ...] | None:
        """Removes ``annots`` from the belief ``lit`` (all of it when ``annots`` is None); the belief goes
        when no ``source`` annotation is left. Returns the annotations removed, or None if absent."""
        key = (lit.functor, len(lit.args))
        bucket = self.index.get(key)
        if bucket is None:
            return None
        have = bucket.get(lit)
        if have is None:
            return None
        self._forget(lit)
        if annots is None:
            removed = tuple(have)
            have.clear()
        else:
            removed = tuple(a for a in annots if a in have)
            if not removed:
                return None
            for a in removed:
                have.remove(a)
        if not any(type(a) is Struct and a.functor == "source" for a in have):
            del bucket[lit]
            if not bucket:
                del self.index[key]
            self.size -= 1
            self.bytes -= _weights((lit, *removed, *have))
            removed = removed + tuple(have)
        else:
            self.bytes -= _weights(removed)
        return removed

    def items(self) -> Iterator[tuple[Struct, list[Term]]]:
        """Every belief, each functor's in the order queries find them."""
        for bucket in list(self.index.values()):
            yield from list(reversed(bucket.items()))

    def page(self, offset: int, limit: int) -> list[tuple[Struct, list[Term]]]:
        """At most ``limit`` beliefs from the ``offset``-th on, in the order of :meth:`items`, without walking
        the beliefs before it one by one (a mind of a million beliefs is read a page at a time)."""
        out: list[tuple[Struct, list[Term]]] = []
        for bucket in self.index.values():
            if len(out) >= limit:
                break
            if offset >= len(bucket):
                offset -= len(bucket)
                continue
            out.extend(islice(reversed(bucket.items()), offset, offset + limit - len(out)))
            offset = 0
        return out

    def bucket(self, functor: str, arity: int) -> dict[Struct, list[Term]] | None:
        """The beliefs of ``functor``/``arity``, in the reverse of the order queries find them (use
        :meth:`ordered` to walk them as a query does)."""
        return self.index.get((functor, arity))

    def ordered(self, functor: str, arity: int) -> list[tuple[Struct, list[Term]]]:
        """The beliefs of ``functor``/``arity`` in the order queries find them (a copy)."""
        bucket = self.index.get((functor, arity))
        return list(reversed(bucket.items())) if bucket else []

    def _forget(self, lit: Struct) -> None:
        entry = self.embedded.pop(lit, None)
        if entry is not None:
            self.embedded_bytes -= entry[1]

    def clear(self) -> None:
        self.index.clear()
        self.embedded = {}
        self.embedded_bytes = 0
        self.size = 0
        self.bytes = 0


_NO_LIMIT = 1 << 62


def _weights(terms: tuple[Term, ...]) -> int:
    """What the terms weigh together (one walk); Jason's collections count as one node, the agent being charged
    for what they hold while they live (see :mod:`romas.agentspeak.mutables`)."""
    total = 0
    for t in terms:
        if type(t) is Struct and not t.annots:  # the common case, ``v(1)`` or ``source(bob)``: no walk
            total += NODE_BYTES + len(t.functor)
            for a in t.args:
                ta = type(a)
                if ta is int:
                    total += NODE_BYTES + a.bit_length() // 8  # type: ignore[union-attr]
                elif ta is Struct and not a.args and not a.annots:  # type: ignore[union-attr]
                    total += NODE_BYTES + len(a.functor)  # type: ignore[union-attr]
                elif ta is str:
                    total += NODE_BYTES + len(a)  # type: ignore[arg-type]
                else:
                    total += weight(a, _NO_LIMIT, None, False)  # weights add up, node by node
        else:
            total += weight(t, _NO_LIMIT, None, False)
    return total


class Reasoner(Protocol):
    """What the query engine needs from an agent."""

    beliefs: BeliefBase
    rules: dict[tuple[str, int], list[Rule]]
    rule_depth_limit: int
    query_budget: int

    def fresh_name(self) -> str: ...

    def query_internal(self, term: Struct, env: Env, trail: list[str], depth: int) -> Iterator[None]: ...


def query_any(ag: Reasoner, lit: Struct, env: Env, trail: list[str], depth: int) -> Iterator[None]:
    """``X[source(S)]`` or ``NS::b`` as a query: once bound, the literal they stand for; else every belief
    that unifies (as Jason does for a variable in a formula)."""
    from romas.agentspeak.unify import resolve

    t = resolve(lit, env)
    if type(t) is Struct and t.functor != ANNOTATED_VAR and t.functor != VAR_NS:
        yield from solve(ag, t, env, trail, depth)
        return
    for key, annots in list(ag.beliefs.items()):
        ag.query_budget -= 1
        if ag.query_budget < 0:
            raise LimitExceeded("the query explored too many beliefs and rules in one step")
        mark = len(trail)
        k: Struct = key if key.ground else rename(key, {}, ag.fresh_name)  # type: ignore[assignment]
        if unify(lit, Struct(k.functor, k.args, tuple(annots)), env, trail):
            yield None
        undo(env, trail, mark)


def query_literal(ag: Reasoner, lit: Struct, env: Env, trail: list[str], depth: int) -> Iterator[None]:
    """Every way ``lit`` follows from the beliefs and rules (bindings are left in ``env`` at each yield)."""
    functor = lit.functor
    arity = len(lit.args)
    qannots = lit.annots
    q = Struct(functor, lit.args) if qannots else lit
    bucket = ag.beliefs.index.get((functor, arity))
    ag.query_budget -= 1 + (len(bucket) if bucket else 0)
    if ag.query_budget < 0:
        raise LimitExceeded("the query explored too many beliefs and rules in one step")
    if bucket:
        if q.ground:
            have = bucket.get(q)
            if have is not None:
                if qannots:
                    yield from annots_solutions(qannots, tuple(have), env, trail)  # type: ignore[misc]
                else:
                    yield None
        else:
            for key, have in list(reversed(bucket.items())):
                mark = len(trail)
                k: Term = key if key.ground else rename(key, {}, ag.fresh_name)
                if unify(q, k, env, trail):
                    if qannots:
                        yield from annots_solutions(qannots, tuple(have), env, trail)  # type: ignore[misc]
                    else:
                        yield None
                undo(env, trail, mark)
    rules = ag.rules.get((functor, arity))
    if rules:
        if depth >= ag.rule_depth_limit:
            raise LimitExceeded(f"rules nested more than {ag.rule_depth_limit} levels deep")
        for rule in rules:
            mapping: dict[str, Term] = {}
            head = rename(rule.head, mapping, ag.fresh_name)
            mark = len(trail)
            if unify(q, Struct(head.functor, head.args) if type(head) is Struct else head, env, trail):
                body = rename(rule.body, mapping, ag.fresh_name)
                yield from solve(ag, body, env, trail, depth + 1)
            undo(env, trail, mark)


def solve(ag: Reasoner, f: Term, env: Env, trail: list[str], depth: int = 0) -> Iterator[None]:
    """Every solution of the logical formula ``f`` (a context, a rule body, a query argument)."""
    while type(f) is Var:
        b = env.get(f.name)
        if b is None:
            raise Failure(f"unbound variable {f.name} used as a formula", "wrong_arguments")
        f = b
    tf = type(f)
    if tf is Struct:
        s: Struct = f  # type: ignore[assignment]
        fn = s.functor
        if fn[:1] == ".":
            yield from ag.query_internal(s, env, trail, depth)
        elif not s.args and not s.annots and fn == "true":
            yield None
        elif not s.args and not s.annots and fn == "false":
            return
        elif fn in (ANNOTATED_VAR, VAR_NS):
            yield from query_any(ag, s, env, trail, depth)
        else:
            yield from query_literal(ag, s, env, trail, depth)
    elif tf is Logic:
        lg: Logic = f  # type: ignore[assignment]
        op = lg.op
        if op == "and":
            right = lg.right
            assert right is not None
            for _ in solve(ag, lg.left, env, trail, depth):
                yield from solve(ag, right, env, trail, depth)
        elif op == "or":
            assert lg.right is not None
            yield from solve(ag, lg.left, env, trail, depth)
            yield from solve(ag, lg.right, env, trail, depth)
        else:
            mark = len(trail)
            found = False
            for _ in solve(ag, lg.left, env, trail, depth):
                found = True
                break
            undo(env, trail, mark)
            if not found:
                yield None
    elif tf is Rel:
        r: Rel = f  # type: ignore[assignment]
        if r.op == "=":
            from romas.agentspeak.unify import resolve

            mark = len(trail)
            try:
                left = resolve(r.left, env)
                right = resolve(r.right, env)
            except EvalError as e:
                raise eval_failure(e) from None
            if unify(left, right, env, trail):
                yield None
            undo(env, trail, mark)
        elif r.op == "=..":
            mark = len(trail)
            if univ(r.left, r.right, env, trail):
                yield None
            undo(env, trail, mark)
        elif relation(r.op, r.left, r.right, env):
            yield None
    elif tf is int or tf is float or tf is str:
        from romas.agentspeak.printer import format_term

        raise Failure(f"{format_term(f)} is not a logical formula", "wrong_arguments")
    else:
        from romas.agentspeak.printer import format_term

        raise Failure(f"{format_term(f)} is not a logical formula", "wrong_arguments")


def first_solution(ag: Reasoner, f: Term, env: Env) -> bool:
    """True (keeping the bindings in ``env``) when ``f`` has a solution; cheap for plain comparisons."""
    if type(f) is Rel and f.op != "=" and f.op != "=..":
        return relation(f.op, f.left, f.right, env)
    trail: list[str] = []
    for _ in solve(ag, f, env, trail, 0):
        return True
    return False


def relation(op: str, left: Term, right: Term, env: Env) -> bool:
    """Evaluates a comparison; numbers (the common case) are compared without building anything."""
    x = left
    while type(x) is Var:
        v = env.get(x.name)
        if v is None:
            break
        x = v
    y = right
    while type(y) is Var:
        v = env.get(y.name)
        if v is None:
            break
        y = v
    tx, ty = type(x), type(y)
    if (tx is int or tx is float) and (ty is int or ty is float):
        if op == "<":
            return x < y  # type: ignore[operator]
        if op == ">":
            return x > y  # type: ignore[operator]
        if op == "<=":
            return x <= y  # type: ignore[operator]
        if op == ">=":
            return x >= y  # type: ignore[operator]
        if op == "==":
            return x == y
        if op == "\\==":
            return x != y
    return _relation(op, left, right, env)


def _relation(op: str, left: Term, right: Term, env: Env) -> bool:
    from romas.agentspeak.unify import compare, resolve

    try:
        a = resolve(left, env)
        b = resolve(right, env)
    except EvalError as e:
        raise eval_failure(e) from None
    if op == "==":
        return equal_terms(a, b)
    if op == "\\==":
        return not equal_terms(a, b)
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        x, y = a, b
        if op == "<":
            return x < y  # type: ignore[operator]
        if op == "<=":
            return x <= y  # type: ignore[operator]
        if op == ">":
            return x > y  # type: ignore[operator]
        if op == ">=":
            return x >= y  # type: ignore[operator]
    from romas.agentspeak.terms import Arith

    for side in (a, b):
        if type(side) is Arith:
            from romas.agentspeak.unify import evaluate

            try:
                evaluate(side, env)
            except EvalError as e:
                raise eval_failure(e) from None
        if type(side) is Var:
            raise Failure(f"cannot compare: {side.name} is unbound", "constraint_failed")
    c = compare(a, b)
    if op == "<":
        return c < 0
    if op == "<=":
        return c <= 0
    if op == ">":
        return c > 0
    if op == ">=":
        return c >= 0
    raise Failure(f"unknown relation {op}", "wrong_arguments")


def equal_terms(a: Term, b: Term) -> bool:
    if type(a) is not type(b):
        ta, tb = type(a), type(b)
        if (ta is int or ta is float) and (tb is int or tb is float):
            return a == b
        return False
    return a == b


def univ(left: Term, right: Term, env: Env, trail: list[str]) -> bool:
    """``T =.. [Functor, [Args], [Annots]]`` (Jason's form)."""
    from romas.agentspeak.unify import resolve

    a = resolve(left, env)
    if type(a) is Struct:
        s: Struct = a
        lst: Term = (Struct(s.functor), tuple(s.args), tuple(s.annots))
        return unify(lst, resolve(right, env), env, trail)
    b = resolve(right, env)
    if type(b) is tuple and len(b) >= 2 and type(b[0]) is Struct and type(b[1]) is tuple:
        annots = b[2] if len(b) > 2 and type(b[2]) is tuple else ()
        return unify(a, Struct(b[0].functor, b[1], annots), env, trail)
    if type(a) in (int, float, str):
        return unify((a, (), ()), b, env, trail)
    raise Failure("=.. needs a structure or a list [functor, args, annotations]", "wrong_arguments")
