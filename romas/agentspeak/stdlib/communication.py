"""Messages between agents: ``.send``, ``.broadcast``, ``.kqml_reply``."""

from __future__ import annotations

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.host import PERFORMATIVES, UnknownReceiver
from romas.agentspeak.mutable_values import detach
from romas.agentspeak.mutables import Mutable
from romas.agentspeak.printer import format_term
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    WaitReply,
    _bad,
    _number,
    internal,
)
from romas.agentspeak.terms import (
    PlanTerm,
    Struct,
)

# ---- communication -------------------------------------------------------------------------------------------------


_PERFORMATIVES = frozenset(PERFORMATIVES)


@internal(".send")
def _send(c: Call) -> IAResult:
    args = c.args
    n = len(args)
    if n < 3 or n > 5:
        c.arity(3, 4, 5)
    ag = c.agent
    receivers, perf_t, content = (
        args[0],
        args[1],
        detach(args[2], c.agent.limits.max_term_bytes) if Mutable.made else args[2],
    )  # a map goes as its value
    if type(perf_t) is not Struct or perf_t.functor not in _PERFORMATIVES:
        raise _bad(c, f"unknown performative {format_term(perf_t)}")
    perf = perf_t.functor
    if type(receivers) is Struct and not receivers.args and n == 3 and perf != "tellHow":
        # the common case: one receiver, no answer awaited
        name = receivers.functor
        try:
            ag.host.send(ag.name, name, perf, content, ag.next_message_id(), None)
        except UnknownReceiver:
            raise Failure(f"no agent named {name}", "unknown_receiver") from None
        return True
    names: list[str] = []
    for r in receivers if type(receivers) is tuple else (receivers,):
        if type(r) is Struct and not r.args:
            names.append(r.functor)
        elif type(r) is str:
            names.append(r)
        else:
            raise _bad(c, f"the receiver must be an agent name, not {format_term(r)}")
    if perf == "tellHow" and type(content) is PlanTerm:
        content = content.plan.text()  # type: ignore[attr-defined]
    waits = len(c.args) >= 4 and perf in ("askOne", "askAll", "askHow")
    if waits and len(names) != 1:
        raise _bad(c, "an ask that waits for its answer needs exactly one receiver")
    reply_to: str | None = None
    if len(c.args) == 4 and not waits:
        # as Jason: .send(S, tell, C, MsgId) answers the message MsgId (e.g. in a +!kqml_received plan)
        mid = c.args[3]
        if type(mid) is str:
            reply_to = mid
        elif type(mid) is Struct and not mid.args:
            reply_to = mid.functor
        else:
            raise _bad(c, f"the id of the message answered must be given, not {format_term(mid)}")
    msg_id = ""
    for name in names:
        msg_id = ag.next_message_id()
        try:
            ag.host.send(ag.name, name, perf, content, msg_id, reply_to)
        except UnknownReceiver:
            raise Failure(f"no agent named {name}", "unknown_receiver") from None
    if waits:
        c.body_only()
        timeout = None
        if len(c.args) == 5:
            timeout = float(_number(c, c.args[4]))
        return WaitReply(msg_id, c.args[3], timeout, perf)
    return True


@internal(".broadcast")
def _broadcast(c: Call) -> IAResult:
    c.arity(2)
    ag = c.agent
    perf_t, content = c.args[0], detach(c.args[1], c.agent.limits.max_term_bytes)
    if type(perf_t) is not Struct or perf_t.functor not in PERFORMATIVES:
        raise _bad(c, f"unknown performative {format_term(perf_t)}")
    ag.host.broadcast(ag.name, perf_t.functor, content, ag.next_message_id())
    return True


@internal(".kqml_reply")
def _kqml_reply(c: Call) -> IAResult:
    c.arity(3)
    receiver, content, msg_id = c.args
    if type(receiver) is not Struct or type(msg_id) is not str:
        raise _bad(c, "expected a receiver and a message id")
    c.agent.kqml_reply(receiver.functor, content, msg_id)
    return True
