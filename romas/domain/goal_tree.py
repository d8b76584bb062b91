"""Which goals of a running scheme are waiting, enabled or satisfied, given the leaves agents achieved.

The rules (Moise's, as DESIGN.md states them):

- a leaf is satisfied when an agent achieved it; a ``sequence`` or ``parallel`` goal when all its sub-goals
  are, a ``choice`` goal when one of them is; the root is satisfied when its plan is;
- the root is enabled until it is satisfied; the sub-goals of an enabled ``parallel`` or ``choice`` goal are
  enabled together, and a sub-goal of an enabled ``sequence`` only once every sub-goal before it is satisfied;
- a goal that is neither satisfied nor enabled is waiting.

Once a goal is satisfied its unsatisfied descendants are no longer needed: that only happens below a
``choice`` whose other branch was taken. Such goals are reported as waiting, listed in
:attr:`Progress.unneeded`, and cannot be achieved, so no obligation keeps asking for them.

Only an enabled leaf that is not yet satisfied may be achieved; :func:`check_achievement` says why not.
Achievements of goals that are not leaves of the scheme are ignored.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from romas.domain.organisations import Scheme


class GoalState(enum.StrEnum):
    WAITING = "waiting"
    ENABLED = "enabled"
    SATISFIED = "satisfied"


@dataclass(frozen=True, slots=True)
class Progress:
    """The state of every goal of one scheme instance."""

    root: str
    states: Mapping[str, GoalState]
    unneeded: frozenset[str]

    def __getitem__(self, goal: str) -> GoalState:
        return self.states[goal]

    @property
    def satisfied(self) -> bool:
        """Whether the scheme is done (its root goal is satisfied)."""
        return self.states[self.root] is GoalState.SATISFIED

    def in_state(self, state: GoalState) -> tuple[str, ...]:
        return tuple(goal for goal, current in self.states.items() if current is state)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a goal may be achieved now; ``reason`` says why not, in words for the agent's log or a 409."""

    allowed: bool
    reason: str = ""


def _preorder(scheme: Scheme) -> list[str]:
    """Goals from the root down, each parent before its sub-goals (iterative: trees can be deep)."""
    order: list[str] = []
    stack = [scheme.root]
    while stack:
        goal = stack.pop()
        order.append(goal)
        stack.extend(reversed(scheme.goals[goal].children))
    return order


def evaluate(scheme: Scheme, achieved: Iterable[str]) -> Progress:
    """Every goal's state from the set of achieved leaves."""
    done = set(achieved)
    order = _preorder(scheme)
    satisfied: dict[str, bool] = {}
    for name in reversed(order):  # sub-goals before their parent
        goal = scheme.goals[name]
        children = [satisfied[child] for child in goal.children]
        if goal.operator is None:
            satisfied[name] = name in done
        elif goal.operator == "choice":
            satisfied[name] = any(children)
        else:
            satisfied[name] = all(children)
    active = {scheme.root: True}
    unneeded: set[str] = set()
    below_satisfied = {scheme.root: False}
    for name in order:
        goal = scheme.goals[name]
        parent_closed = satisfied[name] or below_satisfied[name]
        before_done = True
        for child in goal.children:
            below_satisfied[child] = parent_closed
            active[child] = active[name] and not parent_closed and before_done
            if goal.operator == "sequence":
                before_done = before_done and satisfied[child]
        if below_satisfied[name] and not satisfied[name]:
            unneeded.add(name)
    states = {
        name: GoalState.SATISFIED if satisfied[name] else GoalState.ENABLED if active[name] else GoalState.WAITING
        for name in scheme.goals
    }
    return Progress(root=scheme.root, states=states, unneeded=frozenset(unneeded))


def goal_states(scheme: Scheme, achieved: Iterable[str]) -> dict[str, GoalState]:
    return dict(evaluate(scheme, achieved).states)


def check_achievement(scheme: Scheme, achieved: Iterable[str], goal: str) -> Verdict:
    """Whether an agent may achieve ``goal`` now (commitment to a mission is the caller's check)."""
    if goal not in scheme.goals:
        return Verdict(False, f"the scheme has no goal '{goal}'")
    spec = scheme.goals[goal]
    if spec.operator is not None:
        subgoals = ", ".join(spec.children)
        return Verdict(
            False,
            f"goal '{goal}' is satisfied by its sub-goals ({spec.operator} of {subgoals}); "
            "only goals without sub-goals are achieved directly",
        )
    progress = evaluate(scheme, achieved)
    state = progress[goal]
    if state is GoalState.SATISFIED:
        return Verdict(False, f"goal '{goal}' is already satisfied")
    if state is GoalState.ENABLED:
        return Verdict(True)
    parents = scheme.parents()
    if goal in progress.unneeded:
        ancestor = parents[goal]
        while progress[ancestor] is not GoalState.SATISFIED:
            ancestor = parents[ancestor]
        return Verdict(False, f"goal '{goal}' is no longer needed: '{ancestor}' is already satisfied")
    return Verdict(False, f"goal '{goal}' is not enabled yet: it waits for {_blockers(scheme, progress, goal)}")


def _blockers(scheme: Scheme, progress: Progress, goal: str) -> str:
    """The unsatisfied goals that come before ``goal`` (or before its nearest waiting ancestor) in a sequence."""
    parents = scheme.parents()
    current = goal
    while current in parents:
        parent = parents[current]
        siblings = scheme.goals[parent].children
        if scheme.goals[parent].operator == "sequence":
            before = siblings[: siblings.index(current)]
            pending = [g for g in before if progress[g] is not GoalState.SATISFIED]
            if pending:
                return ", ".join(f"'{g}'" for g in pending)
        current = parent
    return "its parent goals"  # unreachable for a valid scheme: only a sequence makes a goal wait
