"""The garbage collector of a serving process, tuned for a heap that is mostly long-lived.

Why: most of a server's heap lives as long as the process (modules, the application, SQLAlchemy's tables), and
CPython's full collections traverse all of it (tens of milliseconds each for ``romas serve``), every few seconds
under load: a share of every request's CPU, and pauses that show in the tail of the latency. What is alive when
the server starts is moved out of the collector's sight (``gc.freeze``; it is still freed by reference counting), and
the young generation is collected after more allocations, so fewer short-lived objects are promoted and traversed
again. Only ``romas serve`` does this: tests and tools keep the interpreter's defaults.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000
"""Allocations (net of deallocations) between collections of the young generation (CPython's default: 700)."""


def settle() -> None:
    """Collect once, freeze what survived, and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
