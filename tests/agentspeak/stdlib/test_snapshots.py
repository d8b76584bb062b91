"""What the new actions leave in an intention survives a snapshot: suspended intentions stay suspended (their
held events with them), and ``{ ... }`` bodies keep sharing their caller's bindings."""

from __future__ import annotations

import json

from romas.agentspeak import parse_body
from romas.agentspeak.agent import Agent

from ..support import RecordingHost, make_agent
from .helpers import t


def _reloaded(ag: Agent, host: RecordingHost) -> Agent:
    restored = Agent.restore(json.loads(json.dumps(ag.snapshot())), host)
    host.agents[ag.name] = restored
    return restored


def _run_restoring(ag: Agent, host: RecordingHost, rounds: int = 2000) -> Agent:
    """One step at a time, through a snapshot after each (as ``romas run --checkpoint``)."""
    for _ in range(rounds):
        ag.step(1)
        ag = _reloaded(ag, host)
        if ag.idle:
            deadline = ag.next_deadline()
            if deadline is None:
                return ag
            host.clock = max(host.clock, deadline)
    raise AssertionError("did not finish")


def test_a_suspended_intention_stays_suspended_across_a_snapshot() -> None:
    host = RecordingHost()
    ag = make_agent("+!count(N) <- +n(N); !count(N + 1).", host)
    ag.start_command("c", parse_body("!!count(0); .print(a); .print(b); .suspend(count(_))"))
    for _ in range(20):
        ag.step(1)
    assert host.commands["c"].status == "succeeded"
    ag = _reloaded(ag, host)
    frozen = ag.beliefs.size
    for _ in range(20):
        ag.step(5)
    assert ag.beliefs.size == frozen
    ag.start_command("r", parse_body(".resume(count(_))"))
    for _ in range(20):
        ag.step(5)
    assert ag.beliefs.size > frozen


def test_bodies_share_the_callers_bindings_across_snapshots() -> None:
    host = RecordingHost()
    ag = make_agent("", host)
    body = '.foreach(.member(X, [1, 2, 3]), "+seen(X); .wait(5)"); .if_then_else(seen(3), "Y = yes"); R = Y'
    ag.start_command("c", parse_body(body))
    _run_restoring(ag, host)
    out = host.commands["c"]
    assert out.status == "succeeded", out.reason
    assert out.bindings["R"] == t("yes")
