"""A small in-process metrics registry: counters and histograms as plain Python objects.

The store records how its group commit behaves (batch sizes, commit latency) here, cheaply enough for the hot
path (a bisect and two additions per observation); whatever exposes metrics (an HTTP endpoint, a log line) reads
:data:`REGISTRY` and renders it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class Counter:
    name: str
    help: str
    value: float = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


@dataclass(slots=True)
class Histogram:
    """Cumulative-friendly buckets: ``counts[i]`` observations fell at or below ``bounds[i]`` (and above the bound
    before it); the last count holds those above every bound."""

    name: str
    help: str
    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    sum: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        if list(self.bounds) != sorted(self.bounds):
            raise ValueError(f"the bounds of {self.name} must be ascending")
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, observations at or below it)`` pairs, the last bound being infinity."""
        total = 0
        pairs: list[tuple[float, int]] = []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            total += count
            pairs.append((bound, total))
        return pairs


class Registry:
    """Metrics by name; asking twice for one name gives the same object."""

    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Histogram] = {}

    def counter(self, name: str, help: str) -> Counter:
        metric = self._metrics.setdefault(name, Counter(name, help))
        assert isinstance(metric, Counter), f"{name} is not a counter"
        return metric

    def histogram(self, name: str, help: str, bounds: Sequence[float]) -> Histogram:
        metric = self._metrics.setdefault(name, Histogram(name, help, tuple(bounds)))
        assert isinstance(metric, Histogram), f"{name} is not a histogram"
        return metric

    def __iter__(self) -> Iterator[Counter | Histogram]:
        return iter(list(self._metrics.values()))

    def get(self, name: str) -> Counter | Histogram | None:
        return self._metrics.get(name)


REGISTRY = Registry()

BATCH_SIZE = REGISTRY.histogram(
    "romas_store_batch_size",
    "Write requests committed together in one transaction by the group commit.",
    (1, 2, 4, 8, 16, 32, 64, 128),
)
COMMIT_SECONDS = REGISTRY.histogram(
    "romas_store_commit_seconds",
    "Time from a batch's first statement to its commit returning.",
    (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
WRITE_SECONDS = REGISTRY.histogram(
    "romas_store_write_seconds",
    "Time a write request waits, from asking for the writer to its batch's commit (what a client waits for).",
    (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
WRITES = REGISTRY.counter("romas_store_writes_total", "Write requests run by the group commit.")
WRITES_ROLLED_BACK = REGISTRY.counter(
    "romas_store_writes_rolled_back_total", "Write requests whose own changes were rolled back (their error raised)."
)
BATCHES_FAILED = REGISTRY.counter(
    "romas_store_batches_failed_total", "Batches that could not commit (every request in them got the error)."
)
PLANS_REFRESHED = REGISTRY.counter(
    "romas_store_plans_refreshed_total",
    "Times a writer connection's prepared statements were prepared again because the log had doubled (PostgreSQL).",
)
