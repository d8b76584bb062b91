"""Jason's mutable collections: ``.map.*``, ``.set.*`` and ``.queue.*`` (the expected lines are those of Jason's
own unit tests TestMap, TestSet and BugMapInFor where they cover the case). Every program runs twice, the second
time saved to JSON and restored after every step, so sharing a collection must survive checkpoints."""

from __future__ import annotations

import json

from romas.agentspeak import parse_body, parse_program, parse_term
from romas.agentspeak.agent import Agent
from romas.agentspeak.host import Limits
from romas.agentspeak.mutable_values import detach, revive
from romas.agentspeak.mutables import MapTerm, QueueTerm, SetTerm
from romas.agentspeak.printer import format_term, source_term
from romas.agentspeak.serialise import term_from_json, term_to_json
from romas.agentspeak.terms import Struct
from tests.agentspeak.conformance.syntax_support import run_source
from tests.agentspeak.support import RecordingHost, make_agent, run

MAP_B = """
+!b(M) <- .map.put(M,a,10); .map.put(M,d,ok(3)); .map.put(M,a,30); .map.put(M,c,11); .map.remove(M,c,11).
"""

SET_B = """
+!b(S) <- .set.add(S,a); .set.add(S,d); .set.add(S,w); .set.add(S,10); .set.add(S,10); .set.remove(S,w);
          .set.add(S,a(3)); .set.add_all(S,[1,22,z(4),z(1)]).
"""


def test_maps_as_jason_tests_them() -> None:
    printed = run_source(
        MAP_B
        + """
        !go.
        +!go <- !b(S); .print(S);
            for ( .map.key(S,K) & .map.get(S,K,V) ) { .print(K,V) };
            .findall(K, .map.key(S,K), L); .print(L);
            .findall([K,V], .map.key(S,K) & .map.get(S,K,V), L2); .print(L2);
            .findall(V, .map.value(S,V), L3); .print(L3);
            !g1(S,a,30); !g1(S,a,20); !g1(S,c,20); !g1(S,c,0).
        +!g1(S,A,V) : .map.get(S,A,V,0) <- .print(tem).
        +!g1(S,A,V) <- .print(naot).
        """
    )
    assert printed == [
        "{a->30,d->ok(3)}",
        "a30",
        "dok(3)",
        "[a,d]",
        "[[a,30],[d,ok(3)]]",
        "[30,ok(3)]",
        "tem",
        "naot",
        "naot",
        "tem",
    ]


def test_a_map_changed_in_a_loop_or_a_sub_goal_is_the_callers_map() -> None:
    printed = run_source(
        """
        !init(3). !ret. !nofor(_, 3). !copy.
        +!init(N) <- .map.create(MO); .map.put(MO,1,2); for (.range(I,1,N)) { .map.put(MO,I,I) }; .print(MO).
        +!ret <- .map.create(MO); .map.put(MO,1,2); !t(MO); .print(MO).
        +!t(MO) <- .map.put(MO,2,55).
        +!nofor(MO,N) <- .map.create(MO); .map.put(MO,1,2); !nofor(MO,1,N); .print(MO).
        +!nofor(MO,V,N) : V > N.
        +!nofor(MO,V,N) <- .map.put(MO,V,V); !nofor(MO,V+1,N).
        +!copy <- .map.create(MO); .map.put(MO,1,2); .map.put(MO,2,55); .map.copy(MO,C); .map.put(C,3,11);
            .print(MO); .print(C).
        """
    )
    assert sorted(printed) == sorted(
        ["{1->1,2->2,3->3}", "{1->2,2->55}", "{1->1,2->2,3->3}", "{1->2,2->55}", "{1->2,2->55,3->11}"]
    )


