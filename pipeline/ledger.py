"""Record a failed stage in the warehouse ledger, so `pressetl status` and analysts see it.

Successful runs are recorded by the load stage itself, in the load's transaction.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

from pipeline.partitions import read_json
from pipeline.settings import Settings
from pipeline.stages.common import partition_for
from pipeline.stages.load import partition_counts

log = logging.getLogger(__name__)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@contextlib.contextmanager
def recorded(settings: Settings, site: str, day: date, run_id: str, stage: str) -> Iterator[None]:
    """Run a stage; if it fails, write a failed crawl_runs row naming the stage and reason, then re-raise."""
    started_at = datetime.now(UTC)
    try:
        yield
    except Exception as exc:
        try:
            record_failure(settings, site, day, run_id, stage, one_line(exc), started_at)
        except Exception:  # the stage's own error matters more; this one is logged, not hidden
            log.exception("could not record the failed %s of %s %s in the ledger", stage, site, day)
        raise


def record_failure(
    settings: Settings, site: str, day: date, run_id: str, stage: str, error: str, started_at: datetime
) -> None:
    from warehouse.engine import make_engine
    from warehouse.ledger import record_failed_run, record_validation_results
    from warehouse.migrate import upgrade

    partition = partition_for(settings, site, day)
    upgrade(settings.warehouse_url)
    engine = make_engine(settings.warehouse_url)
    try:
        record_failed_run(engine, site, day, run_id, stage, error, partition_counts(partition), started_at)
        if stage == "validate" and partition.validation_manifest.is_file():
            results = read_json(partition.validation_manifest).get("expectations", [])
            record_validation_results(engine, site, day, run_id, results)
    finally:
        engine.dispose()
