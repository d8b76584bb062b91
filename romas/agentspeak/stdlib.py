"""The standard internal actions (``.print``, ``.send``, ``.findall``, ``.wait`` ...).

An internal action is a function ``fn(call) -> result`` where ``call.args`` are its arguments with the
current bindings applied (unbound variables stay variables, to be unified with results). It returns
``True``/``None`` (done), ``False`` (fails the plan), a generator that yields once per solution (it
backtracks in contexts and rules; a plan body takes the first), or a :class:`Suspend` to make the
intention wait. Actions that only make sense in a plan body check ``call.intention``.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from romas.agentspeak.beliefs import Failure, solve
from romas.agentspeak.host import PERFORMATIVES, UnknownReceiver
from romas.agentspeak.printer import format_term
from romas.agentspeak.program import Plan, Trigger
from romas.agentspeak.terms import (
    PartialList,
    PlanTerm,
    Struct,
    Term,
    Var,
    is_ground,
    is_number,
    source_of,
)
from romas.agentspeak.unify import compare, resolve, undo, unify

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent
    from romas.agentspeak.intentions import Frame, Intention


class Suspend:
    """Returned by an internal action to make the intention wait on it."""


class WaitTime(Suspend):
    def __init__(self, ms: float) -> None:
        self.ms = ms


class WaitTrigger(Suspend):
    def __init__(self, trigger: str, literal: Term, timeout_ms: float | None, elapsed: Term | None) -> None:
        self.trigger = trigger
        self.literal = literal
        self.timeout_ms = timeout_ms
        self.elapsed = elapsed


class WaitReply(Suspend):
    def __init__(self, msg_id: str, answer: Term, timeout_ms: float | None) -> None:
        self.msg_id = msg_id
        self.answer = answer
        self.timeout_ms = timeout_ms


class Call:
    """One call of an internal action: the agent, the intention (None in a context or rule), arguments."""

    __slots__ = ("agent", "args", "depth", "env", "frame", "intention", "term", "trail")

    def __init__(
        self,
        agent: Agent,
        intention: Intention | None,
        frame: Frame | None,
        env: dict[str, Term],
        trail: list[str],
        args: tuple[Term, ...],
        term: Struct,
        depth: int,
    ) -> None:
        self.agent = agent
        self.intention = intention
        self.frame = frame
        self.env = env
        self.trail = trail
        self.args = args
        self.term = term
        self.depth = depth

    def unify(self, a: Term, b: Term) -> bool:
        return unify(a, b, self.env, self.trail)

    def arity(self, *allowed: int) -> None:
        if len(self.args) not in allowed:
            expected = " or ".join(str(a) for a in allowed)
            raise Failure(f"{self.term.functor} takes {expected} arguments, not {len(self.args)}", "wrong_arguments")

    def body_only(self) -> Intention:
        if self.intention is None:
            raise Failure(f"{self.term.functor} can only be used in a plan body", "wrong_arguments")
        return self.intention


IAResult = bool | None | Iterator[None] | Suspend
InternalAction = Callable[[Call], IAResult]

STDLIB: dict[str, InternalAction] = {}


def internal(name: str) -> Callable[[InternalAction], InternalAction]:
    def deco(fn: InternalAction) -> InternalAction:
        STDLIB[name] = fn
        return fn

    return deco


def _bad(c: Call, what: str) -> Failure:
    return Failure(f"{c.term.functor}: {what}", "wrong_arguments")


def text_of(t: Term) -> str:
    """How ``.print`` shows a term: strings without quotes, everything else as AgentSpeak."""
    if type(t) is str:
        return t
    return format_term(t)


def _list(c: Call, t: Term, what: str = "a list") -> tuple[Term, ...]:
    if type(t) is tuple:
        return t
    raise _bad(c, f"expected {what}, got {format_term(t)}")


def _int(c: Call, t: Term) -> int:
    if type(t) is int:
        return t
    if type(t) is float and t.is_integer():
        return int(t)
    raise _bad(c, f"expected an integer, got {format_term(t)}")


def _number(c: Call, t: Term) -> int | float:
    if type(t) is int or type(t) is float:
        return t
    raise _bad(c, f"expected a number, got {format_term(t)}")


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


# ---- communication -------------------------------------------------------------------------------------------------


_PERFORMATIVES = frozenset(PERFORMATIVES)


@internal(".send")
def _send(c: Call) -> IAResult:
    args = c.args
    n = len(args)
    if n < 3 or n > 5:
        c.arity(3, 4, 5)
    ag = c.agent
    receivers, perf_t, content = args[0], args[1], args[2]
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
    msg_id = ""
    for name in names:
        msg_id = ag.next_message_id()
        try:
            ag.host.send(ag.name, name, perf, content, msg_id, None)
        except UnknownReceiver:
            raise Failure(f"no agent named {name}", "unknown_receiver") from None
    if waits:
        c.body_only()
        timeout = None
        if len(c.args) == 5:
            timeout = float(_number(c, c.args[4]))
        return WaitReply(msg_id, c.args[3], timeout)
    return True


@internal(".broadcast")
def _broadcast(c: Call) -> IAResult:
    c.arity(2)
    ag = c.agent
    perf_t, content = c.args
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


# ---- lists, strings and terms -----------------------------------------------------------------------------------


@internal(".length")
def _length(c: Call) -> IAResult:
    c.arity(2)
    x = c.args[0]
    if type(x) is tuple or type(x) is str:
        return c.unify(c.args[1], len(x))
    raise _bad(c, f"expected a list or a string, got {format_term(x)}")


@internal(".member")
def _member(c: Call) -> IAResult:
    c.arity(2)
    x, lst = c.args
    items = _list(c, lst)
    return _each(c, ((x, item) for item in items))


def _each(c: Call, pairs: Any) -> Iterator[None]:
    env, trail = c.env, c.trail
    for a, b in pairs:
        mark = len(trail)
        if unify(a, b, env, trail):
            yield None
        undo(env, trail, mark)


@internal(".nth")
def _nth(c: Call) -> IAResult:
    c.arity(3)
    i, lst, x = c.args
    items = _list(c, lst)
    if type(i) is Var:

        def gen() -> Iterator[None]:
            env, trail = c.env, c.trail
            for k, item in enumerate(items):
                mark = len(trail)
                if unify(i, k, env, trail) and unify(x, item, env, trail):
                    yield None
                undo(env, trail, mark)

        return gen()
    k = _int(c, i)
    if 0 <= k < len(items):
        return c.unify(x, items[k])
    return False


@internal(".concat")
def _concat(c: Call) -> IAResult:
    if len(c.args) < 2:
        raise _bad(c, "needs at least two arguments")
    parts, result = c.args[:-1], c.args[-1]
    if all(type(p) is tuple for p in parts):
        out: tuple[Term, ...] = ()
        for p in parts:
            out = out + p  # type: ignore[operator]
        return c.unify(result, out)
    return c.unify(result, "".join(text_of(p) for p in parts))


@internal(".reverse")
def _reverse(c: Call) -> IAResult:
    c.arity(2)
    x = c.args[0]
    if type(x) is str:
        return c.unify(c.args[1], x[::-1])
    return c.unify(c.args[1], tuple(reversed(_list(c, x))))


@internal(".delete")
def _delete(c: Call) -> IAResult:
    c.arity(3)
    x, lst, result = c.args
    if type(x) is int and type(lst) is tuple:
        items: list[Term] = list(lst)
        if 0 <= x < len(items):
            del items[x]
        return c.unify(result, tuple(items))
    if type(lst) is str and type(x) is str:
        return c.unify(result, lst.replace(x, ""))
    return c.unify(result, tuple(i for i in _list(c, lst) if not unify(x, i, {})))


def _sorted(items: tuple[Term, ...]) -> list[Term]:
    import functools

    return sorted(items, key=functools.cmp_to_key(compare))


@internal(".sort")
def _sort(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], tuple(_sorted(_list(c, c.args[0]))))


@internal(".min")
def _min(c: Call) -> IAResult:
    c.arity(2)
    items = _list(c, c.args[0])
    if not items:
        return False
    return c.unify(c.args[1], _sorted(items)[0])


@internal(".max")
def _max(c: Call) -> IAResult:
    c.arity(2)
    items = _list(c, c.args[0])
    if not items:
        return False
    return c.unify(c.args[1], _sorted(items)[-1])


@internal(".abs")
def _abs(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], abs(_number(c, c.args[0])))


@internal(".range")
def _range(c: Call) -> IAResult:
    c.arity(3, 4)
    var = c.args[0]
    start = _int(c, c.args[1])
    end = _int(c, c.args[2])
    step = _int(c, c.args[3]) if len(c.args) == 4 else 1
    if step == 0:
        raise _bad(c, "the step cannot be 0")
    stop = end + 1 if step > 0 else end - 1
    return _each(c, ((var, k) for k in range(start, stop, step)))


@internal(".substring")
def _substring(c: Call) -> IAResult:
    c.arity(2, 3)
    if type(c.args[0]) is Var or type(c.args[1]) is Var:
        raise _bad(c, "the string and the substring must be bound")
    sub = text_of(c.args[0])
    text = text_of(c.args[1])
    if len(c.args) == 2:
        return sub in text
    pos = c.args[2]
    positions = []
    i = text.find(sub)
    while i >= 0:
        positions.append(i)
        i = text.find(sub, i + 1)
    return _each(c, ((pos, p) for p in positions))


@internal(".lower_case")
def _lower(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], text_of(c.args[0]).lower())


@internal(".upper_case")
def _upper(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], text_of(c.args[0]).upper())


@internal(".term2string")
def _term2string(c: Call) -> IAResult:
    c.arity(2)
    t, s = c.args
    if type(t) is not Var:
        return c.unify(s, format_term(t))
    if type(s) is str:
        from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
        from romas.agentspeak.parser import parse_term

        try:
            parsed = parse_term(s)
        except AgentSpeakSyntaxError as e:
            raise _bad(c, f"{s!r} is not a term: {e}") from None
        return c.unify(t, c.agent.import_term(parsed))
    raise _bad(c, "one argument must be bound")


@internal(".string")
def _is_string(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) is str


@internal(".number")
def _is_number(c: Call) -> IAResult:
    c.arity(1)
    return is_number(c.args[0])


@internal(".atom")
def _is_atom(c: Call) -> IAResult:
    c.arity(1)
    x = c.args[0]
    return type(x) is Struct and not x.args and not x.annots


@internal(".structure")
def _is_structure(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) in (Struct, tuple, PartialList)


@internal(".literal")
def _is_literal(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) is Struct


@internal(".list")
def _is_list(c: Call) -> IAResult:
    c.arity(1)
    return type(c.args[0]) is tuple or type(c.args[0]) is PartialList


@internal(".ground")
def _is_ground(c: Call) -> IAResult:
    c.arity(1)
    return is_ground(c.args[0])


# ---- queries over beliefs -------------------------------------------------------------------------------------------


def _solutions(c: Call, query: Term, template: Term | None) -> list[Term]:
    ag = c.agent
    env = dict(c.env)
    trail: list[str] = []
    out: list[Term] = []
    limit = ag.limits.max_term_size
    for _ in solve(ag, query, env, trail, c.depth + 1):
        if template is not None:
            out.append(resolve(template, env))
        else:
            out.append(0)
        if len(out) > limit:
            raise Failure(f"more than {limit} solutions", "limit_exceeded")
    return out


@internal(".findall")
def _findall(c: Call) -> IAResult:
    c.arity(3)
    return c.unify(c.args[2], tuple(_solutions(c, c.args[1], c.args[0])))


@internal(".count")
def _count(c: Call) -> IAResult:
    c.arity(2)
    return c.unify(c.args[1], len(_solutions(c, c.args[0], None)))


@internal(".abolish")
def _abolish(c: Call) -> IAResult:
    c.arity(1)
    pattern = c.args[0]
    if type(pattern) is not Struct:
        raise _bad(c, "expected a literal")
    ag = c.agent
    key = Struct(pattern.functor, pattern.args)
    bucket = ag.beliefs.bucket(key.functor, len(key.args))
    if bucket:
        for bkey in list(bucket):
            if unify(key, bkey, {}):
                removed = ag.beliefs.remove(bkey, None)
                if removed:
                    ag.post_event("-", Struct(bkey.functor, bkey.args, removed))
    return True


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


# ---- intentions and goals --------------------------------------------------------------------------------------------


@internal(".fail")
def _fail(c: Call) -> IAResult:
    annots = tuple(a for a in c.args if type(a) is Struct)
    reason = "the plan failed (.fail)"
    for a in annots:
        if a.functor == "error_msg" and a.args and type(a.args[0]) is str:
            reason = a.args[0]
    error = "ia_failed"
    for a in annots:
        if a.functor == "error" and a.args and type(a.args[0]) is Struct:
            error = a.args[0].functor
    if annots and not any(a.functor == "error" for a in annots):
        annots = (Struct("error", (Struct(error),)), *annots)
    raise Failure(reason, error, annots)


@internal(".succeed")
def _succeed(c: Call) -> IAResult:
    return True


def _goal_frames(ag: Agent, goal: Term) -> list[tuple[Intention, int]]:
    """(intention, frame index) of the topmost achievement goal unifying with ``goal``, per intention."""
    found = []
    for it in list(ag.intentions.values()):
        for k in range(len(it.stack) - 1, -1, -1):
            fr = it.stack[k]
            trig = fr.plan.trigger
            trig_ok = trig.op == "+" and trig.kind == "!" and not fr.plan.extra.get("system")
            if trig_ok and unify(goal, fr.event, {}):
                found.append((it, k))
                break
    return found


def _remove_goal_events(ag: Agent, goal: Term) -> int:
    removed = 0
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None and unify(goal, ev.literal, {}):
            ag.events.remove(ev)
            if ev.origin is not None:
                ag._track_done(ev.origin, "the goal was dropped")
            removed += 1
    return removed


@internal(".succeed_goal")
def _succeed_goal(c: Call) -> IAResult:
    c.arity(1)
    ag = c.agent
    _remove_goal_events(ag, c.args[0])
    current = c.intention
    for it, k in _goal_frames(ag, c.args[0]):
        if it is current and c.frame is not None and k == len(it.stack) - 1 and it.stack[k] is c.frame:
            it.stack[k].pc = len(it.stack[k].code)  # the running plan itself: it ends after this action
            continue
        ag.succeed_goal_at(it, k)
    return True


@internal(".fail_goal")
def _fail_goal(c: Call) -> IAResult:
    c.arity(1)
    ag = c.agent
    for it, k in _goal_frames(ag, c.args[0]):
        ag.fail_goal_at(it, k, f"the goal {format_term(it.stack[k].event)} was failed by .fail_goal")
    return True


@internal(".drop_intention")
def _drop_intention(c: Call) -> IAResult:
    c.arity(0, 1)
    ag = c.agent
    if not c.args:
        it = c.body_only()
        ag.drop_intention(it)
        return True
    for it, _k in _goal_frames(ag, c.args[0]):
        ag.drop_intention(it)
    return True


@internal(".drop_all_intentions")
def _drop_all_intentions(c: Call) -> IAResult:
    c.arity(0)
    ag = c.agent
    for it in list(ag.intentions.values()):
        ag.drop_intention(it)
    return True


def drop_desires(ag: Agent, goal: Term) -> None:
    _remove_goal_events(ag, goal)
    for it, _k in _goal_frames(ag, goal):
        ag.drop_intention(it)


@internal(".drop_desire")
def _drop_desire(c: Call) -> IAResult:
    c.arity(1)
    drop_desires(c.agent, c.args[0])
    return True


@internal(".drop_all_desires")
def _drop_all_desires(c: Call) -> IAResult:
    c.arity(0)
    ag = c.agent
    for ev in list(ag.events):
        if ev.trigger == "+!" and ev.intention is None:
            ag.events.remove(ev)
            if ev.origin is not None:
                ag._track_done(ev.origin, "the goal was dropped")
    for it in list(ag.intentions.values()):
        ag.drop_intention(it)
    return True


def _intended_goals(ag: Agent) -> list[Term]:
    goals: list[Term] = []
    for it in ag.intentions.values():
        for fr in it.stack:
            trig = fr.plan.trigger
            if trig.op == "+" and trig.kind == "!" and not fr.plan.extra.get("system"):
                goals.append(fr.event)
    return goals


@internal(".intend")
def _intend(c: Call) -> IAResult:
    c.arity(1)
    goal = c.args[0]
    return _each(c, ((goal, g) for g in _intended_goals(c.agent)))


@internal(".desire")
def _desire(c: Call) -> IAResult:
    c.arity(1)
    goal = c.args[0]
    ag = c.agent
    pending = [ev.literal for ev in ag.events if ev.trigger == "+!"]
    return _each(c, ((goal, g) for g in [*_intended_goals(ag), *pending]))


# ---- the plan library ---------------------------------------------------------------------------------


def plan_from_term(t: Term) -> Plan:
    from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
    from romas.agentspeak.parser import parse_plan

    if type(t) is PlanTerm:
        from romas.agentspeak.parser import parse_plan as _p

        return _p(t.plan.text())  # type: ignore[attr-defined]
    if type(t) is str:
        try:
            return parse_plan(t)
        except AgentSpeakSyntaxError as e:
            raise Failure(f"not a plan: {e}", "wrong_arguments") from None
    raise Failure(f"not a plan: {format_term(t)}", "wrong_arguments")


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


@internal(".relevant_plans")
def _relevant_plans(c: Call) -> IAResult:
    c.arity(2, 3)
    trig = trigger_from_term(c.args[0])
    plans = c.agent.plans.relevant_to(trig)
    ok = c.unify(c.args[1], tuple(PlanTerm(p) for p in plans))
    if ok and len(c.args) == 3:
        ok = c.unify(c.args[2], tuple(Struct(p.name) for p in plans))
    return ok
