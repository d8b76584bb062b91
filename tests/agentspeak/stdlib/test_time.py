"""``.nano_time``, ``.set_random_seed`` and ``.at``."""

from __future__ import annotations

import pytest

from romas.agentspeak import parse_body

from ..support import RecordingHost, make_agent, run
from .helpers import outcome, values


def test_nano_time_follows_the_host_clock() -> None:
    host = RecordingHost()
    ag = make_agent("", host)
    ag.start_command("c", parse_body(".nano_time(A); .wait(5); .nano_time(B); D = B - A"))
    run(ag)
    assert host.commands["c"].bindings["D"] >= 5_000_000  # type: ignore[operator]


def test_set_random_seed_repeats_the_numbers() -> None:
    got = values(".set_random_seed(7); .random(A); .set_random_seed(7); .random(B)")
    assert got["A"] == got["B"]


def test_at_posts_the_event_later() -> None:
    host = RecordingHost()
    ag = make_agent("+!g(X) <- +did(X).", host)
    ag.start_command("c", parse_body('.at("now +2 s", {+!g(1)})'))
    ag.step(100)
    assert host.commands["c"].status == "succeeded"
    assert ag.beliefs.size == 0 and ag.next_deadline() == 2.0
    run(ag)  # the virtual clock moves to the deadline
    assert host.clock == 2.0 and ag.beliefs.size == 1


@pytest.mark.parametrize("when", ['"now +1 minute"', '"now +3 h"', '"now +10"', '"now +1 days"'])
def test_at_reads_jason_times(when: str) -> None:
    assert outcome(f".at({when}, {{+!g}})").status == "succeeded"


def test_at_refuses_unreadable_times() -> None:
    assert outcome('.at("tomorrow", {+!g})').status == "failed"
    assert outcome('.at("now", {+!g})').status == "failed"
    assert outcome('.at("now +x s", {+!g})').status == "failed"


def test_unknown_units_are_milliseconds_as_in_jason() -> None:
    host = RecordingHost()
    ag = make_agent("+!g <- +did.", host)
    ag.start_command("c", parse_body('.at("now +7 fortnights", {+!g})'))
    run(ag)
    assert host.clock == 0.007 and ag.beliefs.size == 1