def test_sets_as_jason_tests_them() -> None:
    printed = run_source(
        SET_B
        + """
        !go.
        +!go <- !b(S); .print(S); !g1(S, z(1)); !g1(S, z(10));
            .findall(K, .member(K,S), L); .print(L);
            .set.to_list(S,[H|T]); .print(H,T);
            for (.member(z(X), S)) { .print(z, X) };
            !un; !int; !dif.
        +!g1(S,A) : .member(A,S) <- .print(tem).
        +!g1(S,A) <- .print(naot).
        +!un <- !b(S); .set.add_all(NS,[kk,d,a,oo]); .set.union(S,NS); .set.union(S,[8,[4,5]]); .print(S).
        +!int <- !b(S); .set.add_all(NS,[kk,d,a,oo,10]); .set.intersection(S,NS); .set.intersection(S,[oo,a,d,10]);
            .print(S).
        +!dif <- !b(S); .set.add_all(NS,[kk,d,z(4),a,oo,10]); .set.difference(S,NS); .print(S).
        """
    )
    assert printed == [
        "{1,10,22,a,a(3),d,z(1),z(4)}",
        "tem",
        "naot",
        "[1,10,22,a,a(3),d,z(1),z(4)]",
        "1[10,22,a,a(3),d,z(1),z(4)]",
        "z1",
        "z4",
        "{1,8,10,22,[4,5],a,a(3),d,kk,oo,z(1),z(4)}",
        "{10,a,d}",
        "{1,22,a(3),z(1)}",
    ]


def test_queues_first_in_first_out_and_by_priority_printed_as_java() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .queue.create(Q); .queue.add(Q, b); .queue.add_all(Q, [c, a]); .print(Q);
            .queue.head(Q, H); .queue.remove(Q, X); .print(H, X, Q); .queue.to_list(Q, L); .print(L);
            .queue.create(P, priority); .queue.add_all(P, [5,3,8,1,9,2]); .print(P);
            .queue.remove(P, Y); .print(Y, " ", P); .queue.copy(P, C); .queue.add(C, 0); .print(P, " ", C);
            .length(P, N); .print(N); .queue.clear(P); .print(P);
            if (.queue.head(P, _)) { .print(wrong) } else { .print(empty) };
            if (.queue.remove(P, _)) { .print(wrong) } else { .print(empty) };
            .queue.create(Q2, "priority"); .queue.add_all(Q2, [2, 1]); .print(Q2).
        """
    )
    assert printed == [
        "[b, c, a]",
        "bb[c, a]",
        "[c,a]",
        "[1, 3, 2, 5, 9, 8]",
        "1 [2, 3, 8, 5, 9]",
        "[2, 3, 8, 5, 9] [0, 3, 2, 5, 9, 8]",
        "5",
        "[]",
        "empty",
        "empty",
        "[2, 1]",  # only the atom priority makes a priority queue, as in Jason
    ]


def test_holders_share_a_collection_through_beliefs_and_checkpoints() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .map.create(M); +holds(M); .set.create(S); +holds(S); !fill(M, S);
            ?holds(X); .print(X); .findall(Y, holds(Y), L); .print(L).
        +!fill(M, S) <- .map.put(M, k, v); .set.add(S, e); .map.put(M, s, S); .set.add(S, f).
        """
    )
    assert printed == ["{e,f}", "[{e,f},{k->v,s->{e,f}}]"]  # the newest belief first


def test_a_snapshot_keeps_what_shares_a_collection_shared() -> None:
    host = RecordingHost()
    ag = make_agent(
        "+!go <- .map.create(M); +m(M); .map.put(M, a, 1); .wait({+go_on}); .map.put(M, b, 2); ?m(X); .print(X).", host
    )
    ag.start_command("c", parse_body("!go"))
    run(ag)
    data = json.loads(json.dumps(ag.snapshot()))
    assert data["collections"] == [{"map": [[{"atom": "a"}, 1]]}]
    again = Agent.restore(data, host)
    again.start_command("d", parse_body("+go_on"))
    run(again)
    assert host.texts() == ["{a->1,b->2}"]


