"""Typed SQLAlchemy 2 models of the warehouse (gold zone).

Keys are natural, never autoincrement integers: duckdb-engine cannot create
SERIAL columns, and natural keys are what make a re-load an upsert. Tables that a
partition load replaces wholesale (failures, quarantine, validation results) use
the row's position in its source file (``seq``) to complete the key.

There are no foreign keys: DuckDB checks them eagerly inside a transaction (a
parent row cannot be deleted even after its children were, in the same
transaction), which makes repairs fragile; the loader writes the sites and
publications it references itself. ``migrations/versions`` must match this file; a test
compares them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import REAL, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("succeeded", "failed")

# Views for the everyday questions, created by migrations 0002 and 0007 (their SQL lives
# there, frozen with the revision).
VIEWS = (
    "v_articles_per_publication_day",  # site, publication, day: articles, words
    "v_stories_three_plus_publications",  # story clusters covered by >= 3 publications
    "v_latest_run_per_site",  # the latest run of each site's latest day, with reconciles
    "v_story_publications",  # each story's publications, earliest first (0007): the likely original
)

# Full-text search on PostgreSQL (migration 0008): ``articles.search_vector``, a stored generated
# tsvector, and its GIN index. Not mapped here: DuckDB has neither (its search scans the texts,
# ``warehouse.search_scan``), and being generated it is never written by a load nor fingerprinted.
POSTGRESQL_SEARCH_COLUMN = ("articles", "search_vector")
POSTGRESQL_SEARCH_INDEX = "ix_articles_search_vector"


class JSONList(TypeDecorator[list[str]]):
    """A list of strings stored as JSON text.

    Text rather than ARRAY or JSON so that both dialects store, compare and return
    exactly the same thing (DuckDB lists and PostgreSQL arrays differ in drivers).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(list(value), ensure_ascii=False)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str] | None:
        if value is None:
            return None
        return json.loads(value)


TZDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    __tablename__ = "sites"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    # Filled from the site profile; NULL when a load saw the site before anyone registered it.
    aggregator: Mapped[str | None] = mapped_column(String)
    display_name: Mapped[str | None] = mapped_column(String)


class Publication(Base):
    """The publication dimension, one row per (site, slug) an article named.

    Loads fill ``name`` and ``publication_key`` (the canonical publication once
    aliases are resolved) and flag a publication the transforms did not know
    (``needs_review``); ``register_publications`` fills the rest and clears the flag.
    """

    __tablename__ = "publications"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    slug: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    publication_key: Mapped[str | None] = mapped_column(String)
    country: Mapped[str | None] = mapped_column(String)  # ISO 3166-1 alpha-2
    language: Mapped[str | None] = mapped_column(String)
    home_url: Mapped[str | None] = mapped_column(Text)  # the publisher's own site
    aliases: Mapped[list[str] | None] = mapped_column(JSONList)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Article(Base):
    """The fact table: one row per canonical article, its current version."""

    __tablename__ = "articles"
    __table_args__ = (
        Index(None, "site", "logical_date"),
        Index(None, "published_date"),
        Index(None, "site", "cluster_id"),
    )

    site: Mapped[str] = mapped_column(String, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    logical_date: Mapped[date] = mapped_column(Date)
    publication_slug: Mapped[str | None] = mapped_column(String)
    publication_name: Mapped[str | None] = mapped_column(Text)
    aggregator_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    subheadings: Mapped[list[str] | None] = mapped_column(JSONList)
    published_date: Mapped[date | None] = mapped_column(Date)  # local date, in the site's time zone
    language: Mapped[str | None] = mapped_column(String)
    source_url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String)
    word_count: Mapped[int | None] = mapped_column(Integer)
    extraction: Mapped[str | None] = mapped_column(String)
    error: Mapped[str | None] = mapped_column(Text)
    # Where the raw response is: the WARC file (relative to the partition's raw dir) and record.
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_record_id: Mapped[str | None] = mapped_column(String)
    fetched_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Run start times, not wall-clock, so that re-running a run reproduces the row.
    first_loaded_at: Mapped[datetime] = mapped_column(TZDateTime)
    last_loaded_at: Mapped[datetime] = mapped_column(TZDateTime)
    run_id: Mapped[str] = mapped_column(String)  # the run that wrote the current version
    # Added by 0002 (nullable: the columns arrived after rows existed).
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # UTC; pages mostly give a date only
    author: Mapped[str | None] = mapped_column(Text)
    body_source: Mapped[str | None] = mapped_column(String)  # aggregator | publisher
    publication_key: Mapped[str | None] = mapped_column(String)
    publication_is_new: Mapped[bool | None] = mapped_column(Boolean)
    language_status: Mapped[str | None] = mapped_column(String)  # detected | declared | mixed | too_short
    # REAL, as in the Parquet (float32), on both dialects.
    language_confidence: Mapped[float | None] = mapped_column(REAL)
    reading_time_minutes: Mapped[float | None] = mapped_column(REAL)
    # The story cluster: the canonical URL of its earliest member by (published date, URL), and
    # whether this is that member. Set by the load from ``story_links`` (NULL: no signature).
    cluster_id: Mapped[str | None] = mapped_column(String)
    is_representative: Mapped[bool | None] = mapped_column(Boolean)


