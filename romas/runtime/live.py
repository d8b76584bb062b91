"""The runtime's bookkeeping for one running agent, beside the interpreter's own state."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from romas.agentspeak.agent import Agent

MAX_COMMAND_OUTPUT = 1000


@dataclass(slots=True)
class Pending:
    """An accepted message not yet handed to the interpreter."""

    id: str
    sender: str
    origin: str
    performative: str
    content: str
    in_reply_to: str | None
    expires_at: datetime | None


@dataclass(slots=True)
class RunningCommand:
    id: str
    version: int
    deadline: datetime
    body: str
    started: bool = False
    timed_out: bool = False
    output: list[str] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class LiveAgent:
    name: str
    agent: Agent
    code_revision: int
    queue: deque[Pending] = field(default_factory=deque)
    versions: dict[str, int] = field(default_factory=dict)
    """Version of every unfinished message the agent holds (delivered) or will receive (queued)."""
    from_clients: set[str] = field(default_factory=set)
    """Ids of held messages sent by REST clients: their answers go into the message, not to an agent."""
    commands: dict[str, RunningCommand] = field(default_factory=dict)
    waiting_since: float | None = None
    """When the oldest message in ``queue`` came to this process (``time.perf_counter``); None while it is empty."""
    loaded_through: int = 0
    """Every message and command accepted at or before this log position was read from the tables at start."""
    loaded_until: int = 0
    """Those accepted up to this position may have been: ``loaded_ids`` says which."""
    loaded_ids: set[str] = field(default_factory=set)
    loading: bool = True
    """Its start is still reading its unfinished messages and commands: a cancellation asked meanwhile waits for
    the start to apply it, since the rows being read would bring back what it had dropped."""
    idle: bool = False
    deadline: float | None = None
    last_checkpoint: float = 0.0
    stepped: bool = False
    """It ran since its last checkpoint (a periodic checkpoint keeps what it did on its own)."""
    logged: int = 0
    """Lines written since the log was last pruned."""
    log_allowance: float = 0.0
    log_refilled: float = 0.0
    log_dropped: int = 0

    def may_log(self, now: float, per_second: float) -> bool:
        """A token bucket: a printing loop fills the log at most ``per_second`` lines a second."""
        self.log_allowance = min(per_second, self.log_allowance + (now - self.log_refilled) * per_second)
        self.log_refilled = now
        if self.log_allowance >= 1.0:
            self.log_allowance -= 1.0
            return True
        self.log_dropped += 1
        return False

    def loaded_at_start(self, position: int, item_id: str) -> bool:
        """Whether the agent's start already read this message or command from the tables.

        The log follower may reach its ``accepted`` event late, after the agent has finished it; taking it
        up again would run it twice."""
        if position <= self.loaded_through:
            return True
        if position > self.loaded_until:
            self.loaded_ids.clear()
            return False
        return item_id in self.loaded_ids

    def has_work(self, now: float) -> bool:
        if self.queue or not self.idle:
            return True
        if self.commands and any(not c.started for c in self.commands.values()):
            return True
        return self.deadline is not None and self.deadline <= now
