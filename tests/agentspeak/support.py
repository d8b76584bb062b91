"""A recording host with a virtual clock, and helpers to run agents in tests."""

from __future__ import annotations

from romas.agentspeak import parse_program
from romas.agentspeak.agent import Agent
from romas.agentspeak.host import (
    ActionFailed,
    ActionPending,
    ActionSucceeded,
    BaseHost,
    CommandOutcome,
    Limits,
    Message,
    MessageOutcome,
    UnknownReceiver,
)
from romas.agentspeak.terms import Struct, Term


class RecordingHost(BaseHost):
    def __init__(self) -> None:
        super().__init__(seed=1)
        self.clock = 0.0
        self.printed: list[tuple[str, str, str | None]] = []
        self.notes: list[tuple[str, str]] = []
        self.sent: list[tuple[str, str, str, Term, str, str | None]] = []
        self.messages: dict[str, MessageOutcome] = {}
        self.commands: dict[str, CommandOutcome] = {}
        self.actions: list[tuple[str, Term, tuple[Term, ...]]] = []
        self.action_results: dict[str, ActionSucceeded | ActionFailed | ActionPending] = {}
        self.agents: dict[str, Agent] = {}

    def monotonic(self) -> float:
        return self.clock

    def now(self) -> float:
        return 1_700_000_000.0 + self.clock

    def print(self, agent: str, text: str, intention_tag: str | None) -> None:
        self.printed.append((agent, text, intention_tag))

    def log(self, agent: str, text: str) -> None:
        self.notes.append((agent, text))

    def send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        self.sent.append((sender, receiver, performative, content, msg_id, in_reply_to))
        target = self.agents.get(receiver)
        if target is None:
            raise UnknownReceiver(receiver)
        target.deliver(Message(msg_id, sender, performative, content, in_reply_to))

    def external_action(
        self, agent: str, action: Term, annotations: tuple[Term, ...]
    ) -> ActionSucceeded | ActionFailed | ActionPending:
        self.actions.append((agent, action, annotations))
        if isinstance(action, Struct) and action.functor in self.action_results:
            return self.action_results[action.functor]
        return super().external_action(agent, action, annotations)

    def message_done(self, agent: str, msg_id: str, outcome: MessageOutcome) -> None:
        self.messages[msg_id] = outcome

    def command_done(self, agent: str, cmd_id: str, outcome: CommandOutcome) -> None:
        self.commands[cmd_id] = outcome

    def texts(self, agent: str | None = None) -> list[str]:
        return [t for a, t, _ in self.printed if agent is None or a == agent]


def make_agent(source: str, host: RecordingHost | None = None, name: str = "ag", limits: Limits | None = None) -> Agent:
    host = host or RecordingHost()
    agent = Agent(name, parse_program(source), host, limits=limits)
    host.agents[name] = agent
    return agent


def run(*agents: Agent, rounds: int = 10_000, budget: int = 100, partial: bool = False) -> None:
    """Steps the agents until all are idle with no timer, advancing the virtual clock to timers."""
    host = agents[0].host
    assert isinstance(host, RecordingHost)
    for _ in range(rounds):
        for ag in agents:
            ag.step(budget)
        if all(ag.idle for ag in agents):
            deadlines = [d for d in (ag.next_deadline() for ag in agents) if d is not None]
            if not deadlines:
                return
            host.clock = max(host.clock, min(deadlines))
    if not partial:
        raise AssertionError("the agents did not finish")
