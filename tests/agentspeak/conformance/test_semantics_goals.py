"""Jason's goal semantics for goals not yet handled (``!!g`` events) and other intentions' goals:
``.fail_goal``, ``.succeed_goal``, ``.suspend``/``.resume`` with their goal-state events, and the
intentions ``.intention`` describes."""

from __future__ import annotations

import re

from tests.agentspeak.conformance.syntax_support import run_source


def test_fail_goal_on_a_pending_goal_turns_its_event_into_a_failure() -> None:
    printed = run_source(
        """
        !start.
        @s[atomic] +!start <- !!go(1, 3); .fail_goal(go(1, 3));
            if (.desire(go(1, 3))) { .print(still) } else { .print(gone) }.
        +!go(X, Y) <- .print(go).
        -!go(X, Y) <- .print(recovered).
        ^!go(X, Y)[state(S)] <- .print(S).
        """
    )
    assert "gone" in printed and "still" not in printed
    assert "recovered" in printed and "go" not in printed
    assert printed.index("pending") < printed.index("failed")


def test_succeed_goal_on_a_pending_goal_achieves_it() -> None:
    printed = run_source(
        """
        !start.
        @s[atomic] +!start <- !!go; .succeed_goal(go);
            if (.desire(go)) { .print(still) } else { .print(gone) }.
        +!go <- .print(go).
        ^!go[state(S)] <- .print(S).
        """
    )
    assert "gone" in printed and "go" not in printed
    assert printed.index("pending") < printed.index("achieved") < printed.index("finished")


def test_suspend_and_resume_a_pending_goal() -> None:
    printed = run_source(
        """
        !start.
        @s[atomic] +!start <- !!go; .suspend(go);
            if (.desire(go)) { .print(desired) };
            if (.intend(go)) { .print(intended) };
            .resume(go).
        +!go <- .print(go).
        ^!go[state(S)] <- .print(S).
        """
    )
    assert "desired" in printed and "intended" not in printed
    assert printed.index("suspended") < printed.index("resumed") < printed.index("executing")
    assert "go" in printed


def test_a_goal_suspended_and_never_resumed_stays_a_desire() -> None:
    printed = run_source(
        """
        !start.
        +!start <- !!go; .suspend(go); .wait(20);
            if (.desire(go)) { .print(desired) }.
        +!go <- .print(go).
        """
    )
    assert printed == ["desired"]


def test_intention_stacks_unify_with_goal_trigger_terms() -> None:
    printed = run_source(
        """
        !start.
        @s[atomic] +!start <- !!go(1, 3); !!go(2, 3); !!check.
        +!go(X, Y) <- .wait(50).
        +!check <-
            .findall(T, .intention(_, _, [im(_, {+!T[_]}, _, _)]), L1); .print(L1);
            .drop_intention(go(1, 3));
            .findall(T, .intention(_, _, [im(_, {+!T[_]}, _, _)]), L2); .print(L2).
        """
    )
    assert len(printed) == 2
    first, second = (sorted(re.findall(r"\w+(?:\([^)]*\))?", line)) for line in printed)
    assert first == ["check", "go(1,3)", "go(2,3)"]
    assert second == ["check", "go(2,3)"]
