"""Coverage from the ledger (``warehouse.coverage`` read by ``pipeline.coverage``): each day's
state from its latest run, on DuckDB and on PostgreSQL, with ledger rows inserted here."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine

from core.coverage import FAILED, LOADED, MISSING, QUARANTINED_HEAVY, DayCoverage
from core.manifests import CrawlManifest, write_manifest
from core.partitions import Partition
from core.records import LedgerCounts
from core.settings import Settings
from pipeline.coverage import build_coverage, page_coverage
from pipeline.coverage_fill import fill_plan
from warehouse.coverage import last_day, read_window
from warehouse.locks import acquire
from warehouse.runs import run_row, write_run

data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

SITE, OTHER = "maghress-fr", "turess-fr"
D1 = date(2024, 4, 1)
T0 = datetime(2024, 4, 2, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def day(n: int) -> date:
    return D1 + timedelta(days=n - 1)


def add_run(
    engine: Engine,
    n: int,
    run_id: str,
    *,
    status: str = "succeeded",
    loaded: int = 10,
    quarantined: int = 0,
    duplicates: int = 1,
    failed: int = 0,
    stage: str | None = None,
    error: str | None = None,
    overridden: bool = False,
    later: int = 0,
    site: str = SITE,
) -> None:
    """One ledger row for day ``n``; ``later``: hours after the day's first run."""
    discovered = loaded + quarantined + duplicates + failed
    counts = LedgerCounts(discovered, discovered - failed, failed, duplicates, quarantined, loaded)
    started = T0 + timedelta(days=n - 1, hours=later)
    row = run_row(
        site,
        day(n),
        run_id,
        counts,
        status=status,
        stage=stage or "load",
        failed_stage=stage if status == "failed" else None,
        error=error,
        started_at=started,
        finished_at=started + timedelta(minutes=5),
        quality_overridden=overridden,
    )
    with engine.begin() as conn:
        write_run(conn, row)


def crawled(data_dir: Path, n: int, site: str = SITE) -> None:
    """The raw zone holds a complete crawl of day ``n``."""
    partition = Partition(site, day(n), data_dir)
    manifest = CrawlManifest(
        site=site,
        logical_date=day(n),
        run_id="crawl",
        status="complete",
        discovered=3,
        fetched=3,
        failed=0,
        warc_file="warc/crawl.warc.gz",
        log_file="crawl.log",
        started_at=T0,
        finished_at=T0,
    )
    write_manifest(partition.crawl_manifest, manifest)


@pytest.fixture
def ledger(engine: Engine, data_dir: Path) -> Engine:
    """A week of maghress-fr in every state; turess-fr has no row at all."""
    add_run(engine, 1, "r1", loaded=100, quarantined=5)  # 5 of 105: 4.8%, under the gate's 20%
    add_run(engine, 2, "r2", loaded=60, quarantined=40, overridden=True)  # 40%: above it
    add_run(
        engine, 3, "r3", status="failed", loaded=0, quarantined=30, stage="validate", error="gate says no"
    )
    crawled(data_dir, 3)
    # day 4: no run at all
    add_run(engine, 5, "r5", loaded=3, overridden=True)  # a small day the volume check stopped
    add_run(engine, 6, "r6a", status="failed", loaded=0, stage="crawl", error="503")
    add_run(engine, 6, "r6b", loaded=80, later=3)  # the later run is the day's state
    add_run(engine, 7, "r7a", loaded=90)
    add_run(engine, 7, "r7b", status="failed", loaded=0, stage="crawl", error="site down", later=3)
    return engine


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings.from_env(environ={}, data_dir=data_dir, warehouse_url=url)


def states(cells: tuple[DayCoverage, ...]) -> list[str]:
    return [c.state for c in cells]


