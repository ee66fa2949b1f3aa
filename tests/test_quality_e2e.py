"""The quality gate end to end against devsite: crawl → transform → validate → load.

Three scenarios: layout drift (blocked, named, warehouse unchanged), a few broken
pages (quarantined with reasons, the rest loaded, the ledger reconciles), and a
thin day (blocked as a volume anomaly, then loaded by an operator override that
the ledger records).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from conftest import SITE, make_settings
from sqlalchemy import text
from typer.testing import CliRunner

from core.partitions import Partition, read_json
from devsite import Faults, World
from pipeline.cli.main import app
from pipeline.runner import StageOptions, run_days, run_partition
from warehouse.engine import make_engine
from warehouse.ledger import ledger

DAY = date(2011, 2, 9)
TODAY = date(2011, 2, 11)
DRIFT_CHECK = "expect_column_values_to_be_in_set(extraction)"
VOLUME_CHECK = "raw_items.expect_table_row_count_to_be_between()"


def _rows(url: str, sql: str, **params) -> list[dict]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql), params).mappings()]
    finally:
        engine.dispose()


def _validation_results(url: str, run_id: str) -> dict[str, dict]:
    rows = _rows(url, "SELECT * FROM validation_results WHERE run_id = :r ORDER BY seq", r=run_id)
    return {row["expectation"]: row for row in rows}


def _docs_page(message: str) -> Path:
    page = Path(message.rsplit("; see ", 1)[1])
    assert page.is_file(), message
    return page


def test_layout_drift_blocks_the_batch_and_the_warehouse_is_unchanged(tmp_path, devsite_url, served):
    settings = make_settings(tmp_path / "data", devsite_url)
    good = run_partition(settings, SITE, DAY, "good-run")
    assert good.status == "succeeded", good.error
    articles = "SELECT * FROM articles ORDER BY canonical_url"
    before = _rows(settings.warehouse_url, articles)
    quarantine_before = _rows(settings.warehouse_url, "SELECT * FROM quarantined_articles")
    assert before

    drifted = settings.with_base_url(SITE, served(World(today=TODAY, faults=Faults(drift=True))))
    result = run_partition(drifted, SITE, DAY, "drift-run", StageOptions(refresh=True))

    assert (result.status, result.failed_stage) == ("failed", "validate")
    assert result.error.startswith(
        f"layout drift suspected on {SITE} {DAY.isoformat()}: 100% fallback extractions (max 20%) "
        f"[{DRIFT_CHECK}]"
    ), result.error
    assert "/staged_articles/drift-run/" in str(_docs_page(result.error))
    # Nothing of the drifted batch reached the warehouse.
    assert _rows(settings.warehouse_url, articles) == before
    assert _rows(settings.warehouse_url, "SELECT * FROM quarantined_articles") == quarantine_before
    assert not Partition(SITE, DAY, settings.data_dir).validated_articles.exists()
    (run,) = _rows(settings.warehouse_url, "SELECT * FROM crawl_runs WHERE run_id = 'drift-run'")
    assert (run["status"], run["failed_stage"], run["error"]) == ("failed", "validate", result.error)
    # The failed run's validation results are in the warehouse too, for trends.
    results = _validation_results(settings.warehouse_url, "drift-run")
    assert results[DRIFT_CHECK]["success"] is False
    assert json.loads(results[DRIFT_CHECK]["observed_value"])["unexpected_percent"] == 100.0
    assert results["raw_items.expect_column_values_to_be_in_set(fetch_status)"]["success"] is True


def test_broken_pages_are_quarantined_with_reasons_and_the_rest_loads(tmp_path, served):
    world = World(today=TODAY, faults=Faults(broken_share=0.08))
    settings = make_settings(tmp_path / "data", served(world))

    result = run_partition(settings, SITE, DAY, "broken-run")

    assert result.status == "succeeded", result.error
    expected = world.articles_for_day(SITE, DAY)
    broken = {a.canonical_url for a in expected if a.broken}
    assert 0 < len(broken) < 0.2 * len(expected)
    # data/quarantine/<site>/<date>/ holds the rows, with the failed expectations.
    partition = Partition(SITE, DAY, settings.data_dir)
    assert partition.quarantine_dir == settings.data_dir / "quarantine" / SITE / DAY.isoformat()
    held = pq.read_table(partition.quarantined_articles).to_pylist()
    assert {row["canonical_url"] for row in held} == broken
    for row in held:
        assert "expect_column_values_to_not_be_null(title)" in row["reasons"]
        assert "expect_column_values_to_not_be_null(body)" in row["reasons"]
    # … and so does the warehouse, with each row's URL.
    quarantined = _rows(
        settings.warehouse_url, "SELECT url, canonical_url, reasons FROM quarantined_articles"
    )
    assert {row["canonical_url"] for row in quarantined} == broken
    assert all(row["url"].startswith("http://127.0.0.1:") for row in quarantined)
    assert all("expect_column_values_to_not_be_null(title)" in row["reasons"] for row in quarantined)
    loaded = _rows(settings.warehouse_url, "SELECT canonical_url FROM articles")
    assert {row["canonical_url"] for row in loaded} == {a.canonical_url for a in expected} - broken
    engine = make_engine(settings.warehouse_url)
    try:
        (entry,) = ledger(engine, site=SITE, day=DAY)
    finally:
        engine.dispose()
    assert entry["reconciles"] is True
    assert (entry["discovered"], entry["loaded"], entry["quarantined"]) == (
        len(expected),
        len(expected) - len(broken),
        len(broken),
    )
    # Every expectation of both suites is in validation_results, with its observed value.
    manifest = read_json(partition.validation_manifest)
    results = _validation_results(settings.warehouse_url, "broken-run")
    assert list(results) == [e["expectation"] for e in manifest["expectations"]]
    assert results[VOLUME_CHECK]["observed_value"] == str(len(expected))
    title = results["expect_column_values_to_not_be_null(title)"]
    assert title["success"] is True  # within the site's tolerance: quarantined, not blocking
    assert json.loads(title["observed_value"])["unexpected_percent"] > 0


def test_a_thin_day_is_a_volume_anomaly_until_an_operator_overrides_it(tmp_path, served):
    world = World(today=TODAY, faults=Faults(thin_days={DAY: 0.1}))
    url = served(world)
    settings = make_settings(tmp_path / "data", url)
    history = [DAY - timedelta(days=n) for n in range(4, 0, -1)]  # Sat 5 … Tue 8 February
    assert all(r.status == "succeeded" for r in run_days(settings, SITE, history, "history-run"))
    usual = sorted(len(world.articles_for_day(SITE, day)) for day in history)
    thin = len(world.articles_for_day(SITE, DAY))
    assert thin < 0.3 * (usual[1] + usual[2]) / 2

    blocked = run_partition(settings, SITE, DAY, "thin-run")

    assert (blocked.status, blocked.failed_stage) == ("failed", "validate")
    assert blocked.error.startswith(
        f"volume anomaly on {SITE} {DAY.isoformat()}: {thin} articles discovered, "
    ), blocked.error
    assert f"of the last {len(history)} days (min 30%) [{VOLUME_CHECK}]; see " in blocked.error
    assert "/raw_items/thin-run/" in str(_docs_page(blocked.error))
    day_rows = "SELECT count(*) AS n FROM articles WHERE logical_date = :d"
    assert _rows(settings.warehouse_url, day_rows, d=DAY) == [{"n": 0}]
    assert _validation_results(settings.warehouse_url, "thin-run")[VOLUME_CHECK]["success"] is False

    # The operator looks, agrees the day is just quiet, and lets it through.
    cli = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(settings.data_dir),
            "run",
            "--site",
            SITE,
            "--date",
            DAY.isoformat(),
            "--base-url",
            url,
            "--run-id",
            "override-run",
            "--override-quality",
        ],
        env={"PRESSETL_POLITE": "0"},
    )

    assert cli.exit_code == 0, cli.output
    assert _rows(settings.warehouse_url, day_rows, d=DAY) == [{"n": thin}]
    manifest = read_json(Partition(SITE, DAY, settings.data_dir).validation_manifest)
    assert manifest["overridden"] is True and manifest["blocked_by"] == ["volume"]
    (run,) = _rows(settings.warehouse_url, "SELECT * FROM crawl_runs WHERE run_id = 'override-run'")
    assert run["status"] == "succeeded" and run["quality_overridden"] is True
    history_runs = _rows(settings.warehouse_url, "SELECT * FROM crawl_runs WHERE run_id = 'history-run'")
    assert [r["quality_overridden"] for r in history_runs] == [False] * len(history)
    assert _validation_results(settings.warehouse_url, "override-run")[VOLUME_CHECK]["success"] is False
