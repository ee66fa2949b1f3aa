"""The coverage grid in the terminal (rich): counts per cell for a short range, one character
per day (months as rows) for a long one, so a year of a dozen sites stays readable."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from rich.table import Table
from rich.text import Text

from core.coverage import (
    FAILED,
    LOADED,
    MISSING,
    QUARANTINED_HEAVY,
    Coverage,
    DayCoverage,
    SiteCoverage,
    percent,
)

DETAILED_MAX_DAYS = 10  # up to this many days, a column per day with its counts
STYLES = {LOADED: "green", QUARANTINED_HEAVY: "yellow", FAILED: "bold red", MISSING: "dim"}
# One character per day: shapes differ, not only colours (colour-blind and log readers).
GLYPHS = {LOADED: "#", QUARANTINED_HEAVY: "q", FAILED: "X", MISSING: "."}
OVERRIDDEN_GLYPH = "!"
RUNNING_GLYPH = "~"
LEGEND = (
    "# loaded   q quarantined-heavy (share of the batch above the gate's limit)   X failed   . missing\n"
    "! loaded with the quality gate overridden   ~ a run is processing the day now"
)


def glyph(day: DayCoverage) -> str:
    if day.running:
        return RUNNING_GLYPH
    if day.state == LOADED and day.overridden:
        return OVERRIDDEN_GLYPH
    return GLYPHS[day.state]


def cell_text(day: DayCoverage) -> str:
    """A day's cell in the detailed grid: its counts, or what went wrong."""
    if day.state == MISSING:
        text = "."
    elif day.state == FAILED:
        text = f"X {day.failed_stage or '?'}"
    else:
        text = str(day.loaded)
        if day.quarantined:
            text += f" q{percent(day.quarantined_share or 0)}"
        if day.overridden:
            text += OVERRIDDEN_GLYPH
    return f"{text} {RUNNING_GLYPH}" if day.running else text


def grid(coverage: Coverage) -> Table:
    return detailed(coverage) if len(coverage.days) <= DETAILED_MAX_DAYS else compact(coverage)


def detailed(coverage: Coverage) -> Table:
    table = Table(title=f"pressetl coverage {coverage.first} … {coverage.last}: loaded articles per day")
    table.add_column("site")
    for day in coverage.days:
        table.add_column(f"{day:%m-%d}\n{day:%a}", justify="right")
    for site in coverage.sites:
        table.add_row(site.site, *(Text(cell_text(d), style=STYLES[d.state]) for d in site.days))
    return table


def compact(coverage: Coverage) -> Table:
    """Months as rows: a character per day of the month (1 … 31), then the month's figures."""
    table = Table(title=f"pressetl coverage {coverage.first} … {coverage.last}", padding=(0, 1))
    table.add_column("site")
    table.add_column("month")
    table.add_column("1        10        20        30 ", no_wrap=True)
    for column in ("articles", "gaps"):
        table.add_column(column, justify="right")
    for site in coverage.sites:
        for index, (month, days) in enumerate(_months(site)):
            line = Text()
            by_day = {d.day.day: d for d in days}
            for n in range(1, calendar.monthrange(month.year, month.month)[1] + 1):
                day = by_day.get(n)
                line.append(glyph(day) if day else " ", style=STYLES[day.state] if day else "")
            gaps = sum(d.gap for d in days)
            table.add_row(
                site.site if index == 0 else "",
                f"{month:%Y-%m}",
                line,
                f"{sum(d.loaded for d in days if not d.gap):,}",
                Text(str(gaps), style="bold red" if gaps else ""),
            )
        table.add_section()
    return table


def _months(site: SiteCoverage) -> Iterable[tuple[date, list[DayCoverage]]]:
    months: dict[date, list[DayCoverage]] = {}
    for day in site.days:
        months.setdefault(day.day.replace(day=1), []).append(day)
    return months.items()


def summary(coverage: Coverage) -> Table:
    table = Table(title="days per state")
    for column in ("site", LOADED, QUARANTINED_HEAVY, FAILED, MISSING, "overridden", "running", "articles"):
        table.add_column(column, justify="left" if column == "site" else "right")
    for site in coverage.sites:
        table.add_row(
            site.site,
            *(str(site.count(state)) for state in (LOADED, QUARANTINED_HEAVY, FAILED, MISSING)),
            str(sum(d.overridden for d in site.days)),
            str(sum(bool(d.running) for d in site.days)),
            f"{site.articles:,}",
        )
    return table


def day_ranges(days: list[date]) -> str:
    """2024-04-01 … 2024-04-03, 2024-04-07: consecutive days as ranges."""
    spans: list[list[date]] = []
    for day in sorted(days):
        if spans and day - spans[-1][-1] == timedelta(days=1):
            spans[-1].append(day)
        else:
            spans.append([day])
    return ", ".join(str(s[0]) if len(s) == 1 else f"{s[0]} … {s[-1]}" for s in spans)


def notes(coverage: Coverage) -> list[str]:
    """What the grid's cells only hint at, said in words: overrides, runs in progress, counts
    that do not add up."""
    lines = []
    for site in coverage.sites:
        for what, test in (
            ("loaded with the quality gate overridden", lambda d: d.overridden),
            ("being processed by a run now", lambda d: bool(d.running)),
            ("ledger counts do not reconcile", lambda d: not d.reconciles),
        ):
            days = [d.day for d in site.days if test(d)]
            if days:
                lines.append(f"{site.site}: {what}: {day_ranges(days)}")
    return lines
