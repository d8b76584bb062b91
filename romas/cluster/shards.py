"""Which shard a piece of work falls in: a stable hash of its name, the same in every process and release."""

from __future__ import annotations

import zlib

SHARDS = 64
"""Fixed for the life of a database (the migration 0013 creates this many lease rows)."""


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % SHARDS


def agent_shard(name: str) -> int:
    return shard_of(f"agent:{name}")


def artefact_shard(workspace: str, artefact: str) -> int:
    return shard_of(f"artefact:{workspace}/{artefact}")


def organisation_shard(name: str) -> int:
    return shard_of(f"organisation:{name}")


def fair_shares(processes: list[str], shards: int = SHARDS) -> dict[str, int]:
    """How many shards each live process should hold: as even as can be, the first ones (in the given order,
    which every process reads the same) taking one more when the division is not exact."""
    if not processes:
        return {}
    base, extra = divmod(shards, len(processes))
    return {process: base + (1 if index < extra else 0) for index, process in enumerate(processes)}
