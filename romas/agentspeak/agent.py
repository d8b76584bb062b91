"""An AgentSpeak agent and its reasoning cycle (Jason semantics).

Each reasoning step handles at most one incoming message, one event and one formula of one intention;
intentions take turns (round-robin), so several of them interleave as in Jason. A host drives the agent
with :meth:`Agent.step` and a budget of steps, so one runaway agent cannot starve the others.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import replace
from typing import Any

from romas.agentspeak import er
from romas.agentspeak.beliefs import (
    BeliefBase,
    Failure,
    LimitExceeded,
    eval_failure,
    first_solution,
    relation,
    solve,
)
from romas.agentspeak.er import goal_condition, is_er
from romas.agentspeak.host import (
    ActionFailed,
    ActionPending,
    ActionSucceeded,
    CommandOutcome,
    Host,
    Limits,
    Message,
    MessageOutcome,
    StepReport,
    UnknownReceiver,
)
from romas.agentspeak.intentions import (
    CMD,
    DONE,
    MSG,
    RUNNING,
    WAIT_ACTION,
    WAIT_CONDITION,
    WAIT_EVENT,
    WAIT_REPLY,
    WAIT_TIMER,
    WAIT_TRIGGER,
    Event,
    Frame,
    Intention,
)
from romas.agentspeak.jrandom import JavaRandom
from romas.agentspeak.plans import PlanLibrary
from romas.agentspeak.printer import format_term
from romas.agentspeak.program import Body, Plan, Program, Rule, Trigger, finish_plan
from romas.agentspeak.sizes import NODE_BYTES, SMALL_BYTES, is_small, measure, weight
from romas.agentspeak.stdlib import STDLIB, Call, InternalAction, Suspend, WaitReply, WaitTime, WaitTrigger
from romas.agentspeak.stdlib.functions import CURRENT_AGENT
from romas.agentspeak.terms import (
    SOURCE_SELF,
    PlanTerm,
    Rel,
    Struct,
    Term,
    Var,
    is_ground,
    source_of,
    term_depth,
    variables,
)
from romas.agentspeak.unify import Env, EvalError, rename, resolve, undo, unify

_IDLE = StepReport(0, True, None)
_PROCESSED = MessageOutcome("processed")
_NO_PLANS: list[Plan] = []
_COMPARISONS = frozenset(("<", "<=", ">", ">=", "==", "\\=="))
_NO_CODE = Struct("no_code")
_CHARGED_EVENTS = 16
"""Events are charged once this many are queued: a few pending events (each within max_term_bytes) are
the normal flow of sub-goals and cost nothing to let through."""


class _Track:
    """Bookkeeping for a delivered message until everything it caused is finished."""

    __slots__ = ("ask", "error", "pending", "reply")

    def __init__(self) -> None:
        self.pending = 0
        self.error: str | None = None
        self.reply: Term | None = None
        self.ask: tuple[str, str] | None = None  # (sender, performative) for asks answered by a plan


def _system_plan(source: str) -> Plan:
    from romas.agentspeak.parser import parse_plan

    plan = parse_plan(source)
    plan.extra["system"] = True
    plan.extra["no_tail"] = True
    return plan


_ASK_ONE_PLAN_SOURCE = "+!kqml_ask(S, C, M) <- ?C; .remove_source_annot(C, A); .kqml_reply(S, A, M)."


class Agent:
    """An AgentSpeak agent: beliefs, rules, plans, events and intentions, driven by a :class:`Host`."""

    def __init__(
        self,
        name: str,
        program: Program | None,
        host: Host,
        *,
        limits: Limits | None = None,
        actions: Mapping[str, InternalAction] | None = None,
    ) -> None:
        self.name = name
        self.host = host
        self.jrandom: JavaRandom | None = None
        """Set by ``.set_random_seed``: then random numbers are drawn as Jason's (see jrandom.py)."""
        self.source_name: str | None = None
        """Where the agent's code comes from (a file name), given as ``code_src`` in failure annotations."""
        self.limits = limits or Limits()
        self.rule_depth_limit = self.limits.max_rule_depth
        self.query_budget = self.limits.max_query_steps
        self.beliefs = BeliefBase()
        self.rules: dict[tuple[str, int], list[Rule]] = {}
        self.plans = PlanLibrary()
        self.events: deque[Event] = deque()
        self.suspended_events: list[Event] = []
        """``!!g`` events put aside by ``.suspend(g)`` until ``.resume(g)``."""
        self.running: deque[Intention] = deque()
        self.intentions: dict[int, Intention] = {}
        self.mailbox: deque[Message] = deque()
        self.timers: list[tuple[float, int, int]] = []  # (deadline, sequence, intention id)
        self.goal_deadlines: list[tuple[float, int, Term, int | None, int]] = []
        """``!g[hard_deadline(ms)]``: (deadline, sequence, goal, its intention or None for ``!!g``, stack size)."""
        self.trigger_waits: list[int] = []
        self.pending_actions: dict[str, int] = {}
        self.pending_asks: dict[str, int] = {}
        self.tracks: dict[str, _Track] = {}
        self.commands: dict[str, int] = {}
        self.atomic_id: int | None = None
        self.focus: Intention | None = None
        """While a plan's ``+b``/``-b``/``-+b`` runs: its intention, which the first belief event with a relevant
        plan joins (Jason's default "same focus"): the intention goes on when that plan has run."""
        self.focus_taken = False
        self.counters = {"intention": 0, "fresh": 0, "msg": 0, "timer": 0}
        self.actions: dict[str, InternalAction] = dict(actions or {})
        self._ask_plan: Plan | None = None
        # memory charged besides the beliefs (which count their own, see BeliefBase.bytes): running estimates,
        # recounted exactly only when they say the budget is passed (see charge)
        self.held_bytes = 0
        self.event_bytes = 0
        self.mail_bytes = 0
        self.strikes: deque[float] = deque()
        self.stop_reason: str | None = None
        """Set when the agent should not run any more (it stays over its memory budget); the host stops it."""
        # hosts written before new_message_id existed may lack it: then the agent numbers its messages
        self._host_ids: Callable[[str], str | None] | None = getattr(host, "new_message_id", None)
        self.agent_files: Any = None
        """The agent set the code was read with (``AgentFiles``): what ``.include`` reads; not saved."""
        self.agent_file: str | None = None
        if program is not None:
            self._load(program)

    # ---- set-up -----------------------------------------------------------------------------------------

    def _load(self, program: Program) -> None:
        self.agent_files = program.files  # what .include reads
        self.agent_file = program.file
        # as Jason: an initial belief with variables (``member(X, [X|_]).``) is a rule ``... :- true``
        facts = [b for b in program.beliefs if is_ground(b)]
        open_facts = [Rule(b, Struct("true")) for b in program.beliefs if not is_ground(b)]
        self._set_rules([*open_facts, *program.rules] if open_facts else program.rules)
        self.plans = PlanLibrary(program.plans)
        for b in reversed(facts):  # as Jason: each is added first, so they keep the source's order
            annots = b.annots if _has_source(b.annots) else (*b.annots, SOURCE_SELF)
            try:
                self._add_belief(Struct(b.functor, b.args), annots, None)
            except LimitExceeded as e:
                self.stop_reason = f"its initial beliefs do not fit: {e.reason}"
                self.host.log(self.name, self.stop_reason)
                break
        for g in program.goals:
            lit = self.goal_literal(g, {})
            self.post_event("+!", lit)

    def _set_rules(self, rules: Iterable[Rule]) -> None:
        self.rules = {}
        for r in rules:
            self.rules.setdefault((r.head.functor, len(r.head.args)), []).append(r)

    def register_action(self, name: str, fn: InternalAction) -> None:
        """Adds an internal action for this agent (``name`` with its leading dot, e.g. ``.beep``)."""
        self.actions[name] = fn

    # ---- helpers used by instructions and internal actions ------------------------------------------------

    def random(self) -> float:
        """A number in [0, 1): the host's, or after ``.set_random_seed`` the seeded generator's."""
        if self.jrandom is not None:
            return self.jrandom.next_double()
        return self.host.random()

    def random_index(self, n: int) -> int:
        if self.jrandom is not None:
            return self.jrandom.next_int(n)
        return min(n - 1, int(self.host.random() * n))

    def fresh_name(self) -> str:
        self.counters["fresh"] += 1
        return f"_%{self.counters['fresh']}"

    def event_literal(self, literal: Term, env: Env) -> Term:
        """``literal`` with bindings applied; its unbound variables are bound to fresh ones first, so the
        plan handling the event shares nothing with this plan but those fresh variables."""
        lit = resolve(literal, env)
        self.check_term(lit, "goal")
        if not (lit.ground if type(lit) is Struct else is_ground(lit)):
            for name in variables(lit):
                if not name.startswith("_%"):
                    env[name] = Var(self.fresh_name())
            lit = resolve(literal, env)
        return lit

    def goal_literal(self, literal: Term, env: Env) -> Term:
        """An achievement goal posted by this agent: :meth:`event_literal` plus ``source(self)``."""
        lit = self.event_literal(literal, env)
        if type(lit) is Struct:
            annots = lit.annots
            if not annots:
                return lit.with_ground_annots(_SELF_ONLY)  # the common case, no annotations written
            if not _has_source(annots):
                return Struct(lit.functor, lit.args, (*annots, SOURCE_SELF))
        return lit

    def check_term(self, term: Term, what: str = "term") -> None:
        """Fails (LimitExceeded) when ``term`` is larger or deeper than the limits allow."""
        if type(term) is Struct and len(term.args) < 16 and not term.annots:
            for a in term.args:
                ta = type(a)
                if not (
                    (ta is int and _MINUS_BIG_INT < a < _BIG_INT)  # type: ignore[operator]
                    or ta is float
                    or (ta is str and len(a) < 4096)  # type: ignore[arg-type]
                    or (ta is Struct and not a.args and not a.annots)  # type: ignore[union-attr]
                ):
                    break
            else:
                return  # small and flat: within every limit
        limits = self.limits
        if type(term) is Struct and term.annots and _flat_annotated(term) and self._flat_within_limits():
            return  # a small literal with small annotations (``v(1)[source(bob)]``): within these limits
        if type(term) is str and len(term) > limits.max_string_bytes:
            raise LimitExceeded(f"{what}: a string longer than {_amount(limits.max_string_bytes)}")
        size, nodes = measure(term, limits.max_term_bytes, limits.max_term_size)
        if nodes > limits.max_term_size:
            raise LimitExceeded(f"{what} larger than {limits.max_term_size} nodes")
        if size > limits.max_term_bytes:
            raise LimitExceeded(f"{what} larger than {_amount(limits.max_term_bytes)}")
        if term_depth(term, limits.max_term_depth) > limits.max_term_depth:
            raise LimitExceeded(f"{what} nested more than {limits.max_term_depth} levels deep")

    def _flat_within_limits(self) -> bool:
        """The limits admit every term that passes :func:`_flat_annotated`."""
        limits = self.limits
        return (
            limits.max_term_bytes >= _FLAT_BYTES and limits.max_term_size >= _FLAT_NODES and limits.max_term_depth >= 3
        )

    def check_value(self, value: Term, what: str = "value", env: Env | None = None) -> int:
        """Fails (LimitExceeded) when ``value`` (its variables followed through ``env``) is a string longer
        than ``max_string_bytes`` or a term larger than ``max_term_bytes``; returns its estimated size, 0 when
        it is too small to count."""
        if is_small(value):
            return 0
        limits = self.limits
        if type(value) is str and len(value) > limits.max_string_bytes:
            raise LimitExceeded(f"{what}: a string longer than {_amount(limits.max_string_bytes)}")
        size = weight(value, limits.max_term_bytes, env)
        if size > limits.max_term_bytes:
            raise LimitExceeded(f"{what} larger than {_amount(limits.max_term_bytes)}")
        return size

    def bound(self, env: Env, names: Iterable[str], frame: Frame | None, what: str = "a result") -> None:
        """Checks the values just bound to ``names`` (by an internal action or a unification in a plan body)
        and charges ``frame`` for the large ones, which it holds until they are unbound or it ends."""
        for name in names:
            value = env.get(name)
            if value is None or is_small(value, env):
                continue
            size = self.check_value(value, f"{what} ({name})", env)
            if size >= SMALL_BYTES and frame is not None:
                held = frame.held
                if held is None:
                    held = frame.held = {}
                self.charge(size - held.get(name, 0))
                held[name] = size

    def memory_estimate(self) -> int:
        """The running estimate of what the mind holds (cheap; may count values already let go)."""
        return self.beliefs.bytes + self.held_bytes + self.event_bytes + self.mail_bytes

    def memory(self) -> int:
        """The estimated bytes the agent's mind holds (recounted exactly)."""
        held = 0
        for it in self.intentions.values():
            for fr in it.stack:
                h = fr.held
                if h:
                    env = fr.env
                    for name in [n for n in h if n not in env]:
                        del h[name]
                    held += sum(h.values())
        from romas.agentspeak.mutables import live_bytes

        held += live_bytes(self)  # .map/.set/.queue objects grow in place: counted while they live
        self.held_bytes = held
        self.event_bytes = sum([ev.weight for ev in self.events])
        self.mail_bytes = sum([weight(m.content, 1 << 62) for m in self.mailbox])
        return self.beliefs.bytes + held + self.event_bytes + self.mail_bytes

    def charge(self, size: int) -> None:
        """Charges the agent ``size`` more bytes of intention memory; fails (LimitExceeded) when that passes
        its budget, and asks to be stopped when it keeps passing it or its beliefs, events and mailbox alone
        leave no room to work."""
        self.held_bytes += size
        budget = self.limits.max_memory_bytes
        if self.beliefs.bytes + self.held_bytes + self.event_bytes + self.mail_bytes <= budget:
            return
        total = self.memory()
        if total <= budget:
            return
        self.over_budget(total)

    def over_budget(self, total: int) -> None:
        limits = self.limits
        budget = limits.max_memory_bytes
        reason = f"the agent's memory (about {_amount(total)}) is over its budget of {_amount(budget)}"
        now = self.host.monotonic()
        strikes = self.strikes
        strikes.append(now)
        while strikes and strikes[0] < now - limits.strike_window_s:
            strikes.popleft()
        if self.stop_reason is None:
            fixed = self.beliefs.bytes + self.event_bytes + self.mail_bytes
            if fixed > budget * 3 // 4:
                self.stop_reason = f"{reason}, and its beliefs, pending events and messages alone take {_amount(fixed)}"
            elif len(strikes) >= limits.max_memory_strikes:
                self.stop_reason = f"{reason} ({len(strikes)} times within {limits.strike_window_s:g} seconds)"
        raise LimitExceeded(reason)

    def import_term(self, term: Term) -> Term:
        """A term from outside (a message, a percept): checked against the limits, variables renamed."""
        if type(term) is Struct and term.ground and len(term.args) < 16 and not term.annots:
            for a in term.args:
                ta = type(a)
                if not (
                    (ta is int and _MINUS_BIG_INT < a < _BIG_INT)  # type: ignore[operator]
                    or ta is float
                    or (ta is str and len(a) < 4096)  # type: ignore[arg-type]
                    or (ta is Struct and not a.args and not a.annots)  # type: ignore[union-attr]
                ):
                    break
            else:
                return term  # small, flat and ground: nothing to check or rename
        self.check_term(term)
        from romas.agentspeak.mutables import adopt

        adopt(self, term)  # maps, sets, queues received are charged to this agent
        if is_ground(term):
            return term
        return rename(term, {}, self.fresh_name)

    def next_message_id(self) -> str:
        """The id of a message this agent sends: the host's, or ``<agent>.<n>``."""
        new_id = self._host_ids
        if new_id is not None:
            given = new_id(self.name)
            if given is not None:
                return str(given)
        counters = self.counters
        n = counters["msg"] = counters["msg"] + 1
        return f"{self.name}.{n}"

    def query_internal(self, term: Struct, env: Env, trail: list[str], depth: int) -> Iterator[None]:
        fn = self._internal(term.functor)
        args = tuple([resolve(a, env) for a in term.args])
        call = Call(self, None, None, env, trail, args, term, depth)
        mark = len(trail)
        r = fn(call)
        if r is True or r is None:
            if len(trail) > mark:
                self.bound(env, trail[mark:], None, f"the result of {term.functor}")
            yield None
        elif r is False:
            return
        elif isinstance(r, Suspend):
            raise Failure(f"{term.functor} cannot be used in a context or rule", "wrong_arguments")
        else:
            for _ in r:
                if len(trail) > mark:
                    self.bound(env, trail[mark:], None, f"the result of {term.functor}")
                yield None

    def _internal(self, name: str) -> InternalAction:
        fn = self.actions.get(name) or STDLIB.get(name)
        if fn is None:
            raise Failure(f"unknown internal action {name}", "unknown_action")
        return fn

    # ---- events ----------------------------------------------------------------------------------------------

    def post_event(
        self,
        trigger: str,
        literal: Term,
        intention: Intention | None = None,
        origin: str | None = None,
        tail: bool = False,
        recovery: bool = False,
        error: str | None = None,
    ) -> None:
        if self.trigger_waits:
            self._wake_waiters(trigger, literal)
        plans = self.plans
        relevant = True
        if intention is None and (trigger == "+" or trigger == "-"):
            updates = plans.updates  # sub-plans of pursued goals may react to it (see er.py)
            relevant = plans.has_relevant(trigger, literal) or (
                updates is not None and updates.has_relevant(trigger, literal)
            )
            focus = self.focus
            if relevant and focus is not None:
                intention = focus
                self.focus = None
                self.focus_taken = True
        elif trigger == "+!" and plans.meta:
            self.goal_state(literal, "pending")
        if origin is not None:
            track = self.tracks.get(origin)
            if track is not None:
                track.pending += 1
            else:
                origin = None
        if not relevant:
            if origin is not None:
                self._track_done(origin, None)
            return
        ev = Event(trigger, literal, intention, origin, tail, recovery, error)
        events = self.events
        if len(events) < _CHARGED_EVENTS and len(events) < self.limits.max_events:
            events.append(ev)  # the common case: a few pending events, nothing to charge
            return
        reason: str | None = None
        if len(events) >= self.limits.max_events:
            reason = f"too many pending events (more than {self.limits.max_events})"
        elif len(events) >= _CHARGED_EVENTS and not is_small(literal):
            size = weight(literal, 1 << 62)
            if size >= SMALL_BYTES:
                ev.weight = size
                self.event_bytes += size
                if not recovery:  # a -!g event is let through over the budget: it is how the plan recovers
                    try:
                        self.charge(0)
                    except LimitExceeded as e:
                        self.event_bytes -= size
                        reason = e.reason
        if reason is not None:
            if intention is not None:
                if recovery:
                    self._end_intention(intention, False, reason=reason)
                else:
                    self._fail(intention, LimitExceeded(reason))
            else:
                self.host.log(self.name, f"event {trigger}{format_term(literal)} dropped: {reason}")
                if origin is not None:
                    self._track_done(origin, reason)
            return
        self.events.append(ev)

    def post_subgoal(self, it: Intention, fr: Frame, trigger: str, literal: Term, tail: bool) -> None:
        if tail and not self._can_tail_call(fr):
            tail = False
        it.state = WAIT_EVENT
        events = self.events
        if (
            not self.trigger_waits
            and not (trigger == "+!" and self.plans.meta)
            and len(events) < _CHARGED_EVENTS
            and len(events) < self.limits.max_events
        ):
            events.append(Event(trigger, literal, it, None, tail))  # post_event's common case, inlined
            return
        self.post_event(trigger, literal, it, tail=tail)

    def _can_tail_call(self, fr: Frame) -> bool:
        plan = fr.plan
        trig = plan.trigger
        if trig.op != "+" or trig.kind != "!" or fr.recovery or fr.failed_goal or fr.loops:
            return False
        if plan.extra and (plan.extra.get("no_tail") or is_er(plan)):
            return False
        if self.plans.has_relevant("-!", fr.event):
            return False
        if fr.ret is None:
            ret = resolve(trig.literal, fr.env)
            if not is_ground(ret):
                return False
        return True

    def _select_event(self) -> Event | None:
        events = self.events
        if self.atomic_id is None:
            return events.popleft()
        for i, ev in enumerate(events):
            if ev.intention is not None and ev.intention.id == self.atomic_id:
                del events[i]
                return ev
        return None

    def _select_plan(self, trigger: str, literal: Term) -> tuple[Plan | None, Env, bool, str | None]:
        """The first applicable plan for the event (in library order) and its bindings; also whether any
        plan was relevant and, if a context could not be evaluated, why."""
        library = self.plans
        if type(literal) is Struct and not library.var_plans:
            plans = library.index.get((trigger, literal.functor, len(literal.args)), _NO_PLANS)
        else:
            plans = library.relevant(trigger, literal)
        env: Env = {}
        problem: str | None = None
        for plan in plans:
            head = plan.simple_head
            if head is not None and type(literal) is Struct and len(head) == len(literal.args):
                # `+!g(X, Y)`: distinct variables match any arguments; no unification needed
                env = {head[0]: literal.args[0]} if len(head) == 1 else dict(zip(head, literal.args))  # noqa: B905
            else:
                env = {}
                if not unify(plan.trigger.literal, literal, env):
                    continue
            ctx = plan.context
            if ctx is None:
                return plan, env, True, None
            try:
                if type(ctx) is Rel and ctx.op in _COMPARISONS:
                    ok = relation(ctx.op, ctx.left, ctx.right, env)
                else:
                    ok = first_solution(self, ctx, env)
            except (Failure, EvalError, RecursionError) as e:
                problem = f"the context of plan {plan.name} could not be evaluated: {e}"
                continue
            if ok:
                return plan, env, True, None
        return None, env, bool(plans), problem

    def _handle_event(self, ev: Event) -> None:
        it = ev.intention
        if it is not None and it.state is DONE:
            return
        literal = ev.literal
        if not self.plans.er:
            chosen, env, relevant, problem = self._select_plan(ev.trigger, literal)
        elif ev.option is not None:
            chosen, env = ev.option
            relevant, problem = True, None
        elif it is not None and it.stack:
            chosen, env, relevant, problem = er.select_in_scope(self, ev)
        else:
            if ev.trigger == "+" or ev.trigger == "-":
                er.branch(self, ev)
            chosen, env, relevant, problem = self._select_plan(ev.trigger, literal)
        if chosen is None:
            if ev.trigger == "+!" and self._handle_queued_message(ev):
                return
            self._no_plan(ev, relevant, problem)
            return
        frame = Frame(chosen, env, literal)
        if it is None:
            intentions = self.intentions
            if len(intentions) >= self.limits.max_intentions:
                reason = f"too many intentions (more than {self.limits.max_intentions})"
                self.host.log(self.name, f"event {ev.trigger}{format_term(literal)} dropped: {reason}")
                if ev.origin is not None:
                    self._track_done(ev.origin, reason)
                return
            counters = self.counters
            iid = counters["intention"] = counters["intention"] + 1
            origin = ev.origin
            it = Intention(iid, None if origin is None else MSG, origin)
            intentions[iid] = it
        else:
            if ev.tail:
                old = it.stack.pop()
                frame.ret = old.ret if old.ret is not None else resolve(old.plan.trigger.literal, old.env)
                frame.goal = old.goal
            elif len(it.stack) >= self.limits.max_stack_depth:
                self._fail(it, LimitExceeded(f"intention stack deeper than {self.limits.max_stack_depth} plans"))
                return
        if ev.recovery:
            frame.recovery = True
        if chosen.extra and is_er(chosen):
            frame.trigger_env = dict(env)
        it.stack.append(frame)
        if chosen.context is not None and env:
            v: Any
            for v in env.values():  # numbers and short strings are not charged (see sizes.is_small): no call
                tv = type(v)
                if not (
                    (tv is int and _MINUS_SMALL_INT < v < _SMALL_INT)
                    or tv is float
                    or (tv is str and len(v) < _SMALL_STR)
                ):
                    try:  # what the context bound is the plan's to hold
                        self.bound(env, list(env), frame, "the context's answer")
                    except LimitExceeded as f:
                        self._fail(it, f)
                        return
                    break
        if chosen.atomic:
            self.atomic_id = it.id
        it.state = RUNNING
        it.wait = None
        self._schedule(it)
        if ev.trigger == "+!" and self.plans.meta:
            self.goal_state(literal, "executing")

    def goal_state(self, goal: Term, state: str, reason: Term = "") -> None:
        """Jason's goal-state meta event ``^!g[state(S)[reason(R)]]``, when some plan is relevant for it."""
        if type(goal) is not Struct:
            return
        lit = Struct(
            goal.functor, goal.args, (*goal.annots, Struct("state", (Struct(state),), (Struct("reason", (reason,)),)))
        )
        if self.plans.has_relevant("^!", lit):
            # before other events (as Jason's meta events), after those of the same kind already waiting
            events = self.events
            n = 0
            while n < len(events) and events[n].trigger == "^!":
                n += 1
            events.insert(n, Event("^!", lit))

    def goals_ended(self, it: Intention, state: str) -> None:
        """Goal-state events for every goal of an intention that ends (failed or dropped), top first; a
        failed top goal has had its ``failed`` event already (see _fail), it only finishes."""
        top = True
        for fr in reversed(it.stack):
            trig = fr.plan.trigger
            if trig.kind == "!" and trig.op == "+" and not fr.plan.extra.get("system"):
                if not (top and state == "failed"):
                    self.goal_state(fr.event, state)
                self.goal_state(fr.event, "finished")
            top = False

    def _no_plan(self, ev: Event, relevant: bool, problem: str | None) -> None:
        kind = "applicable" if relevant else "relevant"
        lit = ev.literal
        shown = Struct(lit.functor, lit.args) if type(lit) is Struct else lit
        reason = f"no {kind} plan for {ev.trigger}{format_term(shown)}"
        if problem:
            reason += f" ({problem})"
        it = ev.intention
        if it is not None and (ev.trigger == "+" or ev.trigger == "-"):
            # as Jason: a belief event of a plan's own intention that no plan applies to lets it go on
            self._continue(it)
            return
        if it is not None:
            if ev.recovery:
                self._fail(it, Failure(ev.error or reason, f"no_{kind}"), below=len(it.stack) - 2)
            elif ev.trigger == "+!":
                holder = Frame(_failed_goal_plan(ev.literal), {}, ev.literal)
                holder.failed_goal = True
                it.stack.append(holder)
                self._fail(it, Failure(reason, f"no_{kind}"))
            else:
                self._fail(it, Failure(reason, f"no_{kind}"))
            return
        if ev.trigger == "+!" or ev.trigger == "+?":
            self.host.log(self.name, reason)
            if ev.trigger == "+!" and not ev.recovery and type(lit) is Struct and self.plans.has_relevant("-!", lit):
                # as Jason: a goal from outside (a message) without a plan fails with a -!g event, which
                # a relevant -!g plan handles in a new intention
                annots = (*lit.annots, Struct("error", (Struct(f"no_{kind}"),)), Struct("error_msg", (reason,)))
                self.post_event(
                    "-!", Struct(lit.functor, lit.args, annots), origin=ev.origin, recovery=True, error=reason
                )
            if ev.origin is not None:
                self._track_done(ev.origin, reason)
        elif ev.origin is not None:
            self._track_done(ev.origin, None)

    def _wake_waiters(self, trigger: str, literal: Term) -> None:
        for iid in list(self.trigger_waits):
            it = self.intentions.get(iid)
            if it is None or it.state != WAIT_TRIGGER:
                self.trigger_waits.remove(iid)
                continue
            w = it.wait
            assert isinstance(w, _TriggerWaitState)
            if w.trigger != trigger:
                if w.trigger or trigger == "^!":
                    continue
                # .wait(Formula): something changed, the formula may hold now
                fr = it.stack[-1]
                try:
                    holds = first_solution(self, w.literal, fr.env)
                except (Failure, EvalError):
                    holds = False
                if holds:
                    self.trigger_waits.remove(iid)
                    if w.elapsed is not None:
                        unify(w.elapsed, round((self.host.monotonic() - w.started) * 1000), fr.env)
                    self._continue(it)
                continue
            fr = it.stack[-1]
            trail: list[str] = []
            if unify(w.literal, literal, fr.env, trail):
                self.trigger_waits.remove(iid)
                if w.elapsed is not None:
                    elapsed = round((self.host.monotonic() - w.started) * 1000)
                    unify(w.elapsed, elapsed, fr.env)
                self._continue(it)
            else:
                undo(fr.env, trail, 0)

    # ---- intentions ----------------------------------------------------------------------------------------

    def _new_intention(self, origin_kind: str | None, origin: str | None) -> Intention:
        self.counters["intention"] += 1
        it = Intention(self.counters["intention"], origin_kind, origin)
        self.intentions[it.id] = it
        return it

    def _schedule(self, it: Intention) -> None:
        """Puts the intention in the round-robin queue (once: an intention is never queued twice)."""
        if not it.queued:
            it.queued = True
            self.running.append(it)

    def _continue(self, it: Intention) -> None:
        """The formula the intention waited on is done: move on and make the intention runnable."""
        it.wait = None
        it.state = RUNNING
        fr = it.stack[-1]
        fr.pc += 1
        self._schedule(it)

    def _run_intention(self, it: Intention) -> None:
        try:
            fr = it.stack[-1]
            code = fr.code
            if fr.pc < len(code):
                code[fr.pc].run(self, it, fr)
            if it.state is RUNNING:
                stack = it.stack
                if stack:
                    top = stack[-1]
                    if top.pc >= len(top.code):
                        self._complete(it)
                else:
                    self._end_intention(it, True)
        except Failure as f:
            self._fail(it, f)
        except EvalError as e:
            self._fail(it, eval_failure(e))
        except RecursionError:
            self._fail(it, LimitExceeded("recursion too deep: a term or a rule is nested too deeply"))
        except MemoryError:
            self._fail(it, LimitExceeded("out of memory"))

    def _complete(self, it: Intention) -> None:
        """Pops finished plans, passing each one's result back to the goal that posted it."""
        stack = it.stack
        while stack and stack[-1].pc >= len(stack[-1].code):
            fr = stack[-1]
            if fr.trigger_env is not None and fr.pc == len(fr.code) and goal_condition(fr.plan) is not None:
                # as Jason: a plan that ends before its goal condition holds waits for it (see er.py)
                it.state = WAIT_CONDITION
                it.wait = None
                return
            stack.pop()
            result: Term | None
            if fr.recovery:
                result = None
                if stack:
                    failed = stack.pop()  # the goal that failed and was recovered
                    if stack:
                        # as Jason: what the -!g plan bound in the goal's arguments goes back to the caller
                        head = resolve(fr.plan.trigger.literal, fr.env)
                        goal = failed.goal
                        if type(head) is Struct and type(goal) is Struct and len(head.args) == len(goal.args):
                            parent_env = stack[-1].env
                            mark: list[str] = []
                            plain = Struct(head.functor, head.args)
                            if not unify(plain, Struct(goal.functor, goal.args), parent_env, mark):
                                undo(parent_env, mark, 0)
            elif stack:
                result = fr.ret if fr.ret is not None else resolve(fr.plan.trigger.literal, fr.env)
            else:
                result = None
            if self.atomic_id == it.id and fr.plan.atomic and not it.atomic:
                self.atomic_id = None
            if self.plans.meta:
                trig = fr.plan.trigger
                if trig.kind == "!" and trig.op != "^" and not fr.plan.extra.get("system"):
                    self.goal_state(fr.event, "achieved")
                    self.goal_state(fr.event, "finished")
            if not stack:
                self._end_intention(it, True, last=fr)
                return
            parent = stack[-1]
            if result is not None and not unify(result, fr.goal, parent.env):
                raise Failure(
                    f"the result {format_term(result)} does not match the goal {format_term(fr.goal)}",
                    "wrong_arguments",
                )
            parent.pc += 1

    def _fail(self, it: Intention, failure: Failure, below: int | None = None) -> None:
        """Jason failure handling: unwinds to the nearest ``+!g`` frame with a ``-!g`` plan, else drops."""
        if it.state is DONE:
            return
        stack = it.stack
        k = len(stack) - 1 if below is None else below
        if self.plans.meta and stack:
            top = stack[-1]
            trig = top.plan.trigger
            if trig.kind == "!" and trig.op != "^" and not top.plan.extra.get("system"):
                self.goal_state(top.event, "failed", Struct(failure.error))
        while k >= 0:
            fr = stack[k]
            if fr.recovery:
                k -= 2  # a failing recovery plan: its goal is not recovered twice
                continue
            trig = fr.plan.trigger
            if trig.op == "+" and (trig.kind == "!" or trig.kind == "?") and not fr.plan.extra.get("system"):
                lit = fr.event
                fail_trigger = "-!" if trig.kind == "!" else "-?"
                if type(lit) is Struct and self.plans.has_relevant(fail_trigger, lit):
                    annots = self._failure_annots(stack[-1], failure)
                    del stack[k + 1 :]
                    ev_lit = Struct(lit.functor, lit.args, lit.annots + annots)
                    it.state = WAIT_EVENT
                    it.wait = None
                    if self.atomic_id == it.id and not it.atomic:
                        self.atomic_id = None
                    self.post_event(fail_trigger, ev_lit, it, recovery=True, error=failure.reason)
                    return
            k -= 1
        if self.plans.meta:
            self.goals_ended(it, "failed")
        self._end_intention(it, False, reason=failure.reason)

    def _failure_annots(self, fr: Frame, failure: Failure) -> tuple[Term, ...]:
        """Jason's annotations of a ``-!g`` event: ``error``, ``error_msg`` (or those given to ``.fail``), the
        formula that failed (``code``) and where it is (``code_src``, ``code_line``)."""
        annots = failure.annots or (
            Struct("error", (Struct(failure.error),)),
            Struct("error_msg", (failure.reason,)),
        )
        names = {a.functor for a in annots if type(a) is Struct}
        extra: list[Term] = []
        if "code" not in names:
            code: Term = _NO_CODE
            if fr.pc < len(fr.code):
                ins = fr.code[fr.pc]
                for attr in ("term", "literal", "expr", "cond", "var"):
                    formula = getattr(ins, attr, None)
                    if formula is not None:
                        code = _shown(formula, fr.env, [256])
                        break
            elif fr.failed_goal:
                code = fr.event if type(fr.event) is not Struct else Struct(fr.event.functor, fr.event.args)
            extra.append(Struct("code", (code,)))
        if "code_src" not in names:
            src = fr.plan.extra.get("src") or self.source_name
            extra.append(Struct("code_src", (src if src else _NO_CODE,)))
        if "code_line" not in names:
            extra.append(Struct("code_line", (fr.line,)))
        return (*annots, *extra)

    def _end_intention(
        self,
        it: Intention,
        ok: bool,
        reason: str | None = None,
        last: Frame | None = None,
        cancelled: bool = False,
    ) -> None:
        if it.state is DONE:
            return
        it.state = DONE
        self.intentions.pop(it.id, None)
        if self.atomic_id == it.id:
            self.atomic_id = None
        if it.origin_kind == MSG and it.origin is not None:
            track = self.tracks.get(it.origin)
            if track is None:
                # an achieve message whose only follow-up is this intention (see _achieve_now)
                if not ok and not cancelled:
                    self.host.log(self.name, f"intention {it.id} failed: {reason}")
                done = _PROCESSED if ok else MessageOutcome("failed", reason)
                self.host.message_done(self.name, it.origin, done)
            elif track.ask is not None and not ok:
                sender, _perf = track.ask
                track.ask = None
                self._reply(sender, "tell", Struct("false"), it.origin)
                self._track_done(it.origin, None)
            else:
                if not ok and not cancelled:
                    self.host.log(self.name, f"intention {it.id} failed: {reason}")
                self._track_done(it.origin, None if ok else reason)
        elif it.origin_kind == CMD and it.origin is not None:
            self.commands.pop(it.origin, None)
            if cancelled:
                outcome = CommandOutcome("cancelled", reason=reason)
            elif ok:
                bindings: dict[str, Term] = {}
                if last is not None:
                    for name in last.plan.variable_names:
                        if name in last.env and not Var(name).anonymous:
                            bindings[name] = resolve(Var(name), last.env)
                outcome = CommandOutcome("succeeded", bindings)
            else:
                outcome = CommandOutcome("failed", reason=reason)
            self.host.command_done(self.name, it.origin, outcome)
        elif not ok and not cancelled:
            self.host.log(self.name, f"intention {it.id} failed: {reason}")
        it.stack = []

    def drop_intention(self, it: Intention, reason: str = "dropped") -> None:
        """Removes an intention without failure handling (``.drop_intention`` and friends); a command is
        reported cancelled, a message failed with ``reason``."""
        if self.plans.meta and it.state is not DONE:
            self.goals_ended(it, "dropped")
        self._end_intention(it, False, reason=reason, cancelled=True)

    def succeed_goal_at(self, it: Intention, k: int) -> None:
        """``.succeed_goal``: the goal of frame ``k`` is achieved now; the plan below goes on."""
        del it.stack[k + 1 :]
        fr = it.stack[k]
        fr.pc = len(fr.code) + 1  # past its end: achieved, whatever its goal condition says
        if it.state is not RUNNING:
            it.state = RUNNING
            it.wait = None
            self._schedule(it)
        try:
            self._complete(it)
        except Failure as f:
            self._fail(it, f)

    def fail_goal_at(self, it: Intention, k: int, reason: str, error: str = "fail_goal") -> None:
        """``.fail_goal``: the goal of frame ``k`` fails now (its ``-!g`` plan, if any, runs)."""
        del it.stack[k + 1 :]
        if it.state is not RUNNING:
            it.state = RUNNING
            it.wait = None
            self._schedule(it)
        self._fail(it, Failure(reason, error))

    # ---- the reasoning cycle ------------------------------------------------------------------------------------

    def step(self, budget: int) -> StepReport:
        """Runs at most ``budget`` reasoning steps; returns what was done and what the agent waits for."""
        steps = 0
        if CURRENT_AGENT:  # set_current_agent, inlined: a step is often one message or one formula
            CURRENT_AGENT[0] = self
        else:
            CURRENT_AGENT.append(self)
        if self.timers or self.goal_deadlines:
            self._fire_timers(self.host.monotonic())
        mailbox = self.mailbox
        events = self.events
        running = self.running
        query_steps = self.limits.max_query_steps
        plans = self.plans  # the library changes in place; a new one is only set between steps
        while steps < budget:
            self.query_budget = query_steps
            worked = False
            atomic = self.atomic_id is not None
            if mailbox and not atomic:
                msg = mailbox.popleft()
                if self.mail_bytes and not is_small(msg.content):
                    self.mail_bytes = max(0, self.mail_bytes - weight(msg.content, 1 << 62))
                self._process_message(msg)
                worked = True
            if events:
                ev = self._select_event() if atomic else events.popleft()
                if ev is not None:
                    self._handle_event(ev)
                    worked = True
            if plans.er:
                er.clear_satisfied(self)
            if running:
                it: Intention | None
                if self.atomic_id is None:
                    it = running.popleft()
                    if it.state is not RUNNING:
                        it = self._select_intention()
                else:
                    it = self._select_intention()
                if it is not None:
                    worked = True
                    it.queued = False
                    if it.stack:
                        self._run_intention(it)
                        if it.state is RUNNING and not it.queued:
                            it.queued = True
                            running.append(it)
            if not worked:
                break
            steps += 1
        idle = steps < budget or not self._has_work()
        if not self.timers and not self.goal_deadlines:
            if idle:
                return _IDLE if steps == 0 else StepReport(steps, True, None)
            return StepReport(steps, False, None)
        return StepReport(steps, idle, self.next_deadline())

    def _select_intention(self) -> Intention | None:
        running = self.running
        if self.atomic_id is None:
            while running:
                it = running.popleft()
                if it.state is RUNNING:
                    return it
            return None
        for it in running:
            if it.id == self.atomic_id:
                running.remove(it)
                it.queued = False
                return it
        # drop stale entries so the agent can become idle
        for it in [x for x in running if x.state is not RUNNING]:
            running.remove(it)
            it.queued = False
        return None

    def next_deadline(self) -> float | None:
        timers = self.timers
        goal_deadline = self.goal_deadlines[0][0] if self.goal_deadlines else None
        while timers:
            deadline, seq, iid = timers[0]
            it = self.intentions.get(iid)
            w = it.wait if it is not None else None
            if w is None or getattr(w, "timer", None) != seq:
                heapq.heappop(timers)
                continue
            return deadline if goal_deadline is None else min(deadline, goal_deadline)
        return goal_deadline

    def hard_deadline(self, goal: Struct, it: Intention | None) -> None:
        """``!g[hard_deadline(ms)]``: when the time is up and ``g`` is still pursued, it fails (as Jason)."""
        for a in goal.annots:
            if type(a) is Struct and a.functor == "hard_deadline" and a.args:
                ms = a.args[0]
                if type(ms) is not int and type(ms) is not float:
                    return
                self.counters["timer"] += 1
                due = self.host.monotonic() + max(0.0, float(ms)) / 1000.0
                entry = (
                    due,
                    self.counters["timer"],
                    goal,
                    it.id if it is not None else None,
                    len(it.stack) if it else 0,
                )
                heapq.heappush(self.goal_deadlines, entry)
                return

    def _deadline_reached(self, goal: Term, iid: int | None, size: int) -> None:
        from romas.agentspeak.stdlib.goals import fail_goals, still_desired

        if iid is None:
            due = still_desired(self, goal)
        else:
            it = self.intentions.get(iid)
            due = (
                it is not None
                and len(it.stack) >= size
                and any(
                    fr.plan.trigger.op == "+" and fr.plan.trigger.kind == "!" and unify(goal, fr.event, {})
                    for fr in it.stack
                )
            )
        if due:
            fail_goals(self, goal, "deadline_reached", f"the goal {format_term(goal)} passed its hard deadline")

    @property
    def idle(self) -> bool:
        """Nothing can be done until a message, percept, resume or timer arrives."""
        return not self._has_work()

    def _has_work(self) -> bool:
        if self.atomic_id is None:
            return bool(self.mailbox or self.events or self.running)
        # an atomic intention runs alone: only its own events and steps count
        aid = self.atomic_id
        return any(ev.intention is not None and ev.intention.id == aid for ev in self.events) or any(
            it.id == aid and it.state is RUNNING for it in self.running
        )

    def _fire_timers(self, now: float) -> None:
        deadlines = self.goal_deadlines
        while deadlines and deadlines[0][0] <= now:
            _due, _seq, goal, iid, size = heapq.heappop(deadlines)
            self._deadline_reached(goal, iid, size)
        timers = self.timers
        while timers and timers[0][0] <= now:
            _deadline, seq, iid = heapq.heappop(timers)
            it = self.intentions.get(iid)
            if it is None:
                continue
            w = it.wait
            if w is None or getattr(w, "timer", None) != seq:
                continue
            if it.state == WAIT_TIMER:
                self._continue(it)
            elif it.state == WAIT_TRIGGER:
                assert isinstance(w, _TriggerWaitState)
                if iid in self.trigger_waits:
                    self.trigger_waits.remove(iid)
                if w.elapsed is not None:
                    fr = it.stack[-1]
                    unify(w.elapsed, round((now - w.started) * 1000), fr.env)
                    self._continue(it)
                else:
                    it.state = RUNNING
                    it.wait = None
                    self._fail(it, Failure("timeout waiting for an event", "wait_timeout"))
            elif it.state == WAIT_REPLY:
                assert isinstance(w, _ReplyWaitState)
                self.pending_asks.pop(w.msg_id, None)
                fr = it.stack[-1]
                if unify(w.answer, Struct("timeout"), fr.env):
                    self._continue(it)
                else:
                    it.state = RUNNING
                    it.wait = None
                    self._fail(it, Failure("timeout waiting for an answer", "ask_timeout"))

    def _add_timer(self, it: Intention, delay_s: float) -> int:
        self.counters["timer"] += 1
        seq = self.counters["timer"]
        heapq.heappush(self.timers, (self.host.monotonic() + max(0.0, delay_s), seq, it.id))
        return seq

    def suspend(self, it: Intention, what: Suspend) -> None:
        """Makes the intention wait (for a time, an event or an answer) on its current formula."""
        if self.plans.meta and it.stack:
            top = it.stack[-1]
            if top.plan.trigger.kind == "!" and top.plan.trigger.op == "+":
                self.goal_state(top.event, "waiting")
        if isinstance(what, WaitTime):
            it.state = WAIT_TIMER
            w = _TimerWaitState()
            it.wait = w
            w.timer = self._add_timer(it, what.ms / 1000.0)
        elif isinstance(what, WaitTrigger):
            it.state = WAIT_TRIGGER
            tw = _TriggerWaitState(what.trigger, what.literal, what.elapsed, self.host.monotonic())
            it.wait = tw
            if what.timeout_ms is not None:
                tw.timer = self._add_timer(it, what.timeout_ms / 1000.0)
            self.trigger_waits.append(it.id)
        elif isinstance(what, WaitReply):
            it.state = WAIT_REPLY
            rw = _ReplyWaitState(what.msg_id, what.answer, what.ask)
            it.wait = rw
            self.pending_asks[what.msg_id] = it.id
            if what.timeout_ms is not None:
                rw.timer = self._add_timer(it, what.timeout_ms / 1000.0)

    # ---- formulas ------------------------------------------------------------------------------------------

    def test_goal(self, it: Intention, fr: Frame, literal: Term) -> None:
        lit = resolve(literal, fr.env)
        if type(lit) is not Struct:
            raise Failure(f"?{format_term(lit)} is not a literal", "wrong_arguments")
        trail: list[str] = []
        for _ in solve(self, lit, fr.env, trail, 0):
            if trail:
                self.bound(fr.env, trail, fr, "an answer")
            fr.pc += 1
            return
        if self.plans.has_relevant("+?", lit):
            self.post_subgoal(it, fr, "+?", self.goal_literal(literal, fr.env), False)
            return
        raise Failure(f"no answer for ?{format_term(lit)}", "test_goal_failed")

    def change_belief(self, op: str, literal: Term, fr: Frame) -> None:
        try:
            lit = resolve(literal, fr.env)
        except EvalError as e:
            raise eval_failure(e) from None
        if type(lit) is not Struct:
            raise Failure(f"{format_term(lit)} cannot be a belief", "wrong_arguments")
        if op == "+" or op == "+<" or op == "+>":
            if not lit.annots:  # the common case, ``+b(1)``: b(1)[source(self)], checked and weighed in one walk
                size = _flat_weight(lit, 4)
                if size < 0:
                    self._check_size(lit)
                self._add_belief(lit, (SOURCE_SELF,), None, op == "+>", size)
                return
            self._check_size(lit)
            annots = lit.annots if _has_source(lit.annots) else (*lit.annots, SOURCE_SELF)
            self._add_belief(Struct(lit.functor, lit.args), annots, None, op == "+>")
        elif op == "-":
            annots = lit.annots if _has_source(lit.annots) else (*lit.annots, SOURCE_SELF)
            self._remove_matching(Struct(lit.functor, lit.args, annots), fr.env, None)
        else:
            # -+b(X): remove the first b(_)[source(self)], then add b(X)
            self._check_size(lit)
            anon = Struct(lit.functor, tuple(Var(self.fresh_name()) for _ in lit.args), (SOURCE_SELF,))
            focus, self.focus = self.focus, None  # as Jason: the addition's event is the one on the same focus
            try:
                self._remove_matching(anon, {}, None)
            finally:
                self.focus = focus
            annots = lit.annots if _has_source(lit.annots) else (*lit.annots, SOURCE_SELF)
            self._add_belief(Struct(lit.functor, lit.args), annots, None)

    def _check_size(self, lit: Term) -> None:
        self.check_term(lit, "belief")

    def _add_belief(
        self, key: Struct, annots: tuple[Term, ...], origin: str | None, last: bool = False, weight: int = -1
    ) -> None:
        """Adds the belief ``key[annots]``; ``weight``, when not negative, is what it weighs (sizes.py)."""
        if key.annots:
            annots = key.annots + annots
            key = Struct(key.functor, key.args)
            weight = -1
        if self.beliefs.size >= self.limits.max_beliefs and self.beliefs.get(key) is None:
            raise LimitExceeded(f"more than {self.limits.max_beliefs} beliefs")
        beliefs = self.beliefs
        added = beliefs.add(key, annots, last, weight)
        if added:
            if beliefs.bytes + self.held_bytes + self.event_bytes + self.mail_bytes > self.limits.max_memory_bytes:
                try:
                    self.charge(0)
                except LimitExceeded:
                    beliefs.remove(key, added)
                    raise
            plans = self.plans
            if origin is None and not self.trigger_waits and plans.updates is None and not plans.has_relevant("+", key):
                return  # post_event would drop the event: no plan, no waiter, no message to track
            self.post_event("+", Struct(key.functor, key.args, added), origin=origin)

    def _remove_matching(self, pattern: Struct, env: Env, origin: str | None) -> bool:
        """Removes the annotations of ``pattern`` from the first belief it matches (binding ``env``)."""
        key = Struct(pattern.functor, pattern.args)
        want = pattern.annots
        bucket = self.beliefs.bucket(key.functor, len(key.args))
        if not bucket:
            return False
        trail: list[str] = []
        candidates: Iterable[tuple[Struct, list[Term]]]
        if key.ground:
            have = bucket.get(key)
            candidates = [(key, have)] if have is not None else []
        else:
            candidates = list(reversed(bucket.items()))
        for bkey, have in candidates:
            mark = len(trail)
            if unify(key, bkey, env, trail):
                matched: list[Term] = []
                ok = True
                for a in want:
                    for h in have:
                        m2 = len(trail)
                        if unify(a, h, env, trail):
                            matched.append(h)
                            break
                        undo(env, trail, m2)
                    else:
                        ok = False
                        break
                if ok:
                    removed = self.beliefs.remove(bkey, tuple(matched))
                    if removed:
                        self.post_event("-", Struct(bkey.functor, bkey.args, removed), origin=origin)
                    return True
            undo(env, trail, mark)
        return False

    def environment_action(self, it: Intention, fr: Frame, term: Term) -> None:
        if type(term) is not Struct:
            raise Failure(f"{format_term(term)} is not an action", "wrong_arguments")
        try:
            out = self.host.external_action(self.name, Struct(term.functor, term.args), term.annots)
        except Exception as e:  # a host bug must fail the plan, not the agent
            raise Failure(f"action {term.functor} failed: {e}", "action_failed") from None
        if isinstance(out, ActionPending):
            it.state = WAIT_ACTION
            it.wait = _ActionWaitState(out.token, term)
            self.pending_actions[out.token] = it.id
            return
        if isinstance(out, ActionFailed):
            raise Failure(out.reason, "action_failed")
        self._action_value(fr, term, out.value)
        fr.pc += 1

    def _action_value(self, fr: Frame, term: Struct, value: Term | None) -> None:
        if value is None:
            return
        if not term.args:
            return
        if not unify(term.args[-1], self.import_term(value), fr.env):
            raise Failure(
                f"the result {format_term(value)} of {term.functor} does not match {format_term(term.args[-1])}",
                "action_failed",
            )

    def internal_action(self, it: Intention, fr: Frame, term: Struct) -> None:
        name = term.functor
        fn = self.actions.get(name) or STDLIB.get(name)
        if fn is None:
            raise Failure(f"unknown internal action {name}", "unknown_action")
        env = fr.env
        args = term.args if term.ground else tuple([resolve(a, env) for a in term.args])
        trail: list[str] = []
        call = Call(self, it, fr, env, trail, args, term, 0)
        r = fn(call)
        if r is True or r is None:
            pass
        elif r is False:
            raise Failure(f"{term.functor} failed", "ia_failed")
        elif isinstance(r, Suspend):
            self.suspend(it, r)
            return
        else:
            for _ in r:
                break
            else:
                raise Failure(f"{term.functor} failed", "ia_failed")
        if trail:
            self.bound(env, trail, fr, f"the result of {name}")
        if it.state is RUNNING and it.stack and it.stack[-1] is fr:
            fr.pc += 1

    def resume(self, token: str, outcome: ActionSucceeded | ActionFailed) -> None:
        """The host finished an environment action that was pending under ``token``."""
        iid = self.pending_actions.pop(token, None)
        if iid is None:
            return
        it = self.intentions.get(iid)
        if it is None or it.state != WAIT_ACTION:
            return
        w = it.wait
        assert isinstance(w, _ActionWaitState)
        it.state = RUNNING
        it.wait = None
        self._schedule(it)
        if isinstance(outcome, ActionFailed):
            self._fail(it, Failure(outcome.reason, "action_failed"))
            return
        fr = it.stack[-1]
        try:
            self._action_value(fr, w.term, outcome.value)
        except Failure as f:
            self._fail(it, f)
            return
        fr.pc += 1
        if fr.pc >= len(fr.code):
            try:
                self._complete(it)
            except Failure as f:
                self._fail(it, f)

    # ---- messages ------------------------------------------------------------------------------------------

    def deliver(self, message: Message) -> None:
        """Queues a message; it is handled in a later step and reported through ``host.message_done``."""
        if len(self.mailbox) >= self.limits.max_mailbox:
            self.host.message_done(self.name, message.id, MessageOutcome("failed", "the mailbox is full"))
            return
        content = message.content
        if type(content) is Struct and not content.annots and len(content.args) <= 8:
            small = True  # sizes.is_small's common case, without a call: numbers, short strings, atoms
            v: Any
            for v in content.args:
                tv = type(v)
                if not (
                    (tv is int and _MINUS_LEAF_INT < v < _LEAF_INT)
                    or (tv is str and len(v) <= 64)
                    or tv is float
                    or (tv is Struct and not v.args and not v.annots)
                ):
                    small = is_small(content)
                    break
        else:
            small = is_small(content)
        if not small:
            limits = self.limits
            size = weight(content, limits.max_term_bytes)
            reason = None
            if size > limits.max_term_bytes:
                reason = f"the content is larger than {_amount(limits.max_term_bytes)}"
            else:
                self.mail_bytes += size
                try:
                    self.charge(0)
                except LimitExceeded as e:
                    self.mail_bytes -= size
                    reason = f"the mailbox is full: {e.reason}"
            if reason is not None:
                self.host.message_done(self.name, message.id, MessageOutcome("failed", reason))
                return
        self.mailbox.append(message)

    def cancel_message(self, msg_id: str, reason: str = "cancelled") -> bool:
        """Drops a delivered message and everything it caused that has not ended: the message itself if it is
        still in the mailbox, the events it posted and the intentions it started (without failure handling). It
        is reported ``cancelled``; a question it asked is answered ``false`` as a failed one would be. False when
        nothing of it is left to drop (it ended, or was never delivered here)."""
        for msg in self.mailbox:
            if msg.id == msg_id:
                self.mailbox.remove(msg)
                if self.mail_bytes and not is_small(msg.content):
                    self.mail_bytes = max(0, self.mail_bytes - weight(msg.content, 1 << 62))
                self.host.message_done(self.name, msg_id, MessageOutcome("cancelled", reason))
                return True
        track = self.tracks.pop(msg_id, None)
        started = [it for it in self.intentions.values() if it.origin_kind == MSG and it.origin == msg_id]
        queued = [ev for ev in self.events if ev.intention is None and ev.origin == msg_id]
        if track is None and not started and not queued:
            return False
        for ev in queued:
            self.events.remove(ev)
            self.event_bytes = max(0, self.event_bytes - ev.weight)
        for it in started:
            it.origin_kind = None  # detached: its end reports nothing; the message is reported below
            self._end_intention(it, False, reason=reason, cancelled=True)
        if track is not None and track.ask is not None:
            sender, _performative = track.ask
            self._reply(sender, "tell", Struct("false"), msg_id)
        self.host.message_done(self.name, msg_id, MessageOutcome("cancelled", reason))
        return True

    def _track_done(self, msg_id: str, error: str | None) -> None:
        track = self.tracks.get(msg_id)
        if track is None:
            return
        if error is not None and track.error is None:
            track.error = error
        track.pending -= 1
        if track.pending <= 0:
            self._finish_track(msg_id, track)

    def _finish_track(self, msg_id: str, track: _Track) -> None:
        if self.tracks.pop(msg_id, None) is not None:
            if track.error is not None:
                outcome = MessageOutcome("failed", track.error, track.reply)
            else:
                outcome = MessageOutcome("processed", None, track.reply)
            self.host.message_done(self.name, msg_id, outcome)

    def _reply(self, receiver: str, performative: str, content: Term, in_reply_to: str) -> None:
        from romas.agentspeak.mutable_values import detach

        content = detach(content, self.limits.max_term_bytes)  # a map in an answer goes as its value
        track = self.tracks.get(in_reply_to)
        if track is not None:
            track.reply = content
        try:
            self.host.send(self.name, receiver, performative, content, self.next_message_id(), in_reply_to)
        except UnknownReceiver:
            if track is not None and track.error is None:
                track.error = f"cannot answer: no agent named {receiver}"

    def kqml_reply(self, receiver: str, content: Term, in_reply_to: str) -> None:
        track = self.tracks.get(in_reply_to)
        if track is not None:
            track.ask = None
        self._reply(receiver, "tell", content, in_reply_to)

    def _process_message(self, msg: Message) -> None:
        if msg.in_reply_to is not None:
            iid = self.pending_asks.pop(msg.in_reply_to, None)
            if iid is not None:
                self._answer_arrived(iid, msg)
                return
        elif msg.performative == "achieve" and not self.events and self._achieve_now(msg):
            return
        track = _Track()
        track.pending = 1
        self.tracks[msg.id] = track
        try:
            self._handle_message(msg, track)
        except Failure as f:
            track.error = track.error or f.reason
        except (EvalError, RecursionError) as e:
            track.error = track.error or f"cannot handle the message: {e}"
        track.pending -= 1
        if track.pending <= 0:
            self._finish_track(msg.id, track)

    def _achieve_now(self, msg: Message) -> bool:
        """Fast path for an achieve message when no event is queued: the event it causes would be the
        next one handled anyway, so its plan is chosen now, without queueing an event or bookkeeping.
        Returns False (nothing done) when the message needs the general path."""
        content = msg.content
        if type(content) is not Struct or self.trigger_waits or _KQML_KEY in self.plans.index:
            return False
        try:
            imported = self.import_term(content)
        except Failure:
            return False
        if type(imported) is not Struct:
            return False
        sender = msg.sender
        if imported.annots or not imported.ground:
            literal = nested_source(imported, "self" if sender == self.name else sender)
        else:  # the common case, nested_source's without a walk: the content plus source(Sender)
            literal = imported.with_ground_annots((source_of("self" if sender == self.name else sender),))
        chosen, env, _relevant, _problem = self._select_plan("+!", literal)
        if chosen is None or len(self.intentions) >= self.limits.max_intentions:
            return False  # the general path reports the failure
        counters = self.counters
        iid = counters["intention"] = counters["intention"] + 1
        it = Intention(iid, MSG, msg.id)
        self.intentions[iid] = it
        it.stack.append(Frame(chosen, env, literal))
        if chosen.atomic:
            self.atomic_id = iid
        self._schedule(it)
        return True

    def _answer_arrived(self, iid: int, msg: Message) -> None:
        it = self.intentions.get(iid)
        outcome = MessageOutcome("processed")
        if it is not None and it.state == WAIT_REPLY:
            w = it.wait
            assert isinstance(w, _ReplyWaitState)
            fr = it.stack[-1]
            try:
                content = self.import_term(msg.content)
            except Failure as f:
                self.host.message_done(self.name, msg.id, MessageOutcome("failed", f.reason))
                it.state = RUNNING
                it.wait = None
                self._fail(it, f)
                return
            if type(content) is Struct and content.functor == "false" and not content.args and not content.annots:
                pass  # no answer
            elif msg.performative == "untell" and w.ask == "askOne":
                content = Struct("false")
            elif type(content) is Struct or (type(content) is tuple and w.ask == "askAll"):
                content = nested_source(content, self._sender_name(msg.sender))
            elif type(content) is tuple and w.ask == "askHow":
                sender = self._sender_name(msg.sender)
                from romas.agentspeak.stdlib import plan_from_term

                # the plans as terms, labelled with the answerer's source (they travel as text)
                content = tuple(PlanTerm(_with_source(plan_from_term(p), sender)) for p in content)
            if unify(w.answer, content, fr.env):
                self._continue(it)
            else:
                it.state = RUNNING
                it.wait = None
                self._fail(it, Failure(f"the answer {format_term(content)} does not match", "ask_failed"))
        self.host.message_done(self.name, msg.id, outcome)

    def _sender_name(self, sender: str) -> str:
        return "self" if sender == self.name else sender

    def _handle_message(self, msg: Message, track: _Track) -> None:
        perf = msg.performative
        content = self.import_term(msg.content)
        sender = msg.sender
        if sender == self.name:  # _sender_name, without a call
            sender = "self"
        mid = msg.id
        kqml = _KQML_KEY in self.plans.index
        if kqml or (self.events and perf not in _DIRECT_PERFORMATIVES):
            received = Struct("kqml_received", (Struct(sender), Struct(perf), content, mid))
            if self.events:
                # As Jason: the message becomes the event +!kqml_received(Sender, Performative, Content, MsgId),
                # queued behind the pending events; its plan is chosen when it is selected (so plans that
                # earlier events add are active), and without an applicable plan romas handles it itself.
                self.post_event("+!", received, origin=mid)
                return
            # the agent handles messages itself: +!kqml_received(Sender, Performative, Content, MsgId)
            chosen, _env, _relevant, _problem = self._select_plan("+!", received)
            if chosen is not None:
                self.post_event("+!", received, origin=mid)
                return
        self._handle_performative(msg, perf, content, sender, track)

    def _handle_queued_message(self, ev: Event) -> bool:
        """A ``+!kqml_received`` event of a message without an applicable plan: handles the message (the
        default handling of Jason's ``kqmlPlans``). False when the event is not a message's."""
        lit = ev.literal
        origin = ev.origin
        if ev.intention is not None or origin is None or type(lit) is not Struct or lit.functor != "kqml_received":
            return False
        track = self.tracks.get(origin)
        if track is None or len(lit.args) != 4:
            return False
        sender_t, perf_t, content, _mid = lit.args
        if type(sender_t) is not Struct or type(perf_t) is not Struct:
            return False
        sender = sender_t.functor
        msg = Message(origin, self.name if sender == "self" else sender, perf_t.functor, content, None)
        try:
            self._handle_performative(msg, perf_t.functor, content, sender, track)
        except Failure as f:
            track.error = track.error or f.reason
        except (EvalError, RecursionError) as e:
            track.error = track.error or f"cannot handle the message: {e}"
        self._track_done(origin, None)
        return True

    def _handle_performative(self, msg: Message, perf: str, content: Term, sender: str, track: _Track) -> None:
        source = source_of(sender)
        mid = msg.id
        if perf == "tell" or perf == "untell":
            items = content if type(content) is tuple else (content,)
            for item in items:
                if type(item) is not Struct:
                    raise Failure(f"{perf} needs a literal, not {format_term(item)}", "wrong_arguments")
                if perf == "tell":
                    if not item.annots:  # the common case: the belief is the content, with source(Sender)
                        annots = (source,)
                        size = _flat_weight(item, len(sender)) if self._flat_within_limits() else -1
                        if size < 0:
                            self._check_size(Struct(item.functor, item.args, annots))
                        self._add_belief(item, annots, mid, False, size)
                        continue
                    # as Jason: the sender's sources are kept inside its own, source(Sender)[source(...)]
                    item = nested_source(item, sender)
                    self._check_size(item)
                    self._add_belief(Struct(item.functor, item.args), item.annots, mid)
                else:
                    item = _without_source(item)
                    self._remove_matching(Struct(item.functor, item.args, (*item.annots, source)), {}, mid)
        elif perf == "achieve":
            if type(content) is not Struct:
                raise Failure(f"achieve needs a literal, not {format_term(content)}", "wrong_arguments")
            self.post_event("+!", nested_source(content, sender), origin=mid)
        elif perf == "signal":
            if type(content) is not Struct:
                raise Failure(f"signal needs a literal, not {format_term(content)}", "wrong_arguments")
            lit = nested_source(content, sender)
            self.post_event("+", Struct(lit.functor, lit.args, (*lit.annots, Struct("signal"))), origin=mid)
        elif perf == "unachieve":
            from romas.agentspeak.stdlib import drop_desires

            drop_desires(self, content)
        elif perf == "askOne":
            if type(content) is not Struct:
                raise Failure(f"askOne needs a literal, not {format_term(content)}", "wrong_arguments")
            answer = self._believed_answer(content)
            if answer is not None:
                self._reply(msg.sender, "tell", answer, mid)
                return
            content = nested_source(content, sender)
            if self._ask_plan is None:
                self._ask_plan = _system_plan(_ASK_ONE_PLAN_SOURCE)
            plan = self._ask_plan
            it = self._new_intention(MSG, mid)
            track.pending += 1
            track.ask = (msg.sender, perf)
            env: Env = {"S": Struct(msg.sender), "C": content, "M": mid}
            it.stack.append(Frame(plan, env, resolve(plan.trigger.literal, env)))
            self._schedule(it)
        elif perf == "askAll":
            answers = self._believed_answers(content)
            self._reply(msg.sender, "tell", tuple(answers), mid)
        elif perf == "tellHow":
            from romas.agentspeak.stdlib import plan_from_term

            items = content if type(content) is tuple else (content,)
            for item in items:
                plan = plan_from_term(item)
                self.plans.add(_with_source(plan, msg.sender))
        elif perf == "untellHow":
            from romas.agentspeak.stdlib import remove_plans

            items = content if type(content) is tuple else (content,)
            for item in items:
                remove_plans(self, item, msg.sender)
        elif perf == "askHow":
            from romas.agentspeak.stdlib import trigger_from_term

            trig = trigger_from_term(content)
            found = tuple(_without_label_source(p).text() for p in self.plans.relevant_to(trig))
            self._reply(msg.sender, "tellHow", found, mid)
        else:
            raise Failure(f"unknown performative {perf}", "wrong_arguments")

    def _believed_answers(self, question: Term, first: bool = False) -> list[Term]:
        """What the agent believes of ``question``, each with the annotations of its belief but
        ``source(self)`` (as Jason answers an ask); answers from rules carry none."""
        answers: list[Term] = []
        if type(question) is not Struct:
            raise Failure(f"cannot answer {format_term(question)}", "wrong_arguments")
        plain = Struct(question.functor, question.args)
        trail: list[str] = []
        env: Env = {}
        for _ in solve(self, question, env, trail, 0):
            found = resolve(plain, env)
            annots: tuple[Term, ...] = ()
            if type(found) is Struct:
                have = self.beliefs.get(found)
                if have is not None:
                    annots = tuple(a for a in have if a != SOURCE_SELF)
                answers.append(Struct(found.functor, found.args, annots))
            if first or len(answers) > self.limits.max_term_size:
                if not first:
                    raise LimitExceeded("too many answers")
                break
        return answers

    def _believed_answer(self, question: Struct) -> Term | None:
        try:
            found = self._believed_answers(question, first=True)
        except (Failure, EvalError):
            return None
        return found[0] if found else None

    # ---- percepts, signals, commands, hot swap ---------------------------------------------------------------

    def add_belief(self, term: Term, annotations: Iterable[Term] = (), source: str = "percept") -> None:
        """Adds a belief from outside (a percept by default), producing a ``+b`` event."""
        t = self.import_term(term)
        if type(t) is not Struct:
            raise ValueError(f"{format_term(t)} is not a literal")
        annots = (*t.annots, *annotations)
        if not _has_source(annots):
            annots = (*annots, source_of(source))
        self._add_belief(Struct(t.functor, t.args), annots, None)

    def remove_belief(self, term: Term, annotations: Iterable[Term] = (), source: str = "percept") -> None:
        """Removes a belief (its ``source`` annotation), producing a ``-b`` event."""
        t = self.import_term(term)
        if type(t) is not Struct:
            raise ValueError(f"{format_term(t)} is not a literal")
        annots = (*t.annots, *annotations)
        if not _has_source(annots):
            annots = (*annots, source_of(source))
        self._remove_matching(Struct(t.functor, t.args, annots), {}, None)

    def set_percepts(self, key: Term, beliefs: Iterable[Term], annotations: Iterable[Term] = ()) -> None:
        """Makes the percepts annotated with ``key`` and ``annotations`` (e.g. ``artefact(stock)``,
        ``workspace(bakery)``) exactly ``beliefs``: adds the new ones and removes the old ones, so only changes
        produce events."""
        tag = (key, *annotations)
        wanted: dict[Struct, None] = {}
        for b in beliefs:
            t = self.import_term(b)
            if type(t) is Struct:
                wanted[Struct(t.functor, t.args)] = None
        percept = source_of("percept")
        current: list[Struct] = []
        for bkey, annots in self.beliefs.items():
            if percept in annots and all(a in annots for a in tag):
                current.append(bkey)
        for bkey in current:
            if bkey not in wanted:
                self._remove_matching(Struct(bkey.functor, bkey.args, (*tag, percept)), {}, None)
        for w in wanted:
            try:
                self._add_belief(w, (*tag, percept), None)
            except LimitExceeded as e:
                self.host.log(self.name, f"percept {format_term(w)} dropped: {e.reason}")

    def signal(self, term: Term, annotations: Iterable[Term] = ()) -> None:
        """A signal: a ``+signal`` event that is not a belief."""
        t = self.import_term(term)
        if type(t) is not Struct:
            raise ValueError(f"{format_term(t)} is not a literal")
        annots = (*t.annots, *annotations)
        if not _has_source(annots):
            annots = (*annots, source_of("percept"))
        self.post_event("+", Struct(t.functor, t.args, annots))

    def start_command(self, cmd_id: str, body: Body) -> None:
        """Runs ``body`` as a new intention; the end is reported through ``host.command_done``."""
        plan = Plan(Trigger("+", "!", Struct("command", (cmd_id,))), None, body, None, 1, "", "command")
        finish_plan(plan, 0)
        from romas.agentspeak.printer import format_body

        plan.source = "+!command(" + format_term(cmd_id) + ") <- " + format_body(body).replace("\n", " ") + "."
        plan.extra["system"] = True
        plan.extra["no_tail"] = True
        it = self._new_intention(CMD, cmd_id)
        self.commands[cmd_id] = it.id
        it.stack.append(Frame(plan, {}, plan.trigger.literal))
        self._schedule(it)

    def cancel_command(self, cmd_id: str) -> bool:
        """Drops a running command (reported as cancelled); False if it is not running."""
        iid = self.commands.pop(cmd_id, None)
        if iid is None:
            return False
        it = self.intentions.get(iid)
        if it is None:
            return False
        self._end_intention(it, False, reason="cancelled", cancelled=True)
        return True

    def replace_program(self, program: Program) -> None:
        """Hot swap: new plans and rules, same beliefs; running intentions keep the plans they hold."""
        self.agent_files = program.files
        self.agent_file = program.file
        self._set_rules(program.rules)
        self.plans = PlanLibrary(program.plans)
        if not self.plans.er and any(fr.trigger_env is not None for it in self.intentions.values() for fr in it.stack):
            self.plans.er = True  # plans chosen before the swap still have goal conditions and sub-plans (er.py)

    # ---- introspection and serialisation ------------------------------------------------------------------

    def mind(
        self,
        *,
        belief_offset: int = 0,
        belief_limit: int | None = None,
        part_limit: int | None = None,
        stack_limit: int | None = None,
    ) -> dict[str, Any]:
        """The mental state for people; the limits bound how much of it is shown (see ``serialise.mind``)."""
        from romas.agentspeak.serialise import mind

        return mind(
            self,
            belief_offset=belief_offset,
            belief_limit=belief_limit,
            part_limit=part_limit,
            stack_limit=stack_limit,
        )

    def snapshot(self, embed: Callable[[Any], Sized] | None = None) -> dict[str, Any]:
        """The mind as JSON (see :func:`romas.agentspeak.serialise.snapshot`, which says what ``embed`` does)."""
        from romas.agentspeak.serialise import snapshot

        return snapshot(self, embed)

    @classmethod
    def restore(
        cls,
        data: Mapping[str, Any],
        host: Host,
        *,
        limits: Limits | None = None,
        actions: Mapping[str, InternalAction] | None = None,
    ) -> Agent:
        from romas.agentspeak.serialise import restore

        agent = cls(str(data["name"]), None, host, limits=limits, actions=actions)
        restore(agent, data)
        return agent