def test_each_day_is_classified_from_its_latest_run(ledger: Engine, wh_url: str, data_dir: Path) -> None:
    grid = build_coverage(settings_for(wh_url, data_dir), {SITE: 0.2, OTHER: 0.2}, day(1), day(8))

    mine, other = grid.sites
    assert (mine.site, other.site) == (SITE, OTHER)
    assert states(mine.days) == [LOADED, QUARANTINED_HEAVY, FAILED, MISSING, LOADED, LOADED, FAILED, MISSING]
    assert states(other.days) == [MISSING] * 8
    d1, d2, d3, _, d5, d6, d7, _ = mine.days
    assert (d1.loaded, d1.quarantined, round(d1.quarantined_share, 4), d1.overridden) == (
        100,
        5,
        0.0476,
        False,
    )
    assert (d2.quarantined_share, d2.max_quarantined_share, d2.overridden) == (0.4, 0.2, True)
    assert (d3.failed_stage, d3.error, d3.raw_zone, d3.quarantined) == ("validate", "gate says no", True, 30)
    assert d5.overridden and d5.state == LOADED
    assert (d6.run_id, d6.loaded) == ("r6b", 80)
    assert (d7.run_id, d7.failed_stage, d7.error, d7.raw_zone) == ("r7b", "crawl", "site down", False)
    assert not grid.complete
    assert mine.articles == 100 + 60 + 3 + 80
    assert d2.describe(SITE) == (
        "maghress-fr 2024-04-02: quarantined-heavy, 60 loaded of 101 discovered, 1 duplicates, "
        "40 quarantined (40%, gate max 20%), 0 failed; quality gate overridden"
    )


def test_the_site_limit_is_the_gate_s_own(ledger: Engine, wh_url: str, data_dir: Path) -> None:
    strict = build_coverage(settings_for(wh_url, data_dir), {SITE: 0.04}, day(1), day(1))
    assert states(strict.sites[0].days) == [QUARANTINED_HEAVY]  # 4.8% > 4%
    exact = build_coverage(settings_for(wh_url, data_dir), {SITE: 0.4}, day(2), day(2))
    assert states(exact.sites[0].days) == [LOADED]  # 40% is not above 40%: the gate lets it pass


def test_a_day_being_processed_is_said_running_but_not_by_its_own_run(ledger: Engine, wh_url: str) -> None:
    acquire(ledger, SITE, day(4), "backfill__x", 300, holder="host:1")
    acquire(ledger, SITE, day(1), "refresher", 300, holder="host:2")
    acquire(ledger, SITE, day(8), "dead", -60, holder="host:3")  # lease already over

    window = read_window(ledger, day(1), day(8), [SITE])
    assert window.running == {(SITE, day(4)): "backfill__x", (SITE, day(1)): "refresher"}
    assert read_window(ledger, day(1), day(8), [SITE], ignore_run="refresher").running == {
        (SITE, day(4)): "backfill__x"
    }
    assert read_window(ledger, day(1), day(8), [OTHER]).running == {}


