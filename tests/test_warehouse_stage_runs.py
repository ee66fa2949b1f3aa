"""stage_runs: every run of a stage, through the one runner, on DuckDB and PostgreSQL: its
duration, status and counts, ok, failed or refused; a warehouse that cannot take the row
fails nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from test_warehouse_support import DAY, SITE, partition, rows
from test_warehouse_support_stages import stage_settings, write_first_edition
from typer.testing import CliRunner

from core.errors import LoadError, PartitionBusy
from core.manifests import CrawlManifest, write_manifest
from core.partitions import safe_run_id
from pipeline.observe import stage_counts
from pipeline.runner import StageOptions, run_stage
from warehouse import locks
from warehouse.stage_runs import COLUMNS, record_stage_run, stage_runs

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

UNCOUNTED = dict.fromkeys(("discovered", "fetched", "quarantined", "failed", "requests", "bytes"))


def test_a_load_records_its_duration_and_what_it_loaded(engine: sa.Engine, wh_url: str, data_dir: Path):
    edition = write_first_edition(partition(data_dir), "run-1")
    before = datetime.now(UTC)
    summary = run_stage(stage_settings(data_dir, wh_url), "load", SITE, DAY, "run-1")
    after = datetime.now(UTC)

    (row,) = rows(engine, "stage_runs")
    assert (row["site"], row["logical_date"], row["run_id"], row["stage"], row["status"]) == (
        SITE,
        DAY,
        "run-1",
        "load",
        "ok",
    )
    assert before <= row["started_at"] <= row["finished_at"] <= after
    elapsed = (row["finished_at"] - row["started_at"]).total_seconds()
    assert 0 < row["duration_seconds"] == pytest.approx(elapsed, abs=0.05)
    assert (row["loaded"], row["duplicates"]) == (edition.counts.loaded, edition.counts.duplicates) == (7, 1)
    assert (summary["loaded"], row["error"]) == (7, None)
    assert {k: row[k] for k in UNCOUNTED} == UNCOUNTED  # not the load's counts
    assert [r["status"] for r in rows(engine, "crawl_runs")] == ["succeeded"]  # the load's own row


def test_a_failed_stage_is_recorded_with_its_reason_and_a_retry_is_another_row(
    engine: sa.Engine, wh_url: str, data_dir: Path
):
    settings = stage_settings(data_dir, wh_url)
    with pytest.raises(LoadError, match="no validated batch"):
        run_stage(settings, "load", SITE, DAY, "run-1")
    write_first_edition(partition(data_dir), "run-1")
    run_stage(settings, "load", SITE, DAY, "run-1")  # the Airflow retry: same run, same stage

    failed, ok = rows(engine, "stage_runs")  # in the order they started
    assert (failed["status"], ok["status"]) == ("failed", "ok")
    assert failed["error"].startswith(f"load of {SITE} {DAY}: no validated batch at ")
    assert failed["loaded"] is None and ok["loaded"] == 7
    assert failed["finished_at"] <= ok["started_at"]


def test_a_refused_stage_is_recorded_and_still_writes_nothing_else(
    engine: sa.Engine, wh_url: str, data_dir: Path
):
    held = locks.acquire(engine, SITE, DAY, "nightly", 300.0, holder="worker1:10")
    with pytest.raises(PartitionBusy):
        run_stage(stage_settings(data_dir, wh_url), "validate", SITE, DAY, "manual")

    (row,) = rows(engine, "stage_runs")
    assert (row["run_id"], row["stage"], row["status"]) == ("manual", "validate", "refused")
    since = locks.stamp(held.acquired_at)
    assert row["error"] == f"{SITE} {DAY.isoformat()} is being processed by run nightly since {since}"
    assert rows(engine, "crawl_runs") == [] and not data_dir.exists()


def test_a_warehouse_that_cannot_take_the_row_fails_nothing(
    engine: sa.Engine, wh_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    """The stage_runs write comes after the stage, in its own transaction: the stage's outcome,
    files and crawl_runs row stand, and the row is in the log."""
    from pipeline import observe

    def server_gone(settings, run) -> None:
        raise sa.exc.OperationalError("INSERT INTO stage_runs", {}, Exception("server closed the connection"))

    monkeypatch.setattr(observe, "record", server_gone)
    write_first_edition(partition(data_dir), "run-1")
    with caplog.at_level(logging.WARNING, logger="pipeline.observe"):
        summary = run_stage(stage_settings(data_dir, wh_url), "load", SITE, DAY, "run-1")

    assert summary["loaded"] == 7
    assert [r["status"] for r in rows(engine, "crawl_runs")] == ["succeeded"]
    assert rows(engine, "stage_runs") == []
    (warning,) = [r.getMessage() for r in caplog.records if "stage_runs" in r.getMessage()]
    assert "server closed the connection" in warning and "'loaded': 7" in warning


@pytest.mark.parametrize("run_id", ["run-1", "backfill__2011-02-09T01:00:00+00:00"])
def test_a_crawl_counts_from_its_own_manifest_only(tmp_path: Path, run_id: str):
    """The crawl writes an Airflow run id with ':' and '+' as a file name would (safe_run_id)."""
    part = partition(tmp_path)
    started = datetime(2011, 2, 10, 1, 0, tzinfo=UTC)
    write_manifest(
        part.crawl_manifest,
        CrawlManifest(
            site=SITE,
            logical_date=DAY,
            run_id=safe_run_id(run_id),
            status="complete",
            discovered=12,
            fetched=11,
            failed=1,
            pages_fetched=40,
            discovery_requests=25,
            article_requests=12,
            source_requests=3,
            bytes_fetched=812_345,
            warc_file="warc/run-1.warc.gz",
            log_file="crawl.log",
            started_at=started,
            finished_at=started + timedelta(minutes=3),
        ),
    )
    counts = {"discovered": 12, "fetched": 11, "failed": 1, "requests": 40, "bytes": 812_345}
    assert stage_counts(part, "crawl", run_id, {}, reprocess=False) == counts
    assert stage_counts(part, "crawl", "run-2", {}, reprocess=False) == {}  # a previous run's
    assert stage_counts(part, "crawl", "run-2", {}, reprocess=True) == {"requests": 0, "bytes": 0}
    assert stage_counts(part, "transform", run_id, {}, reprocess=False) == {}  # nothing transformed


def test_stage_runs_reads_a_site_between_two_days(engine: sa.Engine):
    t0 = datetime(2011, 2, 10, 1, 0)  # naive: taken as UTC
    for n, (site, day) in enumerate(
        [(SITE, DAY + timedelta(days=d)) for d in range(3)] + [("turess-fr", DAY)]
    ):
        started = t0 + timedelta(days=n)
        run = {c: None for c in COLUMNS} | {"site": site, "logical_date": day, "run_id": f"r{n}"}
        run |= {"stage": "crawl", "status": "ok", "started_at": started, "finished_at": started}
        record_stage_run(engine, run | {"duration_seconds": 61.5, "requests": 40 + n, "bytes": 2**33})
    found = stage_runs(engine, SITE, DAY + timedelta(days=1), DAY + timedelta(days=2))
    assert [(r["logical_date"], r["run_id"], r["requests"], r["bytes"]) for r in found] == [
        (DAY + timedelta(days=1), "r1", 41, 2**33),
        (DAY + timedelta(days=2), "r2", 42, 2**33),
    ]
    assert found[0]["started_at"] == (t0 + timedelta(days=1)).replace(tzinfo=UTC)
    assert [r["site"] for r in stage_runs(engine, first=DAY, last=DAY)] == [SITE, "turess-fr"]


def test_pressetl_metrics_prints_the_stage_runs_of_a_site(engine: sa.Engine, wh_url: str, data_dir: Path):
    from pipeline.cli.main import app

    settings = stage_settings(data_dir, wh_url)
    write_first_edition(partition(data_dir), "run-1")
    run_stage(settings, "load", SITE, DAY, "run-1")
    env = {"PRESSETL_DATA_DIR": str(data_dir), "PRESSETL_WAREHOUSE_URL": wh_url, "COLUMNS": "200"}
    day = DAY.isoformat()
    result = CliRunner().invoke(app, ["metrics", "--site", SITE, "--from", day, "--to", day], env=env)
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.output.splitlines() if day in ln]
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    assert cells[:4] == [day, SITE, "load", "ok"] and cells[5:7] == ["", "7"]  # discovered, loaded

    empty = CliRunner().invoke(app, ["metrics", "--site", SITE, "--from", "2011-03-01"], env=env)
    assert empty.exit_code == 0 and "no stage runs" in empty.output
    bad = CliRunner().invoke(app, ["metrics", "--site", SITE, "--from", day, "--to", "2011-02-01"], env=env)
    assert bad.exit_code == 2 and "before" in bad.output


def test_a_whole_run_on_devsite_then_a_reprocess_record_every_stage(tmp_path: Path, devsite_url: str, world):
    """run_partition, as `pressetl run` and the nightly DAG run it: four rows a run, each with
    its own counts; the reprocess's crawl made no request."""
    from conftest import make_settings

    from pipeline.runner import run_days, run_partition

    settings = make_settings(tmp_path / "data", devsite_url)
    assert run_partition(settings, SITE, DAY, "crawl-run").status == "succeeded"
    (result,) = run_days(settings, SITE, [DAY], "reprocess-run", StageOptions(reprocess=True))
    assert result.status == "succeeded", result.error

    n = len(world.articles_for_day(SITE, DAY))
    wh = sa.create_engine(settings.warehouse_url)
    try:
        found = {(r["run_id"], r["stage"]): r for r in stage_runs(wh, SITE)}
    finally:
        wh.dispose()
    assert {r["status"] for r in found.values()} == {"ok"} and len(found) == 8
    crawl = found["crawl-run", "crawl"]
    assert (crawl["discovered"], crawl["fetched"], crawl["failed"]) == (n, n, 0)
    assert crawl["requests"] > n and crawl["bytes"] > 1000 * n  # listings, robots…; pages of kBs
    assert (found["reprocess-run", "crawl"]["requests"], found["reprocess-run", "crawl"]["bytes"]) == (0, 0)
    assert found["reprocess-run", "crawl"]["discovered"] is None  # the reprocess discovered nothing
    for run in ("crawl-run", "reprocess-run"):
        transform, validate, load = (found[run, stage] for stage in ("transform", "validate", "load"))
        assert (transform["discovered"], transform["duplicates"], transform["loaded"]) == (n, 0, None)
        assert (validate["quarantined"], validate["discovered"]) == (0, None)
        assert (load["loaded"], load["requests"]) == (n, None)
    stages = sorted(found.values(), key=lambda r: r["started_at"])
    assert [r["stage"] for r in stages] == ["crawl", "transform", "validate", "load"] * 2
    assert all(a["finished_at"] <= b["started_at"] for a, b in zip(stages, stages[1:], strict=False))
