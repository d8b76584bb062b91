"""Goals and intentions: ``.fail``, ``.succeed_goal``, ``.drop_intention``, ``.intend`` ..."""

from __future__ import annotations

from typing import TYPE_CHECKING

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _each,
    internal,
)
from romas.agentspeak.terms import (
    Struct,
    Term,
)
from romas.agentspeak.unify import unify

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent
    from romas.agentspeak.intentions import Intention


# ---- intentions and goals --------------------------------------------------------------------------------------------


@internal(".fail")
def _fail(c: Call) -> IAResult:
    annots = tuple(a for a in c.args if type(a) is Struct)
    reason = "the plan failed (.fail)"
    for a in annots:
        if a.functor == "error_msg" and a.args and type(a.args[0]) is str:
            reason = a.args[0]
    error = "ia_failed"
    for a in annots:
        if a.functor == "error" and a.args and type(a.args[0]) is Struct:
            error = a.args[0].functor
    if annots and not any(a.functor == "error" for a in annots):
        annots = (Struct("error", (Struct(error),)), *annots)
    raise Failure(reason, error, annots)


@internal(".succeed")
def _succeed(c: Call) -> IAResult:
    return True


def _goal_frames(ag: Agent, goal: Term) -> list[tuple[Intention, int]]:
    """(intention, frame index) of the topmost achievement goal unifying with ``goal``, per intention."""
    found = []
    for it in list(ag.intentions.values()):
        for k in range(len(it.stack) - 1, -1, -1):
            fr = it.stack[k]
            trig = fr.plan.trigger
            trig_ok = trig.op == "+" and trig.kind == "!" and not fr.plan.extra.get("system")
            if trig_ok and unify(goal, fr.event, {}):
                found.append((it, k))
                break
    return found


def _remove_goal_events(ag: Agent, goal: Term) -> int:
    removed = 0
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None and unify(goal, ev.literal, {}):
            ag.events.remove(ev)
            if ev.origin is not None:
                ag._track_done(ev.origin, "the goal was dropped")
            removed += 1
    return removed


@internal(".succeed_goal")
def _succeed_goal(c: Call) -> IAResult:
    c.arity(1)
    ag = c.agent
    _remove_goal_events(ag, c.args[0])
    current = c.intention
    for it, k in _goal_frames(ag, c.args[0]):
        if it is current and c.frame is not None and k == len(it.stack) - 1 and it.stack[k] is c.frame:
            it.stack[k].pc = len(it.stack[k].code)  # the running plan itself: it ends after this action
            continue
        ag.succeed_goal_at(it, k)
    return True


@internal(".fail_goal")
def _fail_goal(c: Call) -> IAResult:
    c.arity(1)
    ag = c.agent
    for it, k in _goal_frames(ag, c.args[0]):
        ag.fail_goal_at(it, k, f"the goal {format_term(it.stack[k].event)} was failed by .fail_goal")
    return True


@internal(".drop_intention")
def _drop_intention(c: Call) -> IAResult:
    c.arity(0, 1)
    ag = c.agent
    if not c.args:
        it = c.body_only()
        ag.drop_intention(it)
        return True
    for it, _k in _goal_frames(ag, c.args[0]):
        ag.drop_intention(it)
    return True


@internal(".drop_all_intentions")
def _drop_all_intentions(c: Call) -> IAResult:
    c.arity(0)
    ag = c.agent
    for it in list(ag.intentions.values()):
        ag.drop_intention(it)
    return True


def drop_desires(ag: Agent, goal: Term) -> None:
    _remove_goal_events(ag, goal)
    for it, _k in _goal_frames(ag, goal):
        ag.drop_intention(it)


@internal(".drop_desire")
def _drop_desire(c: Call) -> IAResult:
    c.arity(1)
    drop_desires(c.agent, c.args[0])
    return True


@internal(".drop_all_desires")
def _drop_all_desires(c: Call) -> IAResult:
    c.arity(0)
    ag = c.agent
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None:
            ag.events.remove(ev)
            if ev.origin is not None:
                ag._track_done(ev.origin, "the goal was dropped")
    for it in list(ag.intentions.values()):
        ag.drop_intention(it)
    return True


def _intended_goals(ag: Agent) -> list[Term]:
    goals: list[Term] = []
    for it in ag.intentions.values():
        for fr in it.stack:
            trig = fr.plan.trigger
            if trig.op == "+" and trig.kind == "!" and not fr.plan.extra.get("system"):
                goals.append(fr.event)
    return goals


@internal(".intend")
def _intend(c: Call) -> IAResult:
    c.arity(1)
    goal = c.args[0]
    return _each(c, ((goal, g) for g in _intended_goals(c.agent)))


@internal(".desire")
def _desire(c: Call) -> IAResult:
    c.arity(1)
    goal = c.args[0]
    ag = c.agent
    pending = [ev.literal for ev in ag.events if ev.trigger == "+!"]
    return _each(c, ((goal, g) for g in [*_intended_goals(ag), *pending]))
