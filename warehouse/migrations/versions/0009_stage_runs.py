"""Stage runs: how long each stage of each (site, day) took and what it counted.

Written by hand, like the revisions before it. One row per attempt of a stage (the key
ends with its start), whatever became of it: ok, failed, or refused (another run held the
partition). Counts are nullable: a stage fills in only those it produces. No rows to carry
over: runs before this revision kept no timings.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("discovered", "fetched", "loaded", "duplicates", "quarantined", "failed", "requests")


def upgrade() -> None:
    op.create_table(
        "stage_runs",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.REAL(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in COUNTS),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('ok', 'failed', 'refused')", name="ck_stage_runs_status"),
        sa.PrimaryKeyConstraint(
            "site", "logical_date", "run_id", "stage", "started_at", name="pk_stage_runs"
        ),
    )


def downgrade() -> None:
    op.drop_table("stage_runs")
