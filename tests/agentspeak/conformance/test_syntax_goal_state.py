"""Goal-state meta events ``^!g[state(S)]``, goal conditions (``<:``) and sub-plans (Jason's ER syntax)."""

from __future__ import annotations

from romas.agentspeak import check_source, parse_program
from romas.agentspeak.plans import PlanLibrary
from romas.agentspeak.printer import format_plan
from tests.agentspeak.conformance.syntax_support import run_source


def test_goal_state_triggers_parse_and_print() -> None:
    program = parse_program(
        "^!go(X, Y)[state(S)] <- +state(S).\n^!charge[state(executing)] <- .suspend(move).\n^!charge."
    )
    assert [p.trigger.op + p.trigger.kind for p in program.plans] == ["^!", "^!", "^!"]
    assert format_plan(program.plans[0]).startswith("^!go(X, Y)[state(S)]") or format_plan(program.plans[0]).startswith(
        "^!go(X,Y)[state(S)]"
    )


def test_goal_conditions_and_sub_plans_parse() -> None:
    source = """
    +cfp(Id, Task)[source(A)] : price(Task, Offer)
       <: false
       <- .send(A, tell, propose(Id, Offer)).
       {
         +accept_proposal(Id) <- .print(won); .done.
         +reject_proposal(Id) <- .print(lost); .done.
       }
    +!bids(LP) : NP = .length(LP) <: false <- .wait(4000); .done. {
        +propose(Id, _) <- .done.
    }
    """
    assert check_source(source) == []
    program = parse_program(source)
    assert len(program.plans) == 2
    assert len(program.plans[0].extra["sub_plans"]) == 2
    assert "goal_condition" in program.plans[0].extra


def test_goal_state_events_follow_the_goal() -> None:
    printed = run_source(
        """
        !go(1, 3).
        +!go(X, Y) <- .print(going).
        ^!go(X, Y)[state(S)] <- .print(S).
        """
    )
    assert printed.index("pending") < printed.index("executing") < printed.index("achieved")
    assert printed.index("achieved") < printed.index("finished")
    assert "going" in printed


def test_a_failed_goal_reports_failed_with_the_reason() -> None:
    printed = run_source(
        """
        !bad.
        +!bad <- .fail.
        ^!bad[state(failed)[reason(R)]] <- .print(failed).
        ^!bad[state(finished)] <- .print(finished).
        ^!bad.
        """
    )
    assert printed[0] == "failed" and printed[-1] == "finished"


def test_no_meta_plan_no_events() -> None:
    program = parse_program("+!g <- .print(x).")
    assert not PlanLibrary(program.plans).meta
