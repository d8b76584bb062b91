"""Which agents have messages waiting for them, and since when: the scheduler's slices follow it.

Between slices of agent work the scheduler pauses while client requests are at work (see clients.py), for up to
``max_pause_s`` a turn. Beside agents that compute by themselves, short slices keep the API responsive (a request that
comes waits for the slice under way); but agents with messages, given short slices and the same pauses, fall behind a
steady stream of them without bound (seconds of latency at 1,000 messages/s with slices of 0.25 ms), and given short
slices without the pauses they cost each message more (more turns of the loop, requests cut short between them). No
pair of constants served both (see bench/README.md, "Running agents"), so the slice follows the agents' backlog: short
(``slice_s``) while no message waits for its agent, ``message_slice_s`` while one does.

Only messages not yet delivered count. Once delivered, a message's plan is its agent's own computation, which may run
for ever: an agent that computes, with or without messages, gets the short slices, and cannot hold the core longer by
having work. It is kept cheaply: each agent notes when its queue stopped being empty (``LiveAgent.waiting_since``), a
round of the scheduler takes the oldest over the agents it has yet to step (suffix minima of its list, once per
round), and the messages that came since the round began are noted here as they come.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol


class Waiting(Protocol):
    @property
    def waiting_since(self) -> float | None: ...


class Backlog:
    """The oldest message waiting for its agent, as the scheduler's round under way sees it."""

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

    def slice_over(self, stepped: int, ran: float, slice_s: float, message_slice_s: float) -> bool:
        """Whether a slice of agent work that has run ``ran`` seconds ends, once the round has stepped its first
        ``stepped`` agents: after ``slice_s`` while no message waits, else after ``message_slice_s``."""
        return ran >= message_slice_s or (ran >= slice_s and self.since(stepped) == math.inf)
