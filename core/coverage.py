"""Coverage: what the ledger says of each (site, day), as one plain structure.

The pipeline reads the warehouse and builds it (``pipeline.coverage``); the terminal grid
(``pressetl coverage``) and the Data Docs heatmap (``quality.coverage_page``) draw it. It
lives here, on the ground floor, because quality/ may not read the warehouse.

A day's state comes from its latest run in ``crawl_runs`` (as ``pressetl status``):

- ``loaded``: the latest run succeeded;
- ``quarantined-heavy``: it succeeded, but the quality gate's own measure, the share of the
  day's batch quarantined (quarantined / (fetched - duplicates)), is above the gate's limit,
  the site profile's ``quality.max_quarantined_share``: in practice a day loaded with
  ``--override-quality`` past a quarantine failure, or loaded before the limit was lowered;
- ``failed``: the latest run failed (the stage and the reason are kept);
- ``missing``: no run at all.

Not states, but said beside them: ``overridden`` (loaded although the gate stopped the
batch), ``running`` (a run holds the day's lock right now: a run refused by it is in no
ledger and cannot be shown), ``reconciles`` (the ledger's counts add up) and ``raw_zone``
(the raw zone holds a complete crawl of the day: a failure after the crawl is filled by a
reprocess, without the network).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

LOADED = "loaded"
QUARANTINED_HEAVY = "quarantined-heavy"
FAILED = "failed"
MISSING = "missing"
STATES = (LOADED, QUARANTINED_HEAVY, FAILED, MISSING)
GAPS = (FAILED, MISSING)  # days that are not in the warehouse: a command fills them


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DayCoverage(_Frozen):
    day: date
    state: str
    discovered: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    failed: int = 0  # article URLs that could not be fetched or parsed (the ledger's count)
    quarantined_share: float | None = None  # of the gate's batch; None without a batch
    max_quarantined_share: float | None = None  # the gate's limit for the site
    overridden: bool = False
    reconciles: bool = True
    run_id: str | None = None
    failed_stage: str | None = None
    error: str | None = None
    running: str | None = None  # the run holding the day's lock now
    raw_zone: bool = False

    @property
    def gap(self) -> bool:
        return self.state in GAPS

    def describe(self, site: str) -> str:
        """One line of what the day is: the heatmap's tooltip, the grid's notes."""
        head = f"{site} {self.day.isoformat()}: {self.state}"
        if self.state == MISSING:
            text = f"{head} (no run in the ledger)"
        elif self.state == FAILED:
            text = f"{head} at {self.failed_stage or '?'}: {self.error or 'no reason recorded'}"
        else:
            text = f"{head}, {self.loaded} loaded of {self.discovered} discovered"
            text += f", {self.duplicates} duplicates, {self.quarantined} quarantined"
            if self.quarantined_share is not None:
                text += f" ({percent(self.quarantined_share)}"
                if self.max_quarantined_share is not None:
                    text += f", gate max {percent(self.max_quarantined_share)}"
                text += ")"
            text += f", {self.failed} failed"
        if self.overridden:
            text += "; quality gate overridden"
        if not self.reconciles:
            text += "; counts do not reconcile"
        if self.running:
            text += f"; being processed now by run {self.running}"
        return text


class SiteCoverage(_Frozen):
    site: str
    days: tuple[DayCoverage, ...]

    def count(self, state: str) -> int:
        return sum(d.state == state for d in self.days)

    @property
    def articles(self) -> int:
        return sum(d.loaded for d in self.days if not d.gap)


class Coverage(_Frozen):
    first: date
    last: date
    sites: tuple[SiteCoverage, ...]
    generated_at: datetime | None = None

    @property
    def days(self) -> list[date]:
        return [d.day for d in self.sites[0].days] if self.sites else []

    @property
    def complete(self) -> bool:
        """No day failed or missing."""
        return not any(d.gap for s in self.sites for d in s.days)


def percent(share: float) -> str:
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def batch_share(run: Mapping[str, Any]) -> float | None:
    """The share of the day's batch the gate quarantined: its own measure (quarantined rows
    over the staged batch, i.e. articles fetched that were not duplicates)."""
    batch = int(run["fetched"] or 0) - int(run["duplicates"] or 0)
    return int(run["quarantined"] or 0) / batch if batch > 0 else None


def day_coverage(
    day: date,
    run: Mapping[str, Any] | None,
    max_share: float,
    *,
    running: str | None = None,
    raw_zone: bool = False,
) -> DayCoverage:
    """Classify one day from its latest ledger row (None: no run)."""
    if run is None:
        return DayCoverage(day=day, state=MISSING, running=running, raw_zone=raw_zone)
    share = batch_share(run)
    if run["status"] != "succeeded":
        state = FAILED
    elif share is not None and share > max_share:  # as the gate: above the limit fails it
        state = QUARANTINED_HEAVY
    else:
        state = LOADED
    counts = ("discovered", "loaded", "duplicates", "quarantined", "failed")
    return DayCoverage(
        day=day,
        state=state,
        **{key: int(run[key] or 0) for key in counts},
        quarantined_share=share,
        max_quarantined_share=max_share,
        overridden=bool(run.get("quality_overridden")),
        reconciles=int(run["discovered"] or 0)
        == sum(int(run[k] or 0) for k in ("loaded", "duplicates", "quarantined", "failed")),
        run_id=run.get("run_id"),
        failed_stage=run.get("failed_stage") if state == FAILED else None,
        error=run.get("error") if state == FAILED else None,
        running=running,
        raw_zone=raw_zone,
    )
