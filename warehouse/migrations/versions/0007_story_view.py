"""Story publications view: who carried each near-duplicate story, earliest first.

Written by hand, like the revisions before it. ``v_story_publications`` has one row per
(site, story cluster, publication): the publication's first copy of the story (URL, title,
published date and time, fetch time), how many copies it carried, and its rank among the
story's publications by earliest copy; rank 1 is the likely original source.

"Earliest" compares the day the page gives (``published_date``, else the logical day),
then the time of publication when the page gives one (``published_at``, UTC: a copy with a
time comes before one without on the same day), then when the aggregator was fetched
(``fetched_at``), then the canonical URL in code-point order (``COLLATE "C"``, on both
dialects: PostgreSQL's default collation may order URLs otherwise). The day comes first so
that a copy with a time never outranks one published a day before without one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST = """COALESCE(published_date, logical_date), published_at NULLS LAST,
                 fetched_at NULLS LAST, canonical_url COLLATE "C\""""

# Plain SQL that PostgreSQL and DuckDB both run.
VIEW = f"""
    SELECT site, cluster_id, publication, publication_name,
           canonical_url, url, title, published_date, published_at, fetched_at, day,
           copies,
           ROW_NUMBER() OVER (PARTITION BY site, cluster_id ORDER BY {EARLIEST}) AS publication_rank,
           COUNT(*) OVER (PARTITION BY site, cluster_id) AS publications
    FROM (
        SELECT a.site, a.cluster_id,
               COALESCE(a.publication_key, a.publication_slug) AS publication,
               a.publication_name, a.canonical_url, a.url, a.title, a.published_date,
               a.published_at, a.fetched_at, a.logical_date,
               COALESCE(a.published_date, a.logical_date) AS day,
               ROW_NUMBER() OVER (
                   PARTITION BY a.site, a.cluster_id, COALESCE(a.publication_key, a.publication_slug)
                   ORDER BY {EARLIEST}
               ) AS copy_rank,
               COUNT(*) OVER (
                   PARTITION BY a.site, a.cluster_id, COALESCE(a.publication_key, a.publication_slug)
               ) AS copies
        FROM articles a
        WHERE a.cluster_id IS NOT NULL
    ) copies_of_a_story
    WHERE copy_rank = 1
"""


def upgrade() -> None:
    op.execute(f"CREATE VIEW v_story_publications AS {VIEW.strip()}")


def downgrade() -> None:
    op.execute("DROP VIEW v_story_publications")
