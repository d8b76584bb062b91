"""Time and chance: ``.time``, ``.date``, ``.random``, ``.wait``."""

from __future__ import annotations

import time as _time

from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    WaitTime,
    WaitTrigger,
    _bad,
    _list,
    _number,
    internal,
)
from romas.agentspeak.stdlib.plans import trigger_from_term
from romas.agentspeak.terms import (
    Term,
    is_number,
)

# ---- time and chance -----------------------------------------------------------------------------------------------


@internal(".random")
def _random(c: Call) -> IAResult:
    c.arity(1, 2)
    r = c.agent.host.random()
    if len(c.args) == 2:
        items = _list(c, c.args[0])
        if not items:
            return False
        return c.unify(c.args[1], items[min(len(items) - 1, int(r * len(items)))])
    return c.unify(c.args[0], r)


@internal(".time")
def _time_ia(c: Call) -> IAResult:
    c.arity(3, 4)
    t = c.agent.host.now()
    tm = _time.gmtime(t)
    vals: list[Term] = [tm.tm_hour, tm.tm_min, tm.tm_sec]
    if len(c.args) == 4:
        vals.append(int((t - int(t)) * 1000))
    return all(c.unify(a, v) for a, v in zip(c.args, vals, strict=True))


@internal(".date")
def _date(c: Call) -> IAResult:
    c.arity(3)
    tm = _time.gmtime(c.agent.host.now())
    return all(c.unify(a, v) for a, v in zip(c.args, (tm.tm_year, tm.tm_mon, tm.tm_mday), strict=True))


@internal(".wait")
def _wait(c: Call) -> IAResult:
    c.arity(1, 2, 3)
    c.body_only()
    what = c.args[0]
    if is_number(what):
        ms = float(what)  # type: ignore[arg-type]
        if ms < 0:
            raise _bad(c, "cannot wait a negative time")
        return WaitTime(ms)
    trig = trigger_from_term(what)
    timeout = float(_number(c, c.args[1])) if len(c.args) >= 2 else None
    elapsed = c.args[2] if len(c.args) == 3 else None
    literal = trig.literal
    return WaitTrigger(trig.op + trig.kind, literal, timeout, elapsed)
