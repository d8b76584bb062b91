"""Running one plan body as a command and reading the bindings it ends with."""

from __future__ import annotations

from romas.agentspeak import parse_body, parse_term
from romas.agentspeak.host import CommandOutcome
from romas.agentspeak.terms import Term

from ..support import RecordingHost, make_agent, run


def outcome(body: str, source: str = "", host: RecordingHost | None = None, name: str = "ag") -> CommandOutcome:
    host = host or RecordingHost()
    ag = make_agent(source, host, name=name)
    ag.start_command("c", parse_body(body))
    run(ag)
    return host.commands["c"]


def values(body: str, source: str = "") -> dict[str, Term]:
    """The bindings of the body's variables; the body must succeed."""
    out = outcome(body, source)
    assert out.status == "succeeded", out.reason
    return out.bindings


def fails(body: str, source: str = "") -> str:
    """The reason the body failed (it must fail)."""
    out = outcome(body, source)
    assert out.status == "failed", out
    return out.reason or ""


def t(text: str) -> Term:
    return parse_term(text)
