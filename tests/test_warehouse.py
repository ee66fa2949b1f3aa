"""warehouse/: migrations, idempotent partition loads and the run ledger.

Every test that takes ``engine`` or ``wh_url`` runs twice: on a DuckDB file and
on a throwaway PostgreSQL database (127.0.0.1:5432, user postgres).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from core.partitions import Partition
from core.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA, LedgerCounts, PageFailure
from warehouse import loader, migrate, upsert
from warehouse.engine import make_engine
from warehouse.fingerprint import fingerprints
from warehouse.ledger import last_ids, ledger, recent_volumes, record_failed_run, record_validation_results
from warehouse.loader import load_partition, register_publications, register_site
from warehouse.models import VIEWS, Base

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SITE = "maghress-fr"
DAY = date(2011, 2, 9)
T0 = datetime(2011, 2, 10, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(days=1)


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped at the end."""
    name = f"pressetl_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["duckdb", "postgresql"])
def wh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty warehouse: a new DuckDB file, or the session's PostgreSQL database wiped."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    url = request.getfixturevalue("pg_database")
    wipe = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with wipe.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    wipe.dispose()
    return url


@pytest.fixture
def engine(wh_url: str) -> Iterator[Engine]:
    """A migrated warehouse."""
    migrate.upgrade(wh_url)
    eng = make_engine(wh_url)
    yield eng
    eng.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# ---------------------------------------------------------------------- helpers


def article(i: int, day: date = DAY, site: str = SITE, **changes: Any) -> dict[str, Any]:
    slug = ("hespress", "lematin", "aujourdhui")[i % 3]
    row = {
        "site": site,
        "logical_date": day,
        "url": f"https://maghress.com/fr/{slug}/{1000 + i}",
        "canonical_url": f"https://www.maghress.com/fr/{slug}/{1000 + i}",
        "publication_slug": slug,
        "publication_name": {
            "hespress": "Hespress",
            "lematin": "Le Matin",
            "aujourdhui": "Aujourd'hui le Maroc",
        }[slug],
        "aggregator_id": 1000 + i,
        "title": f"Titre numéro {i} — l'été",
        "body": f"Premier paragraphe {i}.\n\nMultipolaire\n\nDeuxième paragraphe, « cité ».",
        "subheadings": ["Multipolaire", "Programme de démarrage"] if i % 2 else [],
        "published_date": day,
        "language": "fr",
        "source_url": f"https://{slug}.example/article/{i}",
        "thumbnail_url": None if i % 4 == 0 else f"https://images2.maghress.com/{slug}/{1000 + i}/thumb",
        "content_hash": f"hash-{i}",
        "word_count": 100 + i,
        "extraction": "selectors",
        "error": None,
        "warc_file": "warc/crawl-00000.warc.gz",
        "warc_record_id": f"<urn:uuid:{uuid.UUID(int=i)}>",
        "fetched_at": datetime(2011, 2, 10, 0, 30, i % 60, 123456, tzinfo=UTC),
        "author": None if i % 5 == 0 else f"Auteur {i % 4}",
        "body_source": "publisher" if i % 2 else "aggregator",
        "publication_key": PUBLICATION_KEYS[slug],
        "publication_is_new": slug == "aujourdhui",
        "language_status": "detected",
        # exact in float32, so both databases give back the very value
        "language_confidence": 0.875,
        "reading_time_minutes": 0.5 + i % 4,
        # three consecutive articles (three publications) tell one story
        "cluster_id": cluster_of(i),
        "is_representative": i % 3 == 0,
    }
    row.update(changes)
    return row


PUBLICATION_KEYS = {"hespress": "hespress", "lematin": "le-matin", "aujourdhui": "aujourd-hui-le-maroc"}


def cluster_of(i: int) -> str:
    """The canonical URL of the story's representative: article(i - i % 3), a hespress one."""
    return f"https://www.maghress.com/fr/hespress/{1000 + i - i % 3}"


def partition(data_dir: Path, day: date = DAY, site: str = SITE) -> Partition:
    return Partition(site=site, day=day, data_dir=data_dir)


def write_partition(
    part: Partition,
    articles: list[dict[str, Any]],
    quarantined: list[tuple[dict[str, Any], list[str]]] | None = None,
    failures: list[dict[str, Any]] | None = None,
) -> None:
    part.validated_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(articles, schema=ARTICLE_SCHEMA), part.validated_articles)
    if quarantined is None:
        part.quarantined_articles.unlink(missing_ok=True)
    else:
        part.quarantine_dir.mkdir(parents=True, exist_ok=True)
        rows = [{**row, "reasons": reasons} for row, reasons in quarantined]
        pq.write_table(pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA), part.quarantined_articles)
    if failures is None:
        part.failures.unlink(missing_ok=True)
    else:
        part.raw_dir.mkdir(parents=True, exist_ok=True)
        lines = [PageFailure(site=part.site, logical_date=part.day, **f).model_dump_json() for f in failures]
        part.failures.write_text("".join(line + "\n" for line in lines))


