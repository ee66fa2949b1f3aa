"""Enrichment columns, publication dimension, article versions, story clusters, run override flag, views.

Written by hand, like 0001: later revisions must not import the models.
DuckDB cannot add a NOT NULL column to, nor drop a column from, a table that has
an index ("Dependency Error"; dropping the index first does not help inside the
migration's transaction), so every column added to ``articles`` is nullable, and
on DuckDB the downgrade rebuilds ``articles`` as 0001 made it.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

ARTICLE_COLUMNS = (
    ("published_at", TS),
    ("author", sa.Text()),
    ("body_source", sa.String()),
    ("publication_key", sa.String()),
    ("publication_is_new", sa.Boolean()),
    ("language_status", sa.String()),
    ("language_confidence", sa.REAL()),
    ("reading_time_minutes", sa.REAL()),
    ("cluster_id", sa.String()),
    ("is_representative", sa.Boolean()),
)
PUBLICATION_COLUMNS = (
    ("publication_key", sa.String()),
    ("country", sa.String()),
    ("language", sa.String()),
    ("home_url", sa.Text()),
    ("aliases", sa.Text()),  # JSON list of strings
)
# ``articles`` as 0001 made it, for the DuckDB downgrade.
ARTICLE_COLUMNS_0001 = (
    ("site", sa.String(), False),
    ("canonical_url", sa.String(), False),
    ("url", sa.Text(), False),
    ("logical_date", sa.Date(), False),
    ("publication_slug", sa.String(), True),
    ("publication_name", sa.Text(), True),
    ("aggregator_id", sa.BigInteger(), True),
    ("title", sa.Text(), True),
    ("body", sa.Text(), True),
    ("subheadings", sa.Text(), True),
    ("published_date", sa.Date(), True),
    ("language", sa.String(), True),
    ("source_url", sa.Text(), True),
    ("thumbnail_url", sa.Text(), True),
    ("content_hash", sa.String(), True),
    ("word_count", sa.Integer(), True),
    ("extraction", sa.String(), True),
    ("error", sa.Text(), True),
    ("warc_file", sa.Text(), True),
    ("warc_record_id", sa.String(), True),
    ("fetched_at", TS, True),
    ("first_loaded_at", TS, False),
    ("last_loaded_at", TS, False),
    ("run_id", sa.String(), False),
)
ARTICLE_INDEXES = (
    ("ix_articles_site_logical_date", ["site", "logical_date"]),
    ("ix_articles_published_date", ["published_date"]),
)

# The SQL is plain enough for both PostgreSQL and DuckDB.
VIEWS = {
    "v_articles_per_publication_day": """
        SELECT a.site,
               COALESCE(a.publication_key, a.publication_slug) AS publication,
               MAX(COALESCE(p.name, a.publication_name)) AS publication_name,
               COALESCE(a.published_date, a.logical_date) AS day,
               COUNT(*) AS articles,
               SUM(a.word_count) AS words
        FROM articles a
        LEFT JOIN publications p ON p.site = a.site AND p.slug = a.publication_slug
        GROUP BY a.site,
                 COALESCE(a.publication_key, a.publication_slug),
                 COALESCE(a.published_date, a.logical_date)
    """,
    "v_stories_three_plus_publications": """
        SELECT c.site,
               c.cluster_id,
               c.representative_url,
               a.title,
               a.publication_name,
               c.first_seen,
               c.last_seen,
               c.members,
               c.publications
        FROM story_clusters c
        LEFT JOIN articles a ON a.site = c.site AND a.canonical_url = c.representative_url
        WHERE c.publications >= 3
    """,
    # The latest attempt at each site's latest day: a backfill of an old day run
    # this morning must not hide that last night's run failed.
    "v_latest_run_per_site": """
        SELECT site, logical_date, run_id, status, stage_reached, failed_stage,
               discovered, fetched, failed, duplicates, quarantined, loaded,
               discovered = loaded + duplicates + quarantined + failed AS reconciles,
               quality_overridden, error, started_at, finished_at,
               finished_at - started_at AS duration
        FROM (
            SELECT r.*,
                   ROW_NUMBER() OVER (
                       PARTITION BY r.site
                       ORDER BY r.logical_date DESC, r.started_at DESC,
                                r.finished_at DESC NULLS LAST, r.run_id DESC
                   ) AS run_rank
            FROM crawl_runs r
        ) ranked
        WHERE run_rank = 1
    """,
}


def upgrade() -> None:
    for name, type_ in ARTICLE_COLUMNS:
        op.add_column("articles", sa.Column(name, type_, nullable=True))
    op.create_index("ix_articles_site_cluster_id", "articles", ["site", "cluster_id"])
    for name, type_ in PUBLICATION_COLUMNS:
        op.add_column("publications", sa.Column(name, type_, nullable=True))
    op.add_column(
        "publications", sa.Column("needs_review", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "crawl_runs",
        sa.Column("quality_overridden", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "article_versions",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("logical_date", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("warc_file", sa.Text(), nullable=True),
        sa.Column("warc_record_id", sa.String(), nullable=True),
        sa.Column("fetched_at", TS, nullable=True),
        sa.Column("loaded_at", TS, nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("site", "canonical_url", "version", name="pk_article_versions"),
    )
    op.create_table(
        "story_clusters",
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("cluster_id", sa.String(), nullable=False),
        sa.Column("representative_url", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("publications", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "cluster_id", name="pk_story_clusters"),
    )
    # What is already loaded is each article's first known version.
    op.execute(
        "INSERT INTO article_versions (site, canonical_url, version, logical_date, content_hash, title, "
        "body, warc_file, warc_record_id, fetched_at, loaded_at, run_id) "
        "SELECT site, canonical_url, 1, logical_date, content_hash, title, body, warc_file, "
        "warc_record_id, fetched_at, last_loaded_at, run_id FROM articles"
    )
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql.strip()}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW {name}")
    op.drop_table("story_clusters")
    op.drop_table("article_versions")
    op.drop_column("crawl_runs", "quality_overridden")
    op.drop_column("publications", "needs_review")
    for name, _ in reversed(PUBLICATION_COLUMNS):
        op.drop_column("publications", name)
    op.drop_index("ix_articles_site_cluster_id", table_name="articles")
    if op.get_bind().dialect.name == "duckdb":
        _rebuild_articles_0001()
    else:
        for name, _ in reversed(ARTICLE_COLUMNS):
            op.drop_column("articles", name)


def _rebuild_articles_0001() -> None:
    op.create_table(
        "articles_0001",
        *(sa.Column(name, type_, nullable=nullable) for name, type_, nullable in ARTICLE_COLUMNS_0001),
        sa.PrimaryKeyConstraint("site", "canonical_url", name="pk_articles_0001"),
    )
    columns = ", ".join(name for name, _, _ in ARTICLE_COLUMNS_0001)
    op.execute(f"INSERT INTO articles_0001 ({columns}) SELECT {columns} FROM articles")
    op.drop_table("articles")
    op.rename_table("articles_0001", "articles")
    for name, indexed in ARTICLE_INDEXES:
        op.create_index(name, "articles", indexed)