class _TimerWaitState:
    __slots__ = ("timer",)

    def __init__(self) -> None:
        self.timer = 0


class _TriggerWaitState:
    __slots__ = ("elapsed", "literal", "started", "timer", "trigger")

    def __init__(self, trigger: str, literal: Term, elapsed: Term | None, started: float) -> None:
        self.trigger = trigger
        self.literal = literal
        self.elapsed = elapsed
        self.started = started
        self.timer: int | None = None


class _ReplyWaitState:
    __slots__ = ("answer", "ask", "msg_id", "timer")

    def __init__(self, msg_id: str, answer: Term, ask: str = "askOne") -> None:
        self.msg_id = msg_id
        self.answer = answer
        self.ask = ask
        self.timer: int | None = None


class _ActionWaitState:
    __slots__ = ("term", "token")

    def __init__(self, token: str, term: Struct) -> None:
        self.token = token
        self.term = term


_SELF_ONLY = (SOURCE_SELF,)

_LEAF_INT = 1 << 256
"""Integers strictly between ``-_LEAF_INT`` and ``_LEAF_INT`` have at most 256 bits (sizes._leaf)."""

_SMALL_INT = 1 << 511
_SMALL_STR = SMALL_BYTES // 2
"""Numbers strictly between ``-_SMALL_INT`` and ``_SMALL_INT`` and strings shorter than ``_SMALL_STR`` are small
(as sizes.is_small says): never charged."""

