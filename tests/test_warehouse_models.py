"""warehouse/models.py against what the migrations build: tables, columns, types and the views."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    DAY,
    SITE,
    T0,
    T1,
    T2,
    article,
    cluster_of,
    counts_for,
    partition,
    stories,
    write_partition,
)

from core.records import LedgerCounts
from warehouse.ledger import record_failed_run
from warehouse.loader import load_partition
from warehouse.models import POSTGRESQL_SEARCH_COLUMN, POSTGRESQL_SEARCH_INDEX, Base

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_migrations_match_models(engine: Engine) -> None:
    query = sa.text(
        "SELECT c.table_name, c.column_name, c.is_nullable FROM information_schema.columns c "
        "JOIN information_schema.tables t "
        "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
        "AND c.table_name != 'alembic_version'"
    )
    with engine.connect() as conn:
        migrated = {(t, c, n == "YES") for t, c, n in conn.execute(query)}
    modelled = {(t.name, c.name, bool(c.nullable)) for t in Base.metadata.sorted_tables for c in t.columns}
    if engine.dialect.name == "postgresql":  # the search vector is PostgreSQL's alone, and not mapped
        modelled.add((*POSTGRESQL_SEARCH_COLUMN, True))
    assert migrated == modelled

    if engine.dialect.name == "postgresql":
        # Types, keys, indexes and constraints too; duckdb-engine cannot reflect
        # columns through SQLAlchemy 2.1's PostgreSQL inspector (no pg_collation).
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        def mapped(obj, name, type_, reflected, compare_to) -> bool:
            if type_ == "column":
                return (obj.table.name, name) != POSTGRESQL_SEARCH_COLUMN
            return not (type_ == "index" and name == POSTGRESQL_SEARCH_INDEX)

        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": mapped})
            assert compare_metadata(context, Base.metadata) == []
    else:
        # Column types at least, as DuckDB names them.
        query = sa.text("SELECT table_name, column_name, data_type FROM information_schema.columns")
        with engine.connect() as conn:
            types = {(t, c): d for t, c, d in conn.execute(query)}
        assert types[("articles", "language_confidence")] == "FLOAT"
        assert types[("articles", "published_at")] == "TIMESTAMP WITH TIME ZONE"
        assert types[("crawl_runs", "quality_overridden")] == "BOOLEAN"


def test_views_answer_the_everyday_questions(engine: Engine, data_dir: Path) -> None:
    part, next_day = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(part, [article(i) for i in range(7)] + [article(7, published_date=None)])
    load_partition(engine, part, "run-1", counts_for(8), T0, finished_at=T1, stories=stories())
    record_failed_run(
        engine, SITE, next_day.day, "run-2", "crawl", "site down", LedgerCounts(), T1, finished_at=T2
    )
    # A backfill of an old day, run later, does not hide last night's failure.
    old = partition(data_dir, DAY - timedelta(days=30))
    write_partition(old, [article(100, day=old.day, published_date=old.day)])
    load_partition(
        engine, old, "run-3", counts_for(1), T2, finished_at=T2 + timedelta(minutes=5), stories=stories()
    )
    load_partition(engine, part, "run-4", counts_for(9), T0 - timedelta(hours=1), stories=stories())

    with engine.connect() as conn:
        per_day = (
            conn.execute(sa.text("SELECT * FROM v_articles_per_publication_day ORDER BY day, publication"))
            .mappings()
            .all()
        )
        told = (
            conn.execute(sa.text("SELECT * FROM v_stories_three_plus_publications ORDER BY cluster_id"))
            .mappings()
            .all()
        )
        latest = conn.execute(sa.text("SELECT * FROM v_latest_run_per_site ORDER BY site")).mappings().all()

    assert [(r["publication"], r["publication_name"], r["day"], r["articles"]) for r in per_day] == [
        ("le-matin", "Le Matin", old.day, 1),  # article 100: 100 % 3 == 1
        ("aujourd-hui-le-maroc", "Aujourd'hui le Maroc", DAY, 2),  # 2, 5 (7 has no date: logical date)
        ("hespress", "Hespress", DAY, 3),  # 0, 3, 6
        ("le-matin", "Le Matin", DAY, 3),  # 1, 4, 7
    ]
    assert per_day[2]["words"] == sum(article(i)["word_count"] for i in (0, 3, 6))
    # 6 and 7 tell a story in two publications only; the representative is the earliest copy
    assert [(s["cluster_id"], s["title"], s["members"], s["publications"]) for s in told] == [
        (cluster_of(0), article(2)["title"], 3, 3),
        (cluster_of(3), article(5)["title"], 3, 3),
    ]
    [run] = latest
    assert (run["logical_date"], run["run_id"], run["status"], run["reconciles"]) == (
        next_day.day,
        "run-2",
        "failed",
        True,
    )
    assert run["duration"] == T2 - T1
    assert run["quality_overridden"] is False
