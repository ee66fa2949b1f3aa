"""Validate stage: the Great Expectations gate between staged and warehouse.

GX is imported inside ``quality.gate`` only when this stage runs (it takes ~10 s
to import): DAG files and the CLI's other commands never pay for it.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from core.errors import TransformError
from core.partitions import docs_dir
from core.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile

log = logging.getLogger(__name__)

# The stage's summary (XCom-sized), from the manifest.
SUMMARY_KEYS = ("run_id", "success", "rows", "passed", "quarantined", "override", "overridden", "docs_path")
LOCK_WAIT_SECONDS = 120.0
LOCK_RETRY_SECONDS = 1.0


def validate(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    override: bool = False,
    progress: Progress = no_progress,
) -> dict:
    from quality.gate import validate_partition

    profile = site_profile(settings, site)
    partition = partition_for(settings, site, day)
    if not partition.staged_articles.is_file():
        raise TransformError(
            f"validate of {site} {day}: nothing staged at {partition.staged_dir} (transform first)"
        )
    volumes = recent_volumes(settings, site, day, profile.quality.volume_history_days)
    manifest = validate_partition(
        partition, profile, docs_dir(settings.data_dir), run_id, override=override, recent_volumes=volumes
    )
    progress("validate", {"passed": manifest.passed, "quarantined": manifest.quarantined})
    return {
        "site": site,
        "logical_date": day.isoformat(),
        **manifest.model_dump(mode="json", include=set(SUMMARY_KEYS)),
    }


def recent_volumes(settings: Settings, site: str, day: date, days: int) -> list[int] | None:
    """The site's daily volumes over the ``days`` days before ``day``, from the warehouse ledger.

    None when there is no history to read: no warehouse yet (first run), or one
    without a ledger table. Any other error (a server that is down) propagates: the
    load that follows would fail the same way, and a retry should not run the gate
    without its volume check.

    A DuckDB file is locked by whichever process writes it (another site's load
    stage, which runs in the warehouse pool while validate does not): wait for it
    a little before giving up.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    url = make_url(settings.warehouse_url)
    if url.get_backend_name() == "duckdb":
        database = url.database or ":memory:"
        if database == ":memory:" or not (database.startswith("md:") or _exists(database)):
            return None  # opening a DuckDB file would create it
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return _read_volumes(settings.warehouse_url, site, day, days)
        except OperationalError as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            log.info("warehouse locked by another process; retrying: %s", " ".join(str(exc).split())[:200])
            time.sleep(LOCK_RETRY_SECONDS)


def _read_volumes(url: str, site: str, day: date, days: int) -> list[int] | None:
    from sqlalchemy import inspect

    from warehouse.engine import make_engine
    from warehouse.ledger import recent_volumes as fetch

    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("crawl_runs"):
            return None
        # the gate judges a day by the articles it discovered: compare like with like
        return [int(v) for v in fetch(engine, site, before=day, days=days, count="discovered")]
    finally:
        engine.dispose()


def _exists(database: str) -> bool:
    from pathlib import Path

    return Path(database).expanduser().is_file()
