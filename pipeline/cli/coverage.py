"""`pressetl coverage`: which days of which sites the warehouse holds, and the commands that
fill the gaps."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from core.profiles import ProfileError, load_profiles
from pipeline.cli.app import app
from pipeline.cli.common import FirstDayOpt, LastDayOpt, SitesOpt, console, out, parse_day, settings_of

AIRFLOW_HEADING = "fill them with Airflow, one after another (Airflow runs one backfill of a DAG at a time):"


@app.command()
def coverage(
    ctx: typer.Context,
    first: FirstDayOpt,
    last: LastDayOpt,
    sites: SitesOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the grid, gaps and commands as JSON.")
    ] = False,
) -> None:
    """A site × day grid of the ledger: loaded, quarantined-heavy, failed or missing, with counts.

    Each day is its latest run in the ledger (crawl_runs). Quarantined-heavy: loaded, but the
    share of the batch quarantined is above the site's quality-gate limit
    (quality.max_quarantined_share). Prints the command that fills each gap (Airflow and
    pressetl); exits 1 when a day is failed or missing, 0 otherwise.

    Example: [bold]pressetl coverage --from 2024-04-01 --to 2024-04-07[/bold]
    """
    from core.errors import WarehouseSchemaError
    from pipeline.coverage import build_coverage, gate_limits
    from pipeline.coverage_fill import fill_plan

    settings = settings_of(ctx)
    start, end = _days(first, last)
    try:
        profiles = load_profiles(settings.profiles_dir)
    except ProfileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    unknown = sorted(set(sites or ()) - set(profiles))
    if unknown:
        raise typer.BadParameter(f"unknown site(s) {unknown}; known: {sorted(profiles)}", param_hint="--site")
    if sites:
        chosen = [profiles[s] for s in dict.fromkeys(sites)]
    else:
        chosen = [p for p in profiles.values() if p.enabled]
    if not chosen:
        raise typer.BadParameter("no site is enabled: name one", param_hint="--site")
    try:
        grid = build_coverage(settings, gate_limits(chosen), start, end)
    except WarehouseSchemaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    plan = fill_plan(grid)
    if as_json:
        out.print_json(json.dumps(_as_json(grid, plan), ensure_ascii=False))
    else:
        _print(grid, plan)
    if not grid.complete:
        raise typer.Exit(1)


def _days(first: str, last: str) -> tuple[date, date]:
    from core.dates import future_day_error

    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if end < start:
        raise typer.BadParameter(f"--to {end} is before --from {start}", param_hint="--to")
    error = future_day_error(end)
    if error:  # a day begun nowhere is not missing: nothing could have collected it
        raise typer.BadParameter(error, param_hint="--to")
    return start, end


def _print(grid, plan) -> None:
    from rich.markup import escape

    from pipeline.cli.coverage_grid import LEGEND, notes, summary
    from pipeline.cli.coverage_grid import grid as grid_table

    out.print(grid_table(grid))
    out.print(LEGEND, markup=False, highlight=False)
    out.print(summary(grid))
    for line in notes(grid):
        out.print(f"[yellow]note:[/yellow] {escape(line)}")
    for line in plan.running:
        out.print(f"[yellow]running, wait for it:[/yellow] {escape(line)}")
    if not plan.gaps:
        if grid.complete:
            out.print("[green]no gap[/green]: every day is loaded")
        else:
            out.print("no gap to fill: the days not loaded are being processed now")
        return
    out.print(f"[bold red]gaps ({sum(g.days for g in plan.gaps)} site-days):[/bold red]")
    for gap in plan.gaps:
        out.print(f"  {escape(gap.label)}", soft_wrap=True)
    out.print(f"[bold]{AIRFLOW_HEADING}[/bold]")
    for command in plan.airflow:
        out.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)
    out.print("[bold]or without Airflow:[/bold]")
    for command in plan.pressetl:
        out.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)


def _as_json(grid, plan) -> dict:
    return {
        **grid.model_dump(mode="json", exclude={"generated_at"}),
        "complete": grid.complete,
        "gaps": [
            {
                "site": g.site,
                "from": g.first.isoformat(),
                "to": g.last.isoformat(),
                "state": g.state,
                "fill": g.fill,
                "reason": g.reason,
            }
            for g in plan.gaps
        ],
        "running": plan.running,
        "commands": {"airflow": plan.airflow, "pressetl": plan.pressetl},
    }
