"""The whole pipeline against devsite: the warehouse holds exactly devsite's ground truth."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import SITE, make_settings
from sqlalchemy import create_engine, text

from devsite import Faults, World
from pipeline.runner import StageOptions, run_days, run_partition

DAY = date(2011, 2, 9)


def _articles(url: str) -> dict[str, dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM articles WHERE site = :s ORDER BY canonical_url"), {"s": SITE}
        )
        result = {row.canonical_url: dict(row._mapping) for row in rows}
    engine.dispose()
    return result


def _query(url: str, sql: str, **params) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        result = conn.execute(text(sql), params).all()
    engine.dispose()
    return result


def _assert_matches_ground_truth(rows: dict[str, dict], expected) -> None:
    assert set(rows) == {a.canonical_url for a in expected}
    for article in expected:
        row = rows[article.canonical_url]
        assert row["title"] == article.title
        assert row["body"] == article.body
        assert row["publication_name"] == article.publication_name
        assert row["publication_slug"] == article.publication_slug
        assert row["aggregator_id"] == article.aggregator_id
        assert row["published_date"] == article.published_date
        assert row["source_url"] == article.source_url
        subheadings = row["subheadings"]
        if isinstance(subheadings, str):
            subheadings = json.loads(subheadings)
        assert tuple(subheadings) == article.subheadings


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_run_loads_exactly_the_ground_truth_and_rerun_changes_nothing(
    dialect, tmp_path, world, devsite_url, request
):
    warehouse = None if dialect == "duckdb" else request.getfixturevalue("postgres_url")
    settings = make_settings(tmp_path / "data", devsite_url, warehouse)

    first = run_partition(settings, SITE, DAY, "run-1")
    assert first.status == "succeeded", first.error
    expected = world.articles_for_day(SITE, DAY)
    rows = _articles(settings.warehouse_url)
    _assert_matches_ground_truth(rows, expected)
    assert first.counts["loaded"] == len(expected) == first.counts["discovered"]

    reference = rows["https://www.maghress.com/fr/lesecos/13572"]
    assert reference["title"] == "Maroc Numeric : Sur les traces de la France"
    assert "Cliquez ici" not in reference["body"] and "Merci d'avoir signalé" not in reference["body"]

    second = run_partition(settings, SITE, DAY, "run-2")
    assert second.status == "succeeded", second.error
    assert _articles(settings.warehouse_url) == rows  # idempotent: not one value changed
    ledger = _query(
        settings.warehouse_url,
        "SELECT run_id, status, discovered, loaded, duplicates, quarantined, failed FROM crawl_runs "
        "WHERE site = :s ORDER BY run_id",
        s=SITE,
    )
    n = len(expected)
    assert [tuple(r) for r in ledger] == [
        ("run-1", "succeeded", n, n, 0, 0, 0),
        ("run-2", "succeeded", n, n, 0, 0, 0),
    ]


def test_broken_pages_are_quarantined_with_reasons_and_the_ledger_reconciles(tmp_path, served):
    world = World(today=date(2011, 2, 11), faults=Faults(broken_share=0.08))
    settings = make_settings(tmp_path / "data", served(world))

    result = run_partition(settings, SITE, DAY, "run-q")
    assert result.status == "succeeded", result.error

    expected = world.articles_for_day(SITE, DAY)
    broken = {a.canonical_url for a in expected if a.broken}
    assert broken, "the fault must break some pages for this test to mean anything"
    good = [a for a in expected if not a.broken]
    _assert_matches_ground_truth(_articles(settings.warehouse_url), good)

    quarantined = _query(settings.warehouse_url, "SELECT canonical_url, reasons FROM quarantined_articles")
    assert {r.canonical_url for r in quarantined} == broken
    assert all("title" in r.reasons for r in quarantined)
    c = result.counts
    assert (c["discovered"], c["loaded"], c["quarantined"], c["failed"]) == (
        len(expected),
        len(good),
        len(broken),
        0,
    )
    assert c["discovered"] == c["loaded"] + c["duplicates"] + c["quarantined"] + c["failed"]


def test_reprocess_rebuilds_from_the_raw_zone_without_the_network(tmp_path, world, devsite_url):
    settings = make_settings(tmp_path / "data", devsite_url)
    assert run_partition(settings, SITE, DAY, "crawl-run").status == "succeeded"
    before = _articles(settings.warehouse_url)

    offline = settings.with_base_url(SITE, "http://127.0.0.1:9")  # nothing listens there
    (result,) = run_days(offline, SITE, [DAY], "reprocess-run", StageOptions(reprocess=True))
    assert result.status == "succeeded", result.error
    assert _articles(settings.warehouse_url) == before
    assert result.counts["loaded"] == len(world.articles_for_day(SITE, DAY))


def test_a_failed_crawl_is_in_the_ledger_with_its_reason(tmp_path):
    settings = make_settings(tmp_path / "data", "http://127.0.0.1:9")
    result = run_partition(settings, SITE, DAY, "down-run")
    assert result.status == "failed" and result.failed_stage == "crawl"
    assert "http://127.0.0.1:9/fr/" in result.error
    (row,) = _query(settings.warehouse_url, "SELECT status, failed_stage, error FROM crawl_runs")
    assert row.status == "failed" and row.failed_stage == "crawl"
    assert "http://127.0.0.1:9/fr/" in row.error


def test_the_ledger_row_says_what_the_crawl_cost(tmp_path, world, devsite_url):
    from core.manifests import crawl_manifest
    from core.partitions import Partition

    settings = make_settings(tmp_path / "data", devsite_url)
    result = run_partition(settings, SITE, DAY, "cost-run")
    assert result.status == "succeeded"
    manifest = crawl_manifest(Partition(SITE, DAY, settings.data_dir))
    ((requests, discovery),) = _query(
        settings.warehouse_url,
        "SELECT requests, discovery_requests FROM crawl_runs WHERE run_id = 'cost-run'",
    )
    assert discovery == manifest.discovery_requests > 0
    assert requests == manifest.discovery_requests + manifest.article_requests + manifest.source_requests
    assert requests >= len(world.articles_for_day(SITE, DAY)) + discovery  # every article page, plus locating
    assert result.requests == manifest.pages_fetched


def test_temp_files_a_killed_stage_left_are_removed_by_the_next_run(tmp_path, devsite_url):
    """SIGKILL skips atomic_path's cleanup: its temp files would pile up in the zones. The next
    run, holding the day's lock, removes them before each stage writes."""
    from core.partitions import Partition

    settings = make_settings(tmp_path / "data", devsite_url)
    partition = Partition(SITE, DAY, settings.data_dir)
    left = [
        partition.raw_dir / ".crawl.json.k1l2.tmp",
        partition.staged_dir / ".articles.parquet.a1b2c3.tmp",
        partition.validated_dir / ".validation.json.x9.tmp",
        partition.quarantine_dir / ".articles.parquet.q7.tmp",
    ]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    keep = partition.staged_dir / "notes.tmp"  # not one of atomic_path's: left alone
    keep.write_text("mine")

    assert run_partition(settings, SITE, DAY, "after-kill").status == "succeeded"

    assert [p for p in left if p.exists()] == []
    assert keep.exists()
