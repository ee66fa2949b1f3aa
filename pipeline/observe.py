"""Every run of a stage, measured: its duration, its status and the counts it produced go to the
warehouse (``stage_runs``) and to Airflow's metrics (``pipeline.metrics``), whether the stage
succeeded, failed, or was refused (another run held the partition).

``observed`` wraps the stage in ``pipeline.runner.run_stage``, the one way a stage runs, so the
CLI and the Airflow tasks both record it. The row is written after the stage returned, in a
short transaction of its own (the load's ``crawl_runs`` row is in the load's transaction). If
the warehouse cannot take it (down, locked by another process for too long, at another schema
revision), a warning carries the row into the log and ``pressetl.ledger.unrecorded`` is
counted: the stage's outcome, its files and its ``crawl_runs`` row stay as they are, and the
metrics still go out. A successful stage is never failed by its bookkeeping.

A stage fills in only the counts it produces, read from this run's manifest (a manifest a
previous run left counts for nothing): crawl: discovered, fetched, failed, requests, bytes
(``crawl.json``; a reprocess's crawl makes no request: 0 and 0); transform: discovered,
fetched, failed, duplicates (``partition_counts``, from ``transform.json``); validate:
quarantined (``validation.json``); load: loaded and duplicates (its summary: the load counts
repeats too). The others are NULL.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from core.errors import LockLost, PartitionBusy
from core.manifests import (
    crawl_cost,
    crawl_manifest,
    partition_counts,
    transform_manifest,
    validation_manifest,
)
from core.partitions import Partition, safe_run_id
from core.settings import Settings
from core.text import one_line
from pipeline.metrics import COUNTS, emit_stage_run, emit_unrecorded

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 500


@dataclass
class Observation:
    """What the stage hands back to its observer: its summary, once it has one."""

    summary: dict[str, Any] | None = None


@dataclass
class StageRun:
    site: str
    logical_date: date
    run_id: str
    stage: str
    status: str  # ok | failed | refused
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    error: str | None = None
    counts: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(COUNTS))

    def row(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.__dict__.items() if k != "counts"}
        return {**fields, **self.counts}


@contextlib.contextmanager
def observed(
    settings: Settings, stage: str, site: str, day: date, run_id: str, reprocess: bool = False
) -> Iterator[Observation]:
    """Time the block (the stage); when it ends, record and emit its run, then let its result
    or its exception through unchanged."""
    observation = Observation()
    started_at, clock = datetime.now(UTC), time.monotonic()
    status, error = "failed", None
    try:
        yield observation
        status = "ok"
    except LockLost as exc:  # the stage ran, and another run has the partition now
        error = one_line(exc, MAX_ERROR_CHARS)
        raise
    except PartitionBusy as exc:
        status, error = "refused", one_line(exc, MAX_ERROR_CHARS)
        raise
    except BaseException as exc:
        error = one_line(exc, MAX_ERROR_CHARS)
        raise
    finally:
        run = StageRun(
            site, day, run_id, stage, status, started_at, datetime.now(UTC), time.monotonic() - clock, error
        )
        _keep(settings, run, observation.summary, reprocess)


def _keep(settings: Settings, run: StageRun, summary: dict[str, Any] | None, reprocess: bool) -> None:
    try:
        if run.status != "refused":  # a refused run wrote nothing: the manifests are another run's
            partition = Partition(run.site, run.logical_date, settings.data_dir)
            run.counts.update(stage_counts(partition, run.stage, run.run_id, summary, reprocess))
    except Exception as exc:  # an unreadable manifest: the next stage says so; the run is kept without
        log.warning(
            "%s %s: could not read the counts of the %s stage: %s",
            run.site,
            run.logical_date,
            run.stage,
            one_line(exc, 300),
        )
    emit_stage_run(run.site, run.stage, run.status, run.duration_seconds, run.counts)
    try:
        record(settings, run)
    except Exception as exc:
        log.warning(
            "%s %s: the %s stage's run could not be written to stage_runs (%s); the run was: %s",
            run.site,
            run.logical_date,
            run.stage,
            one_line(exc, 300),
            run.row(),
        )
        emit_unrecorded(run.site, run.stage)


def record(settings: Settings, run: StageRun) -> None:
    from warehouse.engine import make_engine
    from warehouse.schema import require_current
    from warehouse.stage_runs import record_stage_run

    engine = make_engine(settings.warehouse_url)
    try:
        require_current(engine)  # before a write: a missing DuckDB file is not created
        record_stage_run(engine, run.row())
    finally:
        engine.dispose()


def stage_counts(
    partition: Partition, stage: str, run_id: str, summary: dict[str, Any] | None, reprocess: bool
) -> dict[str, int]:
    """The counts ``stage`` produced in run ``run_id`` (see the module's docstring)."""
    if stage == "crawl":
        if reprocess:
            return {"requests": 0, "bytes": 0}
        crawl = crawl_manifest(partition)
        if crawl is None or crawl.run_id not in (run_id, safe_run_id(run_id)):  # the crawl's: safe
            return {}
        cost = crawl_cost(partition)
        return {
            "discovered": crawl.discovered,
            "fetched": crawl.fetched,
            "failed": crawl.failed,
            "requests": cost.requests if cost else 0,
            "bytes": crawl.bytes_fetched,
        }
    if stage == "transform":
        transform = transform_manifest(partition)
        if transform is None or transform.run_id != run_id:
            return {}
        counts = partition_counts(partition)
        return {k: getattr(counts, k) for k in ("discovered", "fetched", "failed", "duplicates")}
    if stage == "validate":
        validation = validation_manifest(partition)
        if validation is None or validation.run_id != run_id:
            return {}
        return {"quarantined": validation.quarantined}
    if stage == "load" and summary is not None:
        return {"loaded": int(summary["loaded"]), "duplicates": int(summary["duplicates"])}
    return {}
