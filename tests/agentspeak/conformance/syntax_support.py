"""Running small programs for the syntax conformance tests: each program runs twice, straight and with the
agent saved to JSON and restored after every reasoning step; both runs must print the same lines."""

from __future__ import annotations

import json

from romas.agentspeak import AgentFiles, parse_program
from romas.agentspeak.agent import Agent
from tests.agentspeak.support import RecordingHost

MAX_ROUNDS = 20_000


def _run(source: str, files: dict[str, str] | None, checkpoint: bool) -> tuple[list[str], list[str]]:
    host = RecordingHost()
    program = parse_program(source, AgentFiles(files or {}), "agent.asl")
    host.agents["ag"] = Agent("ag", program, host)
    for _ in range(MAX_ROUNDS):
        ag = host.agents["ag"]
        report = ag.step(1 if checkpoint else 100)
        if checkpoint:
            host.agents["ag"] = Agent.restore(json.loads(json.dumps(ag.snapshot())), host)
        if report.idle:
            deadline = host.agents["ag"].next_deadline()
            if deadline is None:
                break
            host.clock = max(host.clock, deadline)
    return host.texts("ag"), [text for _agent, text in host.notes]


def run_source(source: str, files: dict[str, str] | None = None) -> list[str]:
    """What the agent prints; the same with a JSON checkpoint after every step."""
    printed, _notes = _run(source, files, False)
    again, _ = _run(source, files, True)
    assert printed == again, "saving and restoring the agent changed what it does"
    return printed


def run_with_notes(source: str, files: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    return _run(source, files, False)
