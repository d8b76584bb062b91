"""Jason's e-r goals: goal conditions (``+!g : c <: gc <- body.``) and sub-plans (``+!g <- body. { plans }``).

While a plan with a goal condition is on an intention's stack, its condition is checked at every reasoning
step (with the bindings the plan was chosen with): when it holds, the goal is achieved there and then (the
plans above it are dropped, the plan below goes on). A plan that ends while its condition does not hold
leaves its intention waiting for it (``<: false`` waits for ``.done``).

Sub-plans are relevant only while their plan is being pursued. A sub-goal looks for plans among the sub-plans
of the plan posting it, then among the plans around that plan, up to the agent's plans; a sub-plan starts with
the bindings its enclosing plan was chosen with (its variables are that plan's). A belief event (``+b``,
``-b``) that a sub-plan of a pursued plan can handle runs that sub-plan in a branch of the intention: a copy of
its stack with the sub-plan on top, ended when the sub-plan ends. The agent's own plans handle the event as
usual besides. ``.done`` in a branch achieves the goal the branch came from, in the intention it came from.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING

from romas.agentspeak.beliefs import Failure, first_solution
from romas.agentspeak.intentions import DONE, WAIT_EVENT, Event, Frame, Intention
from romas.agentspeak.plans import PlanLibrary, sub_library
from romas.agentspeak.program import Plan
from romas.agentspeak.terms import Struct, Term
from romas.agentspeak.unify import EvalError, unify

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent

BRANCH_PLAN_SOURCE = "+!er__branch <- .er__branch; .er__end_branch."
"""The frame under a branch's sub-plan: when the sub-plan ends, the branch's next formula ends the branch."""

_FALSE = Struct("false")
_branch_plan: list[Plan] = []


def branch_plan() -> Plan:
    if not _branch_plan:
        from romas.agentspeak.agent import _system_plan

        plan = _system_plan(BRANCH_PLAN_SOURCE)
        plan.extra["er_branch"] = True
        _branch_plan.append(plan)
    return _branch_plan[0]


def goal_condition(plan: Plan) -> Term | None:
    return plan.extra.get("goal_condition") if plan.extra else None


def is_er(plan: Plan) -> bool:
    """A plan that needs its trigger-time bindings kept: it has a goal condition or sub-plans."""
    return bool(plan.extra) and ("goal_condition" in plan.extra or "sub_plans" in plan.extra)


def _scopes(ag: Agent, plan: Plan) -> Iterator[PlanLibrary]:
    lib = sub_library(plan) or plan.extra.get("scope")
    while lib is not None:
        yield lib
        lib = lib.father
    yield ag.plans


def _enclosing_env(it: Intention, plan: Plan) -> dict[str, Term] | None:
    """The bindings of the nearest plan on the stack whose sub-plans include ``plan``."""
    scope = plan.extra.get("scope") if plan.extra else None
    if scope is None:
        return None
    for fr in reversed(it.stack):
        if fr.plan.extra and fr.plan.extra.get("sub_library") is scope:
            return fr.trigger_env
    return None


def _applicable(ag: Agent, plan: Plan, literal: Term, env: dict[str, Term]) -> tuple[bool, str | None]:
    if not unify(plan.trigger.literal, literal, env):
        return False, None
    if plan.context is None:
        return True, None
    try:
        return first_solution(ag, plan.context, env), None
    except (Failure, EvalError, RecursionError) as e:
        return False, f"the context of plan {plan.name} could not be evaluated: {e}"


def select_in_scope(ag: Agent, ev: Event) -> tuple[Plan | None, dict[str, Term], bool, str | None]:
    """The plan for a sub-goal event: the posting plan's sub-plans first, then the plans around it."""
    it = ev.intention
    assert it is not None
    relevant = False
    problem: str | None = None
    for lib in _scopes(ag, it.stack[-1].plan):
        for plan in lib.relevant(ev.trigger, ev.literal):
            relevant = True
            base = _enclosing_env(it, plan) if lib is not ag.plans else None
            env = dict(base) if base else {}
            ok, why = _applicable(ag, plan, ev.literal, env)
            if ok:
                return plan, env, True, None
            problem = why or problem
    return None, {}, relevant, problem


