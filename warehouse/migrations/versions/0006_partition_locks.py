"""Partition locks: one run at a time per site and logical day, across processes and hosts.

Written by hand, like the revisions before it. One row per partition being processed: the
run holding it, where it runs (host:pid), since when, and until when its lease lasts (a
holder that stops renewing it, killed or cut off, loses it then). No rows to carry over.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partition_locks",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "logical_date", name="pk_partition_locks"),
    )


def downgrade() -> None:
    op.drop_table("partition_locks")
