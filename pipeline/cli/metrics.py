"""`pressetl metrics`: how long each stage of each day took and what it counted (stage_runs)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pipeline.cli.app import app
from pipeline.cli.common import console, out, parse_day, settings_of

# What an operator compares across days (the ledger's other counts: `pressetl status`).
COLUMNS = (
    "logical_date",
    "site",
    "stage",
    "status",
    "seconds",
    "discovered",
    "loaded",
    "quarantined",
    "failed",
    "requests",
    "bytes",
)


@app.command()
def metrics(
    ctx: typer.Context,
    first: Annotated[str, typer.Option("--from", help="First logical date (YYYY-MM-DD).")],
    last: Annotated[str | None, typer.Option("--to", help="Last logical date (default: --from).")] = None,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
) -> None:
    """Print every stage run of the days (every attempt, failed and refused ones too): its
    duration and the counts it produced; a blank count is not that stage's.

    Example: [bold]pressetl metrics --site maghress-fr --from 2011-02-08 --to 2011-02-10[/bold]
    """
    from core.errors import WarehouseSchemaError
    from warehouse.engine import make_engine
    from warehouse.schema import require_current
    from warehouse.stage_runs import stage_runs

    start = parse_day(first, "--from")
    end = parse_day(last, "--to") if last else start
    if end < start:
        raise typer.BadParameter(f"--to {end} is before --from {start}", param_hint="--to")
    engine = make_engine(settings_of(ctx).warehouse_url)
    try:
        require_current(engine)
        rows = stage_runs(engine, site, start, end)
    except WarehouseSchemaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if not rows:
        console.print(f"no stage runs of {site or 'any site'} from {start} to {end}")
        return
    table = Table(title="pressetl stage runs")
    for column in COLUMNS:
        table.add_column(column, no_wrap=True, justify="right" if COLUMNS.index(column) >= 4 else "left")
    for row in rows:
        row = {**row, "seconds": f"{row['duration_seconds']:.1f}"}
        table.add_row(*("" if row.get(c) is None else str(row[c]) for c in COLUMNS))
    out.print(table)
    for row in rows:
        if row["error"]:
            line = f"{row['logical_date']} {row['site']} {row['stage']} ({row['status']}): {row['error']}"
            out.print(line, markup=False, highlight=False)  # an error's [brackets] are text