def branch(ag: Agent, ev: Event) -> None:
    """A belief event: every intention with a pursued plan whose sub-plan applies gets a branch for it."""
    for it in list(ag.intentions.values()):
        if it.g_intention is not None or it.state is DONE:
            continue
        found: tuple[Plan, dict[str, Term]] | None = None
        for fr in reversed(it.stack):
            lib = sub_library(fr.plan) if fr.plan.extra else None
            if lib is None:
                continue
            for plan in lib.relevant(ev.trigger, ev.literal):
                env = dict(fr.env)
                if _applicable(ag, plan, ev.literal, env)[0]:
                    found = (plan, env)
                    break
            if found is not None:
                break
        if found is None:
            continue
        if len(ag.intentions) >= ag.limits.max_intentions:
            ag.host.log(ag.name, f"no branch of intention {it.id} for an event: too many intentions")
            return
        b = ag._new_intention(None, None)
        b.g_intention = it.id
        b.stack = [_copy(fr) for fr in it.stack]
        b.stack.append(Frame(branch_plan(), {}, Struct("er__branch")))
        b.state = WAIT_EVENT
        e = Event(ev.trigger, ev.literal, b)
        e.option = found
        ag.events.append(e)


def _copy(fr: Frame) -> Frame:
    new = copy.copy(fr)
    new.env = dict(fr.env)
    new.loops = None
    if fr.held is not None:
        new.held = dict(fr.held)
    return new


def clear_satisfied(ag: Agent) -> None:
    """Goals whose condition holds are achieved: the plans above them dropped, the plan below goes on."""
    for it in list(ag.intentions.values()):
        if it.state is DONE:
            continue
        for k, fr in enumerate(it.stack):
            env = fr.trigger_env
            if env is None:
                continue
            gc = goal_condition(fr.plan)
            if gc is None or gc == _FALSE:
                continue
            try:
                holds = first_solution(ag, gc, dict(env))
            except (Failure, EvalError, RecursionError):
                holds = False
            if holds:
                if it.g_intention is not None:
                    ag._end_intention(it, True)
                else:
                    ag.succeed_goal_at(it, k)
                break


def end_branches(ag: Agent, it: Intention) -> None:
    for other in list(ag.intentions.values()):
        if other.g_intention == it.id:
            ag._end_intention(other, True)


def matching_frame(it: Intention, kind: str, literal: Term) -> int | None:
    """The lowest frame whose plan's trigger is ``kind`` (``+!``, ``+``, ...) and whose event unifies."""
    for k, fr in enumerate(it.stack):
        trig = fr.plan.trigger
        if trig.op + trig.kind == kind and not fr.plan.extra.get("system") and unify(literal, fr.event, {}):
            return k
    return None


def done(ag: Agent, it: Intention, frame: Frame | None, goal: Term | None) -> None:
    """Jason's ``.done``: ``goal`` (``+!G``), or the goal the running plan (or the branch) pursues, is achieved
    in this intention (and, from a branch, in the intention it came from)."""
    if goal is not None:
        kind, literal = "+!", goal
    else:
        target: Frame | None = None
        if it.g_intention is not None:
            for j in range(len(it.stack) - 1, 0, -1):
                if it.stack[j].plan.extra.get("er_branch"):
                    target = it.stack[j - 1]
                    break
        else:
            for fr in reversed(it.stack):
                if not fr.plan.extra.get("system"):
                    target = fr
                    break
        if target is None:
            return
        kind, literal = target.plan.trigger.op + target.plan.trigger.kind, target.event
    k = matching_frame(it, kind, literal)
    if k is None:
        return
    if it.g_intention is not None:
        origin = ag.intentions.get(it.g_intention)
        ag._end_intention(it, True)
        if origin is not None and origin.state is not DONE:
            k2 = matching_frame(origin, kind, literal)
            if k2 is not None:
                ag.succeed_goal_at(origin, k2)
        return
    end_branches(ag, it)
    fr = it.stack[k]
    if k == len(it.stack) - 1 and fr is frame:
        fr.pc = len(fr.code) + 1  # the running plan itself: it ends after this action, its condition aside
    else:
        ag.succeed_goal_at(it, k)
