"""The agents of the system: ``.all_names``, ``.create_agent``, ``.clone``, ``.kill_agent``, ``.stopMAS``.

They act on real agents through the host; a host that cannot do it refuses, and the action fails with its
reason (a ``-!g`` plan can catch it).
"""

from __future__ import annotations

from romas.agentspeak.printer import source_program
from romas.agentspeak.program import Program
from romas.agentspeak.stdlib.core import PENDING, Call, IAResult, _bad, _name, host_service, internal
from romas.agentspeak.terms import Struct, Var


@internal(".all_names")
def _all_names(c: Call) -> IAResult:
    c.arity(1)
    names = host_service(c, "agent_names", c.agent.name, result=c.args[0])
    if names is PENDING:
        return True
    return c.unify(c.args[0], tuple(Struct(n) for n in names))


def looks_like_file(text: str) -> bool:
    """``"bob.asl"`` names a file of the agent set; anything else is code."""
    t = text.strip()
    return t.endswith(".asl") and "\n" not in t and "<-" not in t and " " not in t


@internal(".create_agent")
def _create_agent(c: Call) -> IAResult:
    """``.create_agent(N, Source[, Options])``: ``Source`` is code or a file of the agent set; an unbound
    ``N`` is bound to the name the host chose."""
    c.arity(2, 3)
    name_t, source = c.args[0], c.args[1]
    name = None if type(name_t) is Var else _name(c, name_t)
    if type(source) is not str:
        raise _bad(c, "the source must be a string: code, or the name of a file of the agent set")
    created = host_service(c, "create_agent", c.agent.name, name, source, looks_like_file(source), result=name_t)
    if created is PENDING:
        return True
    return c.unify(name_t, Struct(created))


@internal(".clone")
def _clone(c: Call) -> IAResult:
    """``.clone(N)``: a new agent ``N`` with this agent's current beliefs, rules and plans."""
    c.arity(1)
    ag = c.agent
    beliefs = [Struct(k.functor, k.args, tuple(annots)) for k, annots in ag.beliefs.items()]
    rules = [r for rs in ag.rules.values() for r in rs]
    plans = [p for p in ag.plans.plans if not p.extra.get("system")]
    code = source_program(Program(beliefs=beliefs, rules=rules, plans=plans))
    host_service(c, "create_agent", ag.name, _name(c, c.args[0]), code, False)
    return True


@internal(".kill_agent")
def _kill_agent(c: Call) -> IAResult:
    c.arity(1, 2)
    host_service(c, "kill_agent", c.agent.name, _name(c, c.args[0]))
    return True


@internal(".stopMAS")
def _stop_mas(c: Call) -> IAResult:
    c.arity(0, 1, 2)
    host_service(c, "stop_mas", c.agent.name)
    return True
