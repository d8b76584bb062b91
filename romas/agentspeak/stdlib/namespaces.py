"""Namespaces: ``.namespace(NS)``. A literal of the namespace ``ns`` is written ``ns::b``; romas keeps the
namespace as a prefix of the functor (``ns::b``), and ``b`` alone is in the default namespace."""

from __future__ import annotations

from romas.agentspeak.stdlib.core import Call, IAResult, _each, internal
from romas.agentspeak.terms import Struct


def namespaces_of(c: Call) -> list[str]:
    """The namespaces the agent knows: ``default`` and those of its beliefs and rules, in order of appearance."""
    ag = c.agent
    found: dict[str, None] = {"default": None}
    for functor, _arity in [*ag.beliefs.index.keys(), *ag.rules.keys()]:
        name = functor[1:] if functor.startswith("~") else functor
        i = name.find("::")
        if i > 0 and not name.startswith("#"):
            found.setdefault(name[:i], None)
    return list(found)


@internal(".namespace")
def _namespace(c: Call) -> IAResult:
    """``.namespace(NS)``: NS is a namespace of the agent (backtracks over them all when NS is free)."""
    c.arity(1)
    arg = c.args[0]
    known = namespaces_of(c)
    if type(arg) is Struct:
        return not arg.args and arg.functor in known
    return _each(c, ((arg, Struct(name)) for name in known))
