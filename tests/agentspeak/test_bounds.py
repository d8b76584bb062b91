"""Every value an agent builds is bounded, and its mind is charged against a memory budget: runaway code
fails its intention with ``limit_exceeded`` (recoverable by ``-!g``), and an agent that stays over its
budget asks to be stopped (``stop_reason``)."""

from __future__ import annotations

from romas.agentspeak.host import Limits, Message
from romas.agentspeak.sizes import NODE_BYTES, weight
from romas.agentspeak.terms import Struct, Var
from tests.agentspeak.support import RecordingHost, make_agent, run

SMALL = Limits(max_string_bytes=4096, max_term_bytes=16 * 1024, max_memory_bytes=64 * 1024)
RECOVER = '-!s(_)[error(E), error_msg(M)] <- .print(E, " ", M).\n'


def failed_with(host: RecordingHost) -> list[str]:
    return [t for t in host.texts() if t.startswith("limit_exceeded")]


def test_weight_counts_shared_sub_terms_once_per_occurrence_and_stops_at_the_limit() -> None:
    s = "x" * 1000
    doubled = Struct("f", (s, s))
    assert weight(doubled, 1 << 40) == 3 * NODE_BYTES + 1 + 2000
    t: object = "ab"
    for _ in range(60):  # 2**60 leaves: measuring it must stop early
        t = Struct("f", (t, t))
    assert 10_000 < weight(t, 10_000) < 10_000 + 200  # type: ignore[arg-type]
    assert weight(Var("X"), 1 << 40, {"X": s}) == NODE_BYTES + 1000


def test_string_doubling_fails_its_intention_with_limit_exceeded() -> None:
    host = RecordingHost()
    ag = make_agent('!s("ab").\n+!s(S) <- .concat(S, S, S2); !s(S2).\n' + RECOVER, host, limits=SMALL)
    run(ag)
    [line] = failed_with(host)
    assert "a string longer than 4 KiB" in line
    assert ag.stop_reason is None and ag.idle


def test_term2string_growth_fails_with_limit_exceeded() -> None:
    host = RecordingHost()
    src = "!s(a).\n+!s(T) <- .term2string(T, S); !s(f(S, S, T)).\n" + RECOVER
    ag = make_agent(src, host, limits=SMALL)
    run(ag)
    assert len(failed_with(host)) == 1


def test_term_and_list_growth_fail_with_limit_exceeded() -> None:
    host = RecordingHost()
    src = "!s([x]).\n+!s(L) <- .concat(L, L, L2); !s(L2).\n" + RECOVER
    ag = make_agent(src, host, limits=SMALL)
    run(ag)
    assert len(failed_with(host)) == 1
    host2 = RecordingHost()
    src2 = '!s(a).\n+!s(T) <- X = f(T, T, "0123456789abcdef"); !s(X).\n' + RECOVER
    ag2 = make_agent(src2, host2, limits=SMALL)
    run(ag2)
    assert len(failed_with(host2)) == 1


def test_big_numbers_fail_with_limit_exceeded() -> None:
    host = RecordingHost()
    ag = make_agent("!s(1).\n+!s(N) <- X = 2 ** 100000000; .print(X).\n" + RECOVER, host)
    run(ag)
    [line] = failed_with(host)
    assert "integer too large" in line
    host2 = RecordingHost()
    ag2 = make_agent("!s(3).\n+!s(N) <- !s(N * N).\n" + RECOVER, host2)
    run(ag2)
    assert len(failed_with(host2)) == 1


def test_a_belief_flood_is_bounded_by_the_budget_and_asks_to_stop_the_agent() -> None:
    host = RecordingHost()
    src = '!s(0).\n+!s(N) <- +b(N, "0123456789012345678901234567890123456789"); !s(N + 1).\n' + RECOVER
    ag = make_agent(src, host, limits=SMALL)
    run(ag)
    [line] = failed_with(host)
    assert "over its budget" in line
    assert ag.beliefs.bytes <= SMALL.max_memory_bytes
    assert ag.stop_reason is not None and "beliefs" in ag.stop_reason


