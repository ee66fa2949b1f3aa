"""warehouse/loader.py's one transaction, in real processes killed by SIGKILL.

A child process (``test_warehouse_child.py``) runs the load stage and kills itself at
one point inside the load's transaction: SQLAlchemy event listeners registered in the
child find the point, the production code has no hook. After each kill the warehouse
is exactly as before (every table's checksum), and the next normal load succeeds and
reconciles. On DuckDB and PostgreSQL both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_bulk import big_partition
from test_warehouse_child import AFTER_COMMIT, POINTS
from test_warehouse_support import DAY, SITE, T0, T1, T2, failure, partition, rows
from test_warehouse_support_stages import (
    Edition,
    expected_results,
    stage_settings,
    stored_results,
    write_first_edition,
    write_second_edition,
)

from core.records import LedgerCounts, PageFailure
from warehouse.dimensions import register_site
from warehouse.fingerprint import fingerprints
from warehouse.ledger import ledger
from warehouse.loader import load_partition

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

CHILD = Path(__file__).resolve().with_name("test_warehouse_child.py")
# Unique: other checkouts may run their kill tests against the same server meanwhile.
APP_NAME = f"pressetl-kill-{uuid.uuid4().hex[:8]}"
DATA_TABLES = (
    "sites",
    "publications",
    "articles",
    "article_versions",
    "story_signatures",
    "story_links",
    "story_clusters",
)

# What the load transaction writes, in the order it writes it (the child prints each
# statement; the COMMIT is printed once it is sent).
MILESTONES = (
    "INSERT INTO SITES",
    # the articles are merged: their stories' signatures and links written, the clusters recomputed
    "INSERT INTO STORY_SIGNATURES",
    "INSERT INTO STORY_LINKS",
    "INSERT INTO STORY_CLUSTERS",
    "INSERT INTO QUARANTINED_ARTICLES",
    "INSERT INTO PAGE_FAILURES",
    "INSERT INTO VALIDATION_RESULTS",
    "INSERT INTO CRAWL_RUNS",
    "COMMIT",
)
# kill point → how many of the milestones ran before the kill
REACHED = {
    "mid-articles": 1,
    "after-articles": 4,
    "before-validation-results": 6,
    "before-crawl-run": 7,
    "before-commit": 8,
    "after-commit": 9,
}
assert set(REACHED) == set(POINTS)


def _url_for_child(wh_url: str) -> str:
    # PostgreSQL: named, so that the test can see the child's session and wait for its end.
    return wh_url if "duckdb" in wh_url else f"{wh_url}?application_name={APP_NAME}"


def _backends(url: str) -> list[tuple[Any, str]]:
    probe = sa.create_engine(url)
    try:
        with probe.connect() as conn:
            query = sa.text(
                "SELECT xact_start, state FROM pg_stat_activity "
                "WHERE application_name = :app AND datname = current_database()"
            )
            return list(conn.execute(query, {"app": APP_NAME}))
    finally:
        probe.dispose()


def _wait_for_rollback(wh_url: str) -> None:
    """PostgreSQL rolls a dead session back once it sees the connection gone."""
    if "postgresql" not in wh_url:
        return
    deadline = time.monotonic() + 30
    while _backends(wh_url) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _backends(wh_url) == []


def _kill_at(point: str, wh_url: str, data_dir: Path, run_id: str) -> list[str]:
    """Run the load stage in a child that kills itself at ``point``; what it printed: the
    statements that ran (``sql: …``) and its progress reports (``progress: …``), in order."""
    args = [sys.executable, str(CHILD), "kill", point, str(data_dir), _url_for_child(wh_url)]
    done = subprocess.run([*args, SITE, DAY.isoformat(), run_id], capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stdout[-2000:], done.stderr[-4000:])
    assert lines[-1] == f"kill: {point}", lines[-5:]
    _wait_for_rollback(wh_url)
    return lines[:-1]


def _reached(printed: list[str]) -> list[str]:
    """The milestones among the statements printed, each where it first ran."""
    first = {}
    statements = [line.removeprefix("sql: ") for line in printed if line.startswith("sql: ")]
    for n, sql in enumerate(statements):
        for milestone in MILESTONES:
            if sql.startswith(milestone):
                first.setdefault(milestone, n)
    return sorted(first, key=first.get)


def _assert_loaded(engine: Engine, edition: Edition, run_id: str, result: dict[str, Any]) -> None:
    """The day's second edition is in the warehouse, its ledger row reconciling."""
    expected = edition.counts
    assert {k: result[k] for k in expected.as_dict()} == expected.as_dict()
    [run] = ledger(engine, site=SITE, day=DAY)
    assert (run["run_id"], run["status"], run["reconciles"]) == (run_id, "succeeded", True)
    assert run["discovered"] == run["loaded"] + run["duplicates"] + run["quarantined"] + run["failed"]
    assert {k: run[k] for k in expected.as_dict()} == expected.as_dict()
    assert (run["discovered"], run["loaded"], run["duplicates"], run["quarantined"], run["failed"]) == (
        20,
        13,
        3,
        2,
        2,
    )
    assert stored_results(engine, run_id) == expected_results(edition.outcomes)
    stored = {r["canonical_url"]: r for r in rows(engine, "articles")}
    assert {url: (r["title"], r["content_hash"]) for url, r in stored.items()} == {
        a["canonical_url"]: (a["title"], a["content_hash"]) for a in edition.articles
    }
    # 7 first versions, 2 corrected texts, 1 text that is a copy of another story now, 6 new articles
    assert len(rows(engine, "article_versions")) == 16
    assert [q["run_id"] for q in rows(engine, "quarantined_articles", logical_date=DAY)] == [run_id] * 2
    assert [f["run_id"] for f in rows(engine, "page_failures", logical_date=DAY)] == [run_id] * 2
    assert rows(engine, "sites") == [
        {"site": SITE, "aggregator": "maghress", "display_name": "Maghress (français)"}
    ]
    described = {p["slug"]: p["country"] for p in rows(engine, "publications")}
    assert described == {"aujourdhui": "MA", "h24info": "MA", "hespress": "MA", "lematin": "MA"}


