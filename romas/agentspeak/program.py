"""The syntax tree of an agent program: triggers, plan bodies, plans, rules and the program itself.

These objects are immutable once parsed. A plan's body is compiled to flat instructions on first use
(``Plan.code``), so parsing stays cheap for ``check_source`` and running stays cheap for agents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from romas.agentspeak.terms import ANNOTATED_VAR, VAR_NS, Struct, Term, Var, variables

if TYPE_CHECKING:
    from romas.agentspeak.instructions import Instruction

# Trigger kinds: what the event is about.
BELIEF = ""
ACHIEVE = "!"
TEST = "?"


@dataclass(frozen=True, slots=True)
class Trigger:
    """``+b``, ``-b``, ``+!g``, ``-!g``, ``+?g`` or ``-?g``: ``op`` is ``+``/``-``, ``kind`` is ``""``/``!``/``?``."""

    op: str
    kind: str
    literal: Term

    @property
    def key(self) -> tuple[str, str, int]:
        """Index key of the plan library: trigger type, functor and arity."""
        lit = self.literal
        if type(lit) is Struct and lit.functor != ANNOTATED_VAR and lit.functor != VAR_NS:
            return (self.op + self.kind, lit.functor, len(lit.args))
        return (self.op + self.kind, "", -1)

    @property
    def text(self) -> str:
        from romas.agentspeak.printer import format_trigger

        return format_trigger(self)


# ---- body formulas ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Goal:
    """``!g`` (kind ``!``), ``!!g`` (kind ``!!``) or ``?g`` (kind ``?``)."""

    kind: str
    literal: Term
    line: int = 0


@dataclass(frozen=True, slots=True)
class BeliefUpdate:
    """``+b``, ``-b`` or ``-+b``."""

    op: str
    literal: Term
    line: int = 0


@dataclass(frozen=True, slots=True)
class Action:
    """An action: an internal one when the functor starts with ``.``, else an environment action."""

    term: Term
    line: int = 0


@dataclass(frozen=True, slots=True)
class Condition:
    """A relational or logical formula used as a body step (``X = Y + 1``, ``X > 3``, ``not b``)."""

    expr: Term
    line: int = 0


@dataclass(frozen=True, slots=True)
class If:
    branches: tuple[tuple[Term, Body], ...]
    orelse: Body | None
    line: int = 0


@dataclass(frozen=True, slots=True)
class While:
    cond: Term
    body: Body
    line: int = 0


@dataclass(frozen=True, slots=True)
class For:
    cond: Term
    body: Body
    line: int = 0


Formula = Goal | BeliefUpdate | Action | Condition | If | While | For


@dataclass(frozen=True, slots=True)
class Body:
    formulas: tuple[Formula, ...]

    @property
    def variable_names(self) -> list[str]:
        out: dict[str, None] = {}
        _body_vars(self, out)
        return [n for n in out if not Var(n).anonymous]


def _body_vars(body: Body, out: dict[str, None]) -> None:
    for f in body.formulas:
        if isinstance(f, Goal | BeliefUpdate):
            variables(f.literal, out)
        elif isinstance(f, Action):
            variables(f.term, out)
        elif isinstance(f, Condition):
            variables(f.expr, out)
        elif isinstance(f, If):
            for cond, b in f.branches:
                variables(cond, out)
                _body_vars(b, out)
            if f.orelse is not None:
                _body_vars(f.orelse, out)
        elif isinstance(f, While | For):
            variables(f.cond, out)
            _body_vars(f.body, out)


@dataclass(eq=False, slots=True)
class Plan:
    """A plan ``@label trigger : context <- body.``.

    ``source`` is the text the plan came from (or its printed form); ``line`` is where it starts.
    ``code`` (compiled instructions) is filled in lazily by :mod:`romas.agentspeak.compiler`.
    """

    trigger: Trigger
    context: Term | None
    body: Body
    label: Struct | None = None
    line: int = 0
    source: str = ""
    name: str = ""
    code: list[Instruction] | None = field(default=None, repr=False)
    variable_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    atomic: bool = False
    simple_head: tuple[str, ...] | None = None
    saved_as: list[Any] | None = field(default=None, repr=False)
    """Its form in an agent's checkpoint, what it was computed from and its encoded form (see
    ``serialise._saved_plan``): agents are checkpointed at every flush of the runtime, and printing the same plans
    each time was most of the cost."""

    @property
    def label_name(self) -> str:
        if self.label is not None:
            return self.label.functor
        return self.name

    def text(self) -> str:
        """The plan as AgentSpeak source that parses back to the same plan (what ``tellHow`` sends)."""
        from romas.agentspeak.printer import source_plan

        return source_plan(self)


@dataclass(frozen=True, slots=True)
class Rule:
    head: Struct
    body: Term
    line: int = 0

    @property
    def variable_names(self) -> list[str]:
        out: dict[str, None] = {}
        variables(self.head, out)
        variables(self.body, out)
        return [n for n in out if not Var(n).anonymous]


@dataclass(slots=True)
class Program:
    """A parsed agent program: initial beliefs, rules, initial goals and plans, in source order."""

    beliefs: list[Struct] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    goals: list[Struct] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    files: Any = None
    """The agent set it was read with (an ``AgentFiles``): what ``.include`` reads at run time."""
    file: str | None = None
    """Its own path in the agent set (``.include`` paths are relative to it)."""


PlanFacts = tuple[tuple[str, ...], tuple[str, ...] | None]
"""What :func:`finish_plan` records of a plan's trigger, context and body: its variables and simple head."""


