"""The directory (yellow pages) through the host: register, search, deregister, subscribe."""

from __future__ import annotations

from romas.agentspeak import parse_body

from ..support import RecordingHost, make_agent, run
from .helpers import outcome, t


def test_register_search_deregister() -> None:
    host = RecordingHost()
    out = outcome(
        ".df_register(sell); .df_register(buy, food); .df_search(sell, A); .df_search(buy, food, B);"
        " .df_search(buy, tools, C); .df_deregister(sell); .df_search(sell, D)",
        "",
        host,
    )
    assert out.status == "succeeded", out.reason
    b = out.bindings
    assert b["A"] == t("[ag]") and b["B"] == t("[ag]") and b["C"] == () and b["D"] == ()


def test_subscribers_hear_of_providers_now_and_later() -> None:
    host = RecordingHost()
    alice = make_agent("", host, name="alice")
    bob = make_agent("", host, name="bob")
    alice.start_command("a", parse_body(".df_register(sell)"))
    run(alice)
    bob.start_command("b", parse_body(".df_subscribe(sell)"))
    run(alice, bob)
    carol = make_agent("", host, name="carol")
    carol.start_command("c", parse_body('.df_register("sell")'))
    run(alice, bob, carol)
    heard = [k for k, _ in bob.beliefs.items()]
    # as Jason: the service is told as a string, however it was registered; the latest belief first
    assert heard == [t('provider(carol, "sell")'), t('provider(alice, "sell")')]


def test_services_must_be_atoms_or_strings() -> None:
    out = outcome(".df_register(S)")
    assert out.status == "failed" and "atom or a string" in (out.reason or "")
