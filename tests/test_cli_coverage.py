"""`pressetl coverage` through the CLI: the grid, the exit codes, the JSON and the exact
commands it prints for the gaps (parsed by Airflow's own argument parser, their run conf
validated against the DAGs' params)."""

from __future__ import annotations

import copy
import json
import shlex
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import make_settings, new_pg_database
from sqlalchemy import Engine
from test_warehouse_coverage import OTHER, SITE, add_run, crawled, day
from typer.testing import CliRunner

from pipeline.cli.main import app
from warehouse.engine import make_engine

runner = CliRunner()
DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture
def warehouse(tmp_path: Path):
    """A migrated DuckDB warehouse and the options that point the CLI at it."""
    settings = make_settings(tmp_path / "data", None)
    engine = make_engine(settings.warehouse_url)
    yield engine, ["--data-dir", str(settings.data_dir), "--warehouse-url", settings.warehouse_url]
    engine.dispose()


def week(engine: Engine, data_dir: Path) -> None:
    add_run(engine, 1, "r1", loaded=100, quarantined=5)
    add_run(engine, 2, "r2", loaded=60, quarantined=40, overridden=True)
    add_run(engine, 3, "r3", status="failed", loaded=0, stage="validate", error="gate says no")
    crawled(data_dir, 3)
    add_run(engine, 5, "r5", loaded=3, overridden=True)
    for n in range(1, 6):
        add_run(engine, n, f"o{n}", loaded=20, site=OTHER)


def coverage(options: list[str], *args: str):
    return runner.invoke(app, [*options, "coverage", *args])


def lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()]


def test_a_week_shows_counts_and_the_commands_that_fill_each_gap(warehouse) -> None:
    engine, options = warehouse
    week(engine, Path(options[1]))

    result = coverage(options, "--from", "2024-04-01", "--to", "2024-04-05", "--site", SITE, "--site", OTHER)

    assert result.exit_code == 1, result.output
    out = lines(result.output)
    grid = next(line for line in out if line.startswith(f"│ {SITE}"))
    assert [cell.strip() for cell in grid.strip("│ ").split("│")] == [
        SITE,
        "100 q4.8%",
        "60 q40%!",
        "X validate",
        ".",
        "3!",
    ]
    assert next(line for line in out if line.startswith(f"│ {OTHER}")).count("20") == 5
    assert f"note: {SITE}: loaded with the quality gate overridden: 2024-04-02, 2024-04-05" in out
    assert "gaps (2 site-days):" in out
    assert f"{SITE} 2024-04-03 (1 day): failed: at validate: gate says no" in out
    assert f"{SITE} 2024-04-04 (1 day): missing" in out
    airflow = out[
        out.index("fill them with Airflow, one after another (Airflow runs one backfill of a DAG at a time):")
        + 1 : out.index("or without Airflow:")
    ]
    assert airflow == [
        "airflow backfill create --dag-id press_nightly --from-date 2024-04-04 --to-date 2024-04-04T23:59 "
        '--max-active-runs 1 --reprocess-behavior completed --dag-run-conf \'{"sites": ["maghress-fr"]}\'',
        "airflow dags trigger press_reprocess "
        '--conf \'{"sites": ["maghress-fr"], "from": "2024-04-03", "to": "2024-04-03"}\'',
    ]
    assert out[out.index("or without Airflow:") + 1 :] == [
        "pressetl reprocess --site maghress-fr --date 2024-04-03",
        "pressetl run --site maghress-fr --date 2024-04-04",
    ]


def test_every_day_loaded_exits_0(warehouse) -> None:
    engine, options = warehouse
    week(engine, Path(options[1]))

    result = coverage(options, "--from", "2024-04-01", "--to", "2024-04-05", "--site", OTHER)

    assert result.exit_code == 0, result.output
    assert "no gap: every day is loaded" in result.output
    assert "airflow" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2024-04-05", "--to", "2024-04-01"], "--to 2024-04-01 is before --from 2024-04-05"),
        (
            ["--from", "2024-04-01", "--to", "2024-04-05", "--site", "nosuch-fr"],
            "unknown site(s) ['nosuch-fr']",
        ),
        (["--from", "2024-13-01", "--to", "2024-04-05"], "'2024-13-01' is not a date"),
        (["--from", "2024-04-01", "--to", "2999-01-01"], "2999-01-01 is in the future"),
    ],
)
def test_bad_usage_exits_2_saying_why(warehouse, args, message) -> None:
    result = coverage(warehouse[1], *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())


