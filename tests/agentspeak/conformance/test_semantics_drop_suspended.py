"""``.drop_desire``, ``.drop_event``, ``.drop_all_desires``, ``.drop_all_events`` and ``.drop_all_intentions``
clear what is suspended or waiting too, as Jason's do: intentions held by ``.suspend`` or waiting in ``.wait``,
and the ``!!g`` events ``.suspend(g)`` put aside (Jason's pending events), with the goal-state events
``^!g[state(dropped)]`` Jason makes for the goals of the intentions dropped."""

from __future__ import annotations

import pytest

from tests.agentspeak.conformance.syntax_support import run_source


def test_drop_desire_drops_a_suspended_intention() -> None:
    printed = run_source(
        """
        !start.
        +!start <- !!g; .wait(5); .suspend(g); .drop_desire(g); .resume(g); .wait(50);
                   if (.desire(g)) { .print(still) }; .print(end).
        +!g <- .print(g1); .wait(20); .print(g2).
        ^!g[state(S)] <- .print(state(S)).
        """
    )
    assert printed == [
        "state(pending)",
        "g1",
        "state(executing)",
        "state(waiting)",
        "state(suspended)",
        "state(dropped)",
        "state(finished)",
        "end",
    ]


SUSPENDED_EVENT = """
!start.
@[atomic] +!start <- !!h; .suspend(h); DROP; .resume(h); .print(x).
+!h <- .print(h).
"""


def test_a_suspended_goal_event_runs_when_resumed() -> None:
    assert run_source(SUSPENDED_EVENT.replace("DROP", "true")) == ["x", "h"]


@pytest.mark.parametrize("drop", [".drop_desire(h)", ".drop_event(h)", ".drop_all_desires", ".drop_all_events"])
def test_the_drops_clear_goal_events_put_aside_by_suspend(drop: str) -> None:
    assert run_source(SUSPENDED_EVENT.replace("DROP", drop)) == ["x"]


def test_drop_all_intentions_keeps_a_suspended_goal_event() -> None:
    # as Jason: it clears intentions and their sub-goal events only, not the events of goals not yet intended
    assert run_source(SUSPENDED_EVENT.replace("DROP", ".drop_all_intentions")) == ["x", "h"]


@pytest.mark.parametrize("drop", [".drop_all_intentions", ".drop_desire(w)", ".drop_intention(w)"])
def test_the_drops_clear_intentions_waiting_in_wait(drop: str) -> None:
    printed = run_source(
        f"""
        !start.
        +!start <- !!w; .wait(5); {drop}; +b; .wait(50); .print(end).
        +!w <- .wait({{+b}}); .print(w).
        ^!w[state(S)] <- .print(state(S)).
        """
    )
    assert printed == [
        "state(pending)",
        "state(executing)",
        "state(waiting)",
        "state(dropped)",
        "state(finished)",
        "end",
    ]