def failure(n: int, **changes: Any) -> dict[str, Any]:
    row = {
        "url": f"https://www.maghress.com/fr/hespress/{9000 + n}",
        "kind": "article",
        "status": 503,
        "reason": "HTTP 503 after 3 retries",
        "failed_at": datetime(2011, 2, 10, 0, 40, n, tzinfo=UTC),
    }
    row.update(changes)
    return row


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every warehouse table, in key order."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(query)]
    return out


def rows(engine: Engine, table: str, **where: Any) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    query = sa.select(t).where(*(t.c[k] == v for k, v in where.items())).order_by(*t.primary_key.columns)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def counts_for(loaded: int, duplicates: int = 2, quarantined: int = 0, failed: int = 0) -> LedgerCounts:
    """Counts as the earlier stages would report them for a partition that reconciles."""
    discovered = loaded + duplicates + quarantined + failed
    return LedgerCounts(
        discovered=discovered,
        fetched=discovered - failed,
        failed=failed,
        duplicates=duplicates,
        quarantined=quarantined,
    )


# ------------------------------------------------------------------- migrations


HISTORY = [
    "0001: Initial schema: sites, publications, articles, the run ledger, failures, quarantine, validation.",
    "0002: Enrichment columns, publication dimension, article versions, story clusters, run override "
    "flag, views.",
]


def test_upgrade_from_empty_then_again_is_a_noop(wh_url: str) -> None:
    assert migrate.current(wh_url) is None
    migrate.upgrade(wh_url)
    assert migrate.current(wh_url) == migrate.head() == "0002"
    eng = make_engine(wh_url)
    try:
        inspector = sa.inspect(eng)
        assert set(Base.metadata.tables) | {"alembic_version"} <= set(inspector.get_table_names())
        assert set(VIEWS) <= set(inspector.get_view_names())
        before = fingerprints(eng)
    finally:
        eng.dispose()

    migrate.upgrade(wh_url)

    assert migrate.current(wh_url) == "0002"
    eng = make_engine(wh_url)
    try:
        assert fingerprints(eng) == before
    finally:
        eng.dispose()
    assert migrate.history(wh_url) == [HISTORY[0], HISTORY[1] + " (head) (current)"]


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
    assert migrate.current(wh_url) == "0002"


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
    assert migrated == modelled

    if engine.dialect.name == "postgresql":
        # Types, keys, indexes and constraints too; duckdb-engine cannot reflect
        # columns through SQLAlchemy 2.1's PostgreSQL inspector (no pg_collation).
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    else:
        # Column types at least, as DuckDB names them.
        query = sa.text("SELECT table_name, column_name, data_type FROM information_schema.columns")
        with engine.connect() as conn:
            types = {(t, c): d for t, c, d in conn.execute(query)}
        assert types[("articles", "language_confidence")] == "FLOAT"
        assert types[("articles", "published_at")] == "TIMESTAMP WITH TIME ZONE"
        assert types[("crawl_runs", "quality_overridden")] == "BOOLEAN"


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
    assert migrate.current(wh_url) == "0002"


def json_list(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)