@pytest.mark.parametrize("point", POINTS)
def test_a_load_killed_inside_its_transaction_leaves_the_previous_state(
    point: str, wh_url: str, engine: Engine, data_dir: Path
) -> None:
    from pipeline.stages.load import load

    settings = stage_settings(data_dir, wh_url)
    part = partition(data_dir)
    # The previous state: the day loaded once, by the stage.
    first = write_first_edition(part, "run-1")
    load(settings, SITE, DAY, "run-1")
    assert stored_results(engine, "run-1") == expected_results(first.outcomes)
    register_site(engine, SITE, "maghress", "Maghress (FR)")  # the profile's name since corrected
    before = fingerprints(engine)
    assert {name: f.rows for name, f in before.items()} == {
        "sites": 1,
        "publications": 3,
        "articles": 7,
        "article_versions": 7,
        "story_signatures": 7,  # every text is long enough to compare
        "story_links": 6,  # three stories: 0, 1, 2 and 3, 4, 5 linked pairwise, 6 alone
        "story_clusters": 3,
        "crawl_runs": 1,
        "page_failures": 1,
        "quarantined_articles": 1,
        "validation_results": 5,
        "url_outcomes": 0,  # hand-made manifests: no transform outcomes
    }
    engine.dispose()  # a DuckDB file takes one process at a time

    # The day collected again, then loaded by a process that dies at ``point``.
    second = write_second_edition(part, "run-2")
    printed = _kill_at(point, wh_url, data_dir, "run-2")

    assert _reached(printed) == list(MILESTONES[: REACHED[point]])
    progress = [line for line in printed if line.startswith("progress: ")]
    if point == "mid-articles":  # one batch of four merged (all of them changes), three to go
        assert progress == ["progress: load {'rows': 4, 'duplicates': 0}"]
    else:  # every batch merged: 13 articles and the repeat
        assert progress[-1] == "progress: load {'rows': 13, 'duplicates': 1}"
    after = fingerprints(engine)
    engine.dispose()
    if point == AFTER_COMMIT:
        # The control: killed after its COMMIT, the load stands.
        assert [r["status"] for r in rows(engine, "crawl_runs", run_id="run-2")] == ["succeeded"]
        assert after["articles"] != before["articles"]
        kept = after
    else:
        assert after == before
        assert rows(engine, "crawl_runs", run_id="run-2") == []
        assert rows(engine, "validation_results", run_id="run-2") == []

    # The retry (Airflow's, or the operator's): a normal load of the same run.
    result = load(settings, SITE, DAY, "run-2")
    _assert_loaded(engine, second, "run-2", result)
    assert [r["run_id"] for r in rows(engine, "crawl_runs")] == ["run-1", "run-2"]
    assert stored_results(engine, "run-1") == expected_results(first.outcomes)
    if point == AFTER_COMMIT:
        # Loading what is already there again moves no data.
        again = fingerprints(engine)
        assert {t: again[t] for t in DATA_TABLES} == {t: kept[t] for t in DATA_TABLES}


# ----------------------------------------------- a big load, killed from outside

PREVIOUS_ROWS = 2_000
KILL_ROWS = 50_000


def test_a_big_load_killed_midway_leaves_the_previous_state(
    wh_url: str, engine: Engine, data_dir: Path
) -> None:
    part = partition(data_dir)
    # The previous state: the day loaded once, with its failures.
    big_partition(part, PREVIOUS_ROWS, edition="v1")
    part.raw_dir.mkdir(parents=True, exist_ok=True)
    part.failures.write_text(
        PageFailure(site=SITE, logical_date=DAY, **failure(1)).model_dump_json() + "\n", encoding="utf-8"
    )
    counts = LedgerCounts(PREVIOUS_ROWS + 1, PREVIOUS_ROWS, failed=1)
    load_partition(engine, part, "run-1", counts, T0, finished_at=T1)
    before = fingerprints(engine)
    assert before["page_failures"].rows == 1
    engine.dispose()  # a DuckDB file takes one process at a time

    # A re-crawl of the day found far more, and new texts for what was there.
    big_partition(part, KILL_ROWS, edition="v2")
    args = [str(CHILD), "stream", str(data_dir), _url_for_child(wh_url), SITE, DAY.isoformat(), "run-2"]
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("in transaction: 10000 rows"):
                break
        else:
            pytest.fail(f"the child ended before its transaction: {proc.stderr.read()}")
        if "postgresql" in wh_url:
            [(xact_start, state)] = _backends(wh_url)
            assert xact_start is not None and state in ("active", "idle in transaction")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    _wait_for_rollback(wh_url)

    assert fingerprints(engine) == before

    # The re-run completes.
    counts = LedgerCounts(KILL_ROWS, KILL_ROWS)
    result = load_partition(engine, part, "run-2", counts, T2, finished_at=T2)
    assert (result.loaded, result.reconciles) == (KILL_ROWS, True)
    with engine.connect() as conn:
        count = {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("articles", "article_versions", "page_failures", "crawl_runs")
        }
    assert count == {
        "articles": KILL_ROWS,
        "article_versions": KILL_ROWS + PREVIOUS_ROWS,  # the first 2,000 have a second text
        "page_failures": 0,
        "crawl_runs": 2,
    }
