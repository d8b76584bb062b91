"""``.include(File)`` and ``.include(File, NS)``: the clauses of another file of the agent's agent set, added
at run time (into the namespace ``NS``). Only the agent set the agent's code was read with is reachable; any
other path fails with a clear error a ``-!g`` plan can catch."""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
from romas.agentspeak.parser import IncludeRefused, include_program
from romas.agentspeak.stdlib.core import Call, IAResult, _bad, internal
from romas.agentspeak.terms import SOURCE_SELF, Struct


@internal(".include")
def _include(c: Call) -> IAResult:
    c.arity(1, 2)
    name = c.args[0]
    if type(name) is not str:
        raise _bad(c, "the file must be a string")
    ns = ""
    if len(c.args) == 2:
        given = c.args[1]
        if type(given) is not Struct or given.args:
            raise _bad(c, "the namespace must be an atom")
        ns = "" if given.functor == "default" else given.functor
    ag = c.agent
    try:
        program = include_program(getattr(ag, "agent_files", None), name, getattr(ag, "agent_file", None), ns)
    except IncludeRefused as e:
        raise Failure(f".include: {e}", "ia_failed") from None
    except AgentSpeakSyntaxError as e:
        raise Failure(f".include: {name} does not parse: {e}", "ia_failed") from None
    for rule in program.rules:
        ag.rules.setdefault((rule.head.functor, len(rule.head.args)), []).append(rule)
    for plan in program.plans:
        if plan.label is None or plan.name.startswith("l__"):
            plan.name = f"l__{len(ag.plans.plans) + 1}"
            if plan.label is not None:
                plan.label = Struct(plan.name, plan.label.args, plan.label.annots)
        ag.plans.add(plan)
    for b in program.beliefs:
        annots = (
            b.annots
            if any(type(a) is Struct and a.functor == "source" for a in b.annots)
            else (
                *b.annots,
                SOURCE_SELF,
            )
        )
        ag.check_term(b, "belief")
        ag._add_belief(Struct(b.functor, b.args), annots, None)
    for g in program.goals:
        ag.post_event("+!", ag.goal_literal(g, {}))
    return True
