"""What the runtime counts as it works, for ``/metrics``: plain numbers updated in place (no lock: one event
loop), read when Prometheus scrapes.

Message and command counts come from the event log the runtime follows, so every process sees the same
totals whichever process wrote them; steps and flushes are this process's own work. Per-agent figures are kept
for every agent that exists (one small record each) and exported only for the busiest ones or on request, so
10,000 agents do not become 10,000 series on every scrape.
"""

from __future__ import annotations

import bisect
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    SummaryMetricFamily,
)

from romas.store.eventstore import RecordedEvent

if TYPE_CHECKING:
    from romas.runtime.runtime import Runtime

# Seconds from a message's acceptance to its final status; from milliseconds to minutes.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
FLUSH_SIZE_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000)
FLUSH_SECONDS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
MAX_TRACKED_MESSAGES = 100_000
"""Acceptance times kept for unfinished messages; beyond this the oldest are forgotten (no latency for them)."""


@dataclass(slots=True)
class Histogram:
    """Cumulative buckets as Prometheus wants them, without a registry (the collector exports it)."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1

    def cumulative(self) -> list[tuple[str, float]]:
        running = 0
        buckets: list[tuple[str, float]] = []
        for bound, count in zip((*map(repr, self.bounds), "+Inf"), self.counts, strict=True):
            running += count
            buckets.append((bound, float(running)))
        return buckets


@dataclass(slots=True)
class AgentFigures:
    """One agent's message handling, as seen in the event log."""

    finished: dict[str, int] = field(default_factory=dict)
    """Messages by final status: processed, failed, expired, cancelled."""
    latency_sum: float = 0.0
    latency_count: int = 0

    @property
    def failures(self) -> int:
        return self.finished.get("failed", 0) + self.finished.get("expired", 0)

    @property
    def total(self) -> int:
        return sum(self.finished.values())


class RuntimeTelemetry:
    def __init__(self) -> None:
        self.messages: dict[str, int] = {}
        """Message status changes by the status reached (accepted, delivered, processed, failed, expired)."""
        self.commands: dict[str, int] = {}
        self.steps = 0
        self.flush_size = Histogram(FLUSH_SIZE_BUCKETS)
        self.flush_seconds = Histogram(FLUSH_SECONDS_BUCKETS)
        self.message_latency = Histogram(LATENCY_BUCKETS)
        self.agents: dict[str, AgentFigures] = {}
        self._accepted: OrderedDict[str, datetime] = OrderedDict()

    def on_events(self, events: Iterable[RecordedEvent]) -> None:
        """Count what the log says happened to messages and commands, and how long messages took."""
        for event in events:
            kind, _, status = event.type.partition(".")
            if kind == "message":
                self._message(event, status)
            elif kind == "command" and status:
                self.commands[status] = self.commands.get(status, 0) + 1
            elif event.stream_type == "agent" and event.type.endswith(".deleted"):
                self.agents.pop(event.stream_id.rsplit("/", 1)[-1], None)

    def _message(self, event: RecordedEvent, status: str) -> None:
        if status not in {"accepted", "delivered", "processed", "failed", "expired", "cancelled"}:
            return  # not a status change (a retry link, for instance)
        self.messages[status] = self.messages.get(status, 0) + 1
        message_id = str(event.data.get("id", ""))
        if status == "accepted":
            self._accepted[message_id] = event.recorded_at
            if len(self._accepted) > MAX_TRACKED_MESSAGES:
                self._accepted.popitem(last=False)
            return
        if status == "delivered":
            return
        agent = str(event.data.get("agent", ""))
        figures = self.agents.get(agent)
        if figures is None:
            figures = self.agents[agent] = AgentFigures()
        figures.finished[status] = figures.finished.get(status, 0) + 1
        accepted = self._accepted.pop(message_id, None)
        if accepted is not None:
            seconds = max((event.recorded_at - accepted).total_seconds(), 0.0)
            self.message_latency.observe(seconds)
            figures.latency_sum += seconds
            figures.latency_count += 1

    def flushed(self, items: int, started: float) -> None:
        """One commit of the runtime's buffered work: how many items it held and how long it took."""
        self.flush_size.observe(items)
        self.flush_seconds.observe(time.perf_counter() - started)


