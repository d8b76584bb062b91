"""What every internal action is built on: the call, its results, the registry and argument checks.

An internal action is a function ``fn(call) -> result`` where ``call.args`` are its arguments with the
current bindings applied (unbound variables stay variables, to be unified with results). It returns
``True``/``None`` (done), ``False`` (fails the plan), a generator that yields once per solution (it
backtracks in contexts and rules; a plan body takes the first), or a :class:`Suspend` to make the
intention wait. Actions that only make sense in a plan body check ``call.intention``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from romas.agentspeak.beliefs import Failure
from romas.agentspeak.printer import format_term
from romas.agentspeak.terms import PlanTerm, Struct, Term
from romas.agentspeak.unify import compare, undo, unify

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent
    from romas.agentspeak.intentions import Frame, Intention
    from romas.agentspeak.program import Body


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
    def __init__(self, msg_id: str, answer: Term, timeout_ms: float | None, ask: str = "askOne") -> None:
        self.msg_id = msg_id
        self.answer = answer
        self.timeout_ms = timeout_ms
        self.ask = ask


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


def _each(c: Call, pairs: Any) -> Iterator[None]:
    env, trail = c.env, c.trail
    for a, b in pairs:
        mark = len(trail)
        if unify(a, b, env, trail):
            yield None
        undo(env, trail, mark)


def _sorted(items: tuple[Term, ...]) -> list[Term]:
    import functools

    return sorted(items, key=functools.cmp_to_key(compare))


def _name(c: Call, t: Term, what: str = "an agent name") -> str:
    if type(t) is Struct and not t.args:
        return t.functor
    if type(t) is str:
        return t
    raise _bad(c, f"expected {what}, got {format_term(t)}")


class Pending:
    """What :func:`host_service` answers when the host finishes the work later (the intention waits)."""


PENDING = Pending()


def host_service(c: Call, method: str, *args: Any, result: Term | None = None) -> Any:
    """Calls a host service; a refusal (or a host without it) fails the action with the host's reason.

    A host that needs time (the server writes to its database) answers ``ActionPending``: the intention
    then waits, as for an environment action, until ``agent.resume(token, outcome)``; the outcome's value
    is unified with ``result``. :data:`PENDING` is returned then, and the action must return True."""
    from romas.agentspeak.host import ActionPending, HostRefused

    fn = getattr(c.agent.host, method, None)
    if fn is None:
        raise Failure(f"{c.term.functor}: this host does not offer it", "ia_failed")
    try:
        out = fn(*args)
    except HostRefused as e:
        raise Failure(f"{c.term.functor}: {e}", "ia_failed") from None
    if isinstance(out, ActionPending):
        from romas.agentspeak.agent import _ActionWaitState
        from romas.agentspeak.intentions import WAIT_ACTION

        it = c.body_only()
        it.state = WAIT_ACTION
        it.wait = _ActionWaitState(out.token, Struct(c.term.functor, (result,) if result is not None else ()))
        c.agent.pending_actions[out.token] = it.id
        return PENDING
    return out


def body_of(c: Call, t: Term) -> Body:
    """The plan body a ``{ ... }`` argument holds (a plan term's body, or a body given as a string)."""
    from romas.agentspeak.program import Body, Plan

    if type(t) is PlanTerm:
        inner = t.plan
        if isinstance(inner, Body):
            return inner
        if isinstance(inner, Plan):
            return inner.body
    if type(t) is str:
        from romas.agentspeak.diagnostics import AgentSpeakSyntaxError
        from romas.agentspeak.parser import parse_body

        try:
            return parse_body(t)
        except AgentSpeakSyntaxError as e:
            raise _bad(c, f"not a plan body: {e}") from None
    raise _bad(c, f"expected a plan body {{ ... }}, got {format_term(t)}")


def run_body(c: Call, body: Body) -> None:
    """Runs ``body`` as the next step of the calling intention, sharing the caller's bindings (as Jason's
    ``.if_then_else``, ``.foreach`` and ``.loop`` do). The frame is a system frame: failures go through
    it to the caller's goal."""
    from romas.agentspeak.intentions import Frame
    from romas.agentspeak.program import Plan, Trigger

    it = c.body_only()
    caller = c.frame
    assert caller is not None
    plan = Plan(Trigger("+", "!", BODY_GOAL), None, body, name="body", variable_names=tuple(body.variable_names))
    plan.extra["system"] = True
    plan.extra["no_tail"] = True
    plan.extra["shared_env"] = True
    if len(it.stack) >= c.agent.limits.max_stack_depth:
        from romas.agentspeak.beliefs import LimitExceeded

        raise LimitExceeded(f"intention stack deeper than {c.agent.limits.max_stack_depth} plans")
    it.stack.append(Frame(plan, caller.env, BODY_GOAL))


BODY_GOAL = Struct("romas_body")


def new_intentions(c: Call, count: int) -> None:
    """Checks that ``count`` more intentions fit within the agent's limit (``.fork``, ``.at``)."""
    limit = c.agent.limits.max_intentions
    if len(c.agent.intentions) + count > limit:
        from romas.agentspeak.beliefs import LimitExceeded

        raise LimitExceeded(f"too many intentions (more than {limit})")


def charge(c: Call, work: int) -> None:
    """Counts work done for one solution against the step's query budget (lists cut into many pieces)."""
    ag = c.agent
    ag.query_budget -= work
    if ag.query_budget < 0:
        from romas.agentspeak.beliefs import LimitExceeded

        raise LimitExceeded(f"{c.term.functor} explored too much in one step")
