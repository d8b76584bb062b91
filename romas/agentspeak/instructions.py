"""The instructions a plan body is compiled to; each ``run`` executes one reasoning step of an intention.

An instruction leaves ``frame.pc`` on itself while the intention waits (for a sub-goal, a timer, a reply,
an environment action) and moves it on when done. Failures are raised as
:class:`~romas.agentspeak.beliefs.Failure`.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from romas.agentspeak.beliefs import Failure, first_solution, solve
from romas.agentspeak.intentions import RUNNING, WAIT_EVENT, Frame, Intention, LoopState
from romas.agentspeak.printer import format_term
from romas.agentspeak.program import Body, Plan, Rule, Trigger
from romas.agentspeak.stdlib import STDLIB, Call, Suspend
from romas.agentspeak.terms import ANNOTATED_VAR, VAR_NS, PlanTerm, Struct, Term, Var
from romas.agentspeak.unify import resolve

if TYPE_CHECKING:
    from romas.agentspeak.agent import Agent


class Instruction:
    __slots__ = ("line",)

    def __init__(self, line: int) -> None:
        self.line = line

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        raise NotImplementedError

    def text(self) -> str:
        return type(self).__name__


class Achieve(Instruction):
    """``!g`` (a sub-goal on this intention) or ``!!g`` (a new intention)."""

    __slots__ = ("literal", "new", "tail")

    def __init__(self, literal: Term, new: bool, line: int) -> None:
        super().__init__(line)
        self.literal = literal
        self.new = new
        self.tail = False

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        literal = self.literal
        lit = ag.goal_literal(literal, fr.env)
        # only annotations written in the goal, or brought by a variable, can ask for a deadline; not source(self)
        if (
            (type(literal) is not Struct or literal.annots or literal.functor == VAR_NS)
            and type(lit) is Struct
            and lit.annots
        ):
            ag.hard_deadline(lit, None if self.new else it)
        if self.new:
            ag.post_event("+!", lit, None)
            fr.pc += 1
        else:
            ag.post_subgoal(it, fr, "+!", lit, self.tail)

    def text(self) -> str:
        return ("!!" if self.new else "!") + format_term(self.literal)


class TestGoal(Instruction):
    """``?g``: the first answer from beliefs and rules, else a ``+?g`` plan, else failure."""

    __slots__ = ("literal",)

    def __init__(self, literal: Term, line: int) -> None:
        super().__init__(line)
        self.literal = literal

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        ag.test_goal(it, fr, self.literal)

    def text(self) -> str:
        return "?" + format_term(self.literal)


class BeliefChange(Instruction):
    """``+b``, ``-b`` or ``-+b`` (source(self) is added to the annotations); ``++b``/``--b`` (new focus),
    ``+<b`` (as ``+b``) and ``+>b`` (added last); ``+{a :- b}`` and ``-{a :- b}`` add and remove rules."""

    __slots__ = ("literal", "op")

    def __init__(self, op: str, literal: Term, line: int) -> None:
        super().__init__(line)
        self.op = op
        self.literal = literal

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        op = self.op
        lit = self.literal
        if op == "++" or op == "--":  # new focus: the belief event starts an intention of its own
            extended_belief_change(ag, op, self.literal, fr)
            fr.pc += 1
            return
        # as Jason (its default, "same focus"): the first belief event with a relevant plan is handled on this
        # intention, which goes on after that plan (see Agent.post_event)
        ag.focus = it
        ag.focus_taken = False
        try:
            if type(lit) is not Struct or (len(op) > 1 and op != "-+") or lit.functor == ANNOTATED_VAR:
                extended_belief_change(ag, op, self.literal, fr)
            else:
                ag.change_belief(op, self.literal, fr)
        finally:
            ag.focus = None
        if ag.focus_taken:
            ag.focus_taken = False
            if it.state is RUNNING:
                it.state = WAIT_EVENT
            return
        fr.pc += 1

    def text(self) -> str:
        return self.op + format_term(self.literal)


def extended_belief_change(ag: Agent, op: str, literal: Term, fr: Frame) -> None:
    """The belief updates beyond ``+ - -+``: rules as terms, ``++ -- +< +>``."""
    t = resolve(literal, fr.env) if type(literal) is not Struct or not literal.ground else literal
    if type(t) is Struct and t.functor == ANNOTATED_VAR and type(t.args[0]) is PlanTerm:
        # ``+R[source(A)]`` with R a rule: the rule's head gets the annotations
        inner = t.args[0].plan
        if isinstance(inner, Rule):
            head = inner.head
            t = PlanTerm(Rule(Struct(head.functor, head.args, (*head.annots, *t.annots)), inner.body, inner.line))
    if type(t) is PlanTerm and isinstance(t.plan, Rule):
        rule: Rule = t.plan
        head = rule.head
        if type(head) is not Struct:
            raise Failure(f"{format_term(t)} is not a rule", "wrong_arguments")
        slot = (head.functor, len(head.args))
        rules = ag.rules.setdefault(slot, [])
        if op in ("+", "++", "+<"):
            rules.insert(0, rule)
        elif op == "+>":
            rules.append(rule)
        else:
            text = format_term(t)
            for i, r in enumerate(rules):
                if format_term(PlanTerm(r)) == text:
                    del rules[i]
                    break
            if not rules:
                del ag.rules[slot]
        return
    if op == "++" or op == "+<":
        ag.change_belief("+", literal, fr)
    elif op == "--":
        ag.change_belief("-", literal, fr)
    else:  # ``+>b`` (added last) and ``-+b`` are the agent's own
        ag.change_belief(op, literal, fr)


class Action(Instruction):
    """An environment action, run by the host."""

    __slots__ = ("term",)

    def __init__(self, term: Term, line: int) -> None:
        super().__init__(line)
        self.term = term

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        ag.environment_action(it, fr, resolve(self.term, fr.env))

    def text(self) -> str:
        return format_term(self.term)


class Internal(Instruction):
    """An internal action ``.name(args)``."""

    __slots__ = ("term",)

    def __init__(self, term: Struct, line: int) -> None:
        super().__init__(line)
        self.term = term

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        # the body of Agent.internal_action, inlined: internal actions are the most frequent formulas
        term = self.term
        name = term.functor
        fn = ag.actions.get(name) or STDLIB.get(name)
        if fn is None:
            raise Failure(f"unknown internal action {name}", "unknown_action")
        env = fr.env
        if term.ground:
            args = term.args
        else:
            args = tuple(
                [
                    a if (type(a) is Struct and a.ground) or type(a) is int or type(a) is str else resolve(a, env)
                    for a in term.args
                ]
            )
        trail: list[str] = []
        r = fn(Call(ag, it, fr, env, trail, args, term, 0))
        if r is True or r is None:
            pass
        elif r is False:
            raise Failure(f"{name} failed", "ia_failed")
        elif isinstance(r, Suspend):
            ag.suspend(it, r)
            return
        else:
            for _ in r:
                break
            else:
                raise Failure(f"{name} failed", "ia_failed")
        if trail:
            ag.bound(env, trail, fr, f"the result of {name}")
        if it.state is RUNNING and it.stack[-1] is fr:
            fr.pc += 1

    def text(self) -> str:
        return format_term(self.term)


class DynamicAction(Instruction):
    """A variable used as a body formula: runs what it is bound to (an action or internal action)."""

    __slots__ = ("var",)

    def __init__(self, var: Var, line: int) -> None:
        super().__init__(line)
        self.var = var

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        t = fr.env.get(self.var.name)
        while type(t) is Var:
            t = fr.env.get(t.name)
        if type(t) is PlanTerm and isinstance(t.plan, Body):
            run_plan_body(ag, it, fr, t.plan)  # a plan body term, ``B = { .print(x); a }; B``
            return
        t = resolve(self.var, fr.env)
        if type(t) is not Struct:
            raise Failure(f"{self.var.name} is not bound to an action", "wrong_arguments")
        if t.functor.startswith("."):
            ag.internal_action(it, fr, t)
        else:
            ag.environment_action(it, fr, t)

    def text(self) -> str:
        return self.var.name


def run_plan_body(ag: Agent, it: Intention, fr: Frame, body: Body) -> None:
    """Runs ``body`` as the next step of ``it``, with the bindings of ``fr`` (when it ends, ``fr`` goes on)."""
    from romas.agentspeak.beliefs import LimitExceeded
    from romas.agentspeak.stdlib.core import BODY_GOAL

    plan = Plan(Trigger("+", "!", BODY_GOAL), None, body, name="body", variable_names=tuple(body.variable_names))
    plan.extra["system"] = True
    plan.extra["no_tail"] = True
    plan.extra["shared_env"] = True
    if len(it.stack) >= ag.limits.max_stack_depth:
        raise LimitExceeded(f"intention stack deeper than {ag.limits.max_stack_depth} plans")
    it.stack.append(Frame(plan, fr.env, BODY_GOAL))


class Check(Instruction):
    """A relational or logical formula in a body: it must hold (its bindings are kept)."""

    __slots__ = ("expr",)

    def __init__(self, expr: Term, line: int) -> None:
        super().__init__(line)
        self.expr = expr

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        env = fr.env
        before = len(env)
        if not first_solution(ag, self.expr, env):
            raise Failure(f"{format_term(self.expr)} is false", "constraint_failed")
        if len(env) > before:
            ag.bound(env, list(islice(reversed(env), len(env) - before)), fr, "a value")
        fr.pc += 1

    def text(self) -> str:
        return format_term(self.expr)


class JumpUnless(Instruction):
    """``if``/``elif``: go on when the condition holds (keeping its bindings), else jump."""

    __slots__ = ("cond", "target")

    def __init__(self, cond: Term, target: int, line: int) -> None:
        super().__init__(line)
        self.cond = cond
        self.target = target

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        env = fr.env
        before = len(env)
        if first_solution(ag, self.cond, env):
            if len(env) > before:
                ag.bound(env, list(islice(reversed(env), len(env) - before)), fr, "a value")
            fr.pc += 1
        else:
            fr.pc = self.target

    def text(self) -> str:
        return f"if ({format_term(self.cond)})"


class Jump(Instruction):
    __slots__ = ("target",)

    def __init__(self, target: int, line: int) -> None:
        super().__init__(line)
        self.target = target

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        fr.pc = self.target


def _restore(env: dict[str, Term], keep: frozenset[str]) -> None:
    if len(env) != len(keep):
        for k in [k for k in env if k not in keep]:
            del env[k]


class LoopEnter(Instruction):
    """Start of a ``while``: remembers which variables were bound before the loop."""

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        if fr.loops is None:
            fr.loops = []
        fr.loops.append(LoopState(frozenset(fr.env), None))
        fr.pc += 1


class WhileTest(Instruction):
    """Each turn of a ``while``: forget the previous turn's bindings, then test the condition."""

    __slots__ = ("cond", "end")

    def __init__(self, cond: Term, end: int, line: int) -> None:
        super().__init__(line)
        self.cond = cond
        self.end = end

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        assert fr.loops
        state = fr.loops[-1]
        env = fr.env
        _restore(env, state.keep)
        before = len(env)
        if first_solution(ag, self.cond, env):
            if len(env) > before:
                ag.bound(env, list(islice(reversed(env), len(env) - before)), fr, "a value")
            fr.pc += 1
        else:
            fr.loops.pop()
            fr.pc = self.end

    def text(self) -> str:
        return f"while ({format_term(self.cond)})"


