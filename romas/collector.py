"""The garbage collector of a serving process, tuned for a heap that is mostly long-lived and for short pauses.

Why: most of a server's heap lives as long as the process (modules, the application, SQLAlchemy's tables), and
CPython's full collections traverse all of it (tens of milliseconds each for ``romas serve``), every few seconds
under load: a share of every request's CPU, and pauses that show in the tail of the latency. What is alive when
the server starts is moved out of the collector's sight (``gc.freeze``; it is still freed by reference counting).

A collection holds the event loop for as long as it takes, and that grows with the objects it traverses: the young
generation is collected every ``YOUNG_THRESHOLD`` allocations (net of deallocations), a pause of ~0.5 ms at 2,000
under the runtime benchmarks' loads (bench/README.md, "The collector's pauses"), where 20,000 paused the loop ~10 ms
each time and every tenth of those (the middle generation) 20-40 ms, which showed in the p99 of a message at 1,000
a second. The CPU the collector takes hardly changes (0.5-1% of the server's either way). Full collections stay as
rare as they were with 20,000 (one per ``2,000 x 10 x OLD_THRESHOLD`` allocations at most, and only when the old
generation grew by a quarter since the last one), since each traverses every object the agents hold.

Only ``romas serve`` does this: tests and tools keep the interpreter's defaults.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 2_000
"""Allocations (net of deallocations) between collections of the young generation (CPython's default: 700)."""
OLD_THRESHOLD = 100
"""Collections of the middle generation between full ones (CPython's default: 10)."""


def settle() -> None:
    """Collect once, freeze what survived, and set the collector's thresholds (see the module)."""
    gc.collect()
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, OLD_THRESHOLD)
