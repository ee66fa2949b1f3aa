"""warehouse/ledger.py: the run ledger, failed runs, recent volumes and last ids."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
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
    counts_for,
    failure,
    partition,
    rows,
    write_partition,
)
from test_warehouse_support_stages import expectations, expected_results, stored_results

from core.records import LedgerCounts
from warehouse.fingerprint import fingerprints
from warehouse.ledger import last_ids, ledger, recent_volumes, record_failed_run
from warehouse.loader import load_partition
from warehouse.runs import run_row, write_run

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


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


def test_recent_volumes_are_the_latest_successful_loads(engine: Engine, data_dir: Path) -> None:
    def loaded_run(day: date, run_id: str, n: int, started: datetime) -> None:
        counts = dataclasses.replace(counts_for(n), loaded=n)
        with engine.begin() as conn:
            write_run(
                conn,
                run_row(
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
        write_run(
            conn,
            run_row(
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


def test_a_stopped_gate_is_recorded_with_its_results_in_one_transaction(engine: Engine) -> None:
    outcomes = expectations("v1", failing=2)
    results = [o.model_dump() for o in outcomes]
    error = "quality gate failed for maghress-fr 2011-02-09: expect_column_values_to_not_be_null(title)"
    counts = counts_for(0, duplicates=1, quarantined=7)
    record_failed_run(
        engine, SITE, DAY, "run-1", "validate", error, counts, T0, finished_at=T1, results=results
    )

    [row] = rows(engine, "crawl_runs")
    assert (row["run_id"], row["status"], row["failed_stage"], row["error"]) == (
        "run-1",
        "failed",
        "validate",
        error,
    )
    assert stored_results(engine, "run-1") == expected_results(outcomes)
    assert [r[2] for r in stored_results(engine, "run-1")] == [True, False, False, True, True]

    # A retry of the run that fails again replaces its row and its results.
    record_failed_run(engine, SITE, DAY, "run-1", "validate", error, counts, T1, results=results[:2])
    assert len(rows(engine, "crawl_runs")) == 1
    assert stored_results(engine, "run-1") == expected_results(outcomes[:2])
    # A failure in another stage (no results) leaves the gate's results of other runs alone.
    record_failed_run(engine, SITE, DAY, "run-2", "crawl", "site down", LedgerCounts(), T2)
    assert stored_results(engine, "run-2") == []
    assert len(stored_results(engine, "run-1")) == 2

    # One transaction: results the table refuses take the row with them.
    before = fingerprints(engine)
    refused = [*results, {"expectation": None, "success": False}]  # expectation is NOT NULL
    with pytest.raises(sa.exc.IntegrityError):
        record_failed_run(engine, SITE, DAY, "run-3", "validate", error, counts, T2, results=refused)
    assert rows(engine, "crawl_runs", run_id="run-3") == []
    assert fingerprints(engine) == before
