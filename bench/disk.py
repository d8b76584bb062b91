"""How long the disk takes to make a small write durable, sampled beside another benchmark.

Why: a commit on either database waits for its write to reach the disk (SQLite ``synchronous=FULL``, PostgreSQL's
WAL flush), so a disk that now and then takes tens of milliseconds to sync holds every commit of that moment, and
every request waiting for one. On this machine's virtual disk that happens in bursts, and it is what the tail of
``bench.runtime latency --db postgres`` follows (see "The disk's syncs" in bench/README.md). This probe writes 8 KiB
and syncs it (``fdatasync``, as PostgreSQL's WAL does by default) every few milliseconds in a file of its own, and
notes each sync that took longer than ``--slow-ms`` with its UTC instant, to be set beside what the benchmark saw at
that instant (PostgreSQL's own log of slow statements, say). Its own load is small: at the default pace ~250 syncs a
second of one page, against the thousands a second the disk serves.

Run it beside a benchmark, on the file system the database writes to:
``.venv/bin/python -m bench.disk --seconds 60 --dir /var/lib/postgresql``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PAGE = b"\0" * 8192
SLOW_MS = 10.0
"""A sync slower than this is listed (the benchmarks' ``--disk-probe``; ``--slow-ms`` here)."""


@dataclass
class Syncs:
    """What the probe saw: every sync's duration, and the slow ones with their instants."""

    durations_ms: list[float] = field(default_factory=list)
    slow: list[tuple[float, float]] = field(default_factory=list)
    """(UNIX time at the sync's start, milliseconds) of each sync over the threshold."""

    @property
    def longest_ms(self) -> float:
        return max(self.durations_ms, default=float("nan"))

    def percentile(self, p: float) -> float:
        ordered = sorted(self.durations_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def probe(directory: Path, seconds: float, every_s: float, slow_ms: float) -> Syncs:
    """Write and sync one page every ``every_s`` for ``seconds``, in a file removed afterwards."""
    end = time.monotonic() + seconds
    return probe_until(lambda: time.monotonic() >= end, directory, every_s, slow_ms, Syncs())


def probe_until(done: Callable[[], bool], directory: Path, every_s: float, slow_ms: float, syncs: Syncs) -> Syncs:
    """:func:`probe` until ``done()``, noting into ``syncs``."""
    handle, name = tempfile.mkstemp(prefix="romas-disk-probe-", dir=directory)
    try:
        while not done():
            started_at = time.time()
            started = time.perf_counter()
            os.pwrite(handle, PAGE, 0)
            os.fdatasync(handle)
            took_ms = (time.perf_counter() - started) * 1000
            syncs.durations_ms.append(took_ms)
            if took_ms > slow_ms:
                syncs.slow.append((started_at, took_ms))
            time.sleep(every_s)
    finally:
        os.close(handle)
        os.unlink(name)
    return syncs


class Probe:
    """The probe in a thread of its own for the span of a ``with`` block (``--disk-probe`` of ``bench.runtime`` and
    ``bench.environment``): the block gets the :class:`Syncs`, complete once it has ended."""

    def __init__(self, directory: Path, every_s: float = 0.01, slow_ms: float = SLOW_MS) -> None:
        self.syncs = Syncs()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=probe_until,
            args=(self._stop.is_set, directory, every_s, slow_ms, self.syncs),
            name="romas-disk-probe",
            daemon=True,
        )

    def __enter__(self) -> Syncs:
        self._thread.start()
        return self.syncs

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def probing(directory: Path | None) -> AbstractContextManager[Syncs]:
    """A repetition's probe in ``directory``, or none (its :class:`Syncs` stay empty) when it is None."""
    return Probe(directory) if directory is not None else nullcontext(Syncs())


def brief(syncs: Syncs, directory: Path | None) -> str:
    """The end of a repetition's line: how many syncs were slow, and the longest (nothing without a probe)."""
    if directory is None:
        return ""
    return f" | disk: {len(syncs.slow)} syncs over {SLOW_MS:g} ms, longest {syncs.longest_ms:.1f} ms"


def add_option(parser: argparse.ArgumentParser) -> None:
    """``--disk-probe DIR`` for a benchmark whose repetitions run :func:`probing`."""
    parser.add_argument(
        "--disk-probe",
        type=Path,
        default=None,
        metavar="DIR",
        help="sync a page every 10 ms in DIR (the database's file system) during each repetition and print the slow "
        "syncs (bench/disk.py)",
    )


def record(every: Sequence[Syncs]) -> list[dict[str, float]]:
    """The repetitions' probes as the results file holds them."""
    return [{"over_10_ms": len(s.slow), "longest_ms": round(s.longest_ms, 1) if s.durations_ms else 0.0} for s in every]


def report(syncs: Syncs, slow_ms: float) -> str:
    n = len(syncs.durations_ms)
    lines = [
        f"{n} syncs of 8 KiB: p50 {syncs.percentile(50):.3f} ms, p99 {syncs.percentile(99):.3f} ms, "
        f"p99.9 {syncs.percentile(99.9):.3f} ms, max {syncs.longest_ms:.1f} ms; "
        f"{len(syncs.slow)} over {slow_ms:g} ms"
    ]
    for at, took_ms in syncs.slow:
        instant = datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S.%f")[:-3]
        lines.append(f"  {instant} UTC  {took_ms:7.1f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.disk", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to probe (30)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the probe's file goes")
    parser.add_argument("--every-ms", type=float, default=4.0, help="pause between two syncs (4)")
    parser.add_argument("--slow-ms", type=float, default=SLOW_MS, help=f"list each sync slower than this ({SLOW_MS:g})")
    args = parser.parse_args()
    syncs = probe(args.dir, args.seconds, args.every_ms / 1000, args.slow_ms)
    print(report(syncs, args.slow_ms))


if __name__ == "__main__":
    main()