class ArticleVersion(Base):
    """Each distinct content (title, body, hash) an article had; the first load is version 1."""

    __tablename__ = "article_versions"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    logical_date: Mapped[date] = mapped_column(Date)
    content_hash: Mapped[str | None] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_record_id: Mapped[str | None] = mapped_column(String)
    fetched_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    loaded_at: Mapped[datetime] = mapped_column(TZDateTime)  # the loading run's start
    run_id: Mapped[str] = mapped_column(String)


class StorySignature(Base):
    """An article's near-duplicate story signature, written by the load of the day its row comes
    from (added by 0003). ``published_date``: the article's, or its logical day when it has none;
    ``scheme``: the signature parameters' fingerprint (other schemes are never compared)."""

    __tablename__ = "story_signatures"
    __table_args__ = (Index(None, "site", "published_date"),)

    site: Mapped[str] = mapped_column(String, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String, primary_key=True)
    published_date: Mapped[date] = mapped_column(Date)
    scheme: Mapped[str] = mapped_column(String)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class StoryLink(Base):
    """Two articles that are copies of one story, found by the load of either from their
    signatures (added by 0003); ``url_a`` is the smaller URL by code points (Python's order,
    not the database's collation). A story cluster is a connected component of the links."""

    __tablename__ = "story_links"
    __table_args__ = (Index(None, "site", "url_b"),)

    site: Mapped[str] = mapped_column(String, primary_key=True)
    url_a: Mapped[str] = mapped_column(String, primary_key=True)
    url_b: Mapped[str] = mapped_column(String, primary_key=True)


class StoryCluster(Base):
    """A near-duplicate story: its articles (``articles.cluster_id``), recomputed by each load touching it."""

    __tablename__ = "story_clusters"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    cluster_id: Mapped[str] = mapped_column(String, primary_key=True)
    representative_url: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[date] = mapped_column(Date)  # earliest logical date of a member
    last_seen: Mapped[date] = mapped_column(Date)
    members: Mapped[int] = mapped_column(Integer)
    publications: Mapped[int] = mapped_column(Integer)  # distinct publications (keys, else slugs)


