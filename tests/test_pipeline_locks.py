"""One run at a time per (site, day), end to end: real `pressetl run` processes against devsite.

Two runs of one day started together: one is refused at once with who holds the day and
since when, and is not in the ledger; the other, then a third, complete the day. A run
killed outright (SIGKILL, its crawl with it) holds the day until its lease ends; the next run
takes over after that, removes what the dead one left half-written, and completes the day,
as a `--refresh` after it does.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import SITE, TODAY, make_settings, new_pg_database

from devsite import Faults, World
from warehouse import locks
from warehouse.engine import make_engine
from warehouse.ledger import ledger

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2011, 2, 9)
WAIT = 120.0  # the most a condition below is waited for
# Some article pages answer late: a crawl lasts long enough to be met (or killed) halfway.
SLOW = Faults(slow_share=0.2, slow_seconds=1.5)
REFUSED = re.compile(
    r"refused: maghress-fr 2011-02-09 is being processed by run (\S+) since "
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
)


@pytest.fixture
def pg_warehouse() -> Iterator[str]:
    """A PostgreSQL database of this test's own (the session's holds other tests' days)."""
    with new_pg_database("pressetl_locks") as url:
        yield url


def pressetl_run(settings, run_id: str, *extra: str, lease: float = 300.0, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "pipeline.cli", "--data-dir", str(settings.data_dir)]
    command += ["--warehouse-url", settings.warehouse_url, "run", "--site", SITE, "--date", DAY.isoformat()]
    command += ["--base-url", settings.base_url_overrides[SITE], "--run-id", run_id, *extra]
    env = {
        **os.environ,
        "PRESSETL_POLITE": "0",
        "PRESSETL_LOCK_LEASE_SECONDS": str(lease),
        "COLUMNS": "200",
    }
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, **popen
    )


def finish(process: subprocess.Popen) -> tuple[int, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, " ".join((out + err).split())


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.02)


def latest_run(settings) -> dict:
    engine = make_engine(settings.warehouse_url)
    try:
        (row,) = ledger(engine, site=SITE, day=DAY)
        return row
    finally:
        engine.dispose()


def query(settings, sql: str) -> list[tuple]:
    engine = make_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), {"site": SITE, "day": DAY})]
    finally:
        engine.dispose()


def assert_complete(settings, world: World, run_id: str) -> None:
    """The day in the warehouse is devsite's ground truth, and the ledger's latest run says so."""
    expected = world.articles_for_day(SITE, DAY)
    stored = query(settings, "SELECT canonical_url, title, body FROM articles WHERE site = :site")
    assert {(a.canonical_url, a.title, a.body) for a in expected} == set(stored)
    row = latest_run(settings)
    assert (row["run_id"], row["status"], row["reconciles"]) == (run_id, "succeeded", True)
    assert row["discovered"] == row["loaded"] == len(expected)
    assert query(settings, "SELECT * FROM partition_locks") == []  # released


def part_files(settings) -> list[Path]:
    raw = settings.data_dir / "raw" / SITE / DAY.isoformat()
    return sorted(raw.rglob("*.part"))


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_two_runs_of_one_day_at_once_one_is_refused_and_the_day_ends_complete(
    dialect, tmp_path, served, request
):
    world = World(today=TODAY, faults=SLOW)
    warehouse = None if dialect == "duckdb" else request.getfixturevalue("pg_warehouse")
    settings = make_settings(tmp_path / "data", served(world), warehouse)

    both = [pressetl_run(settings, "first-a"), pressetl_run(settings, "first-b")]
    outcomes = {run_id: finish(p) for run_id, p in zip(("first-a", "first-b"), both, strict=True)}

    codes = sorted(code for code, _ in outcomes.values())
    assert codes == [0, 1], outcomes
    winner = next(run_id for run_id, (code, _) in outcomes.items() if code == 0)
    loser = next(run_id for run_id in outcomes if run_id != winner)
    refusal = outcomes[loser][1]
    assert REFUSED.search(refusal), refusal
    assert REFUSED.search(refusal).group(1) == winner
    assert "Traceback" not in refusal
    # refused before anything: no crawl of its own, no ledger row
    assert not (settings.data_dir / "raw" / SITE / DAY.isoformat() / "logs" / f"{loser}.stderr").exists()
    runs = query(settings, "SELECT run_id, status FROM crawl_runs WHERE site = :site AND logical_date = :day")
    assert runs == [(winner, "succeeded")]
    assert_complete(settings, world, winner)

    code, output = finish(pressetl_run(settings, "after"))
    assert code == 0, output
    assert_complete(settings, world, "after")
    assert part_files(settings) == []


