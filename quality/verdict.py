"""The batch verdict: why a batch fails, and the one line that tells the operator.

The message is what the Airflow UI shows for a red task and what the run index
lists: operators (and tests) read its exact wording, so change it with care.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.profiles import SiteProfile
from quality import suites
from quality.validation import Outcome, Validation

Kind = Literal["blocked", "drift", "volume", "quarantine", "batch", "error"]
# Most telling first: blocked, drift and volume name a cause the operator can act on (a site
# walling the crawler is not layout drift, though neither gives articles).
KIND_ORDER: dict[str, int] = {"blocked": 0, "drift": 1, "volume": 2, "quarantine": 3, "batch": 4, "error": 5}


@dataclass(frozen=True)
class Failure:
    """One reason the batch fails: what kind (drift, volume, quarantine, batch, error),
    which suite's page shows it, and one short phrase naming the expectation."""

    kind: Kind
    suite: str
    text: str


def texts(failures: Sequence[Failure]) -> list[str]:
    return [f.text for f in failures]


@dataclass(frozen=True)
class Verdict:
    """The gate's decision on one batch: its failures, and whether an override lets it load."""

    failures: list[Failure]
    override: bool = False

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def loadable(self) -> bool:
        return self.success or self.override

    @property
    def overridden(self) -> bool:
        return self.override and not self.success

    @property
    def gate(self) -> Literal["passed", "overridden", "failed"]:
        if self.success:
            return "passed"
        return "overridden" if self.override else "failed"

    @property
    def texts(self) -> list[str]:
        return texts(self.failures)

    @property
    def blocked_by(self) -> list[str]:
        return sorted({f.kind for f in self.failures})

    def suite_passed(self, suite: str) -> bool:
        """The gate's verdict on one suite (not GX's: quarantined rows do not fail it)."""
        return not any(f.suite == suite for f in self.failures)


def batch_failures(
    profile: SiteProfile,
    staged: Validation,
    raw: Validation | None,
    share: float,
    extraction: dict[str, Any],
    volume: dict[str, Any],
    blocked: dict[str, Any] | None = None,
) -> list[Failure]:
    """Why the batch fails, most telling first; empty when it passes.

    ``share``: the share of rows quarantined; ``extraction`` and ``volume``: the
    summaries of ``quality.summaries``, whose figures the texts quote.
    """
    failures = []
    for validation in (raw, staged):
        if validation is None:
            continue
        for o in validation.outcomes:
            suite = o.check.suite
            if o.error:
                text = f"{o.check.description} errored: {' '.join(o.error.split())[:200]}"
                failures.append(Failure("error", suite, text))
            elif o.success or o.check.level == "row":
                # Failing rows are quarantined; only their share can fail the batch (below).
                continue
            elif o.check.level == "drift":
                failures.append(Failure("drift", suite, drift_text(o, extraction)))
            elif o.check.level == "volume":
                # The volume summary holds the verdict (none without enough history).
                if volume.get("verdict") == "anomaly":
                    failures.append(Failure("volume", suite, volume_text(o, volume)))
            else:
                text = f"{o.check.description} ({o.unexpected_count} of {o.element_count} rows)"
                failures.append(Failure("batch", suite, text))
    if blocked and blocked["pages"] and blocked["share"] > blocked["max_blocked_share"]:
        failures.append(Failure("blocked", suites.STAGED, blocked_text(blocked)))
    limit = profile.quality.max_quarantined_share
    if share > limit:
        failures.append(Failure("quarantine", suites.STAGED, quarantine_text(staged.outcomes, share, limit)))
    # sorted() is stable: within a kind, the suites' order (raw items first) stays.
    return sorted(failures, key=lambda f: KIND_ORDER[f.kind])


def quarantine_text(outcomes: Sequence[Outcome], share: float, limit: float) -> str:
    """Too many rows quarantined, naming the row checks that failed, most rows first."""
    culprits = sorted(
        (o for o in outcomes if o.check.level == "row" and not o.error and o.unexpected_count),
        key=lambda o: -o.unexpected_count,
    )
    return f"{pct(share)} rows quarantined (max {pct(limit)}), failed: " + ", ".join(
        f"{o.check.description} ({o.unexpected_count} rows)" for o in culprits
    )


def blocked_text(blocked: dict[str, Any]) -> str:
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(blocked["kinds"].items(), key=lambda kv: -kv[1]))
    return (
        f"{blocked['pages']} of {blocked['fetched']} pages fetched were not the article "
        f"({pct(blocked['share'], whole=True)}, max {pct(blocked['max_blocked_share'], whole=True)}: {kinds})"
    )


def drift_text(outcome: Outcome, extraction: dict[str, Any]) -> str:
    what = "fallback extractions"
    if extraction["failed"]:
        counts = f"{extraction['fallback']} fallback, {extraction['failed']} failed"
        what = f"fallback or failed extractions ({counts})"
    return (
        f"{pct(extraction['fallback_share'], whole=True)} {what} "
        f"(max {pct(extraction['max_fallback_share'], whole=True)}) [{outcome.check.description}]"
    )


def volume_text(outcome: Outcome, volume: dict[str, Any]) -> str:
    ratio = pct(volume.get("ratio", 0.0), whole=True)
    floor = pct(volume["min_ratio"], whole=True)
    return (
        f"{volume['discovered']} articles discovered, {ratio} of the median {volume['median']:g} "
        f"of the last {volume['history_days']} days (min {floor}) [{outcome.check.description}]"
    )


def message(site: str, day_iso: str, failures: Sequence[Failure], docs_page: Path) -> str:
    """The one line naming the site, the day, what failed and the Data Docs page to read."""
    kinds = {f.kind for f in failures}
    if "blocked" in kinds:
        head = f"blocked by {site} on {day_iso}"
    elif "drift" in kinds:
        head = f"layout drift suspected on {site} {day_iso}"
    elif "volume" in kinds:
        head = f"volume anomaly on {site} {day_iso}"
    else:
        head = f"quality gate failed for {site} {day_iso}"
    return f"{head}: {'; '.join(texts(failures))}; see {docs_page}"


def pct(share: float, whole: bool = False) -> str:
    """A share as a percentage: one decimal ("12.5%", "60%"), or whole (``whole=True``)."""
    if whole:
        # "83%", never "100%" for 99.6% nor "0%" for a little: what the operator reads first.
        value = share * 100
        rounded = math.floor(value) if value > 99 else (math.ceil(value) if value < 1 else round(value))
        return f"{rounded}%"
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text}%"
