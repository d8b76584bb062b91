"""The plan library: ``.add_plan``, ``.remove_plan``, ``.relevant_plans``, ``.plan_label``, ``.list_plans`` ..."""

from __future__ import annotations

from typing import TYPE_CHECKING

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.printer import format_plan, format_term
from romas.agentspeak.program import Plan, Trigger
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    _bad,
    _each,
    internal,
)
from romas.agentspeak.terms import (
    SOURCE_SELF,
    PlanTerm,
    Struct,
    Term,
    source_of,
)

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent


# ---- the plan library ---------------------------------------------------------------------------------


def plan_from_term(t: Term) -> Plan:
    from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
    from romas.agentspeak.parser import parse_plan

    if type(t) is PlanTerm:
        from romas.agentspeak.parser import parse_plan as _p

        try:
            plan = _p(t.plan.text())  # type: ignore[attr-defined]
        except AgentSpeakSyntaxError as e:
            raise Failure(f"not a plan: {e}", "wrong_arguments") from None
    elif type(t) is str:
        try:
            plan = parse_plan(t)
        except AgentSpeakSyntaxError as e:
            raise Failure(f"not a plan: {e}", "wrong_arguments") from None
    else:
        raise Failure(f"not a plan: {format_term(t)}", "wrong_arguments")
    ctx = plan.context
    if type(ctx) is Struct and ctx.functor == "true" and not ctx.args and not ctx.annots:
        plan.context = None  # as Jason: ``: true`` is no context
    return plan


def plan_label(plan: Plan) -> Struct:
    """A plan's label as Jason gives it: every plan has one, with a ``source`` (``self`` unless told)."""
    label = plan.label
    if label is None:
        return Struct(plan.name or "l__0", (), (SOURCE_SELF,))
    if any(type(a) is Struct and a.functor == "source" for a in label.annots):
        return label
    return Struct(label.functor, label.args, (*label.annots, SOURCE_SELF))


def trigger_from_term(t: Term) -> Trigger:
    if type(t) is PlanTerm:
        return t.plan.trigger  # type: ignore[attr-defined,no-any-return]
    if type(t) is str:
        return plan_from_term(t).trigger
    raise Failure(f"not a triggering event: {format_term(t)}", "wrong_arguments")


@internal(".add_plan")
def _add_plan(c: Call) -> IAResult:
    c.arity(1, 2, 3)
    ag = c.agent
    items = c.args[0] if type(c.args[0]) is tuple else (c.args[0],)
    source = c.args[1] if len(c.args) >= 2 else Struct("self")
    at_end = True
    if len(c.args) == 3:
        pos = c.args[2]
        at_end = not (type(pos) is Struct and pos.functor == "begin")
    from romas.agentspeak.agent import _with_source

    for item in items:
        plan = plan_from_term(item)
        if type(source) is Struct:
            plan = _with_source(plan, source.functor)
        ag.plans.add(plan, at_end)
    return True


def remove_plans(ag: Agent, label: Term, sender: str | None) -> int:
    if type(label) is Struct:
        name = label.functor
    elif type(label) is str:
        name = label
    else:
        raise Failure(f"not a plan label: {format_term(label)}", "wrong_arguments")
    return ag.plans.remove(name, source_of(sender) if sender is not None and sender != "self" else None)


@internal(".remove_plan")
def _remove_plan(c: Call) -> IAResult:
    c.arity(1, 2)
    sender = None
    if len(c.args) == 2 and type(c.args[1]) is Struct:
        sender = c.args[1].functor
    labels = c.args[0] if type(c.args[0]) is tuple else (c.args[0],)
    for label in labels:
        remove_plans(c.agent, label, sender)
    return True


def _as_term(c: Call, plan: Plan) -> PlanTerm:
    """A plan as a value for the caller: its variables that the calling plan also names are renamed apart
    (as Jason renames a plan's variables), so that binding ``L`` to a list holding the caller's own plan,
    which mentions ``L``, does not make a cyclic term."""
    names = set(c.env)
    if c.frame is not None:
        names.update(c.frame.plan.variable_names)
    clash = names.intersection(plan.variable_names)
    if not clash:
        return PlanTerm(plan)
    from romas.agentspeak.program import map_plan_terms
    from romas.agentspeak.terms import Var
    from romas.agentspeak.unify import rename

    mapping: dict[str, Term] = {n: Var(n) for n in plan.variable_names if n not in clash}
    copy = map_plan_terms(plan, lambda x: rename(x, mapping, c.agent.fresh_name))
    copy.name = plan.name
    return PlanTerm(copy)


@internal(".relevant_plans")
def _relevant_plans(c: Call) -> IAResult:
    c.arity(2, 3)
    trig = trigger_from_term(c.args[0])
    plans = c.agent.plans.relevant_to(trig)
    ok = c.unify(c.args[1], tuple(_as_term(c, p) for p in plans))
    if ok and len(c.args) == 3:
        ok = c.unify(c.args[2], tuple(plan_label(p) for p in plans))
    return ok


@internal(".relevant_plan")
def _relevant_plan(c: Call) -> IAResult:
    """Backtracks over the plans relevant for a trigger (``.relevant_plans`` one at a time)."""
    c.arity(2, 3)
    trig = trigger_from_term(c.args[0])
    plans = c.agent.plans.relevant_to(trig)
    if len(c.args) == 2:
        return _each(c, ((c.args[1], _as_term(c, p)) for p in plans))
    return _each(c, (((c.args[1], c.args[2]), (_as_term(c, p), plan_label(p))) for p in plans))


@internal(".plan_label")
def _plan_label(c: Call) -> IAResult:
    """``.plan_label(P, L)``: ``P`` is the plan labelled ``L`` (or, given ``P``, ``L`` is its label)."""
    c.arity(2)
    plan_t, label = c.args
    if type(label) is Struct or type(label) is str:
        name = label.functor if isinstance(label, Struct) else str(label)
        found = c.agent.plans.find(name)
        if found is None:
            return False
        return c.unify(plan_t, _as_term(c, found))
    if type(plan_t) is PlanTerm:
        plan = plan_t.plan
        if isinstance(plan, Plan) and plan.label is not None and plan.label.functor:
            return c.unify(label, plan_label(plan))
        if isinstance(plan, Plan):
            # an unlabelled plan (or ``@_``): the label of the same plan in the library, if any
            given = plan_from_term(plan_t)
            text = format_plan(Plan(given.trigger, given.context, given.body), one_line=True)
            for p in c.agent.plans.plans:
                if format_plan(Plan(p.trigger, p.context, p.body), one_line=True) == text:
                    return c.unify(label, plan_label(p))
        return False
    raise _bad(c, "the plan or its label must be given")


@internal(".list_plans")
def _list_plans(c: Call) -> IAResult:
    c.arity(0, 1)
    ag = c.agent
    plans = ag.plans.plans if not c.args else ag.plans.relevant_to(trigger_from_term(c.args[0]))
    for p in plans:
        if not p.extra.get("system"):
            ag.host.print(ag.name, format_plan(p, one_line=True), None)
    return True
