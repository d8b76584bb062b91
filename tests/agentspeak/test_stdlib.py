"""Internal actions not covered by the conformance programs, and how internal actions fail."""

from __future__ import annotations

import pytest

from romas.agentspeak import Call, internal, parse_body
from romas.agentspeak.stdlib import STDLIB

from .support import RecordingHost, make_agent, run


def _run_body(body: str, source: str = "") -> tuple[RecordingHost, str]:
    host = RecordingHost()
    ag = make_agent(source, host)
    ag.start_command("c", parse_body(body))
    run(ag)
    outcome = host.commands["c"]
    return host, outcome.status if outcome.status != "failed" else f"failed: {outcome.reason}"


@pytest.mark.parametrize(
    ("body", "printed"),
    [
        ('.time(H, M, S); .print(H, ":", M, ":", S)', "22:13:20"),
        ('.date(Y, M, D); .print(Y, "-", M, "-", D)', "2023-11-14"),
        ("+b(1); +b(2); +c(1); .abolish(b(_)); .count(b(_), N); .count(c(_), K); .print(N, K)", "01"),
        (".delete(b, [a, b, c, b], L); .print(L)", "[a,c]"),
        (".delete(1, [a, b, c], L); .print(L)", "[a,c]"),
        ('.delete("l", "hello", S); .print(S)', "heo"),
        ('.reverse("abc", R); .print(R)', "cba"),
        ("if (.structure(f(x)) & .literal(p) & not .literal(1) & .structure([])) { .print(yes) }", "yes"),
        ('.findall(P, .substring("a", "banana", P), L); .print(L)', "[1,3,5]"),
        (".findall(X, .member(X, [3, 1, 2]) & X > 1, L); .print(L)", "[3,2]"),
        (".range(I, 1, 3); .print(I)", "1"),
        (".nth(5, [a], X); .print(X)", None),
        ('.concat("a", [1], X); .print(X)', "a[1]"),
        ('.term2string(T, "f("); .print(T)', None),
        (".min([], X)", None),
    ],
)
def test_internal_actions(body: str, printed: str | None) -> None:
    host, status = _run_body(body)
    if printed is None:
        assert status.startswith("failed")
    else:
        assert status == "succeeded", status
        assert host.texts() == [printed]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (".nope(1)", "unknown internal action .nope"),
        (".length(a, N)", ".length: expected a list or a string, got a"),
        (".send(bob, shout, hi)", ".send: unknown performative shout"),
        (".wait(-1)", ".wait: cannot wait a negative time"),
        (".my_name(A, B)", ".my_name takes 1 arguments, not 2"),
        ('.fail(error_msg("because"))', "because"),
        ("X = 1 div 0", "division by zero"),
        ("X = 1; X > a + 1", "a is not a number"),
    ],
)
def test_failures_have_clear_reasons(body: str, reason: str) -> None:
    _host, status = _run_body(body)
    assert status == f"failed: {reason}"


def test_internal_actions_in_contexts_and_rules() -> None:
    host = RecordingHost()
    src = """
    big(X) :- .member(X, [1, 5, 9]) & X > 3.
    !g.
    +!g : .findall(X, big(X), L) & .length(L, 2) <- .print(L).
    """
    run(make_agent(src, host))
    assert host.texts() == ["[5,9]"]


def test_wait_cannot_be_used_in_a_context() -> None:
    host = RecordingHost()
    run(make_agent("!g. +!g : .wait(10) <- .print(no).", host))
    assert host.texts() == []
    assert host.notes == [
        (
            "ag",
            "no applicable plan for +!g (the context of plan l__1 could not be evaluated:"
            " .wait can only be used in a plan body)",
        )
    ]


def test_hosts_add_internal_actions() -> None:
    host = RecordingHost()

    def double(call: Call) -> bool:
        (x, result) = call.args
        assert isinstance(x, int)
        return call.unify(result, 2 * x)

    ag = make_agent("!g. +!g <- .double(21, X); .print(X); .triple(1, Y); .print(Y).", host)
    ag.register_action(".double", double)

    @internal(".triple")
    def triple(call: Call) -> bool:
        (x, result) = call.args
        assert isinstance(x, int)
        return call.unify(result, 3 * x)

    try:
        run(ag)
    finally:
        del STDLIB[".triple"]
    assert host.texts() == ["42", "3"]
