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
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

RUN_STATUSES = ("succeeded", "failed")


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
    __tablename__ = "publications"

    site: Mapped[str] = mapped_column(String, primary_key=True)
    slug: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        Index(None, "site", "logical_date"),
        Index(None, "published_date"),
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
    published_date: Mapped[date | None] = mapped_column(Date)
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
