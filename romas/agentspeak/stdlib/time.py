"""Time and chance: ``.time``, ``.date``, ``.nano_time``, ``.random``, ``.set_random_seed``, ``.wait``, ``.at``."""

from __future__ import annotations

import time as _time

from romas.agentspeak.beliefs import first_solution
from romas.agentspeak.intentions import Frame
from romas.agentspeak.printer import format_term
from romas.agentspeak.program import Action, Body, Plan, Trigger
from romas.agentspeak.stdlib.core import (
    Call,
    IAResult,
    WaitTime,
    WaitTrigger,
    _bad,
    _int,
    _list,
    _number,
    host_service,
    internal,
    new_intentions,
)
from romas.agentspeak.stdlib.plans import trigger_from_term
from romas.agentspeak.terms import (
    Logic,
    PlanTerm,
    Rel,
    Struct,
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
    timeout = float(_number(c, c.args[1])) if len(c.args) >= 2 else None
    elapsed = c.args[2] if len(c.args) == 3 else None
    if type(what) is not PlanTerm and type(what) is not str:
        # a logical formula: wait until it holds (now, or after some change of the beliefs or events)
        if type(what) not in (Struct, Logic, Rel) or (type(what) is Struct and what.functor.startswith(".")):
            raise _bad(c, f"expected a time, an event or a logical formula, got {format_term(what)}")
        if first_solution(c.agent, c.term.args[0], c.env):
            return elapsed is None or c.unify(elapsed, 0)
        return WaitTrigger("", c.term.args[0], timeout, elapsed)
    trig = trigger_from_term(what)
    literal = trig.literal
    return WaitTrigger(trig.op + trig.kind, literal, timeout, elapsed)


@internal(".nano_time")
def _nano_time(c: Call) -> IAResult:
    c.arity(1)
    return c.unify(c.args[0], int(c.agent.host.monotonic() * 1_000_000_000))


@internal(".set_random_seed")
def _set_random_seed(c: Call) -> IAResult:
    c.arity(1)
    host_service(c, "seed", _int(c, c.args[0]))
    return True


_UNITS_MS = (
    (("s", "second"), 1000),
    (("m", "minute"), 60_000),
    (("h", "hour"), 3_600_000),
    (("d", "day"), 86_400_000),
)


def delay_ms(c: Call, when: Term) -> int:
    """``"now +500"``, ``"now +500 ms"``, ``"now +3 minutes"`` ... as milliseconds from now. As in Jason,
    ``s``/``second(s)``, ``m``/``minute(s)``, ``h``/``hour(s)``, ``d``/``day(s)``; any other unit is ms."""
    if type(when) is not str:
        raise _bad(c, f'expected a time such as "now +3 s", got {when}')
    text = when.strip()
    rest = text[3:].strip() if text.startswith("now") else ""
    if not rest.startswith("+"):
        raise _bad(c, f'cannot read the time {when!r} (expected "now +N unit")')
    parts = rest[1:].split()
    try:
        amount = int(parts[0])
    except (IndexError, ValueError):
        raise _bad(c, f"cannot read the time {when!r}") from None
    if len(parts) == 1:
        return amount
    unit = parts[1]
    for (short, long), factor in _UNITS_MS:
        if unit == short or unit.startswith(long):
            return amount * factor
    return amount


@internal(".at")
def _at(c: Call) -> IAResult:
    """``.at("now +3 s", {+!g})``: the event happens then (an intention of its own waits for it)."""
    c.arity(2)
    ms = delay_ms(c, c.args[0])
    trigger_from_term(c.args[1])  # checked now, not when it is due
    new_intentions(c, 1)
    ag = c.agent
    body = Body(
        (
            Action(Struct(".wait", (ms,))),
            Action(Struct(".signal", (c.args[1],))),
        )
    )
    plan = Plan(Trigger("+", "!", Struct("romas_at")), None, body, name="at")
    plan.extra["system"] = True
    plan.extra["no_tail"] = True
    it = ag._new_intention(None, None)
    it.stack.append(Frame(plan, {}, Struct("romas_at")))
    ag._schedule(it)
    return True
