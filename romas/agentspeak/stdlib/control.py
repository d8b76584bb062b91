"""Control flow as internal actions: ``.if_then_else``, ``.foreach``, ``.loop``, and ``.fork``/``.join``.

Each runs plan bodies ``{ ... }`` as steps of the calling intention, with the caller's bindings, exactly as
the ``if``, ``for`` and ``while`` statements do (they compile to the same instructions).
"""

from __future__ import annotations

from romas.agentspeak.intentions import Frame
from romas.agentspeak.program import Action, Body, For, If, Plan, Trigger, While
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    WaitTrigger,
    _bad,
    _int,
    body_of,
    internal,
    new_intentions,
    run_body,
)
from romas.agentspeak.terms import Struct, Term, Var


def _raw(c: Call, i: int) -> Term:
    """Argument ``i`` as written (a condition binds the caller's own variables), or its value if a variable."""
    t = c.term.args[i]
    return c.args[i] if type(t) is Var else t


@internal(".if_then_else")
def _if_then_else(c: Call) -> IAResult:
    c.arity(2, 3)
    c.body_only()
    cond = _raw(c, 0)
    then = body_of(c, _raw(c, 1))
    orelse = body_of(c, _raw(c, 2)) if len(c.args) == 3 else None
    run_body(c, Body((If(((cond, then),), orelse),)))
    return True


@internal(".foreach")
def _foreach(c: Call) -> IAResult:
    c.arity(2)
    c.body_only()
    run_body(c, Body((For(_raw(c, 0), body_of(c, _raw(c, 1))),)))
    return True


@internal(".loop")
def _loop(c: Call) -> IAResult:
    c.arity(2)
    c.body_only()
    run_body(c, Body((While(_raw(c, 0), body_of(c, _raw(c, 1))),)))
    return True


FORK = "romas_fork"
FORK_DONE = "romas_fork_done"


@internal(".fork")
def _fork(c: Call) -> IAResult:
    """``.fork(join|or, {B1}, ..., {Bn})``: each body runs as an intention of its own, starting from the
    caller's bindings; with ``join`` the caller goes on when all have ended, with ``or`` when the first
    has (the others are dropped). Each forked body ends with ``.join``, as in Jason."""
    if len(c.args) < 2:
        raise _bad(c, "takes join or or, then at least one plan body")
    it = c.body_only()
    mode = c.args[0]
    if type(mode) is not Struct or mode.functor not in ("join", "and", "or"):
        raise _bad(c, f"the first argument must be and, join or or, not {mode}")
    ag = c.agent
    assert c.frame is not None
    bodies = [body_of(c, _raw(c, i)) for i in range(1, len(c.args))]
    new_intentions(c, len(bodies))
    ag.counters["fork"] = n = ag.counters.get("fork", 0) + 1
    ag.counters[f"fork.{n}"] = len(bodies)
    tag = Struct(FORK, (n, Struct("or" if mode.functor == "or" else "join"), it.id))
    for body in bodies:
        end = Action(Struct(".join", (n,)))
        plan = Plan(Trigger("+", "!", tag), None, Body((*body.formulas, end)), name="fork")
        plan.extra["system"] = True
        plan.extra["no_tail"] = True
        child = ag._new_intention(None, None)
        child.stack.append(Frame(plan, dict(c.frame.env), tag))
        ag._schedule(child)
    return WaitTrigger("+", Struct(FORK_DONE, (n,)), None, None)


@internal(".join")
def _join(c: Call) -> IAResult:
    """The end of a forked body (see ``.fork``)."""
    c.arity(1)
    it = c.body_only()
    n = _int(c, c.args[0])
    ag = c.agent
    key = f"fork.{n}"
    left = ag.counters.get(key)
    if left is None:
        return True  # the fork is over (an ``or`` fork another body ended)
    bottom = it.stack[0].event if it.stack else None
    mode = bottom.args[1].functor if type(bottom) is Struct and bottom.functor == FORK else "join"  # type: ignore[union-attr]
    left -= 1
    if left > 0 and mode == "join":
        ag.counters[key] = left
        return True
    del ag.counters[key]
    if mode == "or":
        for other in list(ag.intentions.values()):
            ev = other.stack[0].event if other.stack else None
            if other is not it and type(ev) is Struct and ev.functor == FORK and ev.args[0] == n:
                ag.drop_intention(other)
    ag.post_event("+", Struct(FORK_DONE, (n,)))
    return True
