"""How long the agents' oldest undelivered message has waited, so the scheduler's pauses for requests stay bounded.

Between slices of agent work the scheduler pauses while client requests are at work (see clients.py). Beside agents
that compute by themselves, short slices and long pauses keep the API responsive; but under a steady stream of
messages some request is always at work, and agents that pause for every one fall behind without bound (seconds of
latency at 1,000 messages/s with slices of 0.25 ms and pauses of 4 ms). No pair of constants served both (see
bench/README.md, "Running agents"), so a pause ends before the oldest message waiting for its agent has waited the
runtime's ``backlog_s``, and there is none once it has: a waiting message is a client waiting for an outcome, as a
request at work is a client waiting for an answer.

Only messages not yet delivered count. Once delivered, a message's plan is its agent's own computation, which may run
for ever: an agent that computes, with or without messages, competes for the core like any other and can never take
it from the requests by having work. The age is kept cheaply: each agent notes when its queue stopped being empty
(``LiveAgent.waiting_since``), a round of the scheduler takes the oldest over the agents it has yet to step (suffix
minima of its list, once per round), and the messages that came since the round began are noted here as they come.
A pause under way when a message comes ends by its own bound (``max_pause_s``), so a message may wait that much
longer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol


class Waiting(Protocol):
    @property
    def waiting_since(self) -> float | None: ...


class Backlog:
    __slots__ = ("_arrived", "_oldest")

    def __init__(self) -> None:
        self._oldest: list[float] = []
        """For each position i of the round's agents, the oldest ``waiting_since`` among those from i on."""
        self._arrived = math.inf
        """When the first message that came since the round began came."""

    def arrived(self, now: float) -> None:
        """A message was queued for a running agent."""
        if now < self._arrived:
            self._arrived = now

    def begin_round(self, ready: Sequence[Waiting]) -> None:
        """A round will step ``ready`` in this order: what waits in them is known from here on."""
        oldest = [math.inf] * (len(ready) + 1)
        since = math.inf
        for i in range(len(ready) - 1, -1, -1):
            waiting = ready[i].waiting_since
            if waiting is not None and waiting < since:
                since = waiting
            oldest[i] = since
        self._oldest = oldest
        self._arrived = math.inf

    def end_round(self) -> None:
        self._oldest = []

    def since(self, stepped: int) -> float:
        """When the oldest message still undelivered came (``math.inf`` if none), once the round has stepped its
        first ``stepped`` agents (those deliver at their step: only the rest, and what came since, still wait)."""
        oldest = self._oldest[stepped] if stepped < len(self._oldest) else math.inf
        return min(oldest, self._arrived)

    def pause_bound(self, stepped: int, now: float, backlog_s: float, max_pause_s: float) -> float:
        """How long the scheduler may pause for requests now: ``max_pause_s``, less whatever would make the oldest
        waiting message older than ``backlog_s`` (none once it is)."""
        left = self.since(stepped) + backlog_s - now
        if left >= max_pause_s:
            return max_pause_s
        return left if left > 0.0 else 0.0
