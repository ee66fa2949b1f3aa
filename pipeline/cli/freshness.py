"""`pressetl freshness`: was the day due by the morning's deadline loaded, site by site?

The same check as Airflow's press_freshness (``pipeline.freshness.check``), the same lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from pipeline.cli.app import app
from pipeline.cli.common import console, out, parse_day, settings_of


@app.command()
def freshness(
    ctx: typer.Context,
    day: Annotated[
        str | None,
        typer.Option("--date", "-d", help="The day to check [default: the day due by the last deadline]."),
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option("--site", "-s", help="Only this site (repeatable) [default: every enabled site]."),
    ] = None,
) -> None:
    """Print one line per site: the day loaded, or not loaded with its last state; exit 1 if one is late.

    The deadline is $PRESSETL_FRESHNESS_DEADLINE (HH:MM, default 08:00) in
    $PRESSETL_FRESHNESS_TIMEZONE (default Africa/Casablanca): without --date, the day
    checked is the one the last nightly run before the last deadline collected.

    Example: [bold]pressetl freshness --date 2011-02-09[/bold]
    """
    from core.errors import WarehouseSchemaError
    from core.profiles import ProfileError
    from pipeline.freshness import Deadline, check
    from pipeline.orchestration import enabled_sites

    settings = settings_of(ctx)
    try:
        deadline = Deadline.from_env()
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    checked = parse_day(day) if day else deadline.due_day(datetime.now(UTC))
    try:
        sites = enabled_sites(site or None, settings.profiles_dir)
        results = check(settings.warehouse_url, sites, checked, deadline)
    except (ProfileError, WarehouseSchemaError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if not results:
        console.print(f"no enabled site in {settings.profiles_dir}: nothing to check")
    for result in results:
        out.print(
            result.line, style=None if result.loaded else "red", markup=False, highlight=False, soft_wrap=True
        )
    late = sum(not result.loaded for result in results)
    if late:
        console.print(
            f"{late} of {len(results)} site(s) late for {checked.isoformat()} (deadline {deadline})"
        )
        raise typer.Exit(1)
