"""Events, suspension, the description of intentions and ``.signal``."""

from __future__ import annotations

from romas.agentspeak import parse_body, parse_term

from ..support import RecordingHost, make_agent, run
from .helpers import t, values


def test_drop_event_removes_pending_goals_only() -> None:
    # in an atomic plan, the events wait until it ends
    source = "+!g(N) <- +did(N).\n@t[atomic] +!t <- !!g(1); !!g(2); .drop_event(g(1))."
    got = values("!t; .wait(1); .findall(N, did(N), L)", source)
    assert got["L"] == t("[2]")


def test_drop_all_events() -> None:
    source = "+!g(N) <- +did(N).\n@t[atomic] +!t <- !!g(1); !!g(2); .drop_all_events."
    got = values("!t; .wait(1); .findall(N, did(N), L)", source)
    assert got["L"] == ()


def test_drop_all_events_drops_intentions_waiting_in_them() -> None:
    source = "+!g <- !h; +after.\n+!h <- true.\n@t[atomic] +!t <- !!g; .print(x); .drop_all_events."
    got = values("!t; .wait(5); .findall(x, after, L)", source)
    assert got["L"] == ()


def test_drop_future_intention() -> None:
    source = "+!g <- .wait(100); +did."
    got = values("!!g; .wait(1); .drop_future_intention(g); .wait(200); .findall(x, did, L)", source)
    assert got["L"] == ()


def test_done_achieves_the_current_goal() -> None:
    source = "+!g <- +before; .done; +after."
    got = values("!g; .findall(x, before, B); .findall(x, after, A)", source)
    assert got["B"] == t("[x]") and got["A"] == ()


def test_suspend_resume_and_suspended() -> None:
    source = "+!count(N) <- +n(N); !count(N + 1)."
    host = RecordingHost()
    ag = make_agent(source, host)
    ag.start_command("c", parse_body("!!count(0); .print(a); .print(b); .suspend(count(_)); .suspended(count(_), R)"))
    run(ag, rounds=50, partial=True)
    out = host.commands["c"]
    assert out.status == "succeeded", out.reason
    assert out.bindings["R"] == t("suspended")
    frozen = ag.beliefs.size
    run(ag, rounds=50, partial=True)
    assert ag.beliefs.size == frozen  # nothing runs while suspended
    ag.start_command("r", parse_body(".resume(count(_))"))
    run(ag, rounds=20, partial=True)
    assert ag.beliefs.size > frozen


def test_suspend_the_current_intention_then_resume() -> None:
    source = "+!g <- +a; .suspend; +b.\n+!h <- .wait(5); .resume(g)."
    got = values("!!g; !!h; .wait(20); .findall(x, b, L)", source)
    assert got["L"] == t("[x]")


def test_intention_and_current_intention() -> None:
    source = (
        "+!g <- .current_intention(intention(Id, Stack)); .intention(Id, State, S2, current); +r(Id, State, Stack)."
    )
    got = values("!g; ?r(Id, State, [im(L, T, P, U) | _]); .intention(Id2, running)", source)
    assert got["State"] == t("running")
    assert got["L"].functor  # type: ignore[union-attr]
    assert got["T"] == parse_term("{+!g[source(self)]}")
    assert type(got["Id2"]) is int


def test_signal_posts_an_event_without_changing_beliefs() -> None:
    source = "+hello[source(S)] <- +heard(S)."
    got = values(".signal({+hello}); .wait(1); .findall(S, heard(S), L); .findall(x, hello, H)", source)
    assert got["L"] == t("[self]") and got["H"] == ()
