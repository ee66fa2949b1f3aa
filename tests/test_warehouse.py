"""warehouse/: migrations, idempotent partition loads and the run ledger.

Every test that takes ``engine`` or ``wh_url`` runs twice: on a DuckDB file and
on a throwaway PostgreSQL database (127.0.0.1:5432, user postgres).
"""

from __future__ import annotations

import dataclasses
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

from pipeline.partitions import Partition
from pipeline.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA, LedgerCounts, PageFailure
from warehouse import loader, migrate, upsert
from warehouse.engine import make_engine
from warehouse.ledger import ledger, record_failed_run, record_validation_results
from warehouse.loader import load_partition, register_site
from warehouse.models import Base

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
    }
    row.update(changes)
    return row


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


def test_upgrade_from_empty_then_again_is_a_noop(wh_url: str) -> None:
    assert migrate.current(wh_url) is None
    migrate.upgrade(wh_url)
    assert migrate.current(wh_url) == migrate.head() == "0001"
    eng = make_engine(wh_url)
    try:
        tables = set(sa.inspect(eng).get_table_names())
        assert set(Base.metadata.tables) | {"alembic_version"} <= tables
        before = dump(eng)
    finally:
        eng.dispose()

    migrate.upgrade(wh_url)

    assert migrate.current(wh_url) == "0001"
    eng = make_engine(wh_url)
    try:
        assert dump(eng) == before
    finally:
        eng.dispose()
    assert migrate.history(wh_url) == [
        "0001: Initial schema: sites, publications, articles, the run ledger, failures, quarantine, "
        "validation. (head) (current)"
    ]


def test_downgrade_to_base_and_back(wh_url: str) -> None:
    migrate.upgrade(wh_url)
    migrate.downgrade(wh_url, "base")
    assert migrate.current(wh_url) is None
    eng = make_engine(wh_url)
    try:
        assert not set(Base.metadata.tables) & set(sa.inspect(eng).get_table_names())
    finally:
        eng.dispose()
    migrate.upgrade(wh_url)
    assert migrate.current(wh_url) == "0001"


def test_migrations_match_models(engine: Engine) -> None:
    query = sa.text(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name != 'alembic_version'"
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
    assert rows(engine, "publications") == [
        {"site": SITE, "slug": "aujourdhui", "name": "Aujourd'hui le Maroc"},
        {"site": SITE, "slug": "hespress", "name": "Hespress"},
        {"site": SITE, "slug": "lematin", "name": "Le Matin"},
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
    }


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
    real = loader._write_article_chunk
    calls = []

    def dies_after_first_chunk(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("killed midway")
        real(*args, **kwargs)

    monkeypatch.setattr(loader, "_write_article_chunk", dies_after_first_chunk)
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
