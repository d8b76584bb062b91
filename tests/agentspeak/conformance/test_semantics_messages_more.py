"""More of Jason's semantics found by its own unit tests: annotation lists with a tail (``p[a|T]``) and
plans added by messages or achieved goals being active for the next message."""

from __future__ import annotations

from romas.agentspeak import parse_term
from romas.agentspeak.printer import format_term
from romas.agentspeak.terms import Term
from romas.agentspeak.unify import resolve, unify
from tests.agentspeak.conformance.syntax_support import run_source


def test_annotation_tail_takes_the_unmatched_annotations() -> None:
    env: dict[str, Term] = {}
    assert unify(parse_term("Name[Head|Tail]"), parse_term("b[test,atomic]"), env)
    assert format_term(resolve(parse_term("Name"), env)) == "b"
    head = format_term(resolve(parse_term("Head"), env))
    tail = format_term(resolve(parse_term("Tail"), env))
    assert {head, tail} == {"test", "[atomic]"} or {head, tail} == {"atomic", "[test]"}
    env2: dict[str, Term] = {}
    assert unify(parse_term("p[a|T]"), parse_term("p[a,b,c]"), env2)
    assert format_term(resolve(parse_term("T"), env2)) == "[b,c]"
    assert format_term(resolve(parse_term("p[a|T]"), env2)) == "p[a,b,c]"
    assert not unify(parse_term("p[x|T]"), parse_term("p[a]"), {})


def test_annotation_tail_in_a_plan_body() -> None:
    printed = run_source(
        """
        !g.
        +!g <- L = a[test]; L = N[H|T]; .print(N, " ", H, " ", T).
        """
    )
    assert printed == ["a test []"]


def _run_pair(alice: str, bob: str) -> list[str]:
    from romas.agentspeak import parse_program
    from romas.agentspeak.agent import Agent
    from tests.agentspeak.jason_unit import UnitHost

    host = UnitHost(())
    host.agents["bob"] = Agent("bob", parse_program(bob), host)
    host.agents["alice"] = Agent("alice", parse_program(alice), host)
    host.run_until(None)
    return [text for agent, text in host.printed if agent == "alice"]


# Bob reacts to each belief told, so a told list leaves events pending when the next messages arrive.
_BOB = """
+x(_) <- true.
+!gg <- .add_plan({+!kqml_received(S, askOne, fullname, M) <- .send(S, tell, name(bob), M)}, kk, begin).
"""


def test_a_question_waits_behind_pending_events_for_a_plan_they_add() -> None:
    printed = _run_pair(
        """
        !go.
        +!go <- .send(bob, tell, [x(1), x(2), x(3)]); .send(bob, achieve, gg); .send(bob, askOne, fullname, A);
                .print(A).
        """,
        _BOB,
    )
    assert printed == ["name(bob)[source(bob)]"]


def test_a_goal_told_without_plan_fails_into_a_told_failure_plan() -> None:
    printed = _run_pair(
        """
        !go.
        +!go <- .send(bob, tell, [x(1), x(2), x(3)]); .send(bob, tellHow, "-!hello(W) <- +failed(W).");
                .send(bob, achieve, hello(tom)); .send(bob, askOne, greeted(tom), G); .print(G);
                .send(bob, askOne, failed(tom), A); .print(A).
        """,
        _BOB,
    )
    # as in Jason's send.asl, the first (synchronous) question gives bob the cycles to handle -!hello
    assert printed == ["false", "failed(tom)[source(bob)]"]


def test_resume_binds_the_goal_to_the_first_suspended_intention() -> None:
    # Jason's .resume unifies with one unifier: .resume(g(_)) takes up only the first g it finds, so
    # the intentions queue up and run one at a time (Jason's patterns/queueplan.asl)
    printed = run_source(
        """
        !t.
        +!t <- for (.range(I, 0, 3)) { !!g(I) }; .wait(500); .count(run(_), N); .print(N).
        +!g(I) : not .intend(g(_)) <- .wait(10); +run(I); !!resume(g(_)).
        +!g(I) <- .suspend; !!g(I).
        +!resume(G) <- .resume(G).
        """
    )
    assert printed == ["4"]
