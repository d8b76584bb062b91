"""Cluster: the romas processes sharing this database, and the shards of work each holds by lease.

Every agent, artefact and organisation instance falls in one of a fixed number of shards (a stable hash of its
name); each shard is held by at most one live process through a lease with an expiry and a fencing number that
grows at every change of holder (see romas/cluster/leases.py).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from romas.store.types import UtcTimestamp

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 64  # romas.cluster.shards.SHARDS: fixed for the life of a database


def upgrade() -> None:
    op.create_table(
        "cluster_processes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(300), nullable=False),
        sa.Column("started_at", UtcTimestamp(), nullable=False),
        sa.Column("heartbeat_at", UtcTimestamp(), nullable=False),
    )
    shards = op.create_table(
        "cluster_shards",
        sa.Column("shard", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("fence", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", UtcTimestamp(), nullable=True),
        sa.Column("acquired_at", UtcTimestamp(), nullable=True),
    )
    op.bulk_insert(shards, [{"shard": n, "owner": None, "fence": 0} for n in range(SHARDS)])


def downgrade() -> None:
    op.drop_table("cluster_shards")
    op.drop_table("cluster_processes")
