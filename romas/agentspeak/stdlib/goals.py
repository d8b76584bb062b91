"""Goals and intentions: ``.fail``, ``.succeed_goal``, ``.drop_intention``, ``.intend``, ``.suspend``,
``.intention``, ``.signal`` ..."""

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
from romas.agentspeak.terms import SOURCE_SELF, PlanTerm, Struct, Term
from romas.agentspeak.unify import undo, unify

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent
    from romas.agentspeak.intentions import Event, Frame, Intention


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


def _suspended_goal_frames(ag: Agent, goal: Term) -> list[tuple[Intention, int]]:
    """As :func:`_goal_frames` for the suspended intentions, but the goal's variables stay bound by the first
    match, as Jason's ``.resume`` unifies with one unifier: ``.resume(g(_))`` resumes only the intentions of
    the first ``g`` it finds (the "queue" pattern relies on it)."""
    found = []
    env: dict[str, Term] = {}
    trail: list[str] = []
    for it in list(ag.intentions.values()):
        if it.state != SUSPENDED or not isinstance(it.wait, SuspendedWait):
            continue
        for k in range(len(it.stack) - 1, -1, -1):
            fr = it.stack[k]
            trig = fr.plan.trigger
            if trig.op != "+" or trig.kind != "!" or fr.plan.extra.get("system"):
                continue
            mark = len(trail)
            if unify(goal, fr.event, env, trail):
                found.append((it, k))
                break
            undo(env, trail, mark)
    return found


def _remove_goal_events(ag: Agent, goal: Term, achieved: bool = False) -> int:
    """Removes the pending ``+!goal`` events (``!!goal`` not yet handled); ``achieved``: they count as
    achieved goals (as Jason's ``.succeed_goal`` on an event: ``achieved`` and ``finished`` goal states)."""
    removed = 0
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None and unify(goal, ev.literal, {}):
            ag.events.remove(ev)
            if ev.origin is not None:
                ag._track_done(ev.origin, "the goal was dropped")
            if achieved and ag.plans.meta:
                ag.goal_state(ev.literal, "achieved")
                ag.goal_state(ev.literal, "finished")
            removed += 1
    return removed


@internal(".succeed_goal")
def _succeed_goal(c: Call) -> IAResult:
    c.arity(1)
    ag = c.agent
    _remove_goal_events(ag, c.args[0], achieved=True)
    current = c.intention
    for it, k in _goal_frames(ag, c.args[0]):
        if it is current and c.frame is not None and k == len(it.stack) - 1 and it.stack[k] is c.frame:
            it.stack[k].pc = len(it.stack[k].code) + 1  # the running plan itself: it ends after this action
            continue
        ag.succeed_goal_at(it, k)
    return True


@internal(".fail_goal")
def _fail_goal(c: Call) -> IAResult:
    c.arity(1)
    fail_goals(c.agent, c.args[0], "fail_goal", None)
    return True


def fail_goals(ag: Agent, goal: Term, error: str, reason: str | None) -> None:
    """``.fail_goal(G)`` (and a goal past its ``hard_deadline``, ``error`` ``deadline_reached``)."""
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None and unify(goal, ev.literal, {}):
            # a goal not yet handled (``!!g``): its event becomes ``-!g``, as Jason's .fail_goal does
            ev.trigger = "-!"
            lit = ev.literal
            if error != "fail_goal" and type(lit) is Struct:
                ev.literal = Struct(lit.functor, lit.args, (*lit.annots, Struct("error", (Struct(error),))))
            if ag.plans.meta:
                ag.goal_state(ev.literal, "failed", Struct("drop_by_fail_goal"))
    for it, k in _goal_frames(ag, goal):
        why = reason or f"the goal {format_term(it.stack[k].event)} was failed by .fail_goal"
        ag.fail_goal_at(it, k, why, error)


def still_desired(ag: Agent, goal: Term) -> bool:
    """``.desire(goal)`` holds: an intention pursues it or an event for it waits (suspended ones too)."""
    pending = [ev.literal for ev in [*ag.events, *ag.suspended_events] if ev.trigger == "+!"]
    return any(unify(goal, g, {}) for g in [*_intended_goals(ag, True), *pending])


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
    """Every intention but the one calling it (as Jason: the running intention is not among those it
    clears), with the sub-goal events of the dropped ones; pending ``.at`` events are intentions too."""
    c.arity(0)
    _drop_other_intentions(c)
    return True


