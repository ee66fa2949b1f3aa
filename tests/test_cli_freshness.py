"""`pressetl freshness`: one line per enabled site, exit 1 when one is late, 2 on bad usage."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import migrated_warehouse
from test_pipeline_freshness import (
    DAY,
    FAILED,
    FAILED_REASON,
    LOADED,
    MISSING,
    loaded_run,
    one_of_each,
    profiles_dir,
)
from typer.testing import CliRunner

from pipeline.cli.main import app
from warehouse.engine import make_engine

runner = CliRunner()


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    return migrated_warehouse(f"duckdb:///{tmp_path / 'data' / 'warehouse.duckdb'}")


def _freshness(tmp_path: Path, warehouse: str, *args: str):
    profiles = tmp_path / "profiles"
    options = [
        "--data-dir",
        str(tmp_path / "data"),
        "--warehouse-url",
        warehouse,
        "--profiles-dir",
        str(profiles),
    ]
    return runner.invoke(app, [*options, "freshness", *args])


def test_freshness_prints_a_line_per_site_and_exits_1_while_one_is_late(tmp_path, warehouse, monkeypatch):
    monkeypatch.delenv("PRESSETL_FRESHNESS_DEADLINE", raising=False)
    profiles_dir(tmp_path, [LOADED, FAILED, MISSING], disabled=["turess-ar"])
    engine = make_engine(warehouse)
    one_of_each(engine)
    engine.dispose()

    result = _freshness(tmp_path, warehouse, "--date", "2011-02-09")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{FAILED} 2011-02-09 not loaded by 08:00 Africa/Casablanca: last state failed at transform "
        f"in run nightly-1 at 2011-02-10 02:00 UTC: {FAILED_REASON}"
    )
    assert lines[1].startswith(f"{LOADED} 2011-02-09 loaded: 40 articles, 2 quarantined (run nightly-1")
    assert lines[2] == f"{MISSING} 2011-02-09 not loaded by 08:00 Africa/Casablanca: no run recorded"
    assert len(lines) == 3  # the disabled site is not checked
    assert "2 of 3 site(s) late for 2011-02-09 (deadline 08:00 Africa/Casablanca)" in result.stderr

    # one site only; the deadline as configured
    monkeypatch.setenv("PRESSETL_FRESHNESS_DEADLINE", "07:15")
    result = _freshness(tmp_path, warehouse, "--date", "2011-02-09", "--site", MISSING)
    assert result.exit_code == 1
    assert result.stdout == f"{MISSING} 2011-02-09 not loaded by 07:15 Africa/Casablanca: no run recorded\n"

    # the late days get loaded: the next check is green
    engine = make_engine(warehouse)
    loaded_run(engine, FAILED, DAY, "manual-1", 38)
    loaded_run(engine, MISSING, DAY, "manual-1", 12)
    engine.dispose()
    result = _freshness(tmp_path, warehouse, "--date", "2011-02-09")
    assert result.exit_code == 0, result.output
    assert [line.split(" loaded: ")[0] for line in result.stdout.splitlines()] == [
        f"{site} 2011-02-09" for site in (FAILED, LOADED, MISSING)
    ]


def test_freshness_without_a_date_checks_the_day_due_by_the_last_deadline(tmp_path, warehouse):
    from datetime import UTC, datetime

    from pipeline.freshness import Deadline

    profiles_dir(tmp_path, [LOADED])
    result = _freshness(tmp_path, warehouse)
    due = Deadline.from_env({}).due_day(datetime.now(UTC))
    assert result.exit_code == 1
    assert (
        result.stdout
        == f"{LOADED} {due.isoformat()} not loaded by 08:00 Africa/Casablanca: no run recorded\n"
    )


def test_freshness_bad_usage_exits_2_and_no_site_is_not_an_error(tmp_path, warehouse, monkeypatch):
    profiles_dir(tmp_path, [LOADED])
    result = _freshness(tmp_path, warehouse, "--date", "9 Feb")
    assert result.exit_code == 2 and "is not a date" in result.output
    result = _freshness(tmp_path, warehouse, "--site", "nosuch-site", "--date", "2011-02-09")
    assert result.exit_code == 2 and "unknown site(s) ['nosuch-site']" in result.output
    unmigrated = f"duckdb:///{tmp_path / 'new.duckdb'}"
    result = _freshness(tmp_path, unmigrated, "--date", "2011-02-09")
    assert result.exit_code == 2 and "pressetl db upgrade" in result.output
    profiles_dir(tmp_path / "none", [], disabled=[LOADED])
    result = runner.invoke(
        app,
        ["--warehouse-url", warehouse, "--profiles-dir", str(tmp_path / "none" / "profiles"), "freshness"],
    )
    assert result.exit_code == 0 and "no enabled site in " in result.output
    monkeypatch.setenv("PRESSETL_FRESHNESS_DEADLINE", "8 o'clock")
    result = _freshness(tmp_path, warehouse, "--date", "2011-02-09")
    assert result.exit_code == 2 and "is not a time of day (HH:MM" in result.output


def test_freshness_help_has_an_example():
    result = runner.invoke(app, ["freshness", "--help"])
    assert (
        result.exit_code == 0
        and "Example:" in result.output
        and "PRESSETL_FRESHNESS_DEADLINE" in result.output
    )
