"""Record a failed stage in the warehouse ledger, so `pressetl status` and analysts see it.

Successful runs are recorded by the load stage itself, in the load's transaction. After
either, the coverage heatmap of the Data Docs index is redrawn from the ledger (it never
fails the stage: ``pipeline.coverage.refresh_coverage_page`` logs why it could not).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

from core.manifests import crawl_cost, partition_counts, validation_manifest
from core.partitions import Partition
from core.settings import Settings
from core.text import one_line
from pipeline.coverage import refresh_coverage_page

log = logging.getLogger(__name__)


@contextlib.contextmanager
def recorded(settings: Settings, site: str, day: date, run_id: str, stage: str) -> Iterator[None]:
    """Run a stage; if it fails, write a failed crawl_runs row naming the stage and reason, then re-raise.
    The coverage picture is redrawn after a load and after a failure recorded."""
    started_at = datetime.now(UTC)
    try:
        yield
    except Exception as exc:
        try:
            record_failure(settings, site, day, run_id, stage, one_line(exc), started_at)
        except Exception:  # the stage's own error matters more; this one is logged, not hidden
            log.exception("could not record the failed %s of %s %s in the ledger", stage, site, day)
        else:
            refresh_coverage_page(settings, run_id=run_id)
        raise
    if stage == "load":
        refresh_coverage_page(settings, run_id=run_id)


def record_failure(
    settings: Settings, site: str, day: date, run_id: str, stage: str, error: str, started_at: datetime
) -> None:
    """One transaction: the failed run's row and, for a stopped quality gate, its results."""
    from warehouse.engine import make_engine
    from warehouse.ledger import record_failed_run
    from warehouse.schema import require_current

    partition = Partition(site, day, settings.data_dir)
    counts = partition_counts(partition)
    results = None  # other stages leave the run's validation results as they are
    if stage == "validate":
        manifest = validation_manifest(partition)
        results = [e.model_dump() for e in manifest.expectations] if manifest is not None else []
    engine = make_engine(settings.warehouse_url)
    try:
        require_current(engine)
        record_failed_run(
            engine,
            site,
            day,
            run_id,
            stage,
            error,
            counts,
            started_at,
            results=results,
            cost=crawl_cost(partition),
        )
    finally:
        engine.dispose()