def test_equality_and_unification_as_jason() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .set.create(A); .set.create(B); .set.add(A, x); .set.add(B, x);
            if (A == B) { .print(sets_equal) }; if (A = B) { .print(sets_unify) };
            .map.create(M1); .map.create(M2); if (M1 \\== M2) { .print(maps_differ) }; M3 = M1;
            if (M3 == M1) { .print(same_map) };
            .queue.create(Q1); .queue.create(Q2); if (Q1 \\== Q2) { .print(queues_differ) };
            if (p(A) = p(B)) { .print(inside) }; .set.add(B, y); if (not (A = B)) { .print(now_differ) };
            .type(M1, T1); .findall(T, .type(A, T), TA); .findall(T, .type(Q1, T), TQ); .findall(T, .type(M1, T), TM);
            .print(TA, TQ, TM); .length(B, LB); .print(LB); .print(.length(B) + 1);
            if (.ground(M1)) { .print(ground) }.
        """
    )
    assert printed == [
        "sets_equal",
        "sets_unify",
        "maps_differ",
        "same_map",
        "queues_differ",
        "inside",
        "now_differ",
        "[set,ground][queue,ground][map,ground]",
        "2",
        "3",
        "ground",
    ]


def test_member_of_a_queue_and_not_of_a_map() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .queue.create(Q); .queue.add_all(Q, [a, b(1), b(2)]); .findall(X, .member(b(X), Q), L); .print(L);
            if (.member(a, Q)) { .print(has_a) }; .map.create(M); .member(K, M).
        -!go[error(E), error_msg(Msg)] <- .print(E, " ", Msg).
        """
    )
    assert printed[:2] == ["[1,2]", "has_a"]
    assert printed[2].startswith("wrong_arguments ") and "must be a list or a set" in printed[2]


def test_wrong_arguments_fail_as_in_jason() -> None:
    printed = run_source(
        """
        !a. !b. !c. !d. !e. !f. !g.
        +!a <- .map.put(x, k, v).
        +!b <- .queue.add(Q, x).
        +!c <- .set.add_all(S, a).
        +!d <- .map.put(M, k).
        +!e <- .map.put(M, k, v, ignored); .print(M); if (.map.create(M)) { .print(wrong) } else { .print(e_ok) }.
        +!f <- .map.remove(M, nothing, V).
        +!g <- .set.create(S); .set.add(S, S).
        -!G[error(E), error_msg(Msg)] <- .print(G, " ", E, " ", Msg).
        """
    )
    assert sorted(printed) == [
        "a ia_failed .map.put: expected a map, got x",
        "b ia_failed .queue.add: expected a queue, got Q",
        "c ia_failed .set.add_all: expected a list or a set, got a",
        "d ia_failed .map.put needs 3 arguments, not 2",
        "e_ok",
        "f ia_failed .map.remove failed",
        "g ia_failed .set.add: a set cannot hold itself",
        "{k->v}",
    ]