_BIG_INT = 1 << 4095
"""Integers strictly between ``-_BIG_INT`` and ``_BIG_INT`` have fewer than 4096 bits (a comparison is cheaper
than ``bit_length()`` on the hot path)."""

# negated once: ``-_BIG_INT`` in a test would build a new large integer at each call
_MINUS_LEAF_INT = -_LEAF_INT
_MINUS_SMALL_INT = -_SMALL_INT
_MINUS_BIG_INT = -_BIG_INT

_FLAT_NODES = 32
_FLAT_BYTES = _FLAT_NODES * (NODE_BYTES + 64)
"""The most nodes and bytes (sizes.py) a term passing :func:`_flat_annotated` can have."""


def _flat_annotated(t: Struct, source: int = -1) -> bool:
    """``t`` and each of its annotations have fewer than 8 arguments, each a float, an integer below 2^256, or
    a string or atom of at most 64 characters; fewer than 4 annotations; functors of at most 64 characters.
    With ``source`` (a length), for ``t`` with one more annotation, ``source(a)`` with a name ``a`` that long."""
    if len(t.args) >= 8 or len(t.annots) >= 4 - (source >= 0) or len(t.functor) > 64 or source > 64:
        return False
    for s in (t, *t.annots):
        if type(s) is not Struct or (s.annots and s is not t) or len(s.args) >= 8 or len(s.functor) > 64:
            return False
        for a in s.args:
            ta = type(a)
            if ta is float:
                continue
            if ta is int:
                if a.bit_length() > 256:  # type: ignore[union-attr]
                    return False
            elif ta is str:
                if len(a) > 64:  # type: ignore[arg-type]
                    return False
            elif ta is not Struct or a.args or a.annots or len(a.functor) > 64:  # type: ignore[union-attr]
                return False
    return True


