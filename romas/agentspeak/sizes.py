"""How much memory a term stands for, so an agent can be charged for what its mind holds.

The estimate is the term's *logical* size: every node costs :data:`NODE_BYTES` plus the characters of its
strings and names and the bytes of its integers. Shared sub-terms count once per occurrence, because that is
what printing, sending or checkpointing the term costs; a term built by doubling a shared sub-term is
therefore as large as its printed form, however little Python memory it occupies. Walks stop as soon as the
limit they are given is passed, so measuring a huge term costs no more than measuring one at the limit.
"""

from __future__ import annotations

from typing import Any

from romas.agentspeak.terms import Arith, Logic, PartialList, PlanTerm, Rel, Struct, Term, Var

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


def weight(t: Term, limit: int, env: dict[str, Term] | None = None) -> int:
    """The estimated bytes of ``t`` (variables followed through ``env`` when given); once the total passes
    ``limit`` the walk stops and returns what it counted so far (more than ``limit``)."""
    total = 0
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
        else:
            total += NODE_BYTES
        if total > limit:
            return total
    return total


def is_small(t: Any) -> bool:
    """True for values too small to charge or check: short strings, small numbers, atoms, flat literals of
    those (the common case, decided without a walk)."""
    tt = type(t)
    if tt is str:
        return len(t) < SMALL_BYTES // 2
    if tt is int:
        return bool(t.bit_length() < 512)
    if tt is float:
        return True
    if tt is Struct:
        if t.annots or len(t.args) > 8:
            return False
        a: Any
        for a in t.args:
            ta = type(a)
            if ta is str:
                if len(a) > 64:
                    return False
            elif ta is int:
                if a.bit_length() > 256:
                    return False
            elif not (ta is float or (ta is Struct and not a.args and not a.annots)):
                return False
        return True
    return False
