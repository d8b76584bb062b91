"""Goal-state meta events ``^!g[state(S)]``, goal conditions (``<:``) and sub-plans (Jason's ER syntax)."""

from __future__ import annotations

from romas.agentspeak import check_source, parse_program
from romas.agentspeak.printer import format_plan


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