def test_a_killed_run_holds_the_day_until_its_lease_ends_then_the_next_run_completes_it(tmp_path, served):
    world = World(today=TODAY, faults=SLOW)
    settings = make_settings(tmp_path / "data", served(world))
    warc_dir = settings.data_dir / "raw" / SITE / DAY.isoformat() / "warc"
    lease = 20.0  # long enough for the next run to meet it, short enough to wait for its end

    killed = pressetl_run(settings, "killed", lease=lease, start_new_session=True)
    try:
        # mid-crawl: the WARC being written has records in it
        wait_for(lambda: sum(p.stat().st_size for p in warc_dir.glob(".killed.*.part")) > 30_000, "a crawl")
    finally:
        os.killpg(killed.pid, signal.SIGKILL)  # the CLI and its crawl child, as an OOM kill or a lost host
        killed.wait(timeout=30)
    left = part_files(settings)
    assert left and not (warc_dir / "killed.warc.gz").exists()
    assert not (warc_dir.parent / "crawl.json").exists()  # the crawl never finished
    # What made main's later runs fail: a half-written WARC published as if whole.
    half = next(p for p in left if p.name.startswith(".killed.warc.gz."))
    written = half.read_bytes()
    (warc_dir / "killed-copy.warc.gz").write_bytes(written[:-100])  # ends inside a record

    engine = make_engine(settings.warehouse_url)
    try:
        held = locks.current(engine, SITE, DAY)
        assert held.run_id == "killed"

        code, output = finish(pressetl_run(settings, "too-soon"))
        assert code == 1, output
        assert REFUSED.search(output) and REFUSED.search(output).group(1) == "killed", output
        assert query(settings, "SELECT run_id FROM crawl_runs") == []  # neither is in the ledger

        wait_for(lambda: locks.database_now(engine) > held.expires_at, "the killed run's lease to end")
    finally:
        engine.dispose()

    code, output = finish(pressetl_run(settings, "takeover"))
    assert code == 0, output
    assert "removed" in output and "a dead run left half-written" in output, output
    assert "killed-copy.warc.gz: damaged WARC file" in output, output
    assert part_files(settings) == []
    assert_complete(settings, world, "takeover")

    code, output = finish(pressetl_run(settings, "refresh", "--refresh"))
    assert code == 0, output
    assert_complete(settings, world, "refresh")
    assert query(settings, "SELECT run_id, status FROM crawl_runs ORDER BY started_at") == [
        ("takeover", "succeeded"),
        ("refresh", "succeeded"),
    ]


def test_a_refused_run_writes_nothing_and_the_holding_run_may_go_on(tmp_path):
    """In process, as Airflow's tasks call it: the partition is held by another run."""
    from core.errors import PartitionBusy
    from pipeline.runner import StageOptions, run_partition, run_stage

    settings = make_settings(tmp_path / "data", "http://127.0.0.1:9")  # never reached
    engine = make_engine(settings.warehouse_url)
    try:
        held = locks.acquire(engine, SITE, DAY, "nightly", 300.0, holder="worker1:10")
    finally:
        engine.dispose()

    result = run_partition(settings, SITE, DAY, "manual")
    assert (result.status, result.failed_stage, result.counts) == ("refused", None, {})
    since = locks.stamp(held.acquired_at)
    assert result.error == f"maghress-fr 2011-02-09 is being processed by run nightly since {since}"
    for stage in ("crawl", "transform", "validate", "load"):
        with pytest.raises(PartitionBusy, match="is being processed by run nightly since"):
            run_stage(settings, stage, SITE, DAY, "manual", StageOptions())
    assert query(settings, "SELECT run_id FROM crawl_runs") == []
    assert not (settings.data_dir / "raw").exists()

    # The holding run's next task (another process, same run id) goes on: here it fails at
    # once on the site being down, and that failure is its own, in the ledger.
    result = run_partition(settings, SITE, DAY, "nightly")
    assert (result.status, result.failed_stage) == ("failed", "crawl"), result.error
    assert query(settings, "SELECT run_id, status FROM crawl_runs") == [("nightly", "failed")]
    assert query(settings, "SELECT * FROM partition_locks") == []  # released when it ended


def test_a_crawl_dies_with_the_process_that_started_it(tmp_path, served):
    """Only the CLI (or Airflow's task process) is killed, not its process group: the crawl's
    child must not go on fetching and later overwrite the next run's crawl.json."""
    import psutil

    # every article answers after 20 s: the crawl would go on for a minute or more
    slow = Faults(slow_share=1.0, slow_seconds=20.0)
    settings = make_settings(tmp_path / "data", served(World(today=TODAY, faults=slow)))
    parent = pressetl_run(settings, "orphan", start_new_session=True)
    try:
        wait_for(
            lambda: any(
                "spiders.runner" in " ".join(c.cmdline()) for c in psutil.Process(parent.pid).children()
            ),
            "the crawl's child process",
        )
        (child,) = [
            c for c in psutil.Process(parent.pid).children() if "spiders.runner" in " ".join(c.cmdline())
        ]
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=WAIT)
        # the kernel kills it with its parent: long before its crawl could have ended
        child.wait(timeout=10)  # psutil.TimeoutExpired if the orphan lived on
        assert not child.is_running()
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
        parent.communicate()
