"""A batch's opening checks the leases' epoch too; the function of 0015 is no longer called.

A write batch's opening round trip took the append lock and checked, in ``romas_lock_appends`` (0015), that the log
still ended where this process left it. It now also checks the leases' epoch, the sum of the shards' fencing
numbers, so that the runtime's flushes and the artefacts' writes skip their lease check's round trip while no shard
changed holder (``romas/cluster/leases.py``). Both checks run in a statement of their own after the lock, sent in
the same simple query as ``BEGIN`` (``romas/store/group_commit.py``), so the function is dropped.

Every romas process sharing the database must run this version: one of an earlier version would take shards over
without the append lock, which the skipped checks rely on.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP FUNCTION IF EXISTS romas_lock_appends(bigint, bigint, timestamptz)")


def downgrade() -> None:
    """The function back, as 0015 made it (its upgrade, run again)."""
    path = Path(__file__).with_name("0015_lock_appends.py")
    spec = importlib.util.spec_from_file_location("romas_migration_0015", path)
    assert spec is not None and spec.loader is not None
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    made.upgrade()