def _flat_weight(t: Struct, source: int) -> int:
    """What ``t`` (without annotations) with the annotation ``source(a)``, ``a`` a name ``source`` characters
    long, weighs (sizes.py), when that literal passes :func:`_flat_annotated`; else -1. One walk both checks and
    weighs the common belief (``v(1)[source(bob)]``)."""
    args = t.args
    if len(args) >= 8 or t.annots or len(t.functor) > 64 or source > 64:
        return -1
    size = 3 * NODE_BYTES + 6 + source + len(t.functor)  # the literal's node, source's and its name's
    for a in args:
        ta = type(a)
        if ta is int:
            n = a.bit_length()  # type: ignore[union-attr]
            if n > 256:
                return -1
            size += NODE_BYTES + n // 8
        elif ta is str:
            if len(a) > 64:  # type: ignore[arg-type]
                return -1
            size += NODE_BYTES + len(a)  # type: ignore[arg-type]
        elif ta is float:
            size += NODE_BYTES
        elif ta is Struct and not a.args and not a.annots and len(a.functor) <= 64:  # type: ignore[union-attr]
            size += NODE_BYTES + len(a.functor)  # type: ignore[union-attr]
        else:
            return -1
    return size


def _has_source(annots: tuple[Term, ...]) -> bool:
    for a in annots:  # noqa: SIM110 - a plain loop is faster on this hot path
        if type(a) is Struct and a.functor == "source" and len(a.args) == 1:
            return True
    return False


