"""The reasoning cycle's shortcuts for the common case give what the general code gives: belief weights, the
limits a small annotated literal is known to pass, told beliefs, deadlines written through a variable, and
large values a context's plan holds."""

from __future__ import annotations

import random

from romas.agentspeak.agent import _FLAT_BYTES, _FLAT_NODES, _flat_annotated, _flat_weight
from romas.agentspeak.beliefs import _weights
from romas.agentspeak.host import Limits, Message
from romas.agentspeak.sizes import NODE_BYTES, measure, weight
from romas.agentspeak.terms import Struct, Term, source_of, term_depth
from tests.agentspeak.support import RecordingHost, make_agent, run


def _leaf(rnd: random.Random) -> Term:
    big = rnd.random() < 0.05
    kind = rnd.randrange(5)
    if kind == 0:
        return rnd.randrange(-(2 ** (300 if big else 250)), 2 ** (300 if big else 250))
    if kind == 1:
        return rnd.random()
    if kind == 2:
        return "x" * rnd.randrange(70 if big else 65)
    if kind == 3:
        return Struct("a" * rnd.randrange(1, 70 if big else 65))
    return Struct("f", (1, "y"))


def _literal(rnd: random.Random, depth: int = 0) -> Struct:
    annots: tuple[Term, ...] = ()
    if depth == 0 or rnd.random() < 0.05:
        annots = tuple(_literal(rnd, depth + 1) for _ in range(rnd.randrange(5)))
    return Struct("p" * rnd.randrange(1, 66), tuple(_leaf(rnd) for _ in range(rnd.randrange(9))), annots)


def test_belief_weights_are_those_of_the_walk() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        terms = tuple(_literal(rnd) for _ in range(rnd.randrange(4)))
        walked = weight(terms, 1 << 62, None, False) - NODE_BYTES if terms else 0
        assert _weights(terms) == walked


def test_a_flat_annotated_literal_is_within_the_bounds_it_is_let_through_for() -> None:
    rnd = random.Random(8)
    passed = 0
    for _ in range(20_000):
        t = _literal(rnd)
        if t.annots and _flat_annotated(t):
            passed += 1
            size, nodes = measure(t, 1 << 62, 1 << 62)
            assert size <= _FLAT_BYTES and nodes <= _FLAT_NODES and term_depth(t, 100) <= 3
        sender = "s" * rnd.randrange(1, 70)
        if not t.annots and _flat_annotated(t, len(sender)):
            assert _flat_annotated(Struct(t.functor, t.args, (source_of(sender),)))
    assert passed > 100


def test_the_weight_of_a_flat_belief_is_that_of_the_walk() -> None:
    rnd = random.Random(9)
    weighed = 0
    for _ in range(20_000):
        t = _literal(rnd)
        sender = "s" * rnd.randrange(1, 70)
        size = _flat_weight(t, len(sender))
        if t.annots or not _flat_annotated(t, len(sender)):
            assert size == -1
            continue
        weighed += 1
        assert size == _weights((t, source_of(sender)))
    assert weighed > 100


def test_beliefs_added_by_tells_and_plans_weigh_what_a_recount_gives() -> None:
    host = RecordingHost()
    ag = make_agent('+v(X) <- +got(X). +w <- +got(2 ** 300); +got(1.5); +got("s", a, 3).', host)
    for n, content in enumerate((1, -(2**200), 2**300, "text", 2.5, Struct("atom"))):
        ag.deliver(Message(f"m{n}", "bob", "tell", Struct("v", (content,)), None))
    ag.deliver(Message("mw", "self", "tell", Struct("w"), None))
    run(ag)
    assert ag.beliefs.size == 15  # got(2 ** 300) twice
    recount = sum(_weights((k, *v)) for bucket in ag.beliefs.index.values() for k, v in bucket.items())
    assert ag.beliefs.bytes == recount


def test_a_tell_is_checked_against_tight_limits_with_its_source() -> None:
    host = RecordingHost()
    ag = make_agent("", host, limits=Limits(max_term_depth=2))
    ag.deliver(Message("m1", "bob", "tell", Struct("v", (Struct("a"),)), None))
    run(ag)
    assert host.messages["m1"].status == "failed" and "levels deep" in (host.messages["m1"].reason or "")
    assert ag.beliefs.size == 0
    ok = make_agent("", RecordingHost())
    ok.deliver(Message("m2", "bob", "tell", Struct("v", (Struct("a"),)), None))
    run(ok)
    [(belief, annots)] = [(k, v) for bucket in ok.beliefs.index.values() for k, v in bucket.items()]
    assert belief == Struct("v", (Struct("a"),)) and annots == [source_of("bob")]


def test_a_deadline_given_through_a_variable_goal_still_fires() -> None:
    host = RecordingHost()
    src = """
    !start.
    +!start <- G = g[hard_deadline(100)]; !G.
    +!g <- .wait(5000); .print(late).
    -!g[error(E)] <- .print(E).
    """
    ag = make_agent(src, host)
    run(ag)
    assert host.texts() == ["deadline_reached"]


def test_a_deadline_given_through_a_namespaced_variable_goal_still_fires() -> None:
    host = RecordingHost()
    src = """
    !start.
    +!start <- G = g[hard_deadline(100)]; !default::G.
    +!g <- .wait(5000); .print(late).
    -!g[error(E)] <- .print(E).
    """
    ag = make_agent(src, host)
    run(ag)
    assert host.texts() == ["deadline_reached"]


def test_a_plan_with_a_context_holds_the_large_values_its_head_bound() -> None:
    big = "x" * 5000
    ag = make_agent('!go.\n+!go <- !w("' + big + '").\n+!w(S) : true <- .wait(1000).')
    ag.step(100)  # the clock does not move: the plan waits
    [it] = ag.intentions.values()
    assert it.stack[-1].held == {"S": weight(big, 1 << 62)}
