"""Jason's maps: ``.map.create .map.put .map.get .map.remove .map.key .map.value .map.clear .map.copy``.

As in Jason, every action but ``.map.create`` makes a new map when its first argument is a free variable, and
fails with ``ia_failed`` when it is something else than a map; arguments past those used are ignored.
"""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.mutable_values import shallow_copy
from romas.agentspeak.mutables import MapTerm
from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import Call, IAResult, _each, internal
from romas.agentspeak.terms import Var


def needs(c: Call, n: int) -> None:
    """Jason's actions read their arguments by position: fewer than ``n`` is an error (more are ignored)."""
    if len(c.args) < n:
        raise Failure(f"{c.term.functor} needs {n} arguments, not {len(c.args)}", "ia_failed")


def _map(c: Call, n: int) -> MapTerm:
    needs(c, n)
    m = c.args[0]
    if type(m) is MapTerm:
        return m
    if type(m) is Var:
        new = MapTerm()
        c.unify(m, new)
        return new
    raise Failure(f"{c.term.functor}: expected a map, got {format_term(m)}", "ia_failed")


@internal(".map.create")
def _create(c: Call) -> IAResult:
    needs(c, 1)
    if type(c.args[0]) is Var:
        return c.unify(c.args[0], MapTerm())
    return False


@internal(".map.put")
def _put(c: Call) -> IAResult:
    _map(c, 3).put(c.args[1], c.args[2], c.agent)
    return True


@internal(".map.get")
def _get(c: Call) -> IAResult:
    v = _map(c, 3).get(c.args[1])
    if v is None:
        return len(c.args) == 4 and c.unify(c.args[2], c.args[3])
    return c.unify(c.args[2], v)


@internal(".map.remove")
def _remove(c: Call) -> IAResult:
    v = _map(c, 3).remove(c.args[1])
    return v is not None and c.unify(c.args[2], v)


@internal(".map.clear")
def _clear(c: Call) -> IAResult:
    _map(c, 1).clear()
    return True


@internal(".map.copy")
def _copy(c: Call) -> IAResult:
    m = _map(c, 2)
    return c.unify(shallow_copy(m, c.agent), c.args[1])


@internal(".map.key")
def _key(c: Call) -> IAResult:
    m = _map(c, 2)
    return _each(c, ((c.args[1], k) for k in list(m.keys)))


@internal(".map.value")
def _value(c: Call) -> IAResult:
    m = _map(c, 2)
    return _each(c, ((c.args[1], v) for v in list(m.values)))
