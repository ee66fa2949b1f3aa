"""warehouse/migrate.py: Alembic migrations, upgrade and downgrade, on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from test_warehouse_support import (
    DAY,
    SITE,
    T0,
    T1,
    T2,
    article,
    counts_for,
    json_list,
    partition,
    rows,
    write_partition,
)

from core.records import ARTICLE_SCHEMA
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.fingerprint import fingerprints
from warehouse.loader import load_partition
from warehouse.models import VIEWS, Base

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


HISTORY = [
    "0001: Initial schema: sites, publications, articles, the run ledger, failures, quarantine, validation.",
    "0002: Enrichment columns, publication dimension, article versions, story clusters, run override "
    "flag, views.",
    "0003: Story signatures and links: near-duplicate clusters found at load time, in any order of days.",
    "0004: The ledger keeps what each crawl cost: every HTTP request, and those spent locating the day.",
    "0005: Per-URL outcomes: what became of every article URL a crawl discovered.",
    "0006: Partition locks: one run at a time per site and logical day, across processes and hosts.",
    "0007: Story publications view: who carried each near-duplicate story, earliest first.",
    "0008: Full-text search: on PostgreSQL, a tsvector per article in its language's configuration.",
    "0009: Stage runs: how long each stage of each (site, day) took and what it counted.",
]


def test_upgrade_from_empty_then_again_is_a_noop(wh_url: str) -> None:
    assert migrate.current(wh_url) is None
    migrate.upgrade(wh_url)
    assert migrate.current(wh_url) == migrate.head() == "0009"
    eng = make_engine(wh_url)
    try:
        inspector = sa.inspect(eng)
        assert set(Base.metadata.tables) | {"alembic_version"} <= set(inspector.get_table_names())
        assert set(VIEWS) <= set(inspector.get_view_names())
        before = fingerprints(eng)
    finally:
        eng.dispose()

    migrate.upgrade(wh_url)

    assert migrate.current(wh_url) == "0009"
    eng = make_engine(wh_url)
    try:
        assert fingerprints(eng) == before
    finally:
        eng.dispose()
    assert migrate.history(wh_url) == [*HISTORY[:-1], HISTORY[-1] + " (head) (current)"]


def test_downgrade_to_base_and_back(wh_url: str) -> None:
    migrate.upgrade(wh_url)
    migrate.downgrade(wh_url, "0001")
    assert migrate.current(wh_url) == "0001"
    migrate.downgrade(wh_url, "base")
    assert migrate.current(wh_url) is None
    eng = make_engine(wh_url)
    try:
        inspector = sa.inspect(eng)
        assert not set(Base.metadata.tables) & set(inspector.get_table_names())
        assert not set(VIEWS) & set(inspector.get_view_names())
    finally:
        eng.dispose()
    migrate.upgrade(wh_url)
    assert migrate.current(wh_url) == "0009"


# ``articles`` as revision 0001 made it.
V1_ARTICLE_COLUMNS = [
    "site",
    "canonical_url",
    *(name for name in ARTICLE_SCHEMA.names[:21] if name not in ("site", "canonical_url")),
    "first_loaded_at",
    "last_loaded_at",
    "run_id",
]


def test_upgrade_from_0001_keeps_the_data_and_backfills(wh_url: str, data_dir: Path) -> None:
    migrate.upgrade(wh_url, "0001")
    eng = make_engine(wh_url)
    try:
        # What the 0001 loader left: three articles, their publications, a run.
        old = [
            {
                **{k: v for k, v in article(i).items() if k in V1_ARTICLE_COLUMNS},
                "subheadings": json_list(article(i)["subheadings"]),
                "first_loaded_at": T0,
                "last_loaded_at": T0,
                "run_id": "run-0",
            }
            for i in range(3)
        ]
        old.sort(key=lambda row: row["canonical_url"])  # key order, as rows() returns them
        columns = ", ".join(V1_ARTICLE_COLUMNS)
        values = ", ".join(f":{c}" for c in V1_ARTICLE_COLUMNS)
        with eng.begin() as conn:
            conn.execute(sa.text(f"INSERT INTO articles ({columns}) VALUES ({values})"), old)
            conn.execute(
                sa.text("INSERT INTO publications (site, slug, name) VALUES (:site, :slug, :name)"),
                [{"site": SITE, "slug": a["publication_slug"], "name": a["publication_name"]} for a in old],
            )
            conn.execute(
                sa.text(
                    "INSERT INTO crawl_runs (site, logical_date, run_id, status, stage_reached, discovered, "
                    "fetched, failed, duplicates, quarantined, loaded, started_at, finished_at) VALUES "
                    "(:site, :day, 'run-0', 'succeeded', 'load', 3, 3, 0, 0, 0, 3, :t0, :t1)"
                ),
                {"site": SITE, "day": DAY, "t0": T0, "t1": T1},
            )
    finally:
        eng.dispose()

    migrate.upgrade(wh_url)

    eng = make_engine(wh_url)
    try:
        stored = rows(eng, "articles")
        assert [{k: r[k] for k in V1_ARTICLE_COLUMNS if k != "subheadings"} for r in stored] == [
            {k: v for k, v in o.items() if k != "subheadings"} for o in old
        ]
        assert all(r["author"] is None and r["cluster_id"] is None for r in stored)
        assert [
            (v["canonical_url"], v["version"], v["title"], v["loaded_at"])
            for v in rows(eng, "article_versions")
        ] == [(a["canonical_url"], 1, a["title"], T0) for a in old]
        assert [r["needs_review"] for r in rows(eng, "publications")] == [False] * 3
        assert [r["quality_overridden"] for r in rows(eng, "crawl_runs")] == [False]

        # The new loader finds the same texts, now enriched: no new version.
        part = partition(data_dir)
        write_partition(part, [article(i) for i in range(3)])
        load_partition(eng, part, "run-1", counts_for(3), T1, finished_at=T2)
        assert [v["version"] for v in rows(eng, "article_versions")] == [1, 1, 1]
        assert {r["author"] for r in rows(eng, "articles")} == {article(i)["author"] for i in range(3)}
    finally:
        eng.dispose()

    migrate.downgrade(wh_url, "0001")
    eng = make_engine(wh_url)
    try:
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM articles")).scalar() == 3
    finally:
        eng.dispose()
    migrate.upgrade(wh_url)
    assert migrate.current(wh_url) == "0009"


def test_0003_adds_the_story_tables_and_its_downgrade_removes_only_them(wh_url: str) -> None:
    migrate.upgrade(wh_url, "0002")
    eng = make_engine(wh_url)
    try:
        with eng.begin() as conn:  # what a 0002 load left: an article with its transform's cluster
            conn.execute(
                sa.text(
                    "INSERT INTO articles (site, canonical_url, url, logical_date, cluster_id, "
                    "is_representative, first_loaded_at, last_loaded_at, run_id) "
                    "VALUES (:site, :url, :fetched, :day, :cluster, true, :t0, :t1, 'run-0')"
                ),
                {
                    "site": SITE,
                    **dict.fromkeys(("url", "fetched", "cluster"), article(9)["canonical_url"]),
                    "day": DAY,
                    "t0": T0,
                    "t1": T0,
                },
            )
    finally:
        eng.dispose()
    migrate.upgrade(wh_url)
    eng = make_engine(wh_url)
    try:
        assert {"story_signatures", "story_links"} <= set(sa.inspect(eng).get_table_names())
        assert [r["cluster_id"] for r in rows(eng, "articles")] == [article(9)["canonical_url"]]
        assert rows(eng, "story_signatures") == rows(eng, "story_links") == []
    finally:
        eng.dispose()
    migrate.downgrade(wh_url, "0002")
    eng = make_engine(wh_url)
    try:
        names = set(sa.inspect(eng).get_table_names())
        assert not {"story_signatures", "story_links"} & names
        assert {"articles", "story_clusters"} <= names
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM articles")).scalar() == 1
    finally:
        eng.dispose()


def test_0004_adds_the_crawl_cost_to_the_ledger_and_keeps_its_rows(wh_url: str) -> None:
    migrate.upgrade(wh_url, "0003")
    eng = make_engine(wh_url)
    try:
        with eng.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO crawl_runs (site, logical_date, run_id, status, stage_reached, discovered, "
                    "fetched, failed, duplicates, quarantined, loaded, started_at) VALUES ('maghress-fr', "
                    "'2011-02-09', 'r0', 'succeeded', 'load', 3, 3, 0, 0, 0, 3, '2011-02-10 01:00:00+00')"
                )
            )
        migrate.upgrade(wh_url)
        with eng.connect() as conn:
            row = conn.execute(sa.text("SELECT loaded, requests, discovery_requests FROM crawl_runs")).one()
        assert tuple(row) == (3, None, None)  # an older run: its cost was never counted
        migrate.downgrade(wh_url, "0003")
        with eng.connect() as conn:
            columns = set(conn.execute(sa.text("SELECT * FROM crawl_runs")).keys())
        assert "requests" not in columns and "loaded" in columns
    finally:
        eng.dispose()


def test_0006_adds_the_partition_locks_and_its_downgrade_removes_only_them(wh_url: str) -> None:
    migrate.upgrade(wh_url, "0005")
    eng = make_engine(wh_url)
    try:
        assert "partition_locks" not in set(sa.inspect(eng).get_table_names())
        migrate.upgrade(wh_url)
        with eng.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO partition_locks (site, logical_date, run_id, holder, acquired_at, "
                    "expires_at) VALUES ('maghress-fr', '2011-02-09', 'r1', 'host:1', "
                    "'2011-02-10 01:00:00+00', '2011-02-10 01:05:00+00')"
                )
            )
        # one holder per partition: the key is (site, logical_date)
        with pytest.raises(sa.exc.IntegrityError), eng.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO partition_locks VALUES ('maghress-fr', '2011-02-09', 'r2', 'host:2', "
                    "'2011-02-10 01:00:00+00', '2011-02-10 01:05:00+00')"
                )
            )
        migrate.downgrade(wh_url, "0005")
        names = set(sa.inspect(eng).get_table_names())
        assert "partition_locks" not in names and "crawl_runs" in names
    finally:
        eng.dispose()


def test_0007_adds_the_story_publications_view_and_its_downgrade_drops_only_it(wh_url: str) -> None:
    migrate.upgrade(wh_url, "0006")
    eng = make_engine(wh_url)
    try:
        assert "v_story_publications" not in set(sa.inspect(eng).get_view_names())
        migrate.upgrade(wh_url)
        assert "v_story_publications" in set(sa.inspect(eng).get_view_names())
        insert = sa.text(
            "INSERT INTO articles (site, canonical_url, url, logical_date, published_date, publication_slug, "
            "cluster_id, is_representative, first_loaded_at, last_loaded_at, run_id) VALUES ('maghress-fr', "
            ":url, :fetched, :day, :published, :slug, 'u0-hespress', :rep, '2011-02-10 01:00:00+00', "
            "'2011-02-10 01:00:00+00', 'r0')"
        )
        with eng.begin() as conn:  # two copies of one story, the earlier one last by URL
            for n, (slug, day) in enumerate(
                (("hespress", date(2011, 2, 8)), ("aujourdhui", date(2011, 2, 9)))
            ):
                url = f"u{n}-{slug}"
                conn.execute(
                    insert,
                    {"url": url, "fetched": url, "day": day, "published": day, "slug": slug, "rep": n == 0},
                )
            found = conn.execute(
                sa.text("SELECT publication, publication_rank, publications FROM v_story_publications")
            ).all()
        assert sorted(map(tuple, found)) == [("aujourdhui", 2, 2), ("hespress", 1, 2)]
        migrate.downgrade(wh_url, "0006")
        assert set(sa.inspect(eng).get_view_names()) == set(VIEWS) - {"v_story_publications"}
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM articles")).scalar() == 2
    finally:
        eng.dispose()


def _article_columns(eng: sa.Engine) -> set[str]:
    with eng.connect() as conn:  # duckdb-engine cannot reflect columns (no pg_collation)
        return set(conn.execute(sa.text("SELECT * FROM articles LIMIT 0")).keys())


def test_0008_adds_the_search_vector_on_postgresql_for_rows_already_there(wh_url: str) -> None:
    migrate.upgrade(wh_url, "0007")
    eng = make_engine(wh_url)
    try:
        common = {"day": DAY, "t0": T0, "t1": T0}
        with eng.begin() as conn:  # what a 0007 load left: a French and an Arabic article
            conn.execute(
                sa.text(
                    "INSERT INTO articles (site, canonical_url, url, logical_date, title, body, language, "
                    "first_loaded_at, last_loaded_at, run_id) VALUES (:site, :url, :fetched, :day, :title, "
                    ":body, :language, :t0, :t1, 'run-0')"
                ),
                [
                    {**common, "site": SITE, "url": "https://www.maghress.com/fr/x/1", "fetched": "u1",
                     "title": "Les gouvernements", "body": "Le gouvernement parle.", "language": "fr"},
                    {**common, "site": "maghress-ar", "url": "https://www.maghress.com/x/2", "fetched": "u2",
                     "title": "الحكومة", "body": "قالت الحكومة", "language": "ar"},
                ],
            )  # fmt: skip
        before = fingerprints(eng)
        migrate.upgrade(wh_url)
        assert fingerprints(eng) == before  # the data tables as they were
        columns = _article_columns(eng)
        if eng.dialect.name == "postgresql":
            assert "search_vector" in columns
            with eng.connect() as conn:
                vectors = conn.execute(
                    sa.text("SELECT language, search_vector::text FROM articles ORDER BY language")
                ).all()
                indexes = conn.execute(
                    sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_articles_search_vector'")
                ).scalars()
                assert [d.split(" USING ")[1] for d in indexes] == ["gin (search_vector)"]
            # each article in its language's configuration: stems, the title weighted A
            assert vectors == [("ar", "'حكوم':1A,3B 'قال':2B"), ("fr", "'gouvern':2A,4B 'le':1A 'parl':5B")]
        else:
            assert "search_vector" not in columns  # DuckDB searches by scanning: nothing to add
        migrate.downgrade(wh_url, "0007")
        assert "search_vector" not in _article_columns(eng)
        assert fingerprints(eng) == before
    finally:
        eng.dispose()


def test_0009_adds_the_stage_runs_and_its_downgrade_removes_only_them(wh_url: str) -> None:
    migrate.upgrade(wh_url, "0008")
    eng = make_engine(wh_url)
    try:
        assert "stage_runs" not in set(sa.inspect(eng).get_table_names())
        migrate.upgrade(wh_url)
        insert = sa.text(
            "INSERT INTO stage_runs (site, logical_date, run_id, stage, started_at, finished_at, "
            "duration_seconds, status, loaded, bytes) VALUES ('maghress-fr', '2011-02-09', 'r1', 'load', "
            "CAST(:started AS TIMESTAMPTZ), '2011-02-10 01:00:03+00', 3.0, :status, 7, 5000000000)"
        )
        with eng.begin() as conn:
            conn.execute(insert, {"status": "ok", "started": "2011-02-10 01:00:00+00"})
            assert conn.execute(sa.text("SELECT bytes FROM stage_runs")).scalar_one() == 5_000_000_000
        with pytest.raises(sa.exc.IntegrityError), eng.begin() as conn:  # one row per attempt
            conn.execute(insert, {"status": "failed", "started": "2011-02-10 01:00:00+00"})
        with pytest.raises(sa.exc.DBAPIError, match="(?i)check"), eng.begin() as conn:  # ok, failed, refused
            conn.execute(insert, {"status": "lost", "started": "2011-02-10 02:00:00+00"})
        migrate.downgrade(wh_url, "0008")
        names = set(sa.inspect(eng).get_table_names())
        assert "stage_runs" not in names and "partition_locks" in names
    finally:
        eng.dispose()
