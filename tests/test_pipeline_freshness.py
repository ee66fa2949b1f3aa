"""pipeline/freshness.py: the deadline setting, the day it makes due, and the check of each
site's day over the warehouse (DuckDB and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import T0, T1, counts_for

from core.records import LedgerCounts
from core.settings import REPO_ROOT
from pipeline.freshness import Deadline, check
from warehouse.engine import make_engine
from warehouse.ledger import record_failed_run
from warehouse.locks import acquire
from warehouse.runs import run_row, write_run

engine, pg_database, wh_url = support.engine, support.pg_database, support.wh_url

CASABLANCA = ZoneInfo("Africa/Casablanca")
DAY = date(2011, 2, 9)
DEFAULT = Deadline.parse("08:00")


def loaded_run(engine: Engine, site: str, day: date, run_id: str, loaded: int, quarantined: int = 0) -> None:
    counts = dataclasses.replace(counts_for(loaded + quarantined), loaded=loaded, quarantined=quarantined)
    row = run_row(
        site,
        day,
        run_id,
        counts,
        status="succeeded",
        stage="load",
        failed_stage=None,
        error=None,
        started_at=T0,
        finished_at=T0 + timedelta(minutes=40),
    )
    with engine.begin() as conn:
        write_run(conn, row)


def profiles_dir(tmp_path: Path, enabled: list[str], disabled: list[str] = ()) -> Path:
    """A profiles directory with these sites' real profiles, ``disabled`` ones switched off."""
    directory = tmp_path / "profiles"
    directory.mkdir(parents=True)
    for site in enabled:
        shutil.copy(REPO_ROOT / "profiles" / f"{site}.yaml", directory)
    for site in disabled:
        text = (REPO_ROOT / "profiles" / f"{site}.yaml").read_text(encoding="utf-8")
        (directory / f"{site}.yaml").write_text(text + "\nenabled: false\n", encoding="utf-8")
    return directory


# One site loaded, one failed at transform, one never run: the scenario of the DAG and CLI tests.
LOADED, FAILED, MISSING = "maghress-fr", "djazairess-fr", "turess-fr"
FAILED_REASON = "no raw zone for djazairess-fr 2011-02-09: crawl it first"


def one_of_each(engine: Engine, day: date = DAY) -> None:
    loaded_run(engine, LOADED, day, "nightly-1", 40, quarantined=2)
    record_failed_run(
        engine, FAILED, day, "nightly-1", "transform", FAILED_REASON, LedgerCounts(), T0, finished_at=T1
    )


# -- the deadline ------------------------------------------------------------------------------


def test_deadline_defaults_to_8_in_casablanca_and_reads_the_environment():
    assert Deadline.from_env({}) == Deadline(8, 0, "Africa/Casablanca")
    assert str(Deadline.from_env({})) == "08:00 Africa/Casablanca"
    custom = Deadline.from_env({"PRESSETL_FRESHNESS_DEADLINE": "9:30", "PRESSETL_FRESHNESS_TIMEZONE": "UTC"})
    assert (custom, custom.cron, str(custom)) == (Deadline(9, 30, "UTC"), "30 9 * * *", "09:30 UTC")
    with pytest.raises(ValueError, match=r"PRESSETL_FRESHNESS_DEADLINE='8h' is not a time of day \(HH:MM"):
        Deadline.parse("8h")
    with pytest.raises(ValueError, match="not a time of day"):
        Deadline.parse("24:00")
    with pytest.raises(ValueError, match="PRESSETL_FRESHNESS_TIMEZONE='Mars/Olympus' is not a time zone"):
        Deadline.parse("08:00", "Mars/Olympus")


def test_the_day_due_is_the_one_the_last_nightly_run_before_the_deadline_collected():
    at = datetime
    # 08:00 on the 10th: the 9th (collected at 02:00) is due; until then the 8th is the last due
    assert DEFAULT.due_day(at(2011, 2, 10, 8, 0, tzinfo=CASABLANCA)) == date(2011, 2, 9)
    assert DEFAULT.due_day(at(2011, 2, 10, 23, 59, tzinfo=CASABLANCA)) == date(2011, 2, 9)
    assert DEFAULT.due_day(at(2011, 2, 10, 7, 59, tzinfo=CASABLANCA)) == date(2011, 2, 8)
    # Morocco: UTC+1 since 2018, UTC+0 during Ramadan (10 March - 14 April 2024)
    assert DEFAULT.latest(at(2024, 5, 15, 7, 0, tzinfo=UTC)) == at(2024, 5, 15, 8, 0, tzinfo=CASABLANCA)
    assert DEFAULT.due_day(at(2024, 5, 15, 7, 0, tzinfo=UTC)) == date(2024, 5, 14)
    assert DEFAULT.due_day(at(2024, 5, 15, 6, 59, tzinfo=UTC)) == date(2024, 5, 13)
    assert DEFAULT.due_day(at(2024, 3, 20, 7, 30, tzinfo=UTC)) == date(2024, 3, 18)  # 07:30 local
    assert DEFAULT.due_day(at(2024, 3, 20, 8, 0, tzinfo=UTC)) == date(2024, 3, 19)
    # a deadline in another zone: 06:00 UTC is 07:00 in Casablanca, after the 02:00 run
    utc6 = Deadline.parse("06:00", "UTC")
    assert utc6.due_day(at(2024, 5, 15, 6, 0, tzinfo=UTC)) == date(2024, 5, 14)


# -- the check over the warehouse ---------------------------------------------------------------


