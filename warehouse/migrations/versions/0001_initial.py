"""Initial schema: sites, publications, articles, the run ledger, failures, quarantine, validation.

Written by hand to match ``warehouse.models`` at the time; later revisions must
not import the models, which will have moved on.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("aggregator", sa.String(), nullable=True),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("site", name="pk_sites"),
    )
    op.create_table(
        "publications",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("site", "slug", name="pk_publications"),
    )
    op.create_table(
        "articles",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("publication_slug", sa.String(), nullable=True),
        sa.Column("publication_name", sa.Text(), nullable=True),
        sa.Column("aggregator_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("subheadings", sa.Text(), nullable=True),  # JSON list of strings
        sa.Column("published_date", sa.Date(), nullable=True),
        sa.Column("language", sa.String(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("thumbnail_url", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("word_count", sa.Integer(), nullable=True),
        sa.Column("extraction", sa.String(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("warc_file", sa.Text(), nullable=True),
        sa.Column("warc_record_id", sa.String(), nullable=True),
        sa.Column("fetched_at", TS, nullable=True),
        sa.Column("first_loaded_at", TS, nullable=False),
        sa.Column("last_loaded_at", TS, nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("site", "canonical_url", name="pk_articles"),
    )
    op.create_index("ix_articles_site_logical_date", "articles", ["site", "logical_date"])
    op.create_index("ix_articles_published_date", "articles", ["published_date"])
    op.create_table(
        "crawl_runs",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("stage_reached", sa.String(), nullable=False),
        sa.Column("failed_stage", sa.String(), nullable=True),
        sa.Column("discovered", sa.Integer(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.CheckConstraint("status IN ('succeeded', 'failed')", name="ck_crawl_runs_status"),
        sa.PrimaryKeyConstraint("site", "logical_date", "run_id", name="pk_crawl_runs"),
    )
    op.create_table(
        "page_failures",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failed_at", TS, nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("site", "logical_date", "seq", name="pk_page_failures"),
    )
    op.create_table(
        "quarantined_articles",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("publication_slug", sa.String(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("warc_file", sa.Text(), nullable=True),
        sa.Column("warc_record_id", sa.String(), nullable=True),
        sa.Column("quarantined_at", TS, nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("site", "logical_date", "seq", name="pk_quarantined_articles"),
    )
    op.create_table(
        "validation_results",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("expectation", sa.String(), nullable=False),
        sa.Column("column", sa.String(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("observed_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("site", "logical_date", "run_id", "seq", name="pk_validation_results"),
    )


def downgrade() -> None:
    op.drop_table("validation_results")
    op.drop_table("quarantined_articles")
    op.drop_table("page_failures")
    op.drop_table("crawl_runs")
    op.drop_index("ix_articles_published_date", table_name="articles")
    op.drop_index("ix_articles_site_logical_date", table_name="articles")
    op.drop_table("articles")
    op.drop_table("publications")
    op.drop_table("sites")
