"""Goal enabling in scheme instances: sequence, parallel, choice, nesting, and who may achieve what."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from romas.domain.goal_tree import GoalState, check_achievement, evaluate, goal_states
from romas.domain.organisations import Scheme, parse_specification

W, E, S = GoalState.WAITING, GoalState.ENABLED, GoalState.SATISFIED


def scheme(goals: dict[str, Any]) -> Scheme:
    return parse_specification({"schemes": {"s": {"goals": goals}}}).schemes["s"]


SALE = scheme({"sold": {"sequence": ["offered", "paid", "delivered"]}, "offered": {}, "paid": {}, "delivered": {}})


def test_a_sequence_enables_its_goals_in_order() -> None:
    assert goal_states(SALE, []) == {"sold": E, "offered": E, "paid": W, "delivered": W}
    assert goal_states(SALE, ["offered"]) == {"sold": E, "offered": S, "paid": E, "delivered": W}
    assert goal_states(SALE, ["offered", "paid"]) == {"sold": E, "offered": S, "paid": S, "delivered": E}
    assert goal_states(SALE, ["offered", "paid", "delivered"]) == {"sold": S, "offered": S, "paid": S, "delivered": S}
    assert evaluate(SALE, ["offered", "paid", "delivered"]).satisfied


def test_achieving_out_of_order_is_refused_naming_what_it_waits_for() -> None:
    verdict = check_achievement(SALE, [], "delivered")
    assert not verdict.allowed
    assert verdict.reason == "goal 'delivered' is not enabled yet: it waits for 'offered', 'paid'"
    assert check_achievement(SALE, ["offered"], "delivered").reason.endswith("it waits for 'paid'")
    assert check_achievement(SALE, [], "offered").allowed


def test_the_state_is_the_same_whatever_order_achievements_are_listed_in() -> None:
    assert goal_states(SALE, ["paid", "offered"]) == goal_states(SALE, ["offered", "paid"])


def test_a_parallel_enables_all_and_needs_all() -> None:
    tree = scheme({"ready": {"parallel": ["a", "b", "c"]}, "a": {}, "b": {}, "c": {}})
    assert goal_states(tree, []) == {"ready": E, "a": E, "b": E, "c": E}
    assert goal_states(tree, ["b", "c"]) == {"ready": E, "a": E, "b": S, "c": S}
    assert goal_states(tree, ["a", "b", "c"])["ready"] is S
    assert all(check_achievement(tree, [], g).allowed for g in "abc")


def test_a_choice_enables_all_and_needs_one() -> None:
    tree = scheme({"paid": {"choice": ["cash", "card"]}, "cash": {}, "card": {}})
    assert goal_states(tree, []) == {"paid": E, "cash": E, "card": E}
    progress = evaluate(tree, ["card"])
    assert progress.states == {"paid": S, "cash": W, "card": S}
    assert progress.satisfied
    assert progress.unneeded == {"cash"}


def test_the_branch_a_choice_did_not_take_can_no_longer_be_achieved() -> None:
    tree = scheme({"paid": {"choice": ["cash", "card"]}, "cash": {}, "card": {}})
    verdict = check_achievement(tree, ["card"], "cash")
    assert not verdict.allowed
    assert verdict.reason == "goal 'cash' is no longer needed: 'paid' is already satisfied"


NESTED = scheme(
    {
        "trip": {"sequence": ["plan", "book", "travel"]},
        "plan": {},
        "book": {"parallel": ["hotel", "transport"]},
        "hotel": {},
        "transport": {"choice": ["train", "flight"]},
        "train": {},
        "flight": {"sequence": ["ticket", "checkin"]},
        "ticket": {},
        "checkin": {},
        "travel": {},
    }
)


def test_nested_trees_enable_down_from_enabled_parents_only() -> None:
    assert evaluate(NESTED, []).in_state(E) == ("trip", "plan")
    assert evaluate(NESTED, ["plan"]).in_state(E) == ("trip", "book", "hotel", "transport", "train", "flight", "ticket")
    states = goal_states(NESTED, ["plan", "ticket"])
    assert states["checkin"] is E and states["flight"] is E and states["travel"] is W
    states = goal_states(NESTED, ["plan", "ticket", "checkin"])
    assert states["flight"] is S and states["transport"] is S and states["book"] is E and states["train"] is W
    states = goal_states(NESTED, ["plan", "ticket", "checkin", "hotel"])
    assert states["book"] is S and states["travel"] is E
    assert evaluate(NESTED, ["plan", "ticket", "checkin", "hotel", "travel"]).satisfied


def test_a_goal_below_a_waiting_parent_waits_for_the_parents_predecessors() -> None:
    verdict = check_achievement(NESTED, [], "ticket")
    assert verdict.reason == "goal 'ticket' is not enabled yet: it waits for 'plan'"
    verdict = check_achievement(NESTED, ["plan"], "checkin")
    assert verdict.reason == "goal 'checkin' is not enabled yet: it waits for 'ticket'"


def test_goals_below_a_satisfied_choice_are_unneeded_at_every_depth() -> None:
    progress = evaluate(NESTED, ["plan", "train"])
    assert progress.unneeded == {"flight", "ticket", "checkin"}
    assert progress["ticket"] is W
    verdict = check_achievement(NESTED, ["plan", "train"], "checkin")
    assert verdict.reason == "goal 'checkin' is no longer needed: 'transport' is already satisfied"


def test_a_partly_done_branch_does_not_satisfy_a_choice() -> None:
    progress = evaluate(NESTED, ["plan", "ticket"])
    assert progress["transport"] is E
    assert check_achievement(NESTED, ["plan", "ticket"], "train").allowed


def test_a_scheme_of_one_goal() -> None:
    tree = scheme({"done": {}})
    assert goal_states(tree, []) == {"done": E}
    assert check_achievement(tree, [], "done").allowed
    assert evaluate(tree, ["done"]).satisfied


@pytest.mark.parametrize(
    ("goal", "achieved", "reason"),
    [
        ("nope", [], "the scheme has no goal 'nope'"),
        (
            "sold",
            [],
            "goal 'sold' is satisfied by its sub-goals (sequence of offered, paid, delivered); "
            "only goals without sub-goals are achieved directly",
        ),
        ("offered", ["offered"], "goal 'offered' is already satisfied"),
    ],
)
def test_refusals(goal: str, achieved: list[str], reason: str) -> None:
    verdict = check_achievement(SALE, achieved, goal)
    assert not verdict.allowed
    assert verdict.reason == reason


def test_achievements_of_non_leaves_or_unknown_goals_are_ignored() -> None:
    assert goal_states(SALE, ["sold", "ghost"]) == goal_states(SALE, [])


def test_deep_trees_do_not_exhaust_the_stack() -> None:
    depth = 5000
    goals: dict[str, Any] = {f"g{i}": {"sequence": [f"g{i + 1}"]} for i in range(depth)}
    goals[f"g{depth}"] = {}
    tree = scheme(goals)
    assert evaluate(tree, []).states[f"g{depth}"] is E
    assert evaluate(tree, [f"g{depth}"]).satisfied


# -- a random walk over random trees ---------------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> Scheme:
    goals: dict[str, Any] = {}
    counter = iter(range(10_000))

    def build(depth: int) -> str:
        name = f"g{next(counter)}"
        if depth >= 3 or draw(st.booleans()):
            goals[name] = {}
        else:
            op = draw(st.sampled_from(["sequence", "parallel", "choice"]))
            width = draw(st.integers(1, 3))
            goals[name] = {op: [build(depth + 1) for _ in range(width)]}
        return name

    build(0)
    return scheme(goals)


@settings(max_examples=150, deadline=None)
@given(trees(), st.data())
def test_random_walks_respect_the_rules(tree: Scheme, data: st.DataObject) -> None:
    achieved: list[str] = []
    previous: dict[str, GoalState] = {}
    while True:
        progress = evaluate(tree, achieved)
        for name, goal in tree.goals.items():
            state = progress[name]
            # only an enabled leaf may be achieved
            assert check_achievement(tree, achieved, name).allowed == (goal.is_leaf and state is E)
            # satisfied goals stay satisfied
            if previous.get(name) is S:
                assert state is S
            # a sequence's satisfied children form a prefix, and only the next one is enabled
            if goal.operator == "sequence" and name not in progress.unneeded:
                flags = [progress[c] is S for c in goal.children]
                assert flags == sorted(flags, reverse=True)
                if state is E:
                    enabled = [c for c in goal.children if progress[c] is E]
                    assert len(enabled) <= 1
            # an enabled goal's parent is enabled
            parent = tree.parents().get(name)
            if state is E and parent is not None:
                assert progress[parent] is E
        allowed = [g for g, goal in tree.goals.items() if goal.is_leaf and progress[g] is E]
        if not allowed:
            assert progress.satisfied
            break
        achieved.append(data.draw(st.sampled_from(allowed)))
        previous = dict(progress.states)
