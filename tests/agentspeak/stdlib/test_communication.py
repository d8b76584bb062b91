"""``.send`` between agents of one host (delivering ``.broadcast`` is the host's job: see ``romas run``)."""

from __future__ import annotations

from romas.agentspeak import parse_body

from ..support import RecordingHost, make_agent, run
from .helpers import t


def test_send_and_ask() -> None:
    host = RecordingHost()
    alice = make_agent("price(3).", host, name="alice")
    bob = make_agent("", host, name="bob")
    carol = make_agent("", host, name="carol")
    bob.start_command("b", parse_body(".send(alice, askOne, price(P), A); .send(carol, tell, hi)"))
    run(alice, bob, carol)
    out = host.commands["b"]
    assert out.status == "succeeded", out.reason
    assert out.bindings["A"].functor == "price"  # type: ignore[union-attr]
    assert out.bindings["A"].args == (3,)  # type: ignore[union-attr]
    assert [(k, a) for k, a in carol.beliefs.items()] == [(t("hi"), [t("source(bob)")])]


def test_send_to_nobody_fails_clearly() -> None:
    host = RecordingHost()
    ag = make_agent("", host)
    ag.start_command("c", parse_body(".send(nobody, tell, x)"))
    run(ag)
    assert host.commands["c"].status == "failed"
    assert "no agent named nobody" in (host.commands["c"].reason or "")