class ForEnter(Instruction):
    """Start of a ``for``: computes every solution of the condition up front."""

    __slots__ = ("cond",)

    def __init__(self, cond: Term, line: int) -> None:
        super().__init__(line)
        self.cond = cond

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        env = fr.env
        keep = frozenset(env)
        trail: list[str] = []
        solutions: list[dict[str, Term]] = []
        limit = ag.limits.max_term_size
        try:
            for _ in solve(ag, self.cond, env, trail, 0):
                for n in trail:
                    if n in env:
                        ag.check_value(env[n], f"a solution of the for loop ({n})", env)
                solutions.append({n: resolve(env[n], env) for n in trail if n in env})
                if len(solutions) > limit:
                    raise Failure(f"the for loop has more than {limit} solutions", "limit_exceeded")
        finally:
            _restore(env, keep)
        if fr.loops is None:
            fr.loops = []
        fr.loops.append(LoopState(keep, solutions))
        fr.pc += 1

    def text(self) -> str:
        return f"for ({format_term(self.cond)})"


class ForNext(Instruction):
    """Each turn of a ``for``: binds the next solution, or leaves the loop."""

    __slots__ = ("end",)

    def __init__(self, end: int, line: int) -> None:
        super().__init__(line)
        self.end = end

    def run(self, ag: Agent, it: Intention, fr: Frame) -> None:
        assert fr.loops
        state = fr.loops[-1]
        env = fr.env
        _restore(env, state.keep)
        sols = state.solutions
        assert sols is not None
        if state.index < len(sols):
            env.update(sols[state.index])
            state.index += 1
            fr.pc += 1
        else:
            fr.loops.pop()
            fr.pc = self.end