def test_make_engine_creates_the_duckdb_directory(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "warehouse.duckdb"
    eng = make_engine(f"duckdb:///{target}")
    try:
        with eng.connect() as conn:
            assert conn.execute(sa.text("select 42")).scalar() == 42
    finally:
        eng.dispose()
    assert target.exists()


# ------------------------------------------------------------------------ loads


def test_load_puts_exactly_the_input_in_the_warehouse(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    articles = [article(i) for i in range(7)]
    write_partition(part, articles)

    result = load_partition(engine, part, "run-1", counts_for(7), T0, finished_at=T1, chunk_size=3)

    assert result == dataclasses.replace(counts_for(7), loaded=7)
    stored = {r["canonical_url"]: r for r in rows(engine, "articles")}
    assert len(stored) == 7
    for expected in articles:
        got = stored[expected["canonical_url"]]
        for name in ARTICLE_SCHEMA.names:
            assert got[name] == expected[name], name
        assert (got["first_loaded_at"], got["last_loaded_at"], got["run_id"]) == (T0, T0, "run-1")
    unregistered = {"country": None, "language": None, "home_url": None, "aliases": None}
    assert rows(engine, "publications") == [
        {
            "site": SITE,
            "slug": "aujourdhui",
            "name": "Aujourd'hui le Maroc",
            "publication_key": "aujourd-hui-le-maroc",
            **unregistered,
            "needs_review": True,  # the transforms did not know it
        },
        {
            "site": SITE,
            "slug": "hespress",
            "name": "Hespress",
            "publication_key": "hespress",
            **unregistered,
            "needs_review": False,
        },
        {
            "site": SITE,
            "slug": "lematin",
            "name": "Le Matin",
            "publication_key": "le-matin",
            **unregistered,
            "needs_review": False,
        },
    ]
    assert rows(engine, "sites") == [{"site": SITE, "aggregator": None, "display_name": None}]
    [run] = rows(engine, "crawl_runs")
    assert run == {
        "site": SITE,
        "logical_date": DAY,
        "run_id": "run-1",
        "status": "succeeded",
        "stage_reached": "load",
        "failed_stage": None,
        **result.as_dict(),
        "error": None,
        "started_at": T0,
        "finished_at": T1,
        "quality_overridden": False,
    }
    assert [
        (v["canonical_url"], v["version"], v["title"], v["run_id"]) for v in rows(engine, "article_versions")
    ] == sorted((a["canonical_url"], 1, a["title"], "run-1") for a in articles)


def test_registered_site_details_survive_loads(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    load_partition(engine, part, "run-1", counts_for(1), T0)
    register_site(engine, SITE, "maghress", "Maghress (français)")
    load_partition(engine, part, "run-2", counts_for(1), T1)
    register_site(engine, "turess-fr", "turess", "Turess (français)")
    assert rows(engine, "sites") == [
        {"site": SITE, "aggregator": "maghress", "display_name": "Maghress (français)"},
        {"site": "turess-fr", "aggregator": "turess", "display_name": "Turess (français)"},
    ]


def test_reloading_a_partition_leaves_identical_rows(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(
        part,
        [article(i) for i in range(5)],
        quarantined=[(article(50), ["title too short"])],
        failures=[failure(1)],
    )
    load_partition(engine, part, "run-1", counts_for(5, quarantined=1, failed=1), T0, finished_at=T1)
    first = dump(engine)

    # An Airflow retry: same run, same inputs.
    load_partition(engine, part, "run-1", counts_for(5, quarantined=1, failed=1), T0, finished_at=T1)
    assert dump(engine) == first

    # A later run over the same files: only its own ledger row and the partition's
    # quarantine/failure rows (which carry the run) differ; articles do not move.
    load_partition(engine, part, "run-2", counts_for(5, quarantined=1, failed=1), T2, finished_at=T2)
    second = dump(engine)
    for table in ("sites", "publications", "articles"):
        assert second[table] == first[table], table
    assert [r[2] for r in second["crawl_runs"]] == ["run-1", "run-2"]
    assert second["crawl_runs"][0] == first["crawl_runs"][0]
    assert len(second["quarantined_articles"]) == len(second["page_failures"]) == 1


def test_changed_content_is_updated_and_keeps_first_loaded_at(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(4)])
    load_partition(engine, part, "run-1", counts_for(4), T0, finished_at=T1)
    untouched_before = [r for r in rows(engine, "articles") if r["aggregator_id"] != 1002]

    write_partition(
        part,
        [article(i) for i in range(4) if i != 2]
        + [article(2, title="Titre corrigé", content_hash="hash-2b")],
    )
    load_partition(engine, part, "run-2", counts_for(4), T2, finished_at=T2)

    after = rows(engine, "articles")
    [changed] = [r for r in after if r["aggregator_id"] == 1002]
    assert (changed["title"], changed["content_hash"]) == ("Titre corrigé", "hash-2b")
    assert (changed["first_loaded_at"], changed["last_loaded_at"], changed["run_id"]) == (T0, T2, "run-2")
    assert [r for r in after if r["aggregator_id"] != 1002] == untouched_before


def test_a_fix_that_keeps_the_hash_still_reaches_the_warehouse(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0, published_date=date(2011, 9, 2))])
    load_partition(engine, part, "run-1", counts_for(1), T0, finished_at=T1)

    write_partition(part, [article(0)])  # date parsing fixed; text and hash unchanged
    load_partition(engine, part, "run-2", counts_for(1), T2, finished_at=T2)

    [row] = rows(engine, "articles")
    assert (row["published_date"], row["last_loaded_at"]) == (DAY, T2)


def test_an_older_day_does_not_roll_back_a_newer_version(engine: Engine, data_dir: Path) -> None:
    old, new = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(old, [article(0)])
    write_partition(new, [article(0, day=new.day, title="Mis à jour", content_hash="hash-0b")])
    load_partition(engine, old, "run-1", counts_for(1), T0, finished_at=T0)
    load_partition(engine, new, "run-2", counts_for(1), T1, finished_at=T1)

    load_partition(engine, old, "run-3", counts_for(1), T2, finished_at=T2)  # a backfill of the old day

    [row] = rows(engine, "articles")
    assert (row["title"], row["logical_date"], row["run_id"]) == ("Mis à jour", new.day, "run-2")


def test_quarantine_and_failures_are_replaced_not_duplicated(engine: Engine, data_dir: Path) -> None:
    part, other = partition(data_dir), partition(data_dir, DAY - timedelta(days=1))
    write_partition(
        other,
        [article(9, day=other.day)],
        quarantined=[(article(90, day=other.day), ["x"])],
        failures=[failure(9)],
    )
    load_partition(engine, other, "run-0", counts_for(1, quarantined=1, failed=1), T0, finished_at=T0)
    write_partition(
        part,
        [article(0)],
        quarantined=[
            (article(10), ["title too short", "body too short"]),
            (article(11), ["language not fr"]),
            (article(12), []),
        ],
        failures=[failure(1), failure(2, kind="listing", status=None, reason="timeout")],
    )
    load_partition(engine, part, "run-1", counts_for(1, quarantined=3, failed=2), T0, finished_at=T1)

    quarantined = rows(engine, "quarantined_articles", logical_date=DAY)
    assert [(q["seq"], q["canonical_url"], q["reasons"]) for q in quarantined] == [
        (0, article(10)["canonical_url"], "title too short; body too short"),
        (1, article(11)["canonical_url"], "language not fr"),
        (2, article(12)["canonical_url"], ""),
    ]
    assert {(q["quarantined_at"], q["run_id"], q["title"]) for q in quarantined[:1]} == {
        (T0, "run-1", article(10)["title"])
    }
    failures = rows(engine, "page_failures", logical_date=DAY)
    assert [(f["url"], f["kind"], f["status"], f["reason"], f["failed_at"]) for f in failures] == [
        (failure(1)["url"], "article", 503, "HTTP 503 after 3 retries", failure(1)["failed_at"]),
        (failure(2)["url"], "listing", None, "timeout", failure(2)["failed_at"]),
    ]

    # The re-run quarantines one article and its failures file is gone.
    write_partition(part, [article(0)], quarantined=[(article(11), ["language not fr"])])
    load_partition(engine, part, "run-2", counts_for(1, quarantined=1), T2, finished_at=T2)

    assert [
        (q["canonical_url"], q["run_id"]) for q in rows(engine, "quarantined_articles", logical_date=DAY)
    ] == [(article(11)["canonical_url"], "run-2")]
    assert rows(engine, "page_failures", logical_date=DAY) == []
    # The neighbouring day is not touched.
    assert len(rows(engine, "quarantined_articles", logical_date=other.day)) == 1
    assert len(rows(engine, "page_failures", logical_date=other.day)) == 1


def test_missing_quarantine_and_failure_files_mean_no_rows(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    load_partition(engine, part, "run-1", counts_for(1), T0)
    assert rows(engine, "quarantined_articles") == rows(engine, "page_failures") == []


def test_an_empty_validated_partition_loads_zero_rows(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [], failures=[failure(1)])
    result = load_partition(engine, part, "run-1", counts_for(0, duplicates=0, failed=1), T0)
    assert (result.loaded, result.reconciles) == (0, True)
    assert rows(engine, "articles") == []


def test_a_missing_validated_partition_is_an_error(engine: Engine, data_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no validated articles"):
        load_partition(engine, partition(data_dir), "run-1", LedgerCounts(), T0)


def test_repeated_canonical_urls_count_as_duplicates(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    # The second copy lands in another chunk, and a third in the same chunk as the first.
    write_partition(part, [article(0), article(1), article(0, title="copie"), article(0, title="copie 2")])
    result = load_partition(engine, part, "run-1", counts_for(4, duplicates=0), T0, chunk_size=2)
    assert (result.loaded, result.duplicates, result.reconciles) == (2, 2, True)
    assert {r["title"] for r in rows(engine, "articles")} == {article(0)["title"], article(1)["title"]}


def test_a_row_from_another_partition_is_refused(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0), article(1, day=DAY + timedelta(days=1))])
    with pytest.raises(ValueError, match="in partition"):
        load_partition(engine, part, "run-1", counts_for(2), T0)
    assert dump(engine) == {table: [] for table in Base.metadata.tables}


def test_nul_characters_load_the_same_on_both_databases(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0, body="avant\x00après", subheadings=["a\x00b"])])
    load_partition(engine, part, "run-1", counts_for(1), T0)
    [row] = rows(engine, "articles")
    assert (row["body"], row["subheadings"]) == ("avantaprès", ["ab"])


