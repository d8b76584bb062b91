"""Environment: artefact operation invocations, workspace memberships and artefact observations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from romas.store.types import UtcTimestamp

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    seq = (
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True)
        if sqlite
        else sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), primary_key=True)
    )
    op.create_table(
        "invocations",
        seq,
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("artefact", sa.String(64), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("args", _json(), nullable=False),
        sa.Column("invoker", sa.String(200), nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", UtcTimestamp(), nullable=False),
        sa.Column("finished_at", UtcTimestamp(), nullable=True),
        sa.Column("result", _json(), nullable=True),
        sa.Column("error", _json(), nullable=True),
        sa.Column("artefact_revision", sa.Integer(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_invocations_artefact_seq", "invocations", ["workspace", "artefact", "seq"])
    op.create_index("ix_invocations_status_seq", "invocations", ["status", "seq"])
    op.create_table(
        "memberships",
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("since", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("agent", "workspace", name="pk_memberships"),
    )
    op.create_index("ix_memberships_workspace", "memberships", ["workspace"])
    op.create_table(
        "observations",
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("artefact", sa.String(64), nullable=False),
        sa.Column("since", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("agent", "workspace", "artefact", name="pk_observations"),
    )
    op.create_index("ix_observations_artefact", "observations", ["workspace", "artefact"])


def downgrade() -> None:
    op.drop_table("observations")
    op.drop_table("memberships")
    op.drop_table("invocations")
