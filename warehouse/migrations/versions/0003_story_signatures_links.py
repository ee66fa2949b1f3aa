"""Story signatures and links: near-duplicate clusters found at load time, in any order of days.

Written by hand, like 0001 and 0002: later revisions must not import the models.
The tables start empty: a day's signatures and links arrive when it is next loaded
(``pressetl reprocess`` the days whose clusters should join later ones); until then
its articles keep the cluster ids their transform gave them.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story_signatures",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("published_date", sa.Date(), nullable=False),
        sa.Column("scheme", sa.String(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("site", "canonical_url", name="pk_story_signatures"),
    )
    op.create_index("ix_story_signatures_site_published_date", "story_signatures", ["site", "published_date"])
    op.create_table(
        "story_links",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("url_a", sa.String(), nullable=False),
        sa.Column("url_b", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("site", "url_a", "url_b", name="pk_story_links"),
    )
    op.create_index("ix_story_links_site_url_b", "story_links", ["site", "url_b"])


def downgrade() -> None:
    op.drop_index("ix_story_links_site_url_b", table_name="story_links")
    op.drop_table("story_links")
    op.drop_index("ix_story_signatures_site_published_date", table_name="story_signatures")
    op.drop_table("story_signatures")
