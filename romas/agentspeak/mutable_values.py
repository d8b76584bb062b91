"""Jason's collections as values: printed as Jason's ``toString``, copied (``.map.copy``...), sent (a message
carries a copy of the value, :func:`detach`) and read back from their source form (:func:`revive`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from romas.agentspeak.beliefs import LimitExceeded
from romas.agentspeak.mutables import MapTerm, Mutable, QueueTerm, SetTerm, scan
from romas.agentspeak.terms import GROUND_OBJECTS, Arith, Logic, PartialList, Rel, Struct, Term, Var

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent

M = TypeVar("M", MapTerm, SetTerm, QueueTerm)

MAP_FUNCTOR = "$map"
SET_FUNCTOR = "$set"
QUEUE_FUNCTOR = "$queue"
"""Functors of the source form of collections, ``'$map'([[K,V],...])``: what a message carries (the value)."""


def jason_text(m: Mutable, show: Any) -> str:
    """Jason's ``toString``: ``{k->v,...}`` for a map, ``{a,b}`` for a set, ``[a, b]`` for a queue."""
    if type(m) is MapTerm:
        return "{" + ",".join([show(k) + "->" + show(v) for k, v in zip(m.keys, m.values, strict=True)]) + "}"
    if type(m) is SetTerm:
        return "{" + ",".join([show(t) for t in m.items]) + "}"
    assert type(m) is QueueTerm
    return "[" + ", ".join([show(t) for t in m.items]) + "]"


def as_struct(m: Mutable) -> Struct:
    """The source form of a collection, ``'$map'([[K,V],...])``, ``'$set'([...])``, ``'$queue'([...])``: the
    value a message carries and :func:`revive` turns back into a collection."""
    if type(m) is MapTerm:
        return Struct(MAP_FUNCTOR, (tuple([(k, v) for k, v in zip(m.keys, m.values, strict=True)]),))
    if type(m) is SetTerm:
        return Struct(SET_FUNCTOR, (tuple(m.items),))
    assert type(m) is QueueTerm
    if m.priority:
        return Struct(QUEUE_FUNCTOR, (tuple(m.items), Struct("priority")))
    return Struct(QUEUE_FUNCTOR, (tuple(m.items),))


def shallow_copy(m: M, agent: Agent | None) -> M:
    """Jason's ``deepClone`` (``.map.copy`` ...): a new collection holding the same terms (collections held
    are shared, as Jason's ``clone()`` of them returns them)."""
    if type(m) is MapTerm:
        out = MapTerm()
        out.admit(agent, [scan(t) for t in m.terms()], [], ".map.copy")
        out.keys, out.values = list(m.keys), list(m.values)
        return out
    if type(m) is SetTerm:
        s = SetTerm()
        s.admit(agent, [scan(t) for t in m.items], [], ".set.copy")
        s.items = list(m.items)
        return s
    assert type(m) is QueueTerm
    q = QueueTerm(m.priority)
    q.admit(agent, [scan(t) for t in m.items], [], ".queue.copy")
    q.items = list(m.items)
    return q


def has_mutables(t: Term) -> bool:
    """True when ``t`` holds a collection (iterative walk; collections are not entered)."""
    stack: list[Any] = [t]
    while stack:
        x = stack.pop()
        tx = type(x)
        if tx is str or tx is int or tx is float or tx is Var:
            continue
        if tx is Struct:
            stack.extend(x.args)
            stack.extend(x.annots)
        elif tx is tuple:
            stack.extend(x)
        elif tx is PartialList:
            stack.extend(x.items)
            stack.append(x.tail)
        elif tx is Arith or tx is Rel or tx is Logic:
            stack.append(x.left)
            if x.right is not None:
                stack.append(x.right)
        elif tx in GROUND_OBJECTS:
            return True
    return False


