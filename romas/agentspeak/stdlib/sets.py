"""Jason's sets: ``.set.create .set.add .set.add_all .set.remove .set.clear .set.copy .set.union
.set.intersection .set.difference .set.to_list``.

As in Jason, every action but ``.set.create`` makes a new set when its first argument is a free variable, and
fails with ``ia_failed`` when it is something else than a set. The second argument of ``add_all``, ``union``,
``intersection`` and ``difference`` is a list or a set; an element is found in a set by Jason's order of terms
and in a list by equality, as Java's collections do.
"""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.mutable_values import shallow_copy
from romas.agentspeak.mutables import SetTerm
from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import Call, IAResult, internal
from romas.agentspeak.stdlib.maps import needs
from romas.agentspeak.terms import Term, Var


def _set(c: Call, n: int) -> SetTerm:
    needs(c, n)
    s = c.args[0]
    if type(s) is SetTerm:
        return s
    if type(s) is Var:
        new = SetTerm()
        c.unify(s, new)
        return new
    raise Failure(f"{c.term.functor}: expected a set, got {format_term(s)}", "ia_failed")


def _collection(c: Call) -> tuple[Term, ...] | SetTerm:
    other = c.args[1]
    if type(other) is tuple or type(other) is SetTerm:
        return other
    raise Failure(f"{c.term.functor}: expected a list or a set, got {format_term(other)}", "ia_failed")


def _contains(coll: tuple[Term, ...] | SetTerm, t: Term) -> bool:
    if type(coll) is SetTerm:
        return t in coll
    return any(t == x for x in coll)


@internal(".set.create")
def _create(c: Call) -> IAResult:
    needs(c, 1)
    if type(c.args[0]) is Var:
        return c.unify(c.args[0], SetTerm())
    return False


@internal(".set.add")
def _add(c: Call) -> IAResult:
    _set(c, 2).add(c.args[1], c.agent)
    return True


@internal(".set.add_all")
@internal(".set.union")
def _add_all(c: Call) -> IAResult:
    """Jason's two names for one action."""
    s = _set(c, 2)
    for t in list(_collection(c)):
        s.add(t, c.agent, c.term.functor)
    return True


@internal(".set.remove")
def _remove(c: Call) -> IAResult:
    _set(c, 2).remove(c.args[1])
    return True


@internal(".set.clear")
def _clear(c: Call) -> IAResult:
    _set(c, 1).clear()
    return True


@internal(".set.copy")
def _copy(c: Call) -> IAResult:
    s = _set(c, 2)
    return c.unify(shallow_copy(s, c.agent), c.args[1])


@internal(".set.intersection")
def _intersection(c: Call) -> IAResult:
    s = _set(c, 2)
    other = _collection(c)
    s.keep_only(lambda t: _contains(other, t))
    return True


@internal(".set.difference")
def _difference(c: Call) -> IAResult:
    s = _set(c, 2)
    other = _collection(c)
    if len(s) > len(other):  # Java's removeAll: each element of the other removed by the set's order
        for t in list(other):
            s.remove(t)
    else:
        s.keep_only(lambda t: not _contains(other, t))
    return True


@internal(".set.to_list")
def _to_list(c: Call) -> IAResult:
    s = _set(c, 2)
    return c.unify(c.args[1], tuple(s.items))
