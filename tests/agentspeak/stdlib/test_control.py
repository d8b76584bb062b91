"""``.if_then_else``, ``.foreach``, ``.loop`` and ``.fork``/``.join``.

Their bodies are written here as plan terms (``{+!b <- ...}``, whose body is used) or strings; the
``{ ... }`` body-only syntax reaches them as plan terms too.
"""

from __future__ import annotations

from ..support import RecordingHost, make_agent, run
from .helpers import outcome, t, values


def test_if_then_else_binds_the_callers_variables() -> None:
    assert values("X = 3; .if_then_else(X > 1, {+!b <- Y = big}, {+!b <- Y = small})")["Y"] == t("big")
    assert values("X = 0; .if_then_else(X > 1, {+!b <- Y = big}, {+!b <- Y = small})")["Y"] == t("small")
    assert values('.if_then_else(p(Z), "Y = Z + 1"); R = Y', "p(4).")["R"] == 5
    assert values('.if_then_else(p(5), "Y = 1"); Y = 2')["Y"] == 2


def test_foreach_runs_the_body_per_solution() -> None:
    got = values(".foreach(.member(X, [1, 2, 3]), {+!b <- +seen(X)}); .findall(V, seen(V), L)")
    assert got["L"] == t("[3, 2, 1]")  # the latest belief first


def test_loop_runs_while_the_condition_holds() -> None:
    got = values('-+n(0); .loop(n(N) & N < 4, "-+n(N + 1)"); ?n(F)')
    assert got["F"] == 4


def test_failure_inside_a_body_fails_the_callers_goal() -> None:
    source = "+!g <- .if_then_else(true, {+!b <- .fail}); +after.\n-!g <- +recovered."
    got = values("!g; .findall(x, after, A); .findall(x, recovered, R)", source)
    assert got["A"] == () and got["R"] == t("[x]")


def test_fork_join_waits_for_every_body() -> None:
    source = "+!w(N) <- .wait(N); +done(N)."
    got = values(".fork(join, {+!b <- !w(30)}, {+!b <- !w(10)}); .findall(N, done(N), L)", source)
    assert got["L"] == t("[30, 10]")  # the latest belief first


def test_fork_or_goes_on_after_the_first_and_drops_the_others() -> None:
    source = "+!w(N) <- .wait(N); +done(N)."
    host = RecordingHost()
    ag = make_agent(source, host)
    from romas.agentspeak import parse_body

    ag.start_command("c", parse_body(".fork(or, {+!b <- !w(500)}, {+!b <- !w(10)}); .findall(N, done(N), L)"))
    run(ag)
    assert host.commands["c"].bindings["L"] == t("[10]")
    host.clock += 10
    run(ag)
    assert [k for k, _ in ag.beliefs.items() if k.functor == "done"] == [t("done(10)")]


def test_bad_bodies_fail_clearly() -> None:
    out = outcome(".foreach(true, 3)")
    assert out.status == "failed" and "plan body" in (out.reason or "")
    out = outcome(".fork(maybe, {+!b <- true})")
    assert out.status == "failed" and "and, join or or" in (out.reason or "")


def test_fork_and_at_respect_the_intention_limit() -> None:
    from romas.agentspeak.host import Limits

    host = RecordingHost()
    ag = make_agent("", host, limits=Limits(max_intentions=3))
    from romas.agentspeak import parse_body

    ag.start_command("c", parse_body('.fork(join, "true", "true", "true")'))
    ag.start_command("d", parse_body('.at("now +1 s", {+!g}); .at("now +1 s", {+!g}); .at("now +1 s", {+!g})'))
    run(ag)
    assert "too many intentions" in (host.commands["c"].reason or "")
    assert "too many intentions" in (host.commands["d"].reason or "")
