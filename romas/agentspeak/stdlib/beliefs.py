"""Queries over and changes of the belief base and rules: ``.findall``, ``.setof``, ``.belief``, ``.asserta``,
``.abolish``, ``.relevant_rules`` ..."""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure, solve
from romas.agentspeak.printer import format_rule, format_term
from romas.agentspeak.program import Rule
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _each,
    _sorted,
    internal,
)
from romas.agentspeak.terms import SOURCE_SELF, Struct, Term
from romas.agentspeak.unify import compare, rename, resolve, unify

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


@internal(".setof")
def _setof(c: Call) -> IAResult:
    c.arity(3)
    found = _solutions(c, c.args[1], c.args[0])
    unique: list[Term] = []
    for item in _sorted(tuple(found)):
        if not unique or compare(unique[-1], item) != 0:
            unique.append(item)
    return c.unify(c.args[2], tuple(unique))


@internal(".eval")
def _eval(c: Call) -> IAResult:
    c.arity(2)
    env = dict(c.env)
    found = False
    for _ in solve(c.agent, c.term.args[1], env, [], c.depth + 1):
        found = True
        break
    return c.unify(c.args[0], Struct("true" if found else "false"))


def _assert(c: Call, at_start: bool) -> IAResult:
    c.arity(1)
    lit = c.args[0]
    if type(lit) is not Struct or lit.functor.startswith("."):
        raise _bad(c, f"expected a literal, got {format_term(lit)}")
    ag = c.agent
    annots = (
        lit.annots
        if any(type(a) is Struct and a.functor == "source" for a in lit.annots)
        else (
            *lit.annots,
            SOURCE_SELF,
        )
    )
    key = Struct(lit.functor, lit.args)
    ag.check_term(lit, "belief")
    ag._add_belief(key, annots, None, last=not at_start)
    return True


@internal(".asserta")
def _asserta(c: Call) -> IAResult:
    return _assert(c, True)


@internal(".assertz")
def _assertz(c: Call) -> IAResult:
    return _assert(c, False)


@internal(".belief")
def _belief(c: Call) -> IAResult:
    """Beliefs of the belief base only (no rules), backtracking over them."""
    c.arity(1)
    pattern = c.args[0]
    if type(pattern) is not Struct:
        raise _bad(c, f"expected a literal, got {format_term(pattern)}")
    found = c.agent.beliefs.ordered(pattern.functor, len(pattern.args))
    if not found:
        return False
    fresh = c.agent.fresh_name
    return _each(c, ((pattern, rename(Struct(k.functor, k.args, tuple(annots)), {}, fresh)) for k, annots in found))


def rule_term(rule: Rule) -> Term:
    """A rule as a term, ``(Head :- Body)``."""
    return Struct(":-", (rule.head, rule.body))


@internal(".relevant_rules")
def _relevant_rules(c: Call) -> IAResult:
    c.arity(2)
    pattern = c.args[0]
    if type(pattern) is not Struct:
        raise _bad(c, f"expected a literal, got {format_term(pattern)}")
    found = [
        rule_term(r)
        for r in c.agent.rules.get((pattern.functor, len(pattern.args)), [])
        if unify(
            Struct(pattern.functor, pattern.args),
            rename(Struct(r.head.functor, r.head.args), {}, c.agent.fresh_name),
            {},
        )
    ]
    return c.unify(c.args[1], tuple(found))


@internal(".list_rules")
def _list_rules(c: Call) -> IAResult:
    c.arity(0)
    for rules in c.agent.rules.values():
        for r in rules:
            c.agent.host.print(c.agent.name, format_rule(r), None)
    return True