def test_an_unmigrated_warehouse_exits_2_with_the_command_to_run(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    result = coverage(["--warehouse-url", url], "--from", "2024-04-01", "--to", "2024-04-01")
    assert result.exit_code == 2
    assert "pressetl db upgrade" in result.output


@pytest.fixture(params=["duckdb", "postgresql"])
def any_warehouse_url(request) -> Iterator[str | None]:
    """None (a DuckDB file of the test's own) or a PostgreSQL database of the test's own: the
    session's shared one would keep this test's ledger rows for the next test to meet."""
    if request.param == "duckdb":
        yield None
    else:
        with new_pg_database("pressetl_coverage") as url:
            yield url


def test_json_for_scripts(any_warehouse_url, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", None, any_warehouse_url)
    engine = make_engine(settings.warehouse_url)
    try:
        week(engine, settings.data_dir)
    finally:
        engine.dispose()
    options = ["--data-dir", str(settings.data_dir), "--warehouse-url", settings.warehouse_url]

    result = coverage(options, "--from", "2024-04-01", "--to", "2024-04-05", "--site", SITE, "--json")

    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert (data["first"], data["last"], data["complete"]) == ("2024-04-01", "2024-04-05", False)
    [site] = data["sites"]
    assert [d["state"] for d in site["days"]] == [
        "loaded",
        "quarantined-heavy",
        "failed",
        "missing",
        "loaded",
    ]
    assert site["days"][1]["quarantined_share"] == 0.4 and site["days"][4]["overridden"] is True
    assert data["gaps"] == [
        {"site": SITE, "from": "2024-04-03", "to": "2024-04-03", "state": "failed", "fill": "reprocess",
         "reason": "at validate: gate says no"},
        {"site": SITE, "from": "2024-04-04", "to": "2024-04-04", "state": "missing", "fill": "run",
         "reason": None},
    ]  # fmt: skip
    assert data["commands"]["pressetl"] == [
        "pressetl reprocess --site maghress-fr --date 2024-04-03",
        "pressetl run --site maghress-fr --date 2024-04-04",
    ]


def test_a_year_of_twelve_sites_stays_readable(warehouse) -> None:
    """One character a day, months as rows: 12 sites × 12 months, each row fits a terminal."""
    engine, options = warehouse
    first = date(2023, 1, 1)
    for n in range(365):
        if n not in (40, 41, 200):  # 10 and 11 February, 20 July: missing
            add_run(engine, (first - day(1)).days + n + 1, f"y{n}", loaded=50)  # day(1): add_run's day 1

    started = time.monotonic()
    result = coverage(options, "--from", "2023-01-01", "--to", "2023-12-31")
    elapsed = time.monotonic() - started

    assert result.exit_code == 1
    out = result.output.splitlines()
    # the grid fits a terminal; the fill commands are single lines, to copy whole
    assert max(len(line) for line in out if not line.lstrip().startswith(("airflow ", "pressetl "))) <= 100
    rows = [line for line in out if line.startswith("│") and " 2023-" in line]
    assert len(rows) == 12 * 12
    start = next(i for i, line in enumerate(rows) if SITE in line)
    mine = {line.split("│")[2].strip(): line.split("│") for line in rows[start : start + 12]}
    assert mine["2023-02"][3].strip() == "#########..#################"
    assert mine["2023-07"][3].strip() == "#" * 19 + "." + "#" * 11
    assert (mine["2023-07"][4].strip(), mine["2023-07"][5].strip()) == ("1,500", "1")
    other = rows[0].split("│") if SITE not in rows[0] else rows[12].split("│")
    assert set(other[3].strip()) == {"."}
    assert "# loaded   q quarantined-heavy" in result.output
    assert elapsed < 30


def test_the_printed_airflow_commands_are_accepted_by_airflow(warehouse) -> None:
    """Airflow's own CLI parser reads every command; each run conf validates against the DAG."""
    from airflow.cli.cli_parser import get_parser
    from airflow.dag_processing.dagbag import DagBag

    engine, options = warehouse
    week(engine, Path(options[1]))
    result = coverage(options, "--from", "2024-04-01", "--to", "2024-04-06", "--site", SITE, "--json")
    commands = json.loads(result.output)["commands"]["airflow"]
    assert len(commands) == 3
    backfills = []
    dags = DagBag(str(DAGS)).dags
    parser = get_parser()

    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "airflow"
        args = parser.parse_args(argv[1:])
        if args.subcommand == "create":  # backfill create
            assert (args.dag_id, args.max_active_runs, args.reprocess_behavior) == (
                "press_nightly",
                1,
                "completed",
            )
            assert (args.to_date.hour, args.to_date.minute) == (23, 59)
            backfills.append((args.from_date.date(), args.to_date.date()))
            conf = json.loads(args.dag_run_conf)
        else:
            assert (args.subcommand, args.dag_id) == ("trigger", "press_reprocess")
            conf = json.loads(args.conf)
            assert (conf["from"], conf["to"]) == ("2024-04-03", "2024-04-03")
        assert conf["sites"] == [SITE]
        params = copy.deepcopy(dags[args.dag_id].params)
        params.update(conf)
        params.validate()  # as Airflow does with a run's conf (a wrong key type raises)
    assert backfills == [(date(2024, 4, 4), date(2024, 4, 4)), (date(2024, 4, 6), date(2024, 4, 6))]


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["coverage", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "pressetl coverage --from" in result.output


def test_a_day_being_processed_gets_no_command_but_is_not_loaded(warehouse) -> None:
    from warehouse.locks import acquire

    engine, options = warehouse
    add_run(engine, 1, "r1")
    acquire(engine, SITE, day(2), "backfill__2024-04-03T01:00:00+00:00", 300, holder="worker:7")

    result = coverage(options, "--from", "2024-04-01", "--to", "2024-04-02", "--site", SITE)

    assert result.exit_code == 1  # not in the warehouse yet
    out = lines(result.output)
    assert (
        "running, wait for it: maghress-fr 2024-04-02: missing (no run in the ledger); "
        "being processed now by run backfill__2024-04-03T01:00:00+00:00"
    ) in out
    assert "no gap to fill: the days not loaded are being processed now" in out
    assert not [line for line in out if line.startswith(("airflow ", "pressetl run", "pressetl reprocess"))]
    grid = next(line for line in out if line.startswith(f"│ {SITE}"))
    assert [cell.strip() for cell in grid.strip("│ ").split("│")] == [SITE, "10", ". ~"]
