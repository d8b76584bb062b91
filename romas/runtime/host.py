"""The server's side of the interpreter's Host protocol: everything an agent does outside its own mind goes
to the runtime, which records it and commits it with the agent's next checkpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from romas.agentspeak.host import (
    ActionFailed,
    ActionPending,
    ActionSucceeded,
    BaseHost,
    CommandOutcome,
    MessageOutcome,
)
from romas.agentspeak.terms import Term
from romas.runtime.ids import new_id

if TYPE_CHECKING:
    from romas.runtime.runtime import Runtime


class RuntimeHost(BaseHost):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self._runtime = runtime

    def new_message_id(self, agent: str) -> str:
        """Message ids are row ids too, so they must stay unique across agents, restarts and processes."""
        return new_id()

    def print(self, agent: str, text: str, intention_tag: str | None) -> None:
        self._runtime.record_print(agent, text, intention_tag)

    def log(self, agent: str, text: str) -> None:
        self._runtime.record_note(agent, text)

    def send(
        self, sender: str, receiver: str, performative: str, content: Term, msg_id: str, in_reply_to: str | None
    ) -> None:
        self._runtime.record_send(sender, receiver, performative, content, msg_id, in_reply_to)

    def broadcast(self, sender: str, performative: str, content: Term, msg_id: str) -> None:
        self._runtime.record_broadcast(sender, performative, content, msg_id)

    def external_action(
        self, agent: str, action: Term, annotations: tuple[Term, ...]
    ) -> ActionSucceeded | ActionFailed | ActionPending:
        return self._runtime.act(agent, action, annotations)

    def message_done(self, agent: str, msg_id: str, outcome: MessageOutcome) -> None:
        self._runtime.record_message_done(agent, msg_id, outcome)

    def command_done(self, agent: str, cmd_id: str, outcome: CommandOutcome) -> None:
        self._runtime.record_command_done(agent, cmd_id, outcome)