def _drop_other_intentions(c: Call) -> None:
    ag = c.agent
    for it in list(ag.intentions.values()):
        if it is not c.intention:
            ag.drop_intention(it)
    for ev in list(ag.events):
        if ev.intention is not None and ev.intention is not c.intention:
            ag.events.remove(ev)


def drop_desires(ag: Agent, goal: Term) -> None:
    """Jason's ``.drop_desire``: the intentions pursuing ``goal``, then the ``+!goal`` events."""
    for it, _k in _goal_frames(ag, goal):
        ag.drop_intention(it)
    _drop_goal_events(ag, goal)


def _drop_goal_events(ag: Agent, goal: Term) -> None:
    """Removes every ``+!goal`` event as Jason's ``.drop_event`` does: those waiting, those of suspended
    intentions and the ``!!goal`` put aside by ``.suspend``; an intention waiting in a removed event (its
    sub-goal) is dropped with it."""
    for ev in list(ag.events):
        if ev.trigger == "+!" and unify(goal, ev.literal, {}):
            ag.events.remove(ev)
            _event_dropped(ag, ev)
    for ev in list(ag.suspended_events):
        if ev.trigger == "+!" and unify(goal, ev.literal, {}):
            ag.suspended_events.remove(ev)
            _event_dropped(ag, ev)
    for it in list(ag.intentions.values()):
        w = it.wait
        if it.state == SUSPENDED and isinstance(w, SuspendedWait):
            for ev in list(w.events):
                if ev.trigger == "+!" and unify(goal, ev.literal, {}):
                    w.events.remove(ev)
                    ag.drop_intention(it)


def _event_dropped(ag: Agent, ev: Event) -> None:
    if ev.origin is not None:
        ag._track_done(ev.origin, "the event was dropped")
    if ev.intention is not None:
        ag.drop_intention(ev.intention)  # it lived in that event (its sub-goal), as in Jason


def _drop_pending_events(ag: Agent, keep: Intention | None) -> None:
    """Jason's ``clearPendingEvents``: what ``.suspend`` put aside goes too (suspended intentions waiting on a
    sub-goal are dropped with it)."""
    for ev in ag.suspended_events:
        if ev.origin is not None:
            ag._track_done(ev.origin, "the event was dropped")
    ag.suspended_events.clear()
    for it in list(ag.intentions.values()):
        w = it.wait
        if it is not keep and it.state == SUSPENDED and isinstance(w, SuspendedWait) and w.events:
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
    _drop_other_intentions(c)
    for ev in list(ag.events):
        if ev.trigger[1:] in ("!", "?") and ev.intention is None:  # as Jason: every goal event, ^!g included
            ag.events.remove(ev)
            if ev.origin is not None:
                ag._track_done(ev.origin, "the goal was dropped")
    _drop_pending_events(ag, c.intention)
    return True


def _intended_goals(ag: Agent, suspended: bool = False) -> list[Term]:
    """The goals of the intentions; suspended ones left out unless asked (as Jason's ``.intend``)."""
    goals: list[Term] = []
    for it in ag.intentions.values():
        if it.state == SUSPENDED and not suspended:
            continue
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
    pending = [ev.literal for ev in [*ag.events, *ag.suspended_events] if ev.trigger == "+!"]
    return _each(c, ((goal, g) for g in [*_intended_goals(ag, True), *pending]))


# ---- events, suspension and the description of intentions -----------------------------------------------------


@internal(".drop_event")
def _drop_event(c: Call) -> IAResult:
    c.arity(1)
    _drop_goal_events(c.agent, c.args[0])
    return True


@internal(".drop_all_events")
def _drop_all_events(c: Call) -> IAResult:
    c.arity(0)
    ag = c.agent
    for ev in list(ag.events):
        ag.events.remove(ev)
        if ev.origin is not None:
            ag._track_done(ev.origin, "the event was dropped")
        if ev.intention is not None and ev.intention is not c.intention:
            ag.drop_intention(ev.intention)  # it lived in that event (its sub-goal), as in Jason
    _drop_pending_events(ag, c.intention)
    return True


