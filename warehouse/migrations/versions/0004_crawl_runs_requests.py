"""The ledger keeps what each crawl cost: every HTTP request, and those spent locating the day.

Written by hand, like the revisions before it. Nullable: runs recorded before this
revision did not count them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("requests", sa.Integer(), nullable=True))
    op.add_column("crawl_runs", sa.Column("discovery_requests", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("crawl_runs", "discovery_requests")
    op.drop_column("crawl_runs", "requests")