GROW = (
    "+!s(N, S) : N < 40 <- !grow(N, S).\n"
    "+!s(_, _).\n"
    "+!grow(N, S) <- .concat(S, S, S, X); !s(N + 1, S); .length(X, L); .print(done, N).\n"
)


def test_values_held_by_intentions_are_charged_and_released() -> None:
    host = RecordingHost()
    # each level holds a 3 KB string until the recursion unwinds: 40 levels are more than 64 KiB
    src = f'!s(0, "{"x" * 1000}").\n' + GROW + '-!grow(N, _)[error(E), error_msg(M)] <- .print(E, " ", M).\n'
    ag = make_agent(src, host, limits=SMALL)
    run(ag)
    [line] = failed_with(host)
    assert "over its budget of 64 KiB" in line
    assert ag.memory() == ag.beliefs.bytes  # all released once the intentions ended
    assert ag.stop_reason is None


def test_repeated_budget_failures_ask_to_stop_the_agent() -> None:
    host = RecordingHost()
    src = f'!s(0, "{"x" * 1000}").\n' + GROW + "-!grow(N, S) <- !s(0, S).\n"
    ag = make_agent(src, host, limits=SMALL)
    run(ag, partial=True, rounds=200)
    assert ag.stop_reason is not None and "5 times within 60 seconds" in ag.stop_reason


def test_large_messages_are_refused_past_the_budget() -> None:
    host = RecordingHost()
    ag = make_agent("+x(_).", host, limits=SMALL)
    big = Struct("x", ("y" * 10_000,))
    for i in range(10):
        ag.deliver(Message(f"m{i}", "bob", "tell", big))
    failed = [m for m, o in host.messages.items() if o.status == "failed"]
    assert failed and "mailbox is full" in (host.messages[failed[0]].reason or "")
    run(ag)
    assert ag.memory() <= SMALL.max_memory_bytes


def test_small_values_are_not_charged() -> None:
    host = RecordingHost()
    ag = make_agent('!s(0).\n+!s(N) : N < 2000 <- .concat("a", "b", S); X = f(N, S); !s(N + 1).\n', host)
    run(ag)
    assert ag.memory() == ag.beliefs.bytes and ag.stop_reason is None


def test_terms_doubled_through_bindings_and_rules_are_bounded_before_they_are_expanded() -> None:
    host = RecordingHost()
    chain = "; ".join(f"X{i + 1} = f(X{i}, X{i})" for i in range(60))
    src = f"!s.\n+!s <- X0 = a; {chain}; .term2string(X60, S).\n" + RECOVER.replace("(_)", "")
    ag = make_agent(src, host, limits=SMALL)
    run(ag)
    assert len(failed_with(host)) == 1
    host2 = RecordingHost()
    rules = "double(0, a).\ndouble(N, f(X, X)) :- N > 0 & M = N - 1 & double(M, X).\n"
    for use in ("?double(80, T); .term2string(T, S)", "for (double(80, T)) { .print(T) }"):
        src2 = rules + f"!s.\n+!s <- {use}.\n" + RECOVER.replace("(_)", "")
        ag2 = make_agent(src2, host2, limits=SMALL)
        run(ag2)
    assert len(failed_with(host2)) == 2
    host3 = RecordingHost()
    src3 = rules + "!s.\n+!s : double(80, T) <- .term2string(T, S).\n" + RECOVER.replace("(_)", "")
    ag3 = make_agent(src3, host3, limits=SMALL)
    run(ag3)
    assert len(failed_with(host3)) == 1


def test_initial_beliefs_past_the_budget_ask_to_stop_the_agent_without_failing_its_host() -> None:
    host = RecordingHost()
    source = "".join(f'b({i}, "{FILLER}").\n' for i in range(200)) + "!s.\n+!s <- .print(hi).\n"
    ag = make_agent(source, host, limits=SMALL)
    assert ag.stop_reason is not None and "initial beliefs" in ag.stop_reason
    assert ag.beliefs.bytes <= SMALL.max_memory_bytes


FILLER = "x" * 500
