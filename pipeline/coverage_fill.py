"""The commands that fill the gaps of a coverage grid, consecutive days grouped in ranges.

A failed or missing day is filled by a run (crawl → load), or by a reprocess (from the raw
zone, no network) when the raw zone already holds a complete crawl of it and it did not
fail in its crawl. A gap a run is processing right now gets no command: another run of it
would be refused.

Airflow: ``press_nightly`` backfills with ``--reprocess-behavior completed``, because a
day with a run already (failed, or succeeded for the other sites) is otherwise skipped;
each range names its sites in the run conf, so only the gaps are run again. Reprocesses
trigger ``press_reprocess``, one run over the whole range and its sites. No day is in two
commands: Airflow runs one backfill of a DAG at a time, so they are run one after another.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.coverage import FAILED, Coverage, DayCoverage

RUN = "run"
REPROCESS = "reprocess"


@dataclass(frozen=True)
class Gap:
    """Consecutive days of one site in one state, filled the same way."""

    site: str
    first: date
    last: date
    state: str
    fill: str  # run | reprocess
    reason: str | None  # the latest day's one-line failure, for failed days

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        span = self.first.isoformat() if self.first == self.last else f"{self.first} … {self.last}"
        what = self.state if self.reason is None else f"{self.state}: {self.reason}"
        return f"{self.site} {span} ({self.days} day{'s' * (self.days > 1)}): {what}"


@dataclass
class FillPlan:
    gaps: list[Gap] = field(default_factory=list)
    airflow: list[str] = field(default_factory=list)
    pressetl: list[str] = field(default_factory=list)
    running: list[str] = field(default_factory=list)  # gaps being processed now: wait for them


def fill_kind(day: DayCoverage) -> str:
    after_crawl = day.state != FAILED or day.failed_stage != "crawl"
    return REPROCESS if day.raw_zone and after_crawl else RUN


def fill_plan(coverage: Coverage) -> FillPlan:
    plan = FillPlan()
    by_kind: dict[str, dict[date, list[str]]] = {RUN: {}, REPROCESS: {}}
    for site in coverage.sites:
        open_days = []
        for day in site.days:
            if not day.gap:
                continue
            if day.running:
                plan.running.append(day.describe(site.site))
                continue
            open_days.append(day)
            by_kind[fill_kind(day)].setdefault(day.day, []).append(site.site)
        for run in _runs(open_days, lambda d: (d.state, d.failed_stage, fill_kind(d))):
            last = run[-1]
            reason = f"at {last.failed_stage}: {last.error}" if last.state == FAILED else None
            plan.gaps.append(Gap(site.site, run[0].day, last.day, last.state, fill_kind(last), reason))
        for run in _runs(open_days, fill_kind):
            plan.pressetl.append(pressetl_command(fill_kind(run[0]), site.site, run[0].day, run[-1].day))
    for kind, days in by_kind.items():
        for first, last, sites in _site_ranges(days):
            plan.airflow.append(airflow_command(kind, sites, first, last))
    return plan


def pressetl_command(kind: str, site: str, first: date, last: date) -> str:
    to = "" if first == last else f" --to {last.isoformat()}"
    return f"pressetl {kind} --site {site} --date {first.isoformat()}{to}"


def airflow_command(kind: str, sites: list[str], first: date, last: date) -> str:
    if kind == REPROCESS:
        conf = {"sites": sites, "from": first.isoformat(), "to": last.isoformat()}
        return f"airflow dags trigger press_reprocess --conf {shlex.quote(json.dumps(conf))}"
    # --to-date is compared with the runs' logical dates (02:00 local): the last day's end.
    return (
        f"airflow backfill create --dag-id press_nightly --from-date {first.isoformat()} "
        f"--to-date {last.isoformat()}T23:59 --max-active-runs 1 --reprocess-behavior completed "
        f"--dag-run-conf {shlex.quote(json.dumps({'sites': sites}))}"
    )


def _runs(days: list[DayCoverage], key) -> Iterable[list[DayCoverage]]:
    """Maximal runs of consecutive days with the same ``key``."""
    run: list[DayCoverage] = []
    for day in days:
        if run and (day.day - run[-1].day != timedelta(days=1) or key(day) != key(run[-1])):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _site_ranges(days: dict[date, list[str]]) -> Iterable[tuple[date, date, list[str]]]:
    """Consecutive days with the same sites, as (first, last, sites)."""
    start = previous = None
    sites: list[str] = []
    for day in sorted(days):
        if start is not None and (day - previous != timedelta(days=1) or days[day] != sites):
            yield start, previous, sites
            start = None
        if start is None:
            start, sites = day, days[day]
        previous = day
    if start is not None:
        yield start, previous, sites