def test_a_load_that_dies_midway_leaves_the_previous_state(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = partition(data_dir)
    write_partition(
        part, [article(i) for i in range(6)], quarantined=[(article(50), ["r"])], failures=[failure(1)]
    )
    load_partition(engine, part, "run-1", counts_for(6, quarantined=1, failed=1), T0, finished_at=T1)
    before = dump(engine)

    write_partition(
        part,
        [article(i, title=f"v2 {i}", content_hash=f"v2-{i}") for i in range(12)],
        quarantined=[(article(51), ["s"]), (article(52), ["t"])],
        failures=[failure(2), failure(3)],
    )
    real = loader._merge_batch
    calls = []

    def dies_after_first_chunk(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("killed midway")
        real(*args, **kwargs)

    monkeypatch.setattr(loader, "_merge_batch", dies_after_first_chunk)
    with pytest.raises(RuntimeError, match="killed midway"):
        load_partition(engine, part, "run-2", counts_for(12, quarantined=2, failed=2), T2, chunk_size=4)

    assert len(calls) == 2
    assert dump(engine) == before


def test_a_first_load_that_dies_leaves_nothing(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(5)], failures=[failure(1)])

    def dies(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    # Fail at the very end: after articles, quarantine and failures were written.
    monkeypatch.setattr(loader, "write_run", dies)
    with pytest.raises(RuntimeError, match="disk full"):
        load_partition(engine, part, "run-1", counts_for(5, failed=1), T0, chunk_size=2)
    assert dump(engine) == {table: [] for table in Base.metadata.tables}


def test_upsert_splits_statements_and_keeps_the_last_of_a_key(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upsert, "MAX_PARAMS_PER_STATEMENT", 7)  # DuckDB: 2 rows per statement
    table = Base.metadata.tables["publications"]
    batch = [{"site": SITE, "slug": f"p{i % 5}", "name": f"name {i}"} for i in range(8)]
    with engine.begin() as conn:
        assert upsert.upsert(conn, table, batch, key=("site", "slug"), chunk_size=8) == 5
        upsert.upsert(
            conn, table, [{"site": SITE, "slug": "p0", "name": "kept"}], key=("site", "slug"), update=[]
        )
    assert [(r["slug"], r["name"]) for r in rows(engine, "publications")] == [
        ("p0", "name 5"),
        ("p1", "name 6"),
        ("p2", "name 7"),
        ("p3", "name 3"),
        ("p4", "name 4"),
    ]


def test_rerunning_a_partition_changes_no_count_and_no_checksum(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(
        part,
        [article(i) for i in range(10)],
        quarantined=[(article(50), ["title too short"])],
        failures=[failure(1)],
    )
    counts = counts_for(10, quarantined=1, failed=1)
    load_partition(engine, part, "run-1", counts, T0, finished_at=T1, chunk_size=4)
    record_validation_results(engine, SITE, DAY, "run-1", [{"expectation": "e", "success": True}])
    first = fingerprints(engine)
    assert {name: f.rows for name, f in first.items()} == {
        "sites": 1,
        "publications": 3,
        "articles": 10,
        "article_versions": 10,
        "story_clusters": 4,
        "crawl_runs": 1,
        "page_failures": 1,
        "quarantined_articles": 1,
        "validation_results": 1,
    }

    # An Airflow retry of the same run, in other batch sizes: not one byte moves.
    for chunk_size in (4, 3, 1000):
        load_partition(engine, part, "run-1", counts, T0, finished_at=T1, chunk_size=chunk_size)
        assert fingerprints(engine) == first

    # A later run over the same files adds its ledger row and takes over the
    # partition's quarantine and failures; the data itself does not move.
    load_partition(engine, part, "run-2", counts, T2, finished_at=T2)
    second = fingerprints(engine)
    for table in ("sites", "publications", "articles", "article_versions", "story_clusters"):
        assert second[table] == first[table], table
    assert second["crawl_runs"].rows == 2


def test_fetch_metadata_alone_is_not_a_new_version(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(3)])
    load_partition(engine, part, "run-1", counts_for(3), T0, finished_at=T1)
    before = fingerprints(engine, ["articles", "article_versions"])

    # A re-crawl: same article, fetched again into another WARC file.
    recrawled = [
        article(
            i,
            url=f"https://www.maghress.com/fr/x/{i}",
            warc_file="warc/crawl-00001.warc.gz",
            warc_record_id=f"<urn:uuid:{uuid.UUID(int=100 + i)}>",
            fetched_at=T2,
        )
        for i in range(3)
    ]
    write_partition(part, recrawled)
    load_partition(engine, part, "run-2", counts_for(3), T2, finished_at=T2)

    assert fingerprints(engine, ["articles", "article_versions"]) == before
    assert {r["warc_file"] for r in rows(engine, "articles")} == {"warc/crawl-00000.warc.gz"}


def test_each_new_text_is_a_version(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    texts = [
        {},
        {"title": "Titre corrigé", "content_hash": "hash-1b", "warc_record_id": "<urn:uuid:b>"},
        {
            "title": "Titre corrigé",
            "body": "Nouveau corps.",
            "content_hash": "hash-1c",
            "warc_record_id": "<urn:uuid:c>",
        },
        {},  # back to the first text: history does not fold
    ]
    for n, changes in enumerate(texts):
        write_partition(part, [article(0), article(1, **changes)])
        load_partition(engine, part, f"run-{n}", counts_for(2), T0 + timedelta(days=n), finished_at=T2)

    versions = rows(engine, "article_versions")
    assert [(v["canonical_url"], v["version"]) for v in versions] == [
        (article(0)["canonical_url"], 1),
        *((article(1)["canonical_url"], n) for n in (1, 2, 3, 4)),
    ]
    mine = versions[1:]
    assert [v["title"] for v in mine] == [
        article(1)["title"],
        "Titre corrigé",
        "Titre corrigé",
        article(1)["title"],
    ]
    assert [v["body"] for v in mine][2] == "Nouveau corps."
    assert [v["content_hash"] for v in mine] == ["hash-1", "hash-1b", "hash-1c", "hash-1"]
    assert [v["warc_record_id"] for v in mine] == [
        article(1)["warc_record_id"],
        "<urn:uuid:b>",
        "<urn:uuid:c>",
        article(1)["warc_record_id"],
    ]
    assert [(v["run_id"], v["loaded_at"], v["logical_date"]) for v in mine] == [
        (f"run-{n}", T0 + timedelta(days=n), DAY) for n in range(4)
    ]
    [current] = rows(engine, "articles", canonical_url=article(1)["canonical_url"])
    assert (current["title"], current["run_id"], current["first_loaded_at"]) == (
        article(1)["title"],
        "run-3",
        T0,
    )


def test_an_older_day_adds_no_version(engine: Engine, data_dir: Path) -> None:
    old, new = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(old, [article(0)])
    write_partition(new, [article(0, day=new.day, title="Mis à jour", content_hash="hash-0b")])
    load_partition(engine, old, "run-1", counts_for(1), T0, finished_at=T0)
    load_partition(engine, new, "run-2", counts_for(1), T1, finished_at=T1)
    load_partition(engine, old, "run-3", counts_for(1), T2, finished_at=T2)

    assert [(v["version"], v["title"]) for v in rows(engine, "article_versions")] == [
        (1, article(0)["title"]),
        (2, "Mis à jour"),
    ]


def test_story_clusters_follow_their_articles(engine: Engine, data_dir: Path) -> None:
    part, next_day = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(part, [article(i) for i in range(7)])
    load_partition(engine, part, "run-1", counts_for(7), T0, chunk_size=2)

    def clusters() -> dict[str, tuple]:
        return {
            c["cluster_id"]: (
                c["representative_url"],
                c["first_seen"],
                c["last_seen"],
                c["members"],
                c["publications"],
            )
            for c in rows(engine, "story_clusters")
        }

    assert clusters() == {
        cluster_of(0): (article(0)["canonical_url"], DAY, DAY, 3, 3),
        cluster_of(3): (article(3)["canonical_url"], DAY, DAY, 3, 3),
        cluster_of(6): (article(6)["canonical_url"], DAY, DAY, 1, 1),
    }

    # The next day's crawl brings a fourth article of the first story.
    write_partition(
        next_day, [article(20, day=next_day.day, cluster_id=cluster_of(0), is_representative=False)]
    )
    load_partition(engine, next_day, "run-2", counts_for(1), T1)
    assert clusters()[cluster_of(0)] == (article(0)["canonical_url"], DAY, next_day.day, 4, 3)

    # A transform fix re-clusters the first day: article 6 joins the second story,
    # article 4 is on its own now, without a representative flag.
    reclustered = [article(i) for i in range(6) if i != 4] + [
        article(4, cluster_id="https://www.maghress.com/fr/lematin/1004", is_representative=False),
        article(6, cluster_id=cluster_of(3), is_representative=False),
    ]
    write_partition(part, reclustered)
    load_partition(engine, part, "run-3", counts_for(7), T2)
    assert clusters() == {
        cluster_of(0): (article(0)["canonical_url"], DAY, next_day.day, 4, 3),
        cluster_of(3): (article(3)["canonical_url"], DAY, DAY, 3, 2),  # 3, 5 and 6: hespress, aujourdhui
        "https://www.maghress.com/fr/lematin/1004": (
            "https://www.maghress.com/fr/lematin/1004",
            DAY,
            DAY,
            1,
            1,
        ),
    }


def test_publications_registered_keep_their_details_and_leave_review(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(3)])
    load_partition(engine, part, "run-1", counts_for(3), T0)
    register_publications(
        engine,
        SITE,
        [
            {
                "slug": "aujourdhui",
                "country": "MA",
                "language": "fr",
                "home_url": "https://aujourdhui.ma/",
                "aliases": ["Aujourd'hui le Maroc", "ALM"],
            }
        ],
    )
    load_partition(engine, part, "run-2", counts_for(3), T1)  # still flagged new upstream
    [pub] = rows(engine, "publications", slug="aujourdhui")
    assert pub == {
        "site": SITE,
        "slug": "aujourdhui",
        "name": "Aujourd'hui le Maroc",
        "publication_key": "aujourd-hui-le-maroc",
        "country": "MA",
        "language": "fr",
        "home_url": "https://aujourdhui.ma/",
        "aliases": ["Aujourd'hui le Maroc", "ALM"],
        "needs_review": False,
    }
    with pytest.raises(ValueError, match="unknown fields"):
        register_publications(engine, SITE, [{"slug": "x", "city": "Rabat"}])


def test_the_gate_override_is_in_the_ledger(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    part.validation_manifest.write_text(json.dumps({"success": False, "override": True, "overridden": True}))
    load_partition(engine, part, "run-1", counts_for(1), T0)
    part.validation_manifest.write_text(json.dumps({"success": True, "override": True, "overridden": False}))
    load_partition(engine, part, "run-2", counts_for(1), T1)
    assert [(r["run_id"], r["quality_overridden"]) for r in rows(engine, "crawl_runs")] == [
        ("run-1", True),
        ("run-2", False),
    ]


def test_a_partition_from_before_enrichment_loads_with_nulls(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    part.validated_dir.mkdir(parents=True, exist_ok=True)
    old_schema = pa.schema([f for f in ARTICLE_SCHEMA if f.name not in ENRICHMENT])
    old = [{k: v for k, v in article(i).items() if k in old_schema.names} for i in range(2)]
    pq.write_table(pa.Table.from_pylist(old, schema=old_schema), part.validated_articles)
    load_partition(engine, part, "run-1", counts_for(2), T0)
    stored = rows(engine, "articles")
    assert [r["title"] for r in stored] == [article(0)["title"], article(1)["title"]]
    assert {r[name] for r in stored for name in ENRICHMENT} == {None}
    assert rows(engine, "story_clusters") == []


ENRICHMENT = (
    "author",
    "body_source",
    "publication_key",
    "publication_is_new",
    "language_status",
    "language_confidence",
    "reading_time_minutes",
    "cluster_id",
    "is_representative",
)


def test_progress_is_reported_after_each_batch(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(5)] + [article(0)])
    seen: list[tuple[str, dict[str, int]]] = []
    load_partition(
        engine, part, "run-1", counts_for(5), T0, chunk_size=2, progress=lambda s, c: seen.append((s, c))
    )
    assert seen == [
        ("load", {"rows": 2, "duplicates": 0}),
        ("load", {"rows": 4, "duplicates": 0}),
        ("load", {"rows": 5, "duplicates": 1}),
    ]


def test_views_answer_the_everyday_questions(engine: Engine, data_dir: Path) -> None:
    part, next_day = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(part, [article(i) for i in range(7)] + [article(7, published_date=None)])
    load_partition(engine, part, "run-1", counts_for(8), T0, finished_at=T1)
    record_failed_run(
        engine, SITE, next_day.day, "run-2", "crawl", "site down", LedgerCounts(), T1, finished_at=T2
    )
    # A backfill of an old day, run later, does not hide last night's failure.
    old = partition(data_dir, DAY - timedelta(days=30))
    write_partition(old, [article(100, day=old.day, published_date=old.day, cluster_id=None)])
    load_partition(engine, old, "run-3", counts_for(1), T2, finished_at=T2 + timedelta(minutes=5))
    load_partition(engine, part, "run-4", counts_for(9), T0 - timedelta(hours=1))  # not reconciling

    with engine.connect() as conn:
        per_day = (
            conn.execute(sa.text("SELECT * FROM v_articles_per_publication_day ORDER BY day, publication"))
            .mappings()
            .all()
        )
        stories = (
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
    assert [(s["cluster_id"], s["title"], s["members"], s["publications"]) for s in stories] == [
        (cluster_of(0), article(0)["title"], 3, 3),
        (cluster_of(3), article(3)["title"], 3, 3),
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


# ----------------------------------------------------------------------- ledger


def test_ledger_shows_the_load_and_whether_it_reconciles(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(
        part, [article(i) for i in range(3)], quarantined=[(article(9), ["r"])], failures=[failure(1)]
    )
    load_partition(
        engine, part, "run-1", counts_for(3, duplicates=1, quarantined=1, failed=1), T0, finished_at=T1
    )

    [row] = ledger(engine)
    assert row["reconciles"] is True
    assert (row["site"], row["logical_date"], row["run_id"], row["status"]) == (
        SITE,
        DAY,
        "run-1",
        "succeeded",
    )
    assert (row["discovered"], row["loaded"], row["duplicates"], row["quarantined"], row["failed"]) == (
        6,
        3,
        1,
        1,
        1,
    )

    # Upstream counted one article too many: the ledger must say so.
    load_partition(
        engine, part, "run-2", counts_for(4, duplicates=1, quarantined=1, failed=1), T2, finished_at=T2
    )
    [row] = ledger(engine)
    assert (row["run_id"], row["discovered"], row["loaded"], row["reconciles"]) == ("run-2", 7, 3, False)


def test_failed_runs_and_the_latest_run_per_day(engine: Engine, data_dir: Path) -> None:
    other_day = DAY + timedelta(days=1)
    record_failed_run(
        engine,
        SITE,
        other_day,
        "run-a",
        "crawl",
        "ConnectionRefused: devsite down\n  Traceback (most recent call last):\n    ...",
        LedgerCounts(),
        T0,
        finished_at=T0,
    )
    record_failed_run(
        engine, "djazairess-fr", DAY, "run-a", "validate", "quality gate failed", LedgerCounts(), T0
    )
    # The first attempt for DAY failed in transform; the re-run loaded it.
    record_failed_run(
        engine, SITE, DAY, "run-a", "transform", ValueError("layout changed"), counts_for(0), T0
    )
    part = partition(data_dir)
    write_partition(part, [article(0), article(1)])
    load_partition(engine, part, "run-b", counts_for(2), T1, finished_at=T2)

    all_rows = ledger(engine)
    assert [(r["site"], r["logical_date"], r["run_id"], r["status"]) for r in all_rows] == [
        ("djazairess-fr", DAY, "run-a", "failed"),
        (SITE, DAY, "run-b", "succeeded"),
        (SITE, other_day, "run-a", "failed"),
    ]
    failed = all_rows[2]
    assert failed["error"] == "ConnectionRefused: devsite down Traceback (most recent call last): ..."
    assert (failed["failed_stage"], failed["stage_reached"], failed["started_at"]) == ("crawl", "crawl", T0)
    assert failed["reconciles"] is True  # nothing discovered, nothing lost
    assert [r["run_id"] for r in ledger(engine, site=SITE)] == ["run-b", "run-a"]
    assert [r["site"] for r in ledger(engine, day=DAY)] == ["djazairess-fr", SITE]
    assert ledger(engine, site=SITE, day=other_day)[0]["run_id"] == "run-a"
    assert len(rows(engine, "crawl_runs")) == 4

    # A retry that fails again with the same run id replaces its own row.
    record_failed_run(engine, SITE, other_day, "run-a", "crawl", "x" * 2000, LedgerCounts(), T0)
    [row] = rows(engine, "crawl_runs", site=SITE, logical_date=other_day)
    assert len(row["error"]) == 500


def test_validation_results_replace_the_runs_rows(engine: Engine) -> None:
    first = [
        {
            "expectation": "expect_column_values_to_not_be_null",
            "column": "title",
            "success": True,
            "observed": 0,
        },
        {
            "expectation": "expect_table_row_count_to_be_between",
            "column": None,
            "success": False,
            "observed": {"rows": 0},
        },
    ]
    assert record_validation_results(engine, SITE, DAY, "run-1", first) == 2
    record_validation_results(engine, SITE, DAY, "run-0", first[:1])
    stored = rows(engine, "validation_results", run_id="run-1")
    assert [(r["expectation"], r["column"], r["success"], r["observed_value"]) for r in stored] == [
        ("expect_column_values_to_not_be_null", "title", True, "0"),
        ("expect_table_row_count_to_be_between", None, False, '{"rows": 0}'),
    ]

    record_validation_results(engine, SITE, DAY, "run-1", [{**first[0], "observed": "0 of 12 null"}])
    assert [r["observed_value"] for r in rows(engine, "validation_results", run_id="run-1")] == [
        "0 of 12 null"
    ]
    assert len(rows(engine, "validation_results", run_id="run-0")) == 1


def test_recent_volumes_are_the_latest_successful_loads(engine: Engine, data_dir: Path) -> None:
    def loaded_run(day: date, run_id: str, n: int, started: datetime) -> None:
        counts = dataclasses.replace(counts_for(n), loaded=n)
        with engine.begin() as conn:
            loader.write_run(
                conn,
                loader.run_row(
                    SITE,
                    day,
                    run_id,
                    counts,
                    status="succeeded",
                    stage="load",
                    failed_stage=None,
                    error=None,
                    started_at=started,
                    finished_at=started,
                ),
            )

    day = date(2011, 2, 20)
    loaded_run(day - timedelta(days=1), "a", 40, T0)
    loaded_run(day - timedelta(days=1), "b", 42, T1)  # the re-run counts
    record_failed_run(engine, SITE, day - timedelta(days=1), "c", "crawl", "down", LedgerCounts(), T2)
    loaded_run(day - timedelta(days=3), "a", 30, T0)
    loaded_run(day - timedelta(days=4), "a", 99, T0)  # outside a 3-day window
    loaded_run(day, "a", 1, T0)  # the day being checked is not history
    record_failed_run(engine, SITE, day - timedelta(days=2), "a", "crawl", "down", LedgerCounts(), T0)
    with engine.begin() as conn:  # another site
        loader.write_run(
            conn,
            loader.run_row(
                "turess-fr",
                day - timedelta(days=1),
                "a",
                counts_for(7),
                status="succeeded",
                stage="load",
                failed_stage=None,
                error=None,
                started_at=T0,
                finished_at=T0,
            ),
        )

    assert recent_volumes(engine, SITE, day, 3) == [30, 42]
    assert recent_volumes(engine, SITE, day, 4) == [99, 30, 42]
    assert recent_volumes(engine, "nowhere", day, 14) == []
    discovered = [counts_for(n).discovered for n in (30, 42)]
    assert recent_volumes(engine, SITE, day, 3, count="discovered") == discovered
    with pytest.raises(ValueError, match="count must be one of"):
        recent_volumes(engine, SITE, day, 3, count="title")


def test_last_ids_per_publication(engine: Engine, data_dir: Path) -> None:
    assert last_ids(engine, SITE) == {}
    part = partition(data_dir)
    write_partition(
        part,
        [article(i) for i in range(7)] + [article(8, aggregator_id=None), article(9, publication_slug=None)],
    )
    load_partition(engine, part, "run-1", counts_for(9), T0)
    other = partition(data_dir, site="turess-fr")
    write_partition(other, [article(i, site="turess-fr", aggregator_id=5_000_000_000) for i in range(3)])
    load_partition(engine, other, "run-1", counts_for(3), T0)

    assert last_ids(engine, SITE) == {"hespress": 1006, "lematin": 1004, "aujourdhui": 1005}
    assert last_ids(engine, "turess-fr") == {
        "hespress": 5_000_000_000,
        "lematin": 5_000_000_000,
        "aujourdhui": 5_000_000_000,
    }


def test_the_load_stage_describes_the_publications_the_data_knows(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from pipeline.stages.load import register_known_publications
    from transforms import publications

    described = SimpleNamespace(
        name="Le Matin",
        country="MA",
        language="fr",
        home_url="https://lematin.ma",
        aliases=("Le Matin du Sahara",),
    )
    monkeypatch.setattr(
        publications, "registry", lambda: SimpleNamespace(publications={"le-matin": described})
    )
    part = partition(data_dir)
    write_partition(part, [article(i, publication_is_new=True) for i in range(3)])
    load_partition(engine, part, "run-1", counts_for(3), T0)

    assert register_known_publications(engine, SITE) == 1
    before = fingerprints(engine, ["publications"])
    register_known_publications(engine, SITE)
    assert fingerprints(engine, ["publications"]) == before
    pubs = {p["slug"]: p for p in rows(engine, "publications")}
    assert {k: pubs["lematin"][k] for k in ("name", "country", "home_url", "aliases", "needs_review")} == {
        "name": "Le Matin",
        "country": "MA",
        "home_url": "https://lematin.ma",
        "aliases": ["Le Matin du Sahara"],
        "needs_review": False,
    }
    assert pubs["hespress"]["needs_review"] is True and pubs["hespress"]["country"] is None
