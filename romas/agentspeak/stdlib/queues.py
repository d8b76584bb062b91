"""Jason's queues: ``.queue.create .queue.add .queue.add_all .queue.head .queue.remove .queue.clear
.queue.copy .queue.to_list``.

``.queue.create(Q)`` makes a first-in-first-out queue, ``.queue.create(Q, priority)`` one that gives its
smallest element (Jason's order of terms) first. Unlike maps and sets, a free variable is not made a queue:
as in Jason, the other actions fail with ``ia_failed`` unless their first argument is a queue.
"""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.mutable_values import shallow_copy
from romas.agentspeak.mutables import QueueTerm
from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import Call, IAResult, internal
from romas.agentspeak.stdlib.maps import needs
from romas.agentspeak.terms import Var


def _queue(c: Call, n: int) -> QueueTerm:
    needs(c, n)
    q = c.args[0]
    if type(q) is QueueTerm:
        return q
    raise Failure(f"{c.term.functor}: expected a queue, got {format_term(q)}", "ia_failed")


@internal(".queue.create")
def _create(c: Call) -> IAResult:
    needs(c, 1)
    if type(c.args[0]) is not Var:
        return False
    priority = len(c.args) == 2 and format_term(c.args[1]) == "priority"
    return c.unify(c.args[0], QueueTerm(priority))


@internal(".queue.add")
def _add(c: Call) -> IAResult:
    _queue(c, 2).offer(c.args[1], c.agent)
    return True


@internal(".queue.add_all")
def _add_all(c: Call) -> IAResult:
    q = _queue(c, 2)
    items = c.args[1]
    if type(items) is not tuple:
        raise Failure(f".queue.add_all: expected a list, got {format_term(items)}", "ia_failed")
    for t in items:
        q.offer(t, c.agent, ".queue.add_all")
    return True


@internal(".queue.head")
def _head(c: Call) -> IAResult:
    t = _queue(c, 2).peek()
    return t is not None and c.unify(c.args[1], t)


@internal(".queue.remove")
def _remove(c: Call) -> IAResult:
    t = _queue(c, 2).poll()
    return t is not None and c.unify(c.args[1], t)


@internal(".queue.clear")
def _clear(c: Call) -> IAResult:
    _queue(c, 1).clear()
    return True


@internal(".queue.copy")
def _copy(c: Call) -> IAResult:
    q = _queue(c, 2)
    return c.unify(c.args[1], shallow_copy(q, c.agent))


@internal(".queue.to_list")
def _to_list(c: Call) -> IAResult:
    return c.unify(c.args[1], tuple(_queue(c, 2).items))
