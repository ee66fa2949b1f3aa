"""Which staged rows are quarantined, and why.

A row is quarantined when it fails at least one ``row`` check; its reasons are
the descriptions of the checks it failed, in the suite's order, then the
transform's error for that row, if it recorded one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from quality.validation import Outcome


@dataclass(frozen=True)
class Quarantine:
    """The reasons of every staged row, in the staged file's order (empty: the row passes)."""

    reasons: list[list[str]]

    @property
    def rows(self) -> list[int]:
        """Positions of the quarantined rows."""
        return [row for row, why in enumerate(self.reasons) if why]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return len(self.reasons)

    @property
    def passed(self) -> int:
        return self.total - self.count

    @property
    def share(self) -> float:
        """Share of the batch quarantined: what ``max_quarantined_share`` caps."""
        return self.count / self.total if self.total else 0.0

    def mask(self) -> pa.BooleanArray:
        """True for the quarantined rows: filters the staged table."""
        return pa.array([bool(why) for why in self.reasons], pa.bool_())

    def quarantined_reasons(self) -> list[list[str]]:
        """The reasons of the quarantined rows only, in the order of ``rows``."""
        return [why for why in self.reasons if why]


def row_reasons(outcomes: Sequence[Outcome], rows: int) -> list[list[str]]:
    """For each row, the row checks it failed (batch-level checks quarantine nothing)."""
    reasons: list[list[str]] = [[] for _ in range(rows)]
    for outcome in outcomes:
        if outcome.check.level != "row":
            continue
        for row in outcome.failing_rows():
            reasons[row].append(outcome.check.description)
    return reasons


def quarantine_rows(outcomes: Sequence[Outcome], errors: Sequence[str | None]) -> Quarantine:
    """The quarantine of a staged batch: ``errors`` is its ``error`` column, one per row.

    The transform's error only explains a row that a check failed: a row read by
    the fallback extractor, with an error noted, may still be a good article.
    """
    reasons = row_reasons(outcomes, len(errors))
    for row, text in enumerate(errors):
        if reasons[row] and text:
            reasons[row].append(text)
    return Quarantine(reasons)
