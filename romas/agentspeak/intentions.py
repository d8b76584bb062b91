"""Events, intentions and their stacks of plan instances (frames)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from romas.agentspeak.program import Plan
from romas.agentspeak.terms import Term

if TYPE_CHECKING:
    from romas.agentspeak.instructions import Instruction

# Origins say whom to report to when an intention (or an event that creates none) ends.
MSG = "msg"
CMD = "cmd"


class Event:
    """A triggering event ``+b``, ``-b``, ``+!g``, ``-!g``, ``+?g`` or ``-?g`` waiting to be handled.

    ``intention`` is set for internal events (sub-goals): the chosen plan goes on top of that intention.
    ``tail`` means the sub-goal is the last step of the plan posting it (the frame is replaced, not kept).
    ``recovery`` marks the ``-!g`` event of a failure. ``origin`` is a message id for events caused by a
    message.
    """

    __slots__ = ("error", "intention", "literal", "option", "origin", "recovery", "tail", "trigger", "weight")

    def __init__(
        self,
        trigger: str,
        literal: Term,
        intention: Intention | None = None,
        origin: str | None = None,
        tail: bool = False,
        recovery: bool = False,
        error: str | None = None,
    ) -> None:
        self.trigger = trigger
        self.literal = literal
        self.intention = intention
        self.origin = origin
        self.tail = tail
        self.recovery = recovery
        self.error = error
        self.weight = 0
        """What the agent is charged for this event's literal (see sizes.py); 0 for small ones."""
        self.option: tuple[Plan, dict[str, Term]] | None = None
        """The plan chosen already, with its bindings (a sub-plan reacting to a belief event, see er.py)."""


class LoopState:
    """The state of a running ``while``/``for``: bindings to restore each turn and the ``for`` solutions."""

    __slots__ = ("index", "keep", "solutions")

    def __init__(self, keep: frozenset[str], solutions: list[dict[str, Term]] | None) -> None:
        self.keep = keep
        self.solutions = solutions
        self.index = 0


class Frame:
    """One plan instance on an intention's stack: the plan, its bindings and where it is.

    ``goal`` is the literal the frame below posted (with fresh variables for what it wants back); when
    this frame ends, its result is unified with it. ``ret`` is set when this frame replaced its caller by a
    tail call: it is the caller's result, and ``goal`` is then the caller's goal. ``recovery`` marks a
    ``-!g`` plan: when it ends, the failed goal's frame below it ends too. ``failed_goal`` marks a
    placeholder for a goal that had no applicable plan, kept so its ``-!g`` plan has something to recover.
    """

    __slots__ = (
        "code",
        "env",
        "event",
        "failed_goal",
        "goal",
        "held",
        "loops",
        "pc",
        "plan",
        "recovery",
        "ret",
        "trigger_env",
    )

    def __init__(self, plan: Plan, env: dict[str, Term], event: Term) -> None:
        self.plan = plan
        code = plan.code
        if code is None:
            from romas.agentspeak.compiler import compiled

            code = compiled(plan)
        self.code: list[Instruction] = code
        self.env = env
        self.pc = 0
        self.event = event
        self.goal = event
        self.ret: Term | None = None
        self.recovery = False
        self.failed_goal = False
        self.loops: list[LoopState] | None = None
        self.held: dict[str, int] | None = None
        """Large values bound in ``env`` and what the agent is charged for each (see sizes.py)."""
        self.trigger_env: dict[str, Term] | None = None
        """For plans with a goal condition or sub-plans: the bindings when the plan was chosen (see er.py)."""

    @property
    def line(self) -> int:
        if self.pc < len(self.code):
            return self.code[self.pc].line or self.plan.line
        return self.plan.line


# intention states
RUNNING = "running"
WAIT_EVENT = "event"  # waiting for its sub-goal event to be handled
WAIT_TIMER = "timer"
WAIT_TRIGGER = "trigger"  # .wait on an event
WAIT_ACTION = "action"
WAIT_REPLY = "reply"
WAIT_CONDITION = "condition"  # its plan has ended, its goal condition does not hold yet (see er.py)
DONE = "done"


class Intention:
    __slots__ = ("g_intention", "id", "origin", "origin_kind", "queued", "stack", "state", "wait")

    def __init__(self, id_: int, origin_kind: str | None = None, origin: str | None = None) -> None:
        self.id = id_
        self.stack: list[Frame] = []
        self.state = RUNNING
        self.origin_kind = origin_kind
        self.origin = origin
        self.wait: object = None
        self.queued = False  # in the agent's round-robin queue
        self.g_intention: int | None = None
        """For a branch running a sub-plan on a belief event: the intention it branched from (see er.py)."""

    @property
    def atomic(self) -> bool:
        return any(f.plan.atomic for f in self.stack)
