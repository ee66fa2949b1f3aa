"""The set-based statements of a partition load: from the staged batch into the warehouse.

Every statement is ``INSERT … SELECT`` (``ON CONFLICT DO UPDATE … WHERE … IS
DISTINCT FROM``) or ``DELETE … WHERE``: one round trip per batch and table, and
a re-run that finds nothing new writes nothing. The SQL compiles through the
PostgreSQL dialect, which duckdb-engine uses too.
"""

from __future__ import annotations

from sqlalchemy import Connection, Insert, and_, column, func, or_, select, table
from sqlalchemy.dialects.postgresql import insert

from warehouse.models import Article, ArticleVersion, Publication
from warehouse.staging import Stage

# slug → (name, publication key, flagged new by the transforms)
SeenPublications = dict[str, tuple[str | None, str | None, bool]]

ARTICLE_KEY = ("site", "canonical_url")
# What a new row in ``article_versions`` is about: another text, not a fixed date.
VERSION_COLUMNS = ("title", "body", "content_hash")


class ArticleMerge:
    """The statements that merge one staged batch of articles, compiled once per load.

    ``columns``: the staged columns (the key first); ``update``: those a changed
    row overwrites; ``content``: those whose difference makes a change (fetch
    metadata alone does not, so a re-crawl keeps pointing at the first WARC record).
    """

    def __init__(
        self, stage_table: str, columns: tuple[str, ...], update: tuple[str, ...], content: tuple[str, ...]
    ) -> None:
        self.stage = table(stage_table, *(column(name) for name in (*columns, "loaded_at", "run_id")))
        self.columns = columns
        self.update = update
        self.content = content
        self._insert_versions = self._insert_versions_statement()
        self._upsert_articles = self._upsert_articles_statement()

    # ------------------------------------------------------------- per batch

    def merge_batch(self, stage: Stage) -> None:
        """New versions, then the articles themselves (order matters: the versions compare the
        stage with the articles as they were). Story clusters are not the batch's: the load
        links its stories once its articles are in (``warehouse.stories``)."""
        stage.execute(self._insert_versions)
        stage.execute(self._upsert_articles)

    def _joined(self):
        articles = Article.__table__
        s = self.stage
        return (
            articles,
            s,
            s.outerjoin(
                articles, and_(articles.c.site == s.c.site, articles.c.canonical_url == s.c.canonical_url)
            ),
        )

    def _insert_versions_statement(self) -> Insert:
        articles, s, joined = self._joined()
        versions = ArticleVersion.__table__
        latest = (
            select(func.max(versions.c.version))
            .where(versions.c.site == s.c.site, versions.c.canonical_url == s.c.canonical_url)
            .scalar_subquery()
        )
        changed = or_(*(articles.c[name].is_distinct_from(s.c[name]) for name in VERSION_COLUMNS))
        new_version = or_(
            articles.c.site.is_(None),
            # the same rule as the articles upsert: an older day does not roll back
            and_(articles.c.logical_date <= s.c.logical_date, changed),
        )
        copied = (
            "logical_date",
            "content_hash",
            "title",
            "body",
            "warc_file",
            "warc_record_id",
            "fetched_at",
        )
        query = (
            select(
                s.c.site,
                s.c.canonical_url,
                func.coalesce(latest, 0) + 1,
                *(s.c[name] for name in copied),
                s.c.loaded_at,
                s.c.run_id,
            )
            .select_from(joined)
            .where(new_version)
        )
        return versions.insert().from_select(
            ["site", "canonical_url", "version", *copied, "loaded_at", "run_id"], query
        )

    def _upsert_articles_statement(self) -> Insert:
        articles, s, joined = self._joined()
        # Only the rows the upsert would write (the ON CONFLICT condition, checked first): on
        # PostgreSQL a proposed row computes its generated columns (the search vector, ~0.5 ms
        # an article) before its conflict is found, even when nothing is then written.
        changed = or_(*(articles.c[name].is_distinct_from(s.c[name]) for name in self.content))
        query = (
            select(*(s.c[name] for name in self.columns), s.c.loaded_at, s.c.loaded_at, s.c.run_id)
            .select_from(joined)
            .where(or_(articles.c.site.is_(None), and_(changed, articles.c.logical_date <= s.c.logical_date)))
        )
        stmt = insert(articles).from_select(
            [*self.columns, "first_loaded_at", "last_loaded_at", "run_id"], query
        )
        excluded = stmt.excluded
        return stmt.on_conflict_do_update(
            index_elements=list(ARTICLE_KEY),
            set_={name: excluded[name] for name in (*self.update, "last_loaded_at", "run_id")},
            where=and_(
                or_(*(articles.c[name].is_distinct_from(excluded[name]) for name in self.content)),
                # An older day re-run after a newer one must not roll an article back.
                articles.c.logical_date <= excluded.logical_date,
            ),
        )


def upsert_publications(conn: Connection, site: str, seen: SeenPublications) -> None:
    """Add the publications a load saw (slug → name, key, flagged new by the transforms).

    A publication's first name stays (``register_publications`` sets the canonical
    one); its key follows the transforms, which resolve aliases; ``needs_review``
    is set when a publication first arrives and is left to reviewers after that.
    """
    if not seen:
        return
    table = Publication.__table__
    rows = [
        {"site": site, "slug": slug, "name": name, "publication_key": key, "needs_review": bool(new)}
        for slug, (name, key, new) in sorted(seen.items())
    ]
    stmt = insert(table).values(rows)
    excluded = stmt.excluded
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["site", "slug"],
            set_={
                "name": func.coalesce(table.c.name, excluded.name),
                "publication_key": func.coalesce(excluded.publication_key, table.c.publication_key),
            },
            where=or_(
                and_(table.c.name.is_(None), excluded.name.is_not(None)),
                and_(
                    excluded.publication_key.is_not(None),
                    table.c.publication_key.is_distinct_from(excluded.publication_key),
                ),
            ),
        )
    )


__all__ = ["ARTICLE_KEY", "ArticleMerge", "SeenPublications", "VERSION_COLUMNS", "upsert_publications"]
