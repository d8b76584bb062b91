"""Hot swap with the new syntax: an agent keeps its beliefs and takes new plans using namespaces, functions,
annotated variables, plan-body terms and included files; a snapshot taken after the swap restores them."""

from __future__ import annotations

import json

from romas.agentspeak import AgentFiles, parse_body, parse_program
from romas.agentspeak.agent import Agent
from tests.agentspeak.support import RecordingHost, run

BEFORE = "count(3).\n+!show <- ?count(N); .print(old, N).\n"
AFTER = """
{ include("lib.asl", util) }
+!show : count(N)[source(S)] <- B = { .print(new, N) }; B; !util::double(N).
"""
LIB = "+!double(N) <- .print(math.max(N * 2, 0)).\n"


def test_new_syntax_swapped_in_and_saved() -> None:
    host = RecordingHost()
    agent = Agent("ag", parse_program(BEFORE), host)
    host.agents["ag"] = agent
    agent.start_command("c1", parse_body("!show"))
    run(agent)
    agent.replace_program(parse_program(AFTER, AgentFiles({"lib.asl": LIB}), "ag.asl"))
    agent.start_command("c2", parse_body("!show"))
    run(agent)
    restored = Agent.restore(json.loads(json.dumps(agent.snapshot())), host)
    host.agents["ag"] = restored
    restored.start_command("c3", parse_body("!show"))
    run(restored)
    texts = host.texts("ag")
    assert texts[0].startswith("old")
    assert texts[1:3] == ["new3", "6"]
    assert texts[3:5] == ["new3", "6"]