class CrawlRun(Base):
    """The ledger: one row per run of one (site, day)."""

    __tablename__ = "crawl_runs"
    __table_args__ = (CheckConstraint("status IN ('succeeded', 'failed')", name="status"),)

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    run_id: Mapped[str] = mapped_column(String, primary_key=True)
    status: Mapped[str] = mapped_column(String)
    stage_reached: Mapped[str] = mapped_column(String)
    failed_stage: Mapped[str | None] = mapped_column(String)
    discovered: Mapped[int] = mapped_column(Integer)
    fetched: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    loaded: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # The quality gate failed and an operator loaded the batch anyway (validation manifest).
    quality_overridden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the crawl cost (crawl manifest): every HTTP request, and those spent locating the
    # day (robots, home, listings, feeds, probes). Empty for runs recorded before 0004.
    requests: Mapped[int | None] = mapped_column(Integer)
    discovery_requests: Mapped[int | None] = mapped_column(Integer)


class PartitionLock(Base):
    """Who is processing a (site, logical day) right now (added by 0006): one row while a run
    holds it (``warehouse.locks``). ``holder`` is host:pid; the lease ends at ``expires_at``
    unless renewed, so a killed holder stops holding it then."""

    __tablename__ = "partition_locks"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    run_id: Mapped[str] = mapped_column(String)
    holder: Mapped[str] = mapped_column(String)
    acquired_at: Mapped[datetime] = mapped_column(TZDateTime)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)


class StageRun(Base):
    """How long each run of each stage of a (site, day) took and what it counted (added by
    0009): one row per attempt, written by ``pipeline.runner.run_stage`` after the stage
    returns, whatever its ``status`` (ok, failed, refused: another run held the partition).
    A count is NULL where the stage does not produce it (``pipeline.observe.stage_counts``)."""

    __tablename__ = "stage_runs"
    __table_args__ = (CheckConstraint("status IN ('ok', 'failed', 'refused')", name="status"),)

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    run_id: Mapped[str] = mapped_column(String, primary_key=True)
    stage: Mapped[str] = mapped_column(String, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(TZDateTime, primary_key=True)  # an attempt
    finished_at: Mapped[datetime] = mapped_column(TZDateTime)
    duration_seconds: Mapped[float] = mapped_column(REAL)
    status: Mapped[str] = mapped_column(String)
    error: Mapped[str | None] = mapped_column(Text)
    discovered: Mapped[int | None] = mapped_column(Integer)
    fetched: Mapped[int | None] = mapped_column(Integer)
    loaded: Mapped[int | None] = mapped_column(Integer)
    duplicates: Mapped[int | None] = mapped_column(Integer)
    quarantined: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int | None] = mapped_column(Integer)  # HTTP requests the crawl made
    bytes: Mapped[int | None] = mapped_column(BigInteger)  # response bytes the crawl fetched


class PageFailure(Base):
    __tablename__ = "page_failures"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String)
    status: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(TZDateTime)
    run_id: Mapped[str] = mapped_column(String)


class QuarantinedArticle(Base):
    __tablename__ = "quarantined_articles"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    publication_slug: Mapped[str | None] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)  # "; "-joined
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_record_id: Mapped[str | None] = mapped_column(String)
    quarantined_at: Mapped[datetime] = mapped_column(TZDateTime)
    run_id: Mapped[str] = mapped_column(String)


class ValidationResult(Base):
    __tablename__ = "validation_results"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    run_id: Mapped[str] = mapped_column(String, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    expectation: Mapped[str] = mapped_column(String)
    column: Mapped[str | None] = mapped_column(String)
    success: Mapped[bool] = mapped_column(Boolean)
    observed_value: Mapped[str | None] = mapped_column(Text)


class UrlOutcome(Base):
    """What became of each article URL a crawl discovered (``core.outcomes``): the ledger's
    counts are tallied from these, so a URL no stage accounted for shows here by name."""

    __tablename__ = "url_outcomes"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('loaded', 'duplicate', 'quarantined', 'failed', 'unaccounted')", name="outcome"
        ),
    )

    site: Mapped[str] = mapped_column(String, primary_key=True)
    logical_date: Mapped[date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)  # as discovered; no index: URLs are unbounded text
    outcome: Mapped[str] = mapped_column(String)
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(String)