@internal(".drop_future_intention")
def _drop_future_intention(c: Call) -> IAResult:
    """Drops the intentions that have ``+!G`` in their stack, without any event (as Jason's, it looks at
    intended means only)."""
    c.arity(1)
    ag = c.agent
    for it, _k in _goal_frames(ag, c.args[0]):
        ag.drop_intention(it)
    return True


@internal(".done")
def _done(c: Call) -> IAResult:
    """Jason's ``.done(G)``: the goal ``+!G`` of this intention is achieved; ``.done`` alone, the goal the
    running plan pursues (from a sub-plan's branch, the goal the branch came from, see er.py)."""
    c.arity(0, 1)
    from romas.agentspeak.er import done

    it = c.body_only()
    goal = None
    if c.args:
        goal = c.args[0]
        if type(goal) is not Struct:
            raise Failure("the argument of .done must be a literal", "wrong_arguments")
    done(c.agent, it, c.frame, goal)
    return True


@internal(".er__branch")
def _er_branch(c: Call) -> IAResult:
    """The formula a branch's sub-plan stands for (see er.py); never run."""
    return True


@internal(".er__end_branch")
def _er_end_branch(c: Call) -> IAResult:
    """A branch's sub-plan has ended: the branch ends with it, silently (see er.py)."""
    it = c.body_only()
    if it.g_intention is None:
        raise Failure(".er__end_branch is for romas's own use", "wrong_arguments")
    c.agent._end_intention(it, True)
    return True


class SuspendedWait:
    """An intention suspended by ``.suspend``: what it was doing, to be taken up by ``.resume``."""

    __slots__ = ("events", "reason", "state", "wait")

    def __init__(self, state: str, wait: object, reason: Term, events: list[Event]) -> None:
        self.state = state
        self.wait = wait
        self.reason = reason
        self.events = events  # its sub-goal events, held back until it resumes


SUSPENDED = "suspended"


def suspend_intention(ag: Agent, it: Intention, reason: Term, announce: bool = True) -> None:
    """Suspends ``it`` until ``.resume`` (also used to restore a snapshot: then ``announce`` is off, the
    goal-state event was made when it was suspended)."""
    if it.state == SUSPENDED:
        return
    held = [ev for ev in ag.events if ev.intention is it]
    for ev in held:
        ag.events.remove(ev)
    it.wait = SuspendedWait(it.state, it.wait, reason, held)
    it.state = SUSPENDED
    if ag.atomic_id == it.id:
        ag.atomic_id = None
    if ag.plans.meta and announce:
        for g in _goals_of(it)[-1:]:
            ag.goal_state(g, "suspended", reason)


@internal(".suspend")
def _suspend_ia(c: Call) -> IAResult:
    c.arity(0, 1)
    ag = c.agent
    if not c.args:
        it = c.body_only()
        assert c.frame is not None
        c.frame.pc += 1  # it goes on after .suspend when resumed
        suspend_intention(ag, it, Struct("suspended"))
        return True
    for it, _k in _goal_frames(ag, c.args[0]):
        if it is c.intention:
            assert c.frame is not None
            c.frame.pc += 1
        suspend_intention(ag, it, Struct("suspended"))
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None and unify(c.args[0], ev.literal, {}):
            # a goal not yet handled (``!!g``): its event waits for .resume (as Jason's pending events)
            ag.events.remove(ev)
            ag.suspended_events.append(ev)
            if ag.plans.meta:
                ag.goal_state(ev.literal, "suspended", Struct("suspended"))
    return True


@internal(".resume")
def _resume(c: Call) -> IAResult:
    c.arity(1)
    ag = c.agent
    for it, _k in _suspended_goal_frames(ag, c.args[0]):
        w = it.wait
        assert isinstance(w, SuspendedWait)
        it.state = w.state
        it.wait = w.wait
        timer = getattr(w.wait, "timer", None)
        if timer is not None:
            w.wait.timer = ag._add_timer(it, 0.0)  # type: ignore[attr-defined]  # a deadline may have passed
        if it.state == "trigger" and it.id not in ag.trigger_waits:
            ag.trigger_waits.append(it.id)
        ag.events.extend(w.events)
        if ag.plans.meta:
            for g in _goals_of(it)[-1:]:
                ag.goal_state(g, "resumed", Struct("resumed"))
        if it.state == "running":
            if it not in ag.running:
                it.queued = False
            ag._schedule(it)
    for ev in list(ag.suspended_events):
        if unify(c.args[0], ev.literal, {}):
            ag.suspended_events.remove(ev)
            ag.events.append(ev)
            if ag.plans.meta:
                ag.goal_state(ev.literal, "resumed", Struct("resume_ia"))
    return True


