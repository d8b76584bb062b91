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

    # -- the agents of the system and the directory (romas/runtime/mas.py) ------------------------------------

    def agent_names(self, agent: str) -> list[str]:
        return self._runtime.mas.agent_names(agent)

    def create_agent(self, creator: str, name: str | None, source: str, is_file: bool) -> ActionPending:
        return self._runtime.mas.create_agent(creator, name, source, is_file)

    def kill_agent(self, killer: str, name: str) -> ActionPending:
        return self._runtime.mas.kill_agent(killer, name)

    def stop_mas(self, agent: str) -> ActionPending:
        return self._runtime.mas.stop_mas(agent)

    def df_register(self, agent: str, service: str, type_: str | None) -> ActionPending:
        return self._runtime.mas.df_register(agent, service, type_)

    def df_deregister(self, agent: str, service: str, type_: str | None) -> ActionPending:
        return self._runtime.mas.df_deregister(agent, service, type_)

    def df_search(self, agent: str, service: str, type_: str | None) -> ActionPending:
        return self._runtime.mas.df_search(agent, service, type_)

    def df_subscribe(self, agent: str, service: str, type_: str | None) -> ActionPending:
        return self._runtime.mas.df_subscribe(agent, service, type_)
