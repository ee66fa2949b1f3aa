"""The one stage runner: the CLI's commands and the Airflow tasks of both DAGs run a stage
of a (site, day) through ``run_stage``, and a whole partition through ``run_partition``.

It gives every caller the same behaviour: a failed stage is recorded in the ledger
(with the counts the earlier stages reached) and raised with a one-line reason; a
reprocess never touches the network, and fails at its first stage when the day was
never crawled.

One run at a time per partition: ``run_stage`` holds the (site, day) lock of the
warehouse (``warehouse.locks``) while its stage runs, ``run_partition`` across all its
stages. A run that finds another one holding it is refused at once (``PartitionBusy``:
"<site> <day> is being processed by run X since T"), and writes nothing, not even a
ledger row: the ledger's latest run of the day stays the one doing the work.

Every run of a stage, refused ones too, is timed and counted (``pipeline.observe``): a row of
``stage_runs`` and Airflow's metrics, written after the stage, never failing it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.errors import LockLost, PartitionBusy, WarehouseSchemaError
from core.manifests import partition_counts
from core.partitions import Partition, remove_stale_files
from core.settings import Settings
from core.text import one_line
from pipeline.ledger import recorded
from pipeline.observe import observed
from pipeline.stages.common import Progress, no_progress

log = logging.getLogger(__name__)
STAGES = ("crawl", "transform", "validate", "load")
LEDGER_COUNTS = ("discovered", "fetched", "failed", "duplicates", "quarantined", "loaded")


@dataclass(frozen=True)
class StageOptions:
    """What an operator can ask of a run (CLI flags, DAG params)."""

    reprocess: bool = False  # rebuild from the raw zone: the crawl stage only checks it is there
    refresh: bool = False  # crawl again what the raw zone already holds
    override: bool = False  # load a batch the quality gate stopped (recorded)

    def __post_init__(self) -> None:
        if self.reprocess and self.refresh:
            raise ValueError("reprocess and refresh exclude each other: a reprocess does not crawl")


@dataclass
class PartitionResult:
    site: str
    day: date
    status: str  # succeeded | failed | refused (another run holds the partition: nothing written)
    counts: dict[str, int] = field(default_factory=dict)
    failed_stage: str | None = None
    error: str | None = None
    requests: int = 0  # HTTP requests this run made (0 for a reprocess: it never crawls)


def days_between(first: date, last: date | None = None) -> list[date]:
    last = last or first
    if last < first:
        raise ValueError(f"--to {last} is before --date {first}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@contextlib.contextmanager
def partition_lock(settings: Settings, site: str, day: date, run_id: str) -> Iterator:
    """The (site, day) lock for ``run_id`` while the block runs (re-entrant for one run in one
    process), its lease renewed meanwhile. Raises ``PartitionBusy`` when another run holds it,
    ``WarehouseSchemaError`` when the warehouse is not at the code's revision."""
    from warehouse.locks import hold

    with hold(settings.warehouse_url, site, day, run_id, settings.lock_lease_seconds) as lock:
        yield lock


def run_stage(
    settings: Settings,
    stage: str,
    site: str,
    day: date,
    run_id: str,
    options: StageOptions = StageOptions(),
    progress: Progress = no_progress,
) -> dict:
    """Run one stage of (site, day); its small summary (XCom-sized) is returned.

    A failure is written to the ledger (``crawl_runs``, status failed, with the stage and the
    reason) and raised again. The stage runs holding the partition's lock: ``PartitionBusy``
    (another run has it) and ``WarehouseSchemaError`` (no lock table to hold it in) are raised
    before anything runs, and are not in the ledger.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    # Imported when a stage runs: the CLI's help and the DAG processor never pay for them.
    from pipeline.stages import crawl, load, transform, validate
    from pipeline.stages.crawl import reuse_raw_zone

    # Measured whatever becomes of it (refused, failed or ok): stage_runs and Airflow's metrics.
    with (
        observed(settings, stage, site, day, run_id, options.reprocess) as run,
        partition_lock(settings, site, day, run_id) as lock,
    ):
        if not (stage == "crawl" and options.reprocess):  # a reprocess's crawl writes nothing
            _remove_stale_files(Partition(site, day, settings.data_dir), stage)
        with recorded(settings, site, day, run_id, stage):
            if stage == "crawl":
                if options.reprocess:
                    summary = reuse_raw_zone(settings, site, day)
                else:
                    summary = crawl(settings, site, day, run_id, refresh=options.refresh, progress=progress)
            elif stage == "transform":
                summary = transform(settings, site, day, run_id, progress=progress)
            elif stage == "validate":
                summary = validate(settings, site, day, run_id, override=options.override, progress=progress)
            else:
                summary = load(settings, site, day, run_id, progress=progress)
        run.summary = summary
        lock.check()  # another run took the partition over meanwhile: say so, not "succeeded"
    return summary


def _remove_stale_files(partition: Partition, stage: str) -> None:
    """We hold the lock and the stage has not started: half-written files are a dead run's."""
    removed = remove_stale_files(partition, stage)
    if removed:
        log.warning(
            "%s: removed %d file(s) a dead run left half-written (%s): %s",
            partition.key,
            len(removed),
            stage,
            ", ".join(p.name for p in removed),
        )


def run_partition(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    options: StageOptions = StageOptions(),
    progress: Progress = no_progress,
) -> PartitionResult:
    """Every stage of (site, day) in order, holding the partition's lock throughout; stops at
    the first failure, with the counts so far. A partition another run holds is ``refused``."""
    try:
        with partition_lock(settings, site, day, run_id):
            return _run_stages(settings, site, day, run_id, options, progress)
    except LockLost as exc:  # after a stage: it is another run's partition now (not in the ledger)
        return PartitionResult(site, day, "failed", failed_stage="lock", error=one_line(exc))
    except PartitionBusy as exc:
        return PartitionResult(site, day, "refused", error=one_line(exc))
    except WarehouseSchemaError as exc:  # not recorded: the ledger is in that warehouse
        return PartitionResult(site, day, "failed", failed_stage=STAGES[0], error=one_line(exc))


def _run_stages(
    settings: Settings, site: str, day: date, run_id: str, options: StageOptions, progress: Progress
) -> PartitionResult:
    summary: dict = {}
    requests = 0
    for stage in STAGES:
        try:
            summary = run_stage(settings, stage, site, day, run_id, options, progress)
        except PartitionBusy:
            raise
        except Exception as exc:  # recorded in the ledger by run_stage; the result says it too
            counts = partition_counts(Partition(site, day, settings.data_dir)).as_dict()
            return PartitionResult(
                site, day, "failed", counts, failed_stage=stage, error=one_line(exc), requests=requests
            )
        if stage == "crawl" and not options.reprocess:
            requests = int(summary.get("pages_fetched") or 0)
    counts = {key: summary[key] for key in LEDGER_COUNTS}
    return PartitionResult(site, day, "succeeded", counts, requests=requests)


def run_days(
    settings: Settings,
    site: str,
    days: Iterable[date],
    run_id: str,
    options: StageOptions = StageOptions(),
    progress: Progress = no_progress,
    on_day: Callable[[PartitionResult], None] | None = None,
) -> list[PartitionResult]:
    """``run_partition`` for each day in turn; ``on_day`` hears of each result as it comes."""
    results = []
    for day in days:
        results.append(run_partition(settings, site, day, run_id, options, progress))
        if on_day is not None:
            on_day(results[-1])
    return results