def test_a_collection_never_holds_itself() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .map.create(A); .map.create(B); .map.put(A, b, B); .set.create(S); .set.add(S, p(A));
            .map.put(B, s, [S]).
        -!go[error(E), error_msg(M)] <- .print(E, " ", M).
        """
    )
    assert printed == ["ia_failed .map.put: a map cannot hold itself"]


def test_growing_a_collection_is_stopped_by_the_limits() -> None:
    small = Limits(max_string_bytes=4096, max_term_bytes=16 * 1024, max_memory_bytes=64 * 1024)
    host = RecordingHost()
    src = """
    !grow. !many(0).
    +!grow <- .map.create(M); while (true) { .length(M, N); .map.put(M, N, N) }.
    -!grow[error(E), error_msg(Msg)] <- .print(E, " ", Msg).
    +!many(N) <- .set.create(S); +s(S); for (.range(I, 1, 100)) { .set.add(S, f(N, I)) }; !many(N + 1).
    -!many(N)[error(E), error_msg(Msg)] <- .print(E, " ", Msg).
    """
    ag = make_agent(src, host, limits=small)
    run(ag, partial=True, rounds=5000)
    texts = host.texts()
    assert any(t.startswith("limit_exceeded .map.put: the map would be larger than 16384 bytes") for t in texts)
    assert any("over its budget of 64 KiB" in t for t in texts), texts
    assert ag.memory() < 4 * small.max_memory_bytes


def test_a_message_carries_the_value_of_a_collection() -> None:
    host = RecordingHost()
    alice = make_agent("", host, name="alice")
    bob = make_agent("", host, name="bob")
    alice.start_command(
        "c",
        parse_body(
            ".map.create(M); .map.put(M, a, 1); +m(M); .send(bob, tell, m(M)); .map.put(M, b, 2);"
            ".set.create(S); .set.add(S, x); .send(bob, tell, s(S))"
        ),
    )
    run(alice, bob)
    [(m, _), (s, _)] = sorted(bob.beliefs.items(), key=lambda kv: kv[0].functor)
    assert format_term(m) == "m({a->1})" and type(m.args[0]) is MapTerm
    assert format_term(s) == "s({x})" and type(s.args[0]) is SetTerm
    [(mine, _)] = alice.beliefs.items()
    assert format_term(mine) == "m({a->1,b->2})"
    assert mine.args[0] is not m.args[0]


def test_the_source_form_and_json_of_a_collection_are_its_value() -> None:
    m = MapTerm()
    s = SetTerm()
    s.add(parse_term('"x"'), None)
    m.put(Struct("k"), s, None)
    q = QueueTerm(priority=True)
    for n in (3, 1, 2):
        q.offer(n, None)
    term = Struct("p", (m, q))
    text = source_term(term)
    assert text == "p('$map'([[k,'$set'([\"x\"])]]),'$queue'([1,3,2],priority))"
    back = revive(parse_term(text))
    assert format_term(back) == format_term(term) == 'p({k->{"x"}},[1, 3, 2])'
    assert format_term(term_from_json(term_to_json(term))) == format_term(term)
    copy = detach(term, 1 << 20)
    assert type(copy) is Struct and copy.args[0] is not m and format_term(copy) == format_term(term)


def test_a_set_held_by_two_maps_stays_one_set_across_checkpoints() -> None:
    printed = run_source(
        """
        !go.
        +!go <- .set.create(S); .map.create(A); .map.create(B); .map.put(A, s, S); .map.put(B, s, S);
            +a(A); +b(B); !more.
        +!more <- ?a(A); .map.get(A, s, S); .set.add(S, x); ?b(B); .print(B); .map.get(B, s, S2);
            if (S == S2) { .print(shared) }.
        """
    )
    assert printed == ["{s->{x}}", "shared"]


def test_a_hot_swap_keeps_the_collections_of_beliefs_and_intentions() -> None:
    host = RecordingHost()
    agent = make_agent("+!go <- .map.create(M); +m(M); .wait({+go_on}); .map.put(M, b, 2); !show.", host)
    host.agents["ag"] = agent
    agent.start_command("c1", parse_body("!go"))
    run(agent)
    agent.replace_program(parse_program("+!show <- ?m(M); .print(new, M)."))
    agent.start_command("c2", parse_body("?m(M); .map.put(M, a, 1); +go_on"))
    run(agent)
    restored = Agent.restore(json.loads(json.dumps(agent.snapshot())), host)
    restored.start_command("c3", parse_body("!show"))
    run(restored)
    assert host.texts("ag") == ["new{a->1,b->2}", "new{a->1,b->2}"]


def test_collections_are_charged_while_they_live_and_beliefs_do_not_drift() -> None:
    host = RecordingHost()
    ag = make_agent("", host)
    ag.start_command("c", parse_body("+m(M); for (.range(I, 1, 200)) { .map.put(M, I, f(I)) }; -m(M)"))
    run(ag)
    assert host.commands["c"].status == "succeeded"
    assert ag.beliefs.bytes == 0
    ag.start_command("d", parse_body(".map.create(M); .map.put(M, k, v); +keep(M)"))
    run(ag)
    assert ag.memory() > ag.beliefs.bytes  # the kept map counts besides its belief


def test_a_message_repeating_a_large_map_is_refused_before_it_is_copied() -> None:
    host = RecordingHost()
    small = Limits(max_term_bytes=16 * 1024, max_memory_bytes=256 * 1024)
    alice = make_agent('-!go[error(E), error_msg(M)] <- .print(E, " ", M).', host, name="alice", limits=small)
    make_agent("", host, name="bob")
    alice.start_command(
        "c",
        parse_body(
            ".map.create(M); for (.range(I, 1, 100)) { .map.put(M, I, I) }; "
            ".send(bob, tell, m(M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M))"
        ),
    )
    run(alice)
    out = host.commands["c"]
    assert out.status == "failed" and "a message larger than 16384 bytes" in (out.reason or "")


def test_jasons_a_star_demo_runs_alike_with_checkpoints() -> None:
    """Jason's demos/search (a priority queue and a set within rules, with a function registered in AgentSpeak)."""
    a_star = """
    { register_function("search.h",2,"h") }
    a_star(InitialState, Goal, Solution, Cost) :-
      .set.add_all(Closed,[InitialState]) & .queue.create(Open,priority) &
      .queue.add(Open,s(0,0,[op(initial,InitialState)])) &
      a_star_l(Open, Goal, s(_,Cost,SolutionR), Closed) & .reverse(SolutionR,Solution).
    a_star_l(Open, GoalState, s(F,G,[op(Op,GoalState)|Path]), Closed) :-
        .queue.head(Open,s(F,G,[op(Op,GoalState)|Path])).
    a_star_l(Open, GoalState, Solution, Closed) :-
        .queue.remove(Open,s(F,G,[op(Op,State)|Path])) & State \\== GoalState & .set.add(Closed, State) &
        .findall(s(NF,NG,[op(NOp,NewState), op(Op,State)|Path]),
                 (suc(State,NewState,Cost,NOp) & not .member(NewState, Closed) & NG = G + Cost &
                  NF = search.h(NewState,GoalState) + NG), Suc) &
        .queue.add_all(Open, Suc) & a_star_l(Open, GoalState, Solution, Closed).
    suc(C,C2,1,add2) :- C2 = C + 2.
    suc(C,C1,1,add1) :- C1 = C + 1.
    h(State,Goal,H) :- H = math.abs(Goal - State).
    !test.
    +!test <- ?a_star(0, 9, Solution, Cost); .print(Solution, " ", Cost).
    """
    assert run_source(a_star) == ["[op(initial,0),op(add2,2),op(add2,4),op(add2,6),op(add2,8),op(add1,9)] 5"]


