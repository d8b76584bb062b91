"""Queries over and changes of the belief base: ``.findall``, ``.count``, ``.abolish`` ..."""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure, solve
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    internal,
)
from romas.agentspeak.terms import (
    Struct,
    Term,
)
from romas.agentspeak.unify import resolve, unify

# ---- queries over beliefs -------------------------------------------------------------------------------------------


def _solutions(c: Call, query: Term, template: Term | None) -> list[Term]:
    ag = c.agent
    env = dict(c.env)
    trail: list[str] = []
    out: list[Term] = []
    limit = ag.limits.max_term_size
    for _ in solve(ag, query, env, trail, c.depth + 1):
        if template is not None:
            out.append(resolve(template, env))
        else:
            out.append(0)
        if len(out) > limit:
            raise Failure(f"more than {limit} solutions", "limit_exceeded")
    return out


@internal(".findall")
def _findall(c: Call) -> IAResult:
    c.arity(3)
    return c.unify(c.args[2], tuple(_solutions(c, c.args[1], c.args[0])))


@internal(".count")
def _count(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], len(_solutions(c, c.args[0], None)))


@internal(".abolish")
def _abolish(c: Call) -> IAResult:
    c.arity(1)
    pattern = c.args[0]
    if type(pattern) is not Struct:
        raise _bad(c, "expected a literal")
    ag = c.agent
    key = Struct(pattern.functor, pattern.args)
    bucket = ag.beliefs.bucket(key.functor, len(key.args))
    if bucket:
        for bkey in list(bucket):
            if unify(key, bkey, {}):
                removed = ag.beliefs.remove(bkey, None)
                if removed:
                    ag.post_event("-", Struct(bkey.functor, bkey.args, removed))
    return True