def test_check_names_each_late_site_with_its_last_state(engine: Engine, wh_url: str) -> None:
    loaded_run(engine, "maghress-fr", DAY, "nightly-1", 40)
    loaded_run(engine, "maghress-ar", DAY, "nightly-1", 30, quarantined=12)  # quarantine-heavy: loaded
    loaded_run(engine, "turess-fr", DAY, "nightly-1", 20)
    record_failed_run(engine, "turess-fr", DAY, "reprocess-1", "validate", "gate", LedgerCounts(), T1)
    failed_at = T0 + timedelta(minutes=5)
    reason = "no raw zone for djazairess-fr\n  x"
    record_failed_run(
        engine,
        "djazairess-fr",
        DAY,
        "nightly-1",
        "transform",
        reason,
        LedgerCounts(),
        T0,
        finished_at=failed_at,
    )
    loaded_run(engine, "turess-ar", DAY - timedelta(days=1), "nightly-0", 10)  # another day only
    record_failed_run(engine, "masress-en", DAY, "nightly-1", "crawl", "503 on /en/", LedgerCounts(), T0)
    acquire(engine, "masress-en", DAY, "manual-2", 300, holder="worker-1:42")  # retried by hand now
    acquire(engine, "sauress-en", DAY, "nightly-1", -60, holder="worker-2:7")  # killed: lease lapsed

    sites = [
        "maghress-fr",
        "maghress-ar",
        "turess-fr",
        "djazairess-fr",
        "turess-ar",
        "masress-en",
        "sauress-en",
    ]
    results = check(wh_url, sites, DAY, DEFAULT)
    assert [r.site for r in results] == sites
    loaded = {r.site: r.state for r in results if r.loaded}
    assert set(loaded) == {"maghress-fr", "maghress-ar", "turess-fr"}
    assert loaded["maghress-ar"].startswith("loaded: 30 articles, 12 quarantined (run nightly-1, finished ")
    # a later reprocess that failed leaves the load in place
    assert (
        loaded["turess-fr"]
        == "loaded: 20 articles, 0 quarantined (run nightly-1, finished 2011-02-10 01:40 UTC)"
    )

    late = {r.site: r.line for r in results if not r.loaded}
    assert late["djazairess-fr"] == (
        "djazairess-fr 2011-02-09 not loaded by 08:00 Africa/Casablanca: last state failed at transform "
        "in run nightly-1 at 2011-02-10 01:05 UTC: no raw zone for djazairess-fr x"
    )
    assert late["turess-ar"] == "turess-ar 2011-02-09 not loaded by 08:00 Africa/Casablanca: no run recorded"
    assert late["masress-en"].startswith(
        "masress-en 2011-02-09 not loaded by 08:00 Africa/Casablanca: running since "
    )
    assert "(run manual-2 on worker-1:42); last state failed at crawl in run nightly-1" in late["masress-en"]
    assert late["masress-en"].endswith(": 503 on /en/")
    assert "run nightly-1 stopped unfinished (on worker-2:7 since " in late["sauress-en"]
    assert "its lock lapsed at " in late["sauress-en"]


def test_a_late_day_once_loaded_is_green_at_the_next_check(engine: Engine, wh_url: str) -> None:
    record_failed_run(engine, "maghress-fr", DAY, "nightly-1", "crawl", "site down", LedgerCounts(), T0)
    [before] = check(wh_url, ["maghress-fr"], DAY, DEFAULT)
    assert not before.loaded and "last state failed at crawl" in before.line
    loaded_run(engine, "maghress-fr", DAY, "manual-1", 41)
    [after] = check(wh_url, ["maghress-fr"], DAY, DEFAULT)
    assert after.loaded and after.line.startswith("maghress-fr 2011-02-09 loaded: 41 articles")


def test_check_refuses_a_warehouse_behind_the_code(tmp_path) -> None:
    from core.errors import WarehouseSchemaError

    with pytest.raises(WarehouseSchemaError):
        check(f"duckdb:///{tmp_path / 'empty.duckdb'}", ["maghress-fr"], DAY, DEFAULT)


def test_check_task_names_the_partition_and_raises_when_late(tmp_path, monkeypatch) -> None:
    """The body of press_freshness's task: a manual run without a logical date checks the day
    due by its trigger time; the partition is in the context for the failure notifier."""
    from types import SimpleNamespace

    from conftest import migrated_warehouse

    from pipeline.freshness import FreshnessAlert, check_task

    url = migrated_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    monkeypatch.setenv("PRESSETL_WAREHOUSE_URL", url)
    monkeypatch.setenv("PRESSETL_FRESHNESS_DEADLINE", "09:00")
    wh = make_engine(url)
    loaded_run(wh, LOADED, DAY, "nightly-1", 40)
    wh.dispose()

    manual = {
        "logical_date": None,
        "dag_run": SimpleNamespace(run_after=datetime(2011, 2, 10, 9, 5, tzinfo=UTC)),
    }
    with pytest.raises(FreshnessAlert, match=r"^not loaded by 09:00 Africa/Casablanca: no run recorded$"):
        check_task(MISSING, manual)
    assert manual["pressetl_partition"] == {"site": MISSING, "day": DAY}
    assert manual["pressetl_label"] == MISSING

    scheduled = {"logical_date": datetime(2011, 2, 10, 9, 0, tzinfo=CASABLANCA)}
    assert check_task(LOADED, scheduled)["state"].startswith("loaded: 40 articles")
    assert scheduled["pressetl_partition"] == {"site": LOADED, "day": DAY}
