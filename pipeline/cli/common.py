"""What the commands share: the options, the settings, the live progress line and the
run summary table."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.profiles import ProfileError, load_profile
from core.settings import Settings

console = Console(stderr=True)
# Summary tables are read in logs too: don't squeeze them to 80 columns there.
out = Console(width=None if sys.stdout.isatty() else 140)

SiteOpt = Annotated[str, typer.Option("--site", "-s", help="Site profile name, e.g. maghress-fr.")]
DateOpt = Annotated[str, typer.Option("--date", "-d", help="Logical date (YYYY-MM-DD), site-local day.")]
# A range of days over sites (`pressetl plan`, `pressetl coverage`).
FirstDayOpt = Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")]
LastDayOpt = Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive.")]
SitesOpt = Annotated[
    list[str] | None, typer.Option("--site", "-s", help="A site (repeat for several); default: enabled.")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last logical date of a range (inclusive).")]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="Serve the site from here instead (e.g. a devsite URL).")
]
RunIdOpt = Annotated[
    str | None, typer.Option("--run-id", help="Run id for the ledger (default: cli_<time>_<random>).")
]
OverrideOpt = Annotated[
    bool, typer.Option("--override-quality", help="Load even if the quality gate fails (recorded).")
]


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.obj


def parse_day(text: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def crawlable_day(text: str, option: str = "--date") -> date:
    """A day that has begun somewhere: a future one is refused before anything runs."""
    from core.dates import future_day_error

    day = parse_day(text, option)
    error = future_day_error(day)
    if error:
        raise typer.BadParameter(error, param_hint=option)
    return day


def day_range(first: str, last: str | None) -> list[date]:
    from pipeline.runner import days_between

    start, end = crawlable_day(first), crawlable_day(last, "--to") if last else None
    try:
        return days_between(start, end)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from None


def new_run_id(run_id: str | None) -> str:
    """The given id, else one of this process's own: two runs started in the same second differ."""
    if run_id:
        return run_id
    return f"cli_{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}_{secrets.token_hex(3)}"


def with_site(settings: Settings, site: str, base_url: str | None) -> Settings:
    """Settings for ``site`` (served from ``base_url`` if given); exit 2 if its profile is broken."""
    settings = settings.with_base_url(site, base_url) if base_url else settings
    try:
        load_profile(settings.profiles_dir, site, settings.base_url_overrides.get(site))
    except ProfileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return settings


class ProgressLine:
    """One live status line: pages fetched, articles transformed, rows loaded."""

    def __init__(self, label: str):
        self.label = label
        self.status = console.status(f"{label}: starting")

    def __enter__(self):
        self.status.__enter__()
        return self

    def __exit__(self, *exc):
        self.status.__exit__(*exc)

    def __call__(self, stage: str, counters: dict[str, int]) -> None:
        text = ", ".join(f"{value} {name}" for name, value in counters.items())
        self.status.update(f"{self.label}: {stage} — {text}")


class RangeProgress:
    """A run over several days: a bar of days done / to do, the requests made so far and the
    time left (from the days done), above the live line of the current stage."""

    def __init__(self, label: str, days: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("days · {task.fields[requests]:,} requests · {task.fields[failed]} failed · ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[stage]}"),
            console=console,
        )
        self.task = self.progress.add_task(label, total=days, requests=0, failed=0, stage="")

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, stage: str, counters: dict[str, int]) -> None:
        text = ", ".join(f"{value} {name}" for name, value in counters.items())
        self.progress.update(self.task, stage=f"{stage}: {text}")

    def day_done(self, result) -> None:
        fields = self.progress.tasks[0].fields
        self.progress.update(
            self.task,
            advance=1,
            requests=fields["requests"] + result.requests,
            failed=fields["failed"] + (result.status != "succeeded"),
            stage=f"{result.day} {result.status}",
        )


def ledger_table(results) -> Table:
    table = Table(title="pressetl run")
    for column in ("site", "day", "status", "discovered", "loaded", "duplicates", "quarantined", "failed"):
        table.add_column(column, justify="right" if column not in ("site", "day", "status") else "left")
    for r in results:
        c = r.counts
        if r.status == "succeeded":
            status = "[green]ok[/green]"
        elif r.status == "refused":
            status = "[yellow]refused (busy)[/yellow]"
        else:
            status = f"[red]failed ({r.failed_stage})[/red]"
        table.add_row(
            r.site,
            r.day.isoformat(),
            status,
            *(str(c.get(k, 0)) for k in ("discovered", "loaded", "duplicates", "quarantined", "failed")),
        )
    return table


def report(results, table: bool = True) -> None:
    """Print the run's table and each failure's one line; exit 1 if a partition failed or was
    refused (another run was processing it)."""
    from rich.markup import escape

    if table:
        out.print(ledger_table(results))
    for r in results:
        if r.status == "refused":
            console.print(f"[red]refused:[/red] {escape(r.error or '')}")
        elif r.error:
            console.print(f"[red]{r.site} {r.day} {r.failed_stage} failed:[/red] {r.error}")
    if any(r.status != "succeeded" for r in results):
        raise typer.Exit(1)
