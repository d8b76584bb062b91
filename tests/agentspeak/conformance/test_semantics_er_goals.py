"""Jason's e-r goals: goal conditions ``+!g <: c`` and sub-plans ``+!g <- body. { plans }``, as Jason 3 runs
them (its ``TestPlanER`` and the contract net example ``examples/contract-net-protocol-er``). Each program
also runs with the agent saved to JSON and restored after every step (see syntax_support).

As in Jason, ``+b`` in a plan is handled on the plan's own intention (its sub-plans and the plans around it);
beliefs from outside (percepts, messages, or ``++b``, a new focus) are what other intentions' sub-plans react
to: the tests use ``++b`` to play the outside world."""

from __future__ import annotations

from romas.agentspeak import parse_program
from romas.agentspeak.parser import parse_plan
from romas.agentspeak.printer import format_plan, source_program
from tests.agentspeak.conformance.syntax_support import run_source, run_with_notes

G1 = """
+!test <- !g1(5); .print(endtest).
+a(X) <- .print(aroot(X)).
+!g1(X) <: g1(X) <- .print(inig1). { +a(X) : X > 2 <- .print(a1ing1); +g1(X); .print(a2ing1). }
"""


def test_a_goal_waits_for_its_condition_and_is_achieved_when_it_holds() -> None:
    printed = run_source(G1 + "!test. !feed.\n+!feed <- .wait(10); ++g1(5); .wait(10); ++a(1); .wait(10); ++a(5).")
    # achieved when g1(5) is believed; afterwards its sub-plan is not relevant any more
    assert printed == ["inig1", "endtest", "aroot(1)", "aroot(5)"]


def test_a_sub_plan_reacts_to_belief_events_while_its_goal_is_pursued() -> None:
    printed = run_source(G1 + "!test. !feed.\n+!feed <- .wait(10); ++a(1); .wait(10); ++a(5).")
    # a(1) fails the sub-plan's context (X is the goal's 5); a(5) runs both the agent's plan and the sub-plan,
    # whose +g1(5) achieves the goal: the rest of the sub-plan is dropped with it
    assert printed == ["inig1", "aroot(1)", "aroot(5)", "a1ing1", "endtest"]


def test_a_goal_that_is_never_achieved_stays_intended() -> None:
    printed, notes = run_with_notes(G1 + "!test. !check.\n+!check <- .wait(20); .intend(g1(X)); .print(X).")
    assert printed == ["inig1", "5"]
    assert notes == []


def test_sub_goals_find_sub_plans_first_and_share_the_enclosing_variables() -> None:
    printed = run_source(
        """
        !g2(1).
        +a(X) <- .print(aroot(X)).
        +c(X) <- .print(croot(X)).
        +!g2(X) <- +a(X); !sg2(X+1). {
            +!sg2(Y) <- !ssg2(4). {
               +!ssg2(Z) <- +a(Y+Z); +b(10); +c(33); +c(0).
               +b(A) <- .print(binsg2(A+X)).
            }
            +b(A) <- .print(bing2(A)).
            +c(A) : A < X <- .print(cing2(A)).
        }
        """
    )
    # Jason's TestPlanER.testScope1: a belief event of the plan's own intention looks in the sub-plans of the
    # plan posting it, then around it (binsg2, not bing2; cing2(0) rather than croot(0)), then the agent's own
    assert printed == ["aroot(1)", "aroot(6)", "binsg2(11)", "croot(33)", "cing2(0)"]


def test_a_sub_goal_returns_values_and_sub_plans_are_invisible_elsewhere() -> None:
    printed = run_source(
        """
        !subgoalreturn. !check.
        +!subgoalreturn <: false <- !sg1(X); .print(X). { +!sg1(X) <- X = 10 + 3. }
        +!check <- .wait(20); if (.intend(subgoalreturn)) { .print(still) }; !sg1(1).
        -!sg1(_)[error(E)] <- .print(E).
        """
    )
    assert printed == ["13", "still", "no_relevant"]


def test_done_in_a_sub_plan_achieves_the_goal_it_came_from() -> None:
    # the pattern of Jason's contract net example (c_alt.asl): wait until all proposals are in
    printed = run_source(
        """
        n(2).
        !start. !feed.
        +!start <- !bids; .print(done_bids).
        +!bids : n(N) <: false <- .print(waiting). {
            +propose(X) : .count(propose(_), N) <- .print(all); .done.
        }
        +!feed <- .wait(5); ++propose(1); .wait(5); ++propose(2); .wait(5); ++propose(3); .wait(5); .print(end).
        """
    )
    assert printed == ["waiting", "all", "done_bids", "end"]


def test_done_in_the_plan_itself_and_a_condition_holding_mid_plan() -> None:
    assert run_source("!s.\n+!s <- !t; .print(after).\n+!t <: false <- .print(a); .done; .print(b).") == [
        "a",
        "after",
    ]
    printed = run_source(
        """
        !start. !feed.
        +!start <- !g; .print(after).
        +!g <: c <- .print(one); .wait(100); .print(two).
        +!feed <- .wait(50); ++c.
        """
    )
    assert printed == ["one", "after"]


def test_a_belief_triggered_plan_with_sub_plans_ends_with_done() -> None:
    # the participant of Jason's contract net example (p.asl)
    printed = run_source(
        """
        !go.
        +!go <- ++cfp(1); .wait(10); ++accept(1); .wait(10); ++accept(1); .print(end).
        +cfp(Id) <: false <- .print(offer(Id)). {
            +accept(Id) <- .print(won(Id)); .done.
        }
        """
    )
    assert printed == ["offer(1)", "won(1)", "end"]


def test_a_belief_added_by_the_pursuing_plan_runs_the_sub_plan_on_its_own_intention() -> None:
    printed = run_source(
        """
        !g.
        +!g <: done <- +step(1); .print(after). { +step(N) <- .print(sub(N)); +done. }
        """
    )
    # +step(1) is handled on g's intention by the sub-plan, whose +done achieves g: "after" never prints
    assert printed == ["sub(1)"]


def test_printed_as_jason_prints_and_the_source_form_round_trips() -> None:
    plan = parse_plan("+!p(X) : X > 0 <: X > 100 | .done <- .print(a).")
    assert format_plan(plan) == "+!p(X) : (X > 0) <: ((X > 100) | .done) <- .print(a)."
    program = parse_program("+!p(X) <: false <- .print(a). { +e <- x. +!sg : a <: false <- k. { +x <- l. } }")
    assert format_plan(program.plans[0]) == (
        "+!p(X) <: false {\n   <- .print(a).\n   +e <- x.\n   +!sg : a <: false {\n   <- k.\n   +x <- l.\n}\n}"
    )
    text = source_program(program)
    assert source_program(parse_program(text)) == text


def test_a_goal_waiting_for_its_condition_survives_a_hot_swap() -> None:
    from romas.agentspeak.agent import Agent
    from tests.agentspeak.support import RecordingHost, run

    host = RecordingHost()
    ag = Agent("ag", parse_program("!g.\n+!g <: c <- .print(started)."), host)
    host.agents["ag"] = ag
    run(ag)
    ag.replace_program(parse_program("+!other <- .print(other)."))
    ag.add_belief(parse_program("c.").beliefs[0], source="self")
    run(ag)
    assert host.texts() == ["started"]
    assert ag.intentions == {}  # achieved when c came, after the swap
