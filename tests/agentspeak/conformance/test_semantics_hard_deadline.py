"""``!g[hard_deadline(ms)]`` and ``!!g[hard_deadline(ms)]``: a goal still pursued when its deadline passes fails
with ``error(deadline_reached)``, as in Jason's demo ``hard_deadline`` (whose expected output this is)."""

from __future__ import annotations

from tests.agentspeak.conformance.syntax_support import run_source


def test_jason_hard_deadline_demo() -> None:
    printed = run_source(
        """
        !start.
        +!start
           <- .print(init);
              !!g(9)[hard_deadline(7000)];
              !g(4)[hard_deadline(3000)];
              !g(1)[hard_deadline(2000)];
              .print(end1);
              !g(1);
              .print(end2).
        +!g(V) <- .wait(V*1000); .print(g,V);.
        -!g(V)[error(ErrorId)] <- .print("failed, ",ErrorId," for g(",V,")").
        """
    )
    assert printed == [
        "init",
        "failed, deadline_reached for g(4)",
        "g1",
        "end1",
        "g1",
        "end2",
        "failed, deadline_reached for g(9)",
    ]


def test_a_goal_achieved_in_time_is_left_alone() -> None:
    assert run_source("!s.\n+!s <- !g[hard_deadline(50)]; .wait(100); .print(done).\n+!g <- .print(g).") == [
        "g",
        "done",
    ]
