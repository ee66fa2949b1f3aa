"""Full-text search: on PostgreSQL, a tsvector per article in its language's configuration.

Written by hand, like the revisions before it. ``articles.search_vector`` is a stored generated
column (title weighted A, body B), so the loader never writes it and a re-load keeps it in step;
a GIN index serves ``@@``. The configuration is picked from ``language`` by a CASE over regconfig
constants (a cast from text would not be immutable, which a generated column requires).
DuckDB has no text-search type and its ``fts`` extension cannot be installed offline: there,
``warehouse.search_scan`` scans the texts, and this revision adds nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# warehouse.search_postgres.CONFIG_OF_LANGUAGE says the same: a search matches an article in this
# configuration.
CONFIG = (
    "CASE language WHEN 'fr' THEN 'french'::regconfig WHEN 'ar' THEN 'arabic'::regconfig "
    "WHEN 'en' THEN 'english'::regconfig ELSE 'simple'::regconfig END"
)
VECTOR = (
    f"setweight(to_tsvector({CONFIG}, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector({CONFIG}, coalesce(body, '')), 'B')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN search_vector")
