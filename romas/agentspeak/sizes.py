"""How much memory a term stands for, so an agent can be charged for what its mind holds.

The estimate is the term's *logical* size: every node costs :data:`NODE_BYTES` plus the characters of its
strings and names and the bytes of its integers. Shared sub-terms count once per occurrence, because that is
what printing, sending or checkpointing the term costs; a term built by doubling a shared sub-term is
therefore as large as its printed form, however little Python memory it occupies. Walks stop as soon as the
limit they are given is passed, so measuring a huge term costs no more than measuring one at the limit.
"""

from __future__ import annotations

from typing import Any

from romas.agentspeak.terms import GROUND_OBJECTS, Arith, Logic, PartialList, PlanTerm, Rel, Struct, Term, Var

NODE_BYTES = 32
"""What one node of a term costs (about a small Python object)."""

SMALL_BYTES = 1024
"""Bindings below this are not charged one by one: a plan's variables are few and their small values are
bounded by the plan's size."""


def scalar_weight(t: Any) -> int:
    """The weight of a string or number (0 for anything else, which :func:`weight` walks)."""
    tt = type(t)
    if tt is str:
        return NODE_BYTES + len(t)
    if tt is int:
        return NODE_BYTES + int(t.bit_length()) // 8
    if tt is float:
        return NODE_BYTES
    return 0


def weight(t: Term, limit: int, env: dict[str, Term] | None = None, contents: bool = True) -> int:
    """The estimated bytes of ``t`` (variables followed through ``env`` when given); once the total passes
    ``limit`` the walk stops and returns what it counted so far (more than ``limit``)."""
    return measure(t, limit, 1 << 62, env, contents)[0]


def measure(
    t: Term, limit: int, max_nodes: int, env: dict[str, Term] | None = None, contents: bool = True
) -> tuple[int, int]:
    """:func:`weight` and the number of nodes of ``t`` in one walk, which stops once either passes its
    limit. Without ``contents``, Jason's collections (maps, sets, queues) count as one node: what they hold
    changes in place, so a running total (the belief base's) must not count it."""
    total = 0
    nodes = 0
    stack: list[Any] = [t]
    pop = stack.pop
    push = stack.append
    extend = stack.extend
    while stack:
        x: Any = pop()
        tx = type(x)
        if tx is str:
            total += NODE_BYTES + len(x)
        elif tx is int:
            total += NODE_BYTES + x.bit_length() // 8
        elif tx is Struct:
            total += NODE_BYTES + len(x.functor)
            extend(x.args)
            if x.annots:
                extend(x.annots)
        elif tx is tuple:
            total += NODE_BYTES
            extend(x)
        elif tx is Var:
            bound = env.get(x.name) if env is not None else None
            if bound is None:
                total += NODE_BYTES + len(x.name)
            else:
                push(bound)
        elif tx is PartialList:
            total += NODE_BYTES
            extend(x.items)
            push(x.tail)
        elif tx is Arith or tx is Rel or tx is Logic:
            total += NODE_BYTES
            push(x.left)
            if x.right is not None:
                push(x.right)
        elif tx is PlanTerm:
            total += NODE_BYTES + len(getattr(x.plan, "source", "") or "")
        elif tx in GROUND_OBJECTS:  # Jason's collections keep their own running totals
            total += NODE_BYTES
            if contents:
                total += x.bytes
                nodes += x.nodes
        else:
            total += NODE_BYTES
        nodes += 1
        if total > limit or nodes > max_nodes:
            return total, nodes
    return total, nodes


def is_small(t: Any, env: dict[str, Term] | None = None) -> bool:
    """True for values too small to charge or check, decided without a walk: short strings, small numbers,
    atoms, and literals or lists of at most 8 of those, one level of nesting allowed (the common case).
    Variables count when ``env`` binds them to a short string, a small number or an atom."""
    tt = type(t)
    if tt is str:
        return len(t) < SMALL_BYTES // 2
    if tt is int:
        return bool(t.bit_length() < 512)
    if tt is float:
        return True
    if tt is Struct:
        if t.annots:
            return False
        items = t.args
    elif tt is tuple:
        items = t
    else:
        return False
    if len(items) > 8:
        return False
    a: Any
    for a in items:
        ta = type(a)
        if ta is Struct or ta is tuple:
            inner = a.args if ta is Struct else a
            if len(inner) > 8 or (ta is Struct and a.annots):
                return False
            for b in inner:
                if not _leaf(b, env):
                    return False
        elif not _leaf(a, env):
            return False
    return True


def _leaf(a: Any, env: dict[str, Term] | None) -> bool:
    ta = type(a)
    if ta is Var:
        if env is None:
            return False
        a = env.get(a.name)
        if a is None:
            return True
        ta = type(a)
    if ta is str:
        return len(a) <= 64
    if ta is int:
        return bool(a.bit_length() <= 256)
    return ta is float or (ta is Struct and not a.args and not a.annots)
