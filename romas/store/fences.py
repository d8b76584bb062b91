"""The leases a write is fenced by, for a statement to check them itself (see ``romas.cluster.leases``).

Why here: a process of a cluster checks, inside each of the runtime's writes, that it still holds the shards it
writes for. As a read of its own that is a round trip per flush; a statement that writes the flush can check the
same rows first and write nothing when they changed, so the store needs to know what to check, not who holds what.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fence:
    """This process holds each of ``shards`` under the fencing number at the same index of ``fences``."""

    owner: str
    shards: list[int]
    fences: list[int]


class FenceLost(RuntimeError):
    """A fenced statement found the leases changed and wrote nothing; which shards went is for the leases to say."""