_KQML_KEY = ("+!", "kqml_received", 4)
_DIRECT_PERFORMATIVES = frozenset(("tell", "untell", "achieve", "signal"))
"""Performatives Jason handles at once when the agent has no ``kqml_received`` plan of its own; the others
become events behind the pending ones."""


def _shown(t: Term, env: Env, budget: list[int]) -> Term:
    """``t`` with its bindings applied, as far as a small budget of nodes goes (a failed formula shown in
    ``code(...)``: a variable bound to a huge term stays a variable)."""
    budget[0] -= 1
    if budget[0] < 0:
        return t
    tt = type(t)
    if tt is Var:
        v = env.get(t.name)  # type: ignore[union-attr]
        if v is None:
            return t
        seen = 0
        while type(v) is Var and seen < 100:
            nxt = env.get(v.name)
            if nxt is None:
                return v
            v = nxt
            seen += 1
        out = _shown(v, env, budget)
        return t if budget[0] < 0 else out
    if tt is Struct:
        s: Struct = t  # type: ignore[assignment]
        if s.ground:
            return s
        return Struct(
            s.functor,
            tuple([_shown(a, env, budget) for a in s.args]),
            tuple([_shown(a, env, budget) for a in s.annots]),
        )
    if tt is tuple:
        return tuple([_shown(a, env, budget) for a in t])  # type: ignore[union-attr]
    return t


