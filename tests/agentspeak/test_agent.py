"""The reasoning cycle as a host sees it: steps and budgets, messages, commands, actions, percepts,
limits, hot swap, snapshots and the mind view."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from romas.agentspeak import AgentSpeakSyntaxError, parse_body, parse_program, parse_term
from romas.agentspeak.agent import Agent
from romas.agentspeak.host import ActionFailed, ActionPending, ActionSucceeded, Limits, Message
from romas.agentspeak.printer import format_term
from romas.agentspeak.serialise import term_from_json, term_to_json
from romas.agentspeak.terms import Struct

from .support import RecordingHost, make_agent, run


def test_step_budget_stops_a_runaway_agent() -> None:
    ag = make_agent("!spin. +!spin <- while (true) { X = 1 }.")
    report = ag.step(500)
    assert report.steps == 500 and not report.idle
    report = ag.step(10)
    assert report.steps == 10


def test_infinite_recursion_without_tail_call_hits_the_stack_limit() -> None:
    host = RecordingHost()
    ag = make_agent("!r(0). +!r(N) <- !r(N + 1); .print(never).", host, limits=Limits(max_stack_depth=300))
    run(ag)
    assert host.texts() == []
    assert any("intention stack deeper than 300 plans" in note for _, note in host.notes)


def test_tail_calls_run_in_flat_memory() -> None:
    src = "!count(0). +!count(N) : N < 100000 <- !count(N + 1). +!count(N) <- .print(done, N)."
    host = RecordingHost()
    ag = make_agent(src, host)
    tracemalloc.start()
    try:
        ag.step(1000)
        base = tracemalloc.get_traced_memory()[0]
        while not ag.step(5000).idle:
            assert len(ag.intentions[next(iter(ag.intentions))].stack) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert host.texts() == ["done100000"]
    assert peak - base < 2_000_000


def test_deep_rule_recursion_fails_the_intention_cleanly() -> None:
    host = RecordingHost()
    ag = make_agent("loop(X) :- loop(X). !g. +!g <- ?loop(1). -!g[error(E)] <- .print(E).", host)
    run(ag)
    assert host.texts() == ["limit_exceeded"]


def test_rules_with_backtracking() -> None:
    host = RecordingHost()
    src = """
    edge(a, b). edge(b, c). edge(c, d).
    path(X, Y) :- edge(X, Y).
    path(X, Y) :- edge(X, Z) & path(Z, Y).
    !g.
    +!g <- .findall(Y, path(a, Y), L); .print(L); ?path(b, W); .print(W).
    """
    run(make_agent(src, host))
    assert host.texts() == ["[b,c,d]", "c"]


def test_unknown_action_fails_with_a_clear_reason() -> None:
    host = RecordingHost()
    run(make_agent("!g. +!g <- foo(1, 2). -!g[error_msg(M)] <- .print(M).", host))
    assert host.texts() == ["no such action: foo/2"]


def test_external_actions_succeed_fail_and_bind_results() -> None:
    host = RecordingHost()
    host.action_results["pop"] = ActionSucceeded(Struct("apple"))
    host.action_results["broken"] = ActionFailed("the artefact is gone")
    src = "!g. +!g <- inc[artefact(c)]; pop(Item); .print(Item); broken. -!g[error(E), error_msg(M)] <- .print(E, M)."
    host.action_results["inc"] = ActionSucceeded()
    run(make_agent(src, host))
    assert host.texts() == ["apple", "action_failedthe artefact is gone"]
    assert host.actions[0] == ("ag", Struct("inc"), (Struct("artefact", (Struct("c"),)),))


def test_pending_action_suspends_until_resumed() -> None:
    host = RecordingHost()
    host.action_results["slow"] = ActionPending("tok1")
    ag = make_agent("!g. +!g <- slow(R); .print(R).", host)
    report = ag.step(100)
    assert report.idle and host.texts() == []
    ag.resume("tok1", ActionSucceeded(42))
    run(ag)
    assert host.texts() == ["42"]


def test_messages_are_reported_processed_or_failed() -> None:
    host = RecordingHost()
    src = """
    +!ok(X) <- .print(ok, X).
    +!bad <- .fail.
    +price(P) <- .print(price, P).
    """
    ag = make_agent(src, host)
    ag.deliver(Message("m1", "bob", "tell", parse_term("price(3)")))
    ag.deliver(Message("m2", "bob", "achieve", parse_term("ok(1)")))
    ag.deliver(Message("m3", "bob", "achieve", parse_term("g(1)")))
    ag.deliver(Message("m4", "bob", "achieve", parse_term("bad")))
    ag.deliver(Message("m5", "bob", "tell", parse_term("other(1)")))
    ag.deliver(Message("m6", "bob", "shout", parse_term("x")))
    run(ag)
    assert host.messages["m1"].status == "processed"
    assert host.messages["m2"].status == "processed"
    assert host.messages["m3"].status == "failed" and host.messages["m3"].reason == "no relevant plan for +!g(1)"
    assert host.messages["m4"].status == "failed" and host.messages["m4"].reason == "the plan failed (.fail)"
    assert host.messages["m5"].status == "processed"
    assert host.messages["m6"].status == "failed" and "unknown performative" in (host.messages["m6"].reason or "")
    assert sorted(host.texts()) == ["ok1", "price3"]
    assert "other(1)[source(bob)]" in [b["text"] for b in ag.mind()["beliefs"]]


def test_ask_reply_is_reported_with_the_message() -> None:
    host = RecordingHost()
    ag = make_agent("price(apple, 7).", host)
    bob = make_agent("", host, name="bob")
    ag.deliver(Message("q1", "bob", "askOne", parse_term("price(apple, X)")))
    ag.deliver(Message("q2", "bob", "askAll", parse_term("price(F, _)")))
    ag.deliver(Message("q3", "bob", "askOne", parse_term("missing(X)")))
    run(ag, bob)
    assert host.messages["q1"].reply == parse_term("price(apple, 7)")
    assert host.messages["q2"].reply == parse_term("[price(apple, 7)]")
    assert host.messages["q3"].reply == Struct("false")
    assert sorted(s[5] or "" for s in host.sent) == ["q1", "q2", "q3"]


def test_send_to_unknown_agent_fails_the_plan() -> None:
    host = RecordingHost()
    run(make_agent("!g. +!g <- .send(nobody, tell, hi). -!g[error_msg(M)] <- .print(M).", host))
    assert host.texts() == ["no agent named nobody"]


def test_commands_report_bindings_output_and_failures() -> None:
    host = RecordingHost()
    ag = make_agent("+!double(X, Y) <- Y = X * 2.", host)
    ag.start_command("c1", parse_body('.print("hi"); X = 1 + 2; !double(X, Y); L = [X, Y]'))
    ag.start_command("c2", parse_body("!missing"))
    ag.start_command("c3", parse_body(".wait(100000); .print(never)"))
    ag.step(100)
    assert ag.cancel_command("c3")
    run(ag)
    assert host.commands["c1"].status == "succeeded"
    assert host.commands["c1"].bindings == {"X": 3, "Y": 6, "L": (3, 6)}
    assert host.printed == [("ag", "hi", "c1")]
    assert host.commands["c2"].status == "failed" and host.commands["c2"].reason == "no relevant plan for +!missing"
    assert host.commands["c3"].status == "cancelled"
    assert not ag.cancel_command("c3")


def test_percepts_and_signals() -> None:
    host = RecordingHost()
    src = """
    +count(N)[artefact(A)] <- .print(A, " count ", N).
    -count(N) <- .print("lost ", N).
    +alarm(X)[source(percept)] <- .print("alarm ", X).
    """
    ag = make_agent(src, host)
    ag.add_belief(parse_term("count(1)"), [parse_term("artefact(c)")])
    run(ag)
    ag.set_percepts(parse_term("artefact(c)"), [parse_term("count(2)")])
    run(ag)
    ag.set_percepts(parse_term("artefact(c)"), [parse_term("count(2)")])
    ag.signal(parse_term("alarm(3)"))
    run(ag)
    assert host.texts() == ["c count 1", "lost 1", "c count 2", "alarm 3"]
    texts = [b["text"] for b in ag.mind()["beliefs"]]
    assert texts == ["count(2)[artefact(c),source(percept)]"]


def test_hot_swap_keeps_beliefs_and_running_intentions() -> None:
    host = RecordingHost()
    ag = make_agent("n(1). !go. +!go <- .wait(10); ?n(X); .print(old, X); !next. +!next <- .print(old_next).", host)
    ag.step(100)
    with pytest.raises(AgentSpeakSyntaxError):
        ag.replace_program(parse_program("+!next <- oops("))
    ag.replace_program(parse_program("+!next <- .print(new_next)."))
    run(ag)
    assert host.texts() == ["old1", "new_next"]
    assert [p["trigger"] for p in ag.mind()["plans"]] == ["+!next"]


def test_snapshot_in_the_middle_then_restore_gives_the_same_output() -> None:
    src = """
    count(0).
    !a. !b.
    +!a <- for (.range(I, 1, 3)) { .print(a, I); .wait(5) }; !done(a).
    +!b <- while (count(C) & C < 3) { .print(b, C); -+count(C + 1); .wait(3) }; !done(b).
    +!done(X) <- .wait({+finish}, 50, T); .print(X, " finished after ", T).
    """
    host1 = RecordingHost()
    run(make_agent(src, host1), budget=2)
    host2 = RecordingHost()
    ag = make_agent(src, host2)
    run(ag, rounds=4, budget=2, partial=True)
    assert 0 < len(host2.texts()) < len(host1.texts())
    text = json.dumps(ag.snapshot())
    restored = Agent.restore(json.loads(text), host2)
    host2.agents["ag"] = restored
    run(restored, budget=2)
    assert host2.texts() == host1.texts()
    assert "a finished after 50" in host1.texts()


def test_checkpoints_reuse_a_plans_printed_form_until_the_plan_changes() -> None:
    ag = make_agent("@p +!g <- .print(one).\n+!h <- .print(two).")
    first = ag.snapshot()
    again = ag.snapshot()
    assert again == first and again["plans"] is not first["plans"]
    again["plans"][0]["lines"].append(99)  # a snapshot is the caller's to change
    assert ag.snapshot() == first
    plan = ag.plans.plans[1]
    plan.name = "renamed"  # as an included file's plans are renamed when added
    plan.label = Struct("renamed")
    renamed = ag.snapshot()["plans"][1]
    assert renamed["name"] == "renamed" and renamed["source"].startswith("@renamed")
    ag.replace_program(parse_program("+!g <- .print(three)."))
    assert [p["source"] for p in ag.snapshot()["plans"]] == ["+!g <- .print(three)."]
    restored = Agent.restore(json.loads(json.dumps(ag.snapshot())), ag.host)
    assert restored.snapshot() == ag.snapshot()


def test_mind_shows_beliefs_goals_intentions_and_plans() -> None:
    host = RecordingHost()
    ag = make_agent("b(1). !g. +!g <- !h; .print(x). +!h <- .wait(100).", host)
    ag.step(10)
    assert ag.mind() == Agent.restore(json.loads(json.dumps(ag.snapshot())), host).mind()
    mind = ag.mind()
    assert mind["beliefs"] == [
        {
            "term": {"functor": "b", "args": [1], "annots": [{"functor": "source", "args": [{"atom": "self"}]}]},
            "text": "b(1)[source(self)]",
        }
    ]
    assert [g["goal"] for g in mind["goals"]] == ["h[source(self)]", "g[source(self)]"]
    stack = mind["intentions"][0]["stack"]
    assert [(f["plan"], f["trigger"], f["line"]) for f in stack] == [
        ("l__2", "+!h[source(self)]", 1),
        ("l__1", "+!g[source(self)]", 1),
    ]
    assert [p["source"] for p in mind["plans"]] == ["+!g <- !h; .print(x).", "+!h <- .wait(100)."]


def test_limits_on_terms_and_beliefs() -> None:
    host = RecordingHost()
    limits = Limits(max_term_size=50, max_beliefs=5)
    src = "!g. +!g <- for (.range(I, 1, 10)) { +b(I) }. -!g[error_msg(M)] <- .print(M)."
    ag = make_agent(src, host, limits=limits)
    run(ag)
    assert host.texts() == ["more than 5 beliefs"]
    big = parse_term("[" + ", ".join(str(i) for i in range(100)) + "]")
    ag.deliver(Message("m1", "x", "tell", Struct("big", (big,))))
    run(ag)
    assert host.messages["m1"].status == "failed" and "larger than 50" in (host.messages["m1"].reason or "")


def test_intentions_limit() -> None:
    host = RecordingHost()
    ag = make_agent("+!w <- .wait(1000).", host, limits=Limits(max_intentions=3))
    for i in range(5):
        ag.deliver(Message(f"m{i}", "x", "achieve", Struct("w")))
    ag.step(100)
    assert len(ag.intentions) == 3
    assert host.messages["m4"].status == "failed"


def test_timers_report_the_next_deadline() -> None:
    host = RecordingHost()
    ag = make_agent("!g. +!g <- .wait(250); .print(woke).", host)
    report = ag.step(10)
    assert report.idle and report.next_deadline == pytest.approx(0.25)
    host.clock = 0.1
    assert ag.step(10).steps == 0
    host.clock = 0.25
    ag.step(10)
    assert host.texts() == ["woke"]


def test_term_json_round_trip() -> None:
    for text in ['p(1, "s", [a, 2.5 | T], ~q[x])', "X + 1 > 2 & not b", "[]", "'Big'", "{ +!g <- .print(1) }"]:
        t = parse_term(text)
        data = json.loads(json.dumps(term_to_json(t)))
        assert term_from_json(data) == t
    assert term_to_json(parse_term("f(a)")) == {"functor": "f", "args": [{"atom": "a"}]}


def test_deeply_nested_terms_fail_the_intention_not_the_host() -> None:
    host = RecordingHost()
    src = (
        "!g(0, a). +!g(N, T) : N < 1000 <- !g(N + 1, f(T)). +!g(N, T) <- .print(done)."
        " -!g(_, _)[error_msg(M)] <- .print(M)."
    )
    ag = make_agent(src, host, limits=Limits(max_term_depth=50))
    run(ag)
    assert host.texts() == ["goal nested more than 50 levels deep"]
    json.dumps(ag.snapshot())
    ag.mind()


def test_belief_order_and_multiple_sources() -> None:
    host = RecordingHost()
    ag = make_agent("p(1). p(2). !g. +!g <- +p(3); .findall(X, p(X), L); .print(L).", host)
    ag.deliver(Message("m", "bob", "tell", parse_term("p(1)")))
    run(ag)
    assert host.texts() == ["[3,1,2]"]  # as Jason: +b comes first, initial beliefs in the source's order
    assert ag.mind()["beliefs"][1]["text"] == "p(1)[source(bob),source(self)]"


def test_senders_cannot_fake_the_source() -> None:
    host = RecordingHost()
    ag = make_agent("+!g[source(S)] <- .print(S).", host)
    ag.deliver(Message("m1", "mallory", "tell", parse_term("p(1)[source(self), x]")))
    ag.deliver(Message("m2", "mallory", "achieve", parse_term("g[source(self)]")))
    run(ag)
    assert host.texts() == ["mallory"]
    # as Jason: what the sender claims as sources stays inside its own source
    assert [b["text"] for b in ag.mind()["beliefs"]] == ["p(1)[source(mallory)[source(self)],x]"]


def test_exponential_rule_search_is_bounded() -> None:
    host = RecordingHost()
    src = """
    b(1). b(2). b(3). b(4). b(5). b(6). b(7). b(8). b(9). b(10).
    c(A, B, C, D, E, F) :- b(A) & b(B) & b(C) & b(D) & b(E) & b(F) & A + B + C + D + E + F > 100.
    !g. +!g <- ?c(A, B, C, D, E, F); .print(found). -!g[error_msg(M)] <- .print(M).
    """
    ag = make_agent(src, host, limits=Limits(max_query_steps=100_000))
    run(ag)
    assert host.texts() == ["the query explored too many beliefs and rules in one step"]


def test_an_atomic_plan_waiting_leaves_the_agent_idle() -> None:
    host = RecordingHost()
    ag = make_agent("!a. !b. @x[atomic] +!a <- .print(a1); .wait(100); .print(a2). +!b <- .print(b).", host)
    report = ag.step(50)
    assert report.idle and report.next_deadline == pytest.approx(0.1)
    assert host.texts() == ["a1"]
    run(ag)
    assert host.texts() == ["a1", "a2", "b"]


@pytest.mark.parametrize(
    "data",
    [None, True, {"functor": 3}, {"functor": "f", "args": "x"}, {"expr": "arith"}, {"what": 1}, {"var": None}],
)
def test_term_from_json_rejects_what_is_not_a_term(data: object) -> None:
    from romas.agentspeak import TermJsonError

    with pytest.raises(TermJsonError):
        term_from_json(data)


def test_mind_lines_are_lines_of_the_source_and_survive_a_restore() -> None:
    host = RecordingHost()
    src = (
        "// the agent\nb(1).\n!g.\n\n"
        "+!g\n    <- .print(a);\n       !h;\n       .print(b).\n"
        "+!h <- .print(c);\n    .wait(100).\n"
    )
    ag = make_agent(src, host)
    ag.step(10)
    stack = ag.mind()["intentions"][0]["stack"]
    assert [(f["trigger"], f["line"]) for f in stack] == [("+!h[source(self)]", 10), ("+!g[source(self)]", 7)]
    assert [p["line"] for p in ag.mind()["plans"]] == [5, 9]
    restored = Agent.restore(json.loads(json.dumps(ag.snapshot())), host)
    assert restored.mind()["intentions"] == ag.mind()["intentions"]
    assert restored.mind()["plans"] == ag.mind()["plans"]


def test_a_cancelled_message_drops_what_it_started() -> None:
    host = RecordingHost()
    src = """
    +!slow(N) <- .wait(1000); +done(N).
    +!deep(N) <- !deeper(N).
    +!deeper(N) <- .wait(1000); +done(N).
    +told(N) <- .wait(1000); +done(N).
    """
    ag = make_agent(src, host)
    ag.deliver(Message("a", "bob", "achieve", parse_term("slow(1)")))
    ag.deliver(Message("b", "bob", "achieve", parse_term("deep(2)")))
    ag.deliver(Message("c", "bob", "tell", parse_term("told(3)")))
    ag.deliver(Message("d", "bob", "achieve", parse_term("slow(4)")))
    ag.step(100)  # every message is handled; each intention waits
    assert ag.cancel_message("a", "asked") and ag.cancel_message("b") and ag.cancel_message("c")
    run(ag)
    assert {m: o.status for m, o in host.messages.items()} == {
        "a": "cancelled",
        "b": "cancelled",
        "c": "cancelled",
        "d": "processed",
    }
    assert host.messages["a"].reason == "asked"
    beliefs = [b["text"] for b in ag.mind()["beliefs"]]
    assert "done(4)[source(self)]" in beliefs and not any(b.startswith("done(1)") for b in beliefs)
    assert not any(b.startswith(("done(2)", "done(3)")) for b in beliefs)
    assert not ag.intentions
    assert not ag.cancel_message("d") and not ag.cancel_message("unknown")


def test_a_message_still_in_the_mailbox_is_cancelled_unhandled() -> None:
    host = RecordingHost()
    ag = make_agent("+!g <- +done.", host)
    ag.deliver(Message("m", "bob", "achieve", parse_term("g")))
    assert ag.cancel_message("m")
    run(ag)
    assert host.messages["m"].status == "cancelled" and ag.mind()["beliefs"] == []


def test_a_cancelled_question_is_answered_false() -> None:
    host = RecordingHost()
    ag = make_agent("+?slow(X) <- .wait(1000); X = 1.", host)
    make_agent("", host, name="bob")
    ag.deliver(Message("q", "bob", "askOne", parse_term("slow(X)")))
    ag.step(100)
    assert ag.cancel_message("q")
    run(ag)
    assert host.messages["q"].status == "cancelled"
    assert [(s[1], format_term(s[3]), s[5]) for s in host.sent] == [("bob", "false", "q")]