def _goals_of(it: Intention) -> list[Term]:
    return [
        fr.event
        for fr in it.stack
        if fr.plan.trigger.op == "+" and fr.plan.trigger.kind == "!" and not fr.plan.extra.get("system")
    ]


@internal(".suspended")
def _suspended(c: Call) -> IAResult:
    c.arity(2)
    goal, reason = c.args
    pairs = []
    for it in c.agent.intentions.values():
        w = it.wait
        if it.state == SUSPENDED and isinstance(w, SuspendedWait):
            why: Term = w.reason
        elif it.state == "action":
            why = Struct("act")
        elif it.state in ("timer", "trigger", "reply"):
            why = Struct("wait")
        else:
            continue
        for g in _goals_of(it):
            pairs.append((Struct("-", (goal, reason)), Struct("-", (g, why))))
    return _each(c, pairs)


def _state_name(it: Intention) -> str:
    if it.state == SUSPENDED:
        return "suspended"
    if it.state in ("running", "event"):
        return "running"
    return "waiting"


def _plan_trigger_term(fr: Frame) -> Term:
    from romas.agentspeak.program import Body, Plan, Trigger
    from romas.agentspeak.unify import resolve

    trig = fr.plan.trigger
    return PlanTerm(Plan(Trigger(trig.op, trig.kind, resolve(fr.event, fr.env)), None, Body(())))


def intended_means(ag: Agent, fr: Frame) -> Term:
    """``im(Label, {Trigger}, {Plan}, Unifier)`` for one frame, as Jason describes an intended means. The
    plan's variables are renamed apart (the plan may hold the very variable this description is bound to);
    the unifier lists the bound variables."""
    from romas.agentspeak.program import map_plan_terms
    from romas.agentspeak.terms import SOURCE_SELF, Var
    from romas.agentspeak.unify import rename, resolve

    plan = fr.plan
    label = Struct(plan.label_name or "l__0", (), (SOURCE_SELF,))
    unifier = []
    for name in fr.env:
        if Var(name).anonymous or name.startswith("_"):
            continue
        value = resolve(Var(name), fr.env)
        if type(value) is not Var:
            unifier.append(Struct("map", (Var(name), value)))
    mapping: dict[str, Term] = {}
    copy = map_plan_terms(plan, lambda x: rename(x, mapping, ag.fresh_name))
    return Struct("im", (label, _plan_trigger_term(fr), PlanTerm(copy), tuple(unifier)))


def intention_term(ag: Agent, it: Intention) -> Term:
    return tuple(intended_means(ag, fr) for fr in reversed(it.stack) if not fr.plan.extra.get("system"))


@internal(".current_intention")
def _current_intention(c: Call) -> IAResult:
    c.arity(1)
    it = c.body_only()
    return c.unify(c.args[0], Struct("intention", (it.id, intention_term(c.agent, it))))


@internal(".intention")
def _intention(c: Call) -> IAResult:
    """``.intention(Id, State[, Stack[, current]])``, backtracking over the intentions."""
    c.arity(2, 3, 4)
    ag = c.agent
    if len(c.args) == 4:
        if c.intention is None:
            return False
        chosen = [c.intention]
    else:
        chosen = list(ag.intentions.values())
    pairs = []
    for it in chosen:
        mine: list[Term] = [it.id, Struct(_state_name(it))]
        if len(c.args) >= 3:
            mine.append(intention_term(c.agent, it))
        pairs.append((tuple(c.args[: len(mine)]), tuple(mine)))
    return _each(c, pairs)


@internal(".signal")
def _signal(c: Call) -> IAResult:
    """``.signal({+e})``: adds the event, as if it came from outside (no belief or goal changes)."""
    c.arity(1, 2)
    from romas.agentspeak.stdlib.plans import trigger_from_term

    trig = trigger_from_term(c.args[0])
    lit = trig.literal
    if type(lit) is Struct and not any(type(a) is Struct and a.functor == "source" for a in lit.annots):
        lit = Struct(lit.functor, lit.args, (*lit.annots, SOURCE_SELF))
    c.agent.post_event(trig.op + trig.kind, lit)
    return True
