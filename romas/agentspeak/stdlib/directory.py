"""The directory (yellow pages): ``.df_register``, ``.df_deregister``, ``.df_search``, ``.df_subscribe``.

Services and their types are atoms or strings; the host keeps the directory.
"""

from __future__ import annotations

from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import PENDING, Call, IAResult, _bad, host_service, internal
from romas.agentspeak.terms import Struct, Term, Var


def service_name(c: Call, t: Term) -> str:
    if type(t) is str:
        return t
    if type(t) is Struct and t.ground:
        return format_term(t)
    raise _bad(c, f"a service is an atom or a string, not {format_term(t)}")


def _service(c: Call) -> tuple[str, str | None]:
    service = service_name(c, c.args[0])
    type_ = service_name(c, c.args[1]) if len(c.args) >= 2 and type(c.args[1]) is not Var else None
    return service, type_


@internal(".df_register")
def _df_register(c: Call) -> IAResult:
    c.arity(1, 2)
    service, type_ = _service(c)
    host_service(c, "df_register", c.agent.name, service, type_ or "jason:AgentSpeak")
    return True


@internal(".df_deregister")
def _df_deregister(c: Call) -> IAResult:
    c.arity(1, 2)
    service, type_ = _service(c)
    host_service(c, "df_deregister", c.agent.name, service, type_)
    return True


@internal(".df_search")
def _df_search(c: Call) -> IAResult:
    """``.df_search(Service[, Type], Agents)``."""
    c.arity(2, 3)
    service = service_name(c, c.args[0])
    type_ = service_name(c, c.args[1]) if len(c.args) == 3 else None
    found = host_service(c, "df_search", c.agent.name, service, type_, result=c.args[-1])
    if found is PENDING:
        return True
    return c.unify(c.args[-1], tuple(Struct(n) for n in found))


@internal(".df_subscribe")
def _df_subscribe(c: Call) -> IAResult:
    c.arity(1, 2)
    service, type_ = _service(c)
    host_service(c, "df_subscribe", c.agent.name, service, type_)
    return True