def test_an_agent_that_keeps_filling_maps_is_asked_to_stop() -> None:
    small = Limits(max_string_bytes=4096, max_term_bytes=16 * 1024, max_memory_bytes=64 * 1024)
    host = RecordingHost()
    src = """
    !g(0).
    +!g(N) <- .map.create(M); +m(N, M); while (true) { .length(M, L); .map.put(M, L, L) }.
    -!g(N) <- !g(N + 1).
    """
    ag = make_agent(src, host, limits=small)
    run(ag, partial=True, rounds=3000)
    assert ag.stop_reason is not None and "5 times within 60 seconds" in ag.stop_reason
    assert ag.memory() < 2 * small.max_memory_bytes


def test_an_answer_to_an_ask_carries_a_copy_of_the_map() -> None:
    host = RecordingHost()
    alice = make_agent("+!init <- .map.create(M); .map.put(M, a, 1); +m(M).", host, name="alice")
    bob = make_agent("", host, name="bob")
    alice.start_command("i", parse_body("!init"))
    run(alice)
    bob.start_command("c", parse_body(".send(alice, askOne, m(X), A); m(Got) = A; .map.put(Got, b, 2)"))
    run(alice, bob)
    out = host.commands["c"]
    assert out.status == "succeeded", out.reason
    assert format_term(out.bindings["Got"]) == "{a->1,b->2}"
    [(mine, _)] = alice.beliefs.items()
    assert format_term(mine) == "m({a->1})"
