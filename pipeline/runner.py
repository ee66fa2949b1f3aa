"""The one stage runner: the CLI's commands and the Airflow tasks of both DAGs run a stage
of a (site, day) through ``run_stage``, and a whole partition through ``run_partition``.

It gives every caller the same behaviour: a failed stage is recorded in the ledger
(with the counts the earlier stages reached) and raised with a one-line reason; a
reprocess never touches the network, and fails at its first stage when the day was
never crawled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.manifests import partition_counts
from core.partitions import Partition
from core.settings import Settings
from core.text import one_line
from pipeline.ledger import recorded
from pipeline.stages.common import Progress, no_progress

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
    status: str  # succeeded | failed
    counts: dict[str, int] = field(default_factory=dict)
    failed_stage: str | None = None
    error: str | None = None
    requests: int = 0  # HTTP requests this run made (0 for a reprocess: it never crawls)


def days_between(first: date, last: date | None = None) -> list[date]:
    last = last or first
    if last < first:
        raise ValueError(f"--to {last} is before --date {first}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


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
    reason) and raised again.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    # Imported when a stage runs: the CLI's help and the DAG processor never pay for them.
    from pipeline.stages import crawl, load, transform, validate
    from pipeline.stages.crawl import reuse_raw_zone

    with recorded(settings, site, day, run_id, stage):
        if stage == "crawl":
            if options.reprocess:
                return reuse_raw_zone(settings, site, day)
            return crawl(settings, site, day, run_id, refresh=options.refresh, progress=progress)
        if stage == "transform":
            return transform(settings, site, day, run_id, progress=progress)
        if stage == "validate":
            return validate(settings, site, day, run_id, override=options.override, progress=progress)
        return load(settings, site, day, run_id, progress=progress)


def run_partition(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    options: StageOptions = StageOptions(),
    progress: Progress = no_progress,
) -> PartitionResult:
    """Every stage of (site, day) in order; stops at the first failure, with the counts so far."""
    summary: dict = {}
    requests = 0
    for stage in STAGES:
        try:
            summary = run_stage(settings, stage, site, day, run_id, options, progress)
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