def detach(t: Term, limit: int) -> Term:
    """``t`` with every collection replaced by a copy of its value as it is now, to the bottom: what a message
    carries, so that the receiver shares nothing with the sender (Jason sends the value). A value larger than
    ``limit`` bytes is refused before it is copied (a map sent a thousand times in one message)."""
    if not Mutable.made:
        return t
    if type(t) is Struct and not t.annots:
        for a in t.args:  # the common case, a literal of numbers, strings and atoms: nothing to copy
            ta = type(a)
            if not (ta is int or ta is str or ta is float or (ta is Struct and not a.args and not a.annots)):  # type: ignore[union-attr]
                break
        else:
            return t
    if not has_mutables(t):
        return t
    from romas.agentspeak.sizes import weight

    if weight(t, limit) > limit:
        raise LimitExceeded(f"a message larger than {limit} bytes")
    return _detach(t, 0)


def _detach(t: Term, depth: int) -> Term:
    if depth > 10_000:  # collections are nested less deep than the term depth limit
        raise LimitExceeded("a message nested too deep")
    tt = type(t)
    if tt is Struct:
        s: Struct = t  # type: ignore[assignment]
        return Struct(
            s.functor,
            tuple([_detach(a, depth + 1) for a in s.args]),
            tuple([_detach(a, depth + 1) for a in s.annots]),
        )
    if tt is tuple:
        return tuple([_detach(a, depth + 1) for a in t])  # type: ignore[union-attr]
    if tt is PartialList:
        p: PartialList = t  # type: ignore[assignment]
        return PartialList(tuple([_detach(a, depth + 1) for a in p.items]), _detach(p.tail, depth + 1))
    if tt is MapTerm:
        m: MapTerm = t  # type: ignore[assignment]
        out = MapTerm()
        for k, v in zip(m.keys, m.values, strict=True):
            out.put(_detach(k, depth + 1), _detach(v, depth + 1), None)
        return out
    if tt is SetTerm:
        st = SetTerm()
        for x in t.items:  # type: ignore[union-attr]
            st.add(_detach(x, depth + 1), None)
        return st
    if tt is QueueTerm:
        q = QueueTerm(t.priority)  # type: ignore[union-attr]
        for x in t.items:  # type: ignore[union-attr]
            d = _detach(x, depth + 1)
            q.admit(None, [scan(d)], [], ".send")
            q.items.append(d)
        return q
    return t


def revive(t: Term) -> Term:
    """``t`` with the source forms of collections (``'$map'([[K,V],...])``...) made collections again: what
    a message read from text holds. A term too deep to rebuild is left as it is."""
    if not _mentions(t):
        return t
    try:
        return _revive(t)
    except RecursionError:
        return t


def _mentions(t: Term) -> bool:
    stack: list[Any] = [t]
    while stack:
        x = stack.pop()
        tx = type(x)
        if tx is Struct:
            if x.functor in (MAP_FUNCTOR, SET_FUNCTOR, QUEUE_FUNCTOR):
                return True
            stack.extend(x.args)
            stack.extend(x.annots)
        elif tx is tuple:
            stack.extend(x)
    return False


def _revive(t: Term) -> Term:
    tt = type(t)
    if tt is tuple:
        return tuple([_revive(x) for x in t])  # type: ignore[union-attr]
    if tt is not Struct:
        return t
    s: Struct = t  # type: ignore[assignment]
    args = tuple([_revive(a) for a in s.args])
    if not s.annots and args and type(args[0]) is tuple:
        items: tuple[Term, ...] = args[0]
        if s.functor == MAP_FUNCTOR and len(args) == 1 and all(type(p) is tuple and len(p) == 2 for p in items):
            m = MapTerm()
            for pair in items:
                m.put(pair[0], pair[1], None)  # type: ignore[index]
            return m
        if s.functor == SET_FUNCTOR and len(args) == 1:
            st = SetTerm()
            for x in items:
                st.add(x, None)
            return st
        if s.functor == QUEUE_FUNCTOR and (len(args) == 1 or (len(args) == 2 and args[1] == Struct("priority"))):
            q = QueueTerm(len(args) == 2)
            for x in items:
                q.offer(x, None)
            return q
    return Struct(s.functor, args, tuple([_revive(a) for a in s.annots]))


__all__ = ["as_struct", "detach", "has_mutables", "jason_text", "revive", "shallow_copy"]
