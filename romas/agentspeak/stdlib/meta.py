"""Printing and identity: ``.print``, ``.my_name`` ..."""

from __future__ import annotations

from romas.agentspeak.stdlib.core import (
    STDLIB,
    Call,
    IAResult,
    internal,
    text_of,
)
from romas.agentspeak.terms import (
    Struct,
)

# ---- printing and identity -------------------------------------------------------------------------------------


@internal(".print")
def _print(c: Call) -> IAResult:
    ag = c.agent
    tag = None
    it = c.intention
    if it is not None and it.origin_kind == "cmd":
        tag = it.origin
    ag.host.print(ag.name, "".join(text_of(a) for a in c.args), tag)
    return True


STDLIB[".println"] = _print


@internal(".my_name")
def _my_name(c: Call) -> IAResult:
    c.arity(1)
    return c.unify(c.args[0], Struct(c.agent.name))