def plan_facts(plan: Plan) -> PlanFacts:
    """The variables of ``plan`` (in order of first occurrence) and, when its trigger's literal has distinct
    variables as its only arguments, their names (the simple head a goal binds without unifying)."""
    out: dict[str, None] = {}
    variables(plan.trigger.literal, out)
    if plan.context is not None:
        variables(plan.context, out)
    _body_vars(plan.body, out)
    lit = plan.trigger.literal
    simple_head = None
    if type(lit) is Struct and not lit.annots:
        names = [a.name for a in lit.args if type(a) is Var]
        if len(names) == len(lit.args) and len(set(names)) == len(names):
            simple_head = tuple(names)
    return tuple(out), simple_head


def finish_plan(plan: Plan, index: int, facts: PlanFacts | None = None) -> Plan:
    """Give an unlabelled plan its automatic name (``l__N``, as Jason does) and record its variables.

    ``facts`` are the plan's :func:`plan_facts` when they are known already (a clause parsed before)."""
    label = plan.label
    if label is not None and label.functor == "":
        # an anonymous label (``@[atomic]``) or a variable (``@L``): a unique name carrying the annotations
        if label.args:
            plan.extra["label_var"] = label.args[0]
        if index:
            plan.label = label = Struct(f"l__{index}", (), label.annots)
        elif not label.annots and not label.args:
            plan.label = label = None
    if not plan.name:
        plan.name = label.functor if label is not None and label.functor else f"l__{index}"
    plan.variable_names, plan.simple_head = facts if facts is not None else plan_facts(plan)
    label = plan.label
    plan.atomic = label is not None and any(
        type(a) is Struct and a.functor == "atomic" and not a.args for a in label.annots
    )
    return plan


def _map_body(body: Body, fn: Callable[[Term], Term]) -> Body:
    out: list[Formula] = []
    for f in body.formulas:
        if isinstance(f, Goal):
            out.append(Goal(f.kind, fn(f.literal), f.line))
        elif isinstance(f, BeliefUpdate):
            out.append(BeliefUpdate(f.op, fn(f.literal), f.line))
        elif isinstance(f, Action):
            out.append(Action(fn(f.term), f.line))
        elif isinstance(f, Condition):
            out.append(Condition(fn(f.expr), f.line))
        elif isinstance(f, If):
            out.append(
                If(
                    tuple((fn(c), _map_body(b, fn)) for c, b in f.branches),
                    _map_body(f.orelse, fn) if f.orelse is not None else None,
                    f.line,
                )
            )
        elif isinstance(f, While):
            out.append(While(fn(f.cond), _map_body(f.body, fn), f.line))
        elif isinstance(f, For):
            out.append(For(fn(f.cond), _map_body(f.body, fn), f.line))
    return Body(tuple(out))


def map_plan_terms(plan: Any, fn: Callable[[Term], Term]) -> Any:
    """A copy of ``plan`` (a plan, a plan body or a rule: what ``{ ... }`` holds) with ``fn`` applied to every
    term in it (used to apply bindings to plan terms)."""
    if isinstance(plan, Body):
        return _map_body(plan, fn)
    if isinstance(plan, Rule):
        head = fn(plan.head)
        return Rule(head if type(head) is Struct else plan.head, fn(plan.body), plan.line)
    trig = Trigger(plan.trigger.op, plan.trigger.kind, fn(plan.trigger.literal))
    label = plan.label
    if label is not None:
        mapped = fn(label)
        label = mapped if type(mapped) is Struct else label
    ctx = fn(plan.context) if plan.context is not None else None
    new = Plan(trig, ctx, _map_body(plan.body, fn), label, plan.line, "", plan.name)
    new.extra.update(plan.extra)
    finish_plan(new, 0)
    from romas.agentspeak.printer import format_plan

    new.source = format_plan(new, one_line=True)
    return new
