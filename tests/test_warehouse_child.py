"""The child process of the kill tests (no tests here): a real load, killed by SIGKILL.

    python tests/test_warehouse_child.py kill <point> <data_dir> <warehouse_url> <site> <day> <run_id>
    python tests/test_warehouse_child.py stream <data_dir> <warehouse_url> <site> <day> <run_id>

``kill`` runs the load stage (``pipeline.stages.load.load``, the code path of Airflow
and the CLI) and kills itself at ``point`` inside the load transaction. Nothing in the
production code knows: the point is found by SQLAlchemy event listeners (the statement
about to run, the COMMIT about to be sent, the connection given back after it) or by
the stage's own progress callback. Every statement that runs is printed (``sql: …``) and
the kill is announced (``kill: <point>``), so the test knows what ran before.

``stream`` loads with ``warehouse.loader.load_partition`` in batches of 5,000 rows and
prints ``in transaction: <rows> rows`` after each: the test kills it from outside.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

# point → the statement (its start, upper-cased, whitespace collapsed) to die before
BEFORE_STATEMENT = {
    # every article batch is merged (articles, versions, publications), the stories linked
    # (signatures, links, clusters);
    # quarantine, page failures, the publications' description, the validation
    # results and the ledger row are not written yet
    "after-articles": "DELETE FROM QUARANTINED_ARTICLES",
    # ... and the quarantine, failures and publication descriptions are written too
    "before-validation-results": "DELETE FROM VALIDATION_RESULTS",
    # the validation results are written; the ledger row is not
    "before-crawl-run": "INSERT INTO CRAWL_RUNS",
}
# the first article batch is merged, the others are not (the stage's progress callback)
MID_ARTICLES = "mid-articles"
# the whole transaction is written; the COMMIT is about to be sent
BEFORE_COMMIT = "before-commit"
# the COMMIT went through; the connection is being given back (the control: the load stands)
AFTER_COMMIT = "after-commit"
POINTS = (MID_ARTICLES, *BEFORE_STATEMENT, BEFORE_COMMIT, AFTER_COMMIT)


def _die(point: str) -> None:
    print(f"kill: {point}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def _normal(statement: str) -> str:
    return " ".join(statement.split()).upper()


def arm(point: str) -> Callable[[str, dict[str, int]], None]:
    """Register the listeners that kill this process at ``point``; returns the progress callback."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    if point not in POINTS:
        raise SystemExit(f"unknown kill point {point!r}; one of {POINTS}")
    seen = {"crawl_run": False, "committed": False}

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        sql = _normal(statement)
        if point in BEFORE_STATEMENT and sql.startswith(BEFORE_STATEMENT[point]):
            _die(point)
        print(f"sql: {sql[:80]}", flush=True)
        if sql.startswith("INSERT INTO CRAWL_RUNS"):
            seen["crawl_run"] = True

    def commit(conn) -> None:
        # Only the load's transaction writes the ledger row; the schema check only reads.
        if not seen["crawl_run"]:
            return
        if point == BEFORE_COMMIT:
            _die(point)
        print("sql: COMMIT", flush=True)
        seen["committed"] = True

    def checkin(dbapi_connection, connection_record) -> None:
        if point == AFTER_COMMIT and seen["committed"]:
            _die(point)

    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    event.listen(Engine, "commit", commit)
    event.listen(Pool, "checkin", checkin)

    def progress(stage: str, counters: dict[str, int]) -> None:
        print(f"progress: {stage} {counters}", flush=True)
        if point == MID_ARTICLES and stage == "load" and counters.get("rows"):
            _die(point)

    return progress


def kill(point: str, data_dir: str, url: str, site: str, day: str, run_id: str) -> None:
    from core.settings import Settings
    from pipeline.stages.load import load

    settings = Settings.from_env(environ={}, data_dir=Path(data_dir), warehouse_url=url)
    progress = arm(point)
    result = load(settings, site, date.fromisoformat(day), run_id, progress=progress)
    print(f"finished: {result}", flush=True)  # the kill point was never reached


def stream(data_dir: str, url: str, site: str, day: str, run_id: str) -> None:
    from core.partitions import Partition
    from core.records import LedgerCounts
    from warehouse.engine import make_engine
    from warehouse.loader import load_partition

    part = Partition(site, date.fromisoformat(day), Path(data_dir))
    engine = make_engine(url)

    def progress(stage: str, counters: dict[str, int]) -> None:
        print(f"in transaction: {counters['rows']} rows", flush=True)

    try:
        counts = LedgerCounts(discovered=10**9)
        load_partition(engine, part, run_id, counts, datetime.now(UTC), chunk_size=5000, progress=progress)
    finally:
        engine.dispose()


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    if mode == "kill":
        kill(*arguments)
    elif mode == "stream":
        stream(*arguments)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