def test_fill_commands_group_days_and_pick_reprocess_when_the_raw_zone_has_the_day(
    ledger: Engine, wh_url: str, data_dir: Path
) -> None:
    add_run(ledger, 3, "r3x", status="failed", loaded=0, stage="validate", error="gate", site=OTHER)
    crawled(data_dir, 3, OTHER)
    acquire(ledger, OTHER, day(8), "busy", 300, holder="host:1")
    grid = build_coverage(settings_for(wh_url, data_dir), {SITE: 0.2, OTHER: 0.2}, day(1), day(8))

    plan = fill_plan(grid)

    assert [g.label for g in plan.gaps] == [
        "maghress-fr 2024-04-03 (1 day): failed: at validate: gate says no",
        "maghress-fr 2024-04-04 (1 day): missing",
        "maghress-fr 2024-04-07 (1 day): failed: at crawl: site down",
        "maghress-fr 2024-04-08 (1 day): missing",
        "turess-fr 2024-04-01 … 2024-04-02 (2 days): missing",
        "turess-fr 2024-04-03 (1 day): failed: at validate: gate",
        "turess-fr 2024-04-04 … 2024-04-07 (4 days): missing",
    ]
    assert plan.pressetl == [
        "pressetl reprocess --site maghress-fr --date 2024-04-03",
        "pressetl run --site maghress-fr --date 2024-04-04",
        "pressetl run --site maghress-fr --date 2024-04-07 --to 2024-04-08",
        "pressetl run --site turess-fr --date 2024-04-01 --to 2024-04-02",
        "pressetl reprocess --site turess-fr --date 2024-04-03",
        "pressetl run --site turess-fr --date 2024-04-04 --to 2024-04-07",
    ]
    assert plan.airflow == [
        "airflow backfill create --dag-id press_nightly --from-date 2024-04-01 --to-date 2024-04-02T23:59 "
        '--max-active-runs 1 --reprocess-behavior completed --dag-run-conf \'{"sites": ["turess-fr"]}\'',
        "airflow backfill create --dag-id press_nightly --from-date 2024-04-04 --to-date 2024-04-04T23:59 "
        "--max-active-runs 1 --reprocess-behavior completed "
        '--dag-run-conf \'{"sites": ["maghress-fr", "turess-fr"]}\'',
        "airflow backfill create --dag-id press_nightly --from-date 2024-04-05 --to-date 2024-04-06T23:59 "
        '--max-active-runs 1 --reprocess-behavior completed --dag-run-conf \'{"sites": ["turess-fr"]}\'',
        "airflow backfill create --dag-id press_nightly --from-date 2024-04-07 --to-date 2024-04-07T23:59 "
        "--max-active-runs 1 --reprocess-behavior completed "
        '--dag-run-conf \'{"sites": ["maghress-fr", "turess-fr"]}\'',
        "airflow backfill create --dag-id press_nightly --from-date 2024-04-08 --to-date 2024-04-08T23:59 "
        '--max-active-runs 1 --reprocess-behavior completed --dag-run-conf \'{"sites": ["maghress-fr"]}\'',
        "airflow dags trigger press_reprocess "
        '--conf \'{"sites": ["maghress-fr", "turess-fr"], "from": "2024-04-03", "to": "2024-04-03"}\'',
    ]
    assert plan.running == [
        "turess-fr 2024-04-08: missing (no run in the ledger); being processed now by run busy"
    ]


def test_the_page_window_ends_on_the_ledger_s_last_day(
    ledger: Engine, wh_url: str, data_dir: Path, tmp_path: Path
) -> None:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(ROOT / "profiles" / f"{SITE}.yaml", profiles)
    disabled = (ROOT / "profiles" / f"{OTHER}.yaml").read_text() + "enabled: false\n"
    (profiles / f"{OTHER}.yaml").write_text(disabled)
    settings = replace(settings_for(wh_url, data_dir), profiles_dir=profiles)
    assert last_day(ledger) == day(7)

    grid = page_coverage(settings)

    assert (grid.first, grid.last) == (day(7) - timedelta(days=59), day(7))
    assert [s.site for s in grid.sites] == [SITE]  # turess-fr is disabled and has no run
    add_run(ledger, 2, "manual", site=OTHER)  # a disabled site run on purpose is shown
    add_run(ledger, 3, "gone", site="oldsite-fr")  # and a site whose profile is gone
    assert [s.site for s in page_coverage(settings).sites] == [SITE, OTHER, "oldsite-fr"]


def test_an_empty_ledger_has_no_page(engine: Engine, wh_url: str, data_dir: Path) -> None:
    assert last_day(engine) is None
    assert page_coverage(settings_for(wh_url, data_dir)) is None


def test_an_unreadable_crawl_manifest_is_filled_by_a_run(
    engine: Engine, wh_url: str, data_dir: Path, caplog
) -> None:
    add_run(engine, 1, "r1", status="failed", loaded=0, stage="transform", error="boom")
    manifest = Partition(SITE, day(1), data_dir).crawl_manifest
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{half a file")

    grid = build_coverage(settings_for(wh_url, data_dir), {SITE: 0.2}, day(1), day(1))

    assert grid.sites[0].days[0].raw_zone is False
    assert fill_plan(grid).pressetl == ["pressetl run --site maghress-fr --date 2024-04-01"]
    assert "maghress-fr 2024-04-01: crawl manifest unreadable, a run fills the day" in caplog.text