def nested_source(t: Term, sender: str) -> Any:
    """Jason's ``.add_nested_source``: ``p[source(a)]`` from ``bob`` is ``p[source(bob)[source(a)]]``
    (``p`` alone is ``p[source(bob)]``); each literal of a list likewise."""
    if type(t) is tuple:
        return tuple(nested_source(x, sender) for x in t)
    if type(t) is not Struct:
        return t
    annots = t.annots
    if not annots:
        return Struct(t.functor, t.args, (source_of(sender),))
    old = tuple(a for a in annots if type(a) is Struct and a.functor == "source")
    if not old:
        return Struct(t.functor, t.args, (*annots, source_of(sender)))
    rest = tuple(a for a in annots if not (type(a) is Struct and a.functor == "source"))
    return Struct(t.functor, t.args, (*rest, Struct("source", (Struct(sender),), old)))


def _without_source(lit: Struct) -> Struct:
    """``lit`` without ``source`` annotations: the receiver, not the sender, says where a message came from."""
    if not lit.annots or not _has_source(lit.annots):
        return lit
    keep = tuple(a for a in lit.annots if not (type(a) is Struct and a.functor == "source"))
    return Struct(lit.functor, lit.args, keep)


def _without_label_source(plan: Plan) -> Plan:
    """A copy of ``plan`` whose label has no ``source`` (what an askHow answers)."""
    label = plan.label
    if label is not None and _has_source(label.annots):
        label = Struct(
            label.functor,
            label.args,
            tuple(a for a in label.annots if not (type(a) is Struct and a.functor == "source")),
        )
    return replace(plan, label=label, code=None)


def _with_source(plan: Plan, sender: str) -> Plan:
    label = plan.label
    src = source_of(sender)
    if label is None:
        label = Struct(plan.name or "told", (), (src,))
    elif src not in label.annots:
        label = Struct(label.functor, label.args, (*label.annots, src))
    plan.label = label
    plan.name = label.functor
    return plan


def _failed_goal_plan(literal: Term) -> Plan:
    """A stand-in plan for a goal that had no applicable plan (so its ``-!g`` plan can recover it)."""
    plan = Plan(Trigger("+", "!", literal), None, Body(()), None, 0, "", "no_plan")
    finish_plan(plan, 0)
    plan.source = "+!" + format_term(literal) + "."
    return plan


def _amount(size: int) -> str:
    """A size in bytes as people read it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MiB"
    if size >= 1024:
        return f"{size / 1024:.3g} KiB"
    return f"{size} bytes"
