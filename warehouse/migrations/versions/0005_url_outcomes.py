"""Per-URL outcomes: what became of every article URL a crawl discovered.

Written by hand, like the revisions before it. Empty at first: a day's outcomes arrive
when it is next loaded; until then its ledger row keeps the counts it was written with.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "url_outcomes",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('loaded', 'duplicate', 'quarantined', 'failed', 'unaccounted')",
            name="ck_url_outcomes_outcome",
        ),
        sa.PrimaryKeyConstraint("site", "logical_date", "seq", name="pk_url_outcomes"),
    )


def downgrade() -> None:
    op.drop_table("url_outcomes")
