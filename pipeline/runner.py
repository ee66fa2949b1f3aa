"""Run the stages in order for one site over one or more days (the CLI's `run`,
`reprocess` and `demo`). Airflow does the same ordering in ``dags/``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.ledger import one_line, recorded
from pipeline.settings import Settings
from pipeline.stages import crawl, load, transform, validate
from pipeline.stages.common import Progress, no_progress, partition_for
from pipeline.stages.load import partition_counts


@dataclass
class PartitionResult:
    site: str
    day: date
    status: str  # succeeded | failed
    counts: dict[str, int] = field(default_factory=dict)
    failed_stage: str | None = None
    error: str | None = None


def days_between(first: date, last: date | None = None) -> list[date]:
    last = last or first
    if last < first:
        raise ValueError(f"--to {last} is before --date {first}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def run_partition(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    *,
    do_crawl: bool = True,
    refresh: bool = False,
    override: bool = False,
    progress: Progress = no_progress,
) -> PartitionResult:
    steps = [
        ("crawl", lambda: crawl(settings, site, day, run_id, refresh=refresh, progress=progress)),
        ("transform", lambda: transform(settings, site, day, run_id, progress=progress)),
        ("validate", lambda: validate(settings, site, day, run_id, override=override, progress=progress)),
        ("load", lambda: load(settings, site, day, run_id, progress=progress)),
    ]
    if not do_crawl:
        steps = steps[1:]
    summary: dict = {}
    for stage, step in steps:
        try:
            with recorded(settings, site, day, run_id, stage):
                summary = step()
        except Exception as exc:
            counts = partition_counts(partition_for(settings, site, day)).as_dict()
            return PartitionResult(site, day, "failed", counts, failed_stage=stage, error=one_line(exc))
    counts = {
        k: summary[k] for k in ("discovered", "fetched", "failed", "duplicates", "quarantined", "loaded")
    }
    return PartitionResult(site, day, "succeeded", counts)


def run_days(
    settings: Settings,
    site: str,
    days: Iterable[date],
    run_id: str,
    *,
    do_crawl: bool = True,
    refresh: bool = False,
    override: bool = False,
    progress: Progress = no_progress,
) -> list[PartitionResult]:
    return [
        run_partition(
            settings,
            site,
            day,
            run_id,
            do_crawl=do_crawl,
            refresh=refresh,
            override=override,
            progress=progress,
        )
        for day in days
    ]
