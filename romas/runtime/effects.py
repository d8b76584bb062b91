"""What the agents did since the last flush and must be committed together: status changes, messages they
sent, log lines, and the checkpoints that go with them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from romas.cluster.shards import agent_shard
from romas.store.agent_log import LogLine
from romas.store.commands import CommandChange
from romas.store.inbox import MessageChange, NewMessage
from romas.store.invocations import NewInvocation

if TYPE_CHECKING:
    from romas.runtime.environment import EnvironmentChange


@dataclass(slots=True)
class Effects:
    messages: list[MessageChange] = field(default_factory=list)
    outgoing: list[NewMessage] = field(default_factory=list)
    commands: list[CommandChange] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    environment: list[EnvironmentChange] = field(default_factory=list)
    invocations: list[NewInvocation] = field(default_factory=list)
    checkpoint: set[str] = field(default_factory=set)
    """Agents whose mental state must be saved in the same transaction."""

    def durable(self) -> bool:
        """Whether anything here must reach the database (log lines alone can wait a little)."""
        return bool(
            self.messages or self.outgoing or self.commands or self.environment or self.invocations or self.checkpoint
        )

    def size(self) -> int:
        """How many items one flush commits (checkpoints included)."""
        return (
            len(self.messages)
            + len(self.outgoing)
            + len(self.commands)
            + len(self.log)
            + len(self.environment)
            + len(self.invocations)
            + len(self.checkpoint)
        )

    def __bool__(self) -> bool:
        return self.durable() or bool(self.log)

    def drop_shards(self, shards: Collection[int]) -> None:
        """Forget what the agents of ``shards`` did since the last flush, log lines included (those shards are no
        longer held here)."""

        def lost(agent: str) -> bool:
            return agent_shard(agent) in shards

        self.messages = [m for m in self.messages if not lost(m.agent)]
        self.outgoing = [m for m in self.outgoing if m.origin != "agent" or not lost(m.sender)]
        self.commands = [c for c in self.commands if not lost(c.agent)]
        self.log = [line for line in self.log if not lost(line.agent)]
        self.environment = [e for e in self.environment if not lost(e.agent)]
        self.invocations = [i for i in self.invocations if i.origin != "agent" or not lost(i.invoker)]
        self.checkpoint = {name for name in self.checkpoint if not lost(name)}

    def drop_agent(self, name: str) -> None:
        """Forget what an agent did since the last flush (its in-memory state is being thrown away)."""
        self.messages = [m for m in self.messages if m.agent != name]
        self.outgoing = [m for m in self.outgoing if m.sender != name or m.origin != "agent"]
        self.commands = [c for c in self.commands if c.agent != name]
        self.environment = [e for e in self.environment if e.agent != name]
        self.invocations = [i for i in self.invocations if i.invoker != name or i.origin != "agent"]
        self.checkpoint.discard(name)
