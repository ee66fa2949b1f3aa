"""`pressetl plan`: what a backfill will cost, per aggregator host, before it runs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import typer
from rich.table import Table

from core.profiles import ProfileError, load_profiles
from pipeline.cli.app import app
from pipeline.cli.common import FirstDayOpt, LastDayOpt, SitesOpt, console, out, parse_day, settings_of


def _duration(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


@app.command()
def plan(
    ctx: typer.Context,
    first: FirstDayOpt,
    last: LastDayOpt,
    sites: SitesOpt = None,
    today: Annotated[
        str | None, typer.Option(help="The day the sites' listings start from [default: today].")
    ] = None,
) -> None:
    """Days, expected requests per host and time at the profiles' politeness for a range.

    Figures come from the sites' own crawled days (raw zone); the first day of a range far
    from any collected day also pays for locating it. Nothing is fetched.

    Example: [bold]pressetl plan --from 2024-01-01 --to 2024-12-31 --site maghress-fr[/bold]
    """
    from pipeline.plan import plan_range

    settings = settings_of(ctx)
    try:
        profiles = load_profiles(settings.profiles_dir)
    except ProfileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    unknown = sorted(set(sites or ()) - set(profiles))
    if unknown:
        raise typer.BadParameter(f"unknown site(s) {unknown}; known: {sorted(profiles)}", param_hint="--site")
    chosen = [profiles[s] for s in sites] if sites else [p for p in profiles.values() if p.enabled]
    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if end < start:
        raise typer.BadParameter(f"--to {end} is before --from {start}", param_hint="--to")
    hosts = plan_range(settings, chosen, start, end, parse_day(today) if today else date.today())
    table = Table(title=f"pressetl plan {start} … {end}")
    for column in (
        "host",
        "site",
        "days",
        "articles/day",
        "requests/day",
        "locate",
        "requests",
        "time",
        "basis",
    ):
        table.add_column(column, justify="left" if column in ("host", "site", "basis") else "right")
    for host in hosts:
        for site in host.sites:
            table.add_row(
                host.aggregator,
                site.site,
                str(site.days),
                f"{site.articles_per_day:,.0f}",
                f"{site.requests_per_day:,.0f}",
                f"{site.locate_requests:,}",
                f"{site.requests:,}",
                _duration(site.seconds),
                site.basis,
            )
        table.add_row(
            f"[bold]{host.aggregator}[/bold]", "all", "", "", "", "", f"[bold]{host.requests:,}[/bold]",
            f"[bold]{_duration(host.seconds)}[/bold]", "one crawl of the host at a time",
        )  # fmt: skip
    out.print(table)