class RuntimeCollector:
    """A Prometheus collector reading the runtime at scrape time. ``top`` bounds the per-agent series to the
    busiest agents (by queue depth, then failures, then messages handled); None exports every agent."""

    def __init__(self, runtime: Runtime, top: int | None) -> None:
        self.runtime = runtime
        self.top = top

    def collect(self) -> Iterator[Metric]:
        runtime = self.runtime
        telemetry = runtime.telemetry
        if self.top is None:
            yield from self._per_agent()
            return
        messages = CounterMetricFamily(
            "romas_messages", "Message status changes seen in the event log, by the status reached", labels=["status"]
        )
        for status, count in sorted(telemetry.messages.items()):
            messages.add_metric([status], count)
        yield messages
        commands = CounterMetricFamily(
            "romas_commands", "Command status changes seen in the event log, by the status reached", labels=["status"]
        )
        for status, count in sorted(telemetry.commands.items()):
            commands.add_metric([status], count)
        yield commands
        yield CounterMetricFamily("romas_agent_steps", "Reasoning steps the agents took here", value=telemetry.steps)
        yield _histogram("romas_message_latency_seconds", "From acceptance to final status", telemetry.message_latency)
        yield _histogram(
            "romas_runtime_flush_items",
            "Items (status changes, messages, log lines, checkpoints, ...) per runtime commit",
            telemetry.flush_size,
        )
        yield _histogram("romas_runtime_flush_seconds", "Duration of a runtime commit", telemetry.flush_seconds)
        yield GaugeMetricFamily(
            "romas_event_log_position", "The last event-log position this process has handled", value=runtime.position
        )
        yield GaugeMetricFamily(
            "romas_runtime_leader",
            "1 while this process runs a share of the agents (see /cluster), else 0",
            value=1 if runtime.leading else 0,
        )
        yield GaugeMetricFamily("romas_agents", "Agents that exist (not deleted)", value=len(runtime.known))
        yield GaugeMetricFamily("romas_agents_running", "Agents running in this process", value=len(runtime.live))
        yield GaugeMetricFamily(
            "romas_queue_depth",
            "Unfinished messages held by the agents running here",
            value=sum(len(live.versions) for live in runtime.live.values()),
        )
        yield from self._per_agent()

    def _per_agent(self) -> Iterator[Metric]:
        runtime = self.runtime
        figures = runtime.telemetry.agents
        depth = {name: len(live.versions) for name, live in runtime.live.items()}
        names = set(depth) | set(figures)
        empty = AgentFigures()

        def rank(name: str) -> tuple[int, int, int]:
            seen = figures.get(name, empty)
            return (-depth.get(name, 0), -seen.failures, -seen.total)

        chosen = sorted(names, key=lambda name: (*rank(name), name))
        if self.top is not None:
            chosen = chosen[: self.top]
        queue = GaugeMetricFamily(
            "romas_agent_queue_depth", "Unfinished messages the agent holds or will receive", labels=["agent"]
        )
        handled = CounterMetricFamily(
            "romas_agent_messages", "Messages the agent finished, by final status", labels=["agent", "status"]
        )
        failures = CounterMetricFamily(
            "romas_agent_failures", "Messages of the agent that failed or expired", labels=["agent"]
        )
        latency = SummaryMetricFamily(
            "romas_agent_processing_seconds",
            "From acceptance to final status of the agent's messages (rate of _count: throughput)",
            labels=["agent"],
        )
        for name in chosen:
            seen = figures.get(name, empty)
            queue.add_metric([name], depth.get(name, 0))
            for status in ("processed", "failed", "expired", "cancelled"):
                handled.add_metric([name, status], seen.finished.get(status, 0))
            failures.add_metric([name], seen.failures)
            latency.add_metric([name], count_value=seen.latency_count, sum_value=seen.latency_sum)
        yield from (queue, handled, failures, latency)


def _histogram(name: str, documentation: str, histogram: Histogram) -> HistogramMetricFamily:
    return HistogramMetricFamily(name, documentation, buckets=histogram.cumulative(), sum_value=histogram.total)
