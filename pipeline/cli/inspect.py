"""Commands that look rather than run: `extract`, `sites`, `status`, and `devsite`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core.profiles import ProfileError, load_profile, load_profiles
from pipeline.cli.app import app
from pipeline.cli.common import console, out, parse_day, settings_of


@app.command()
def extract(
    ctx: typer.Context,
    pages: Annotated[list[Path], typer.Argument(help="HTML files to extract, in order.")],
    site: Annotated[
        str | None, typer.Option("--site", "-s", help="Use this site profile's selectors.")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="The URL the page(s) came from.")] = None,
) -> None:
    """Print one JSON object per page: url, title, publication, published_at, body, language, source_url.

    Without --site a generic extractor handles any news page. A page that cannot be
    parsed prints an object with an "error" field and the command goes on.

    Example: [bold]pressetl extract --site maghress-fr page.html[/bold]
    """
    from pipeline.cli.extract_page import extract_page

    profile = None
    if site:
        profile = load_profile(settings_of(ctx).profiles_dir, site)
    for page in pages:
        out.print(
            json.dumps(extract_page(page, url, profile), ensure_ascii=False),
            soft_wrap=True,
            markup=False,
            highlight=False,
        )


@app.command()
def devsite(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8000,
    today: Annotated[
        str, typer.Option(help="The devsite's clock: listings stop at this day.")
    ] = "2011-02-11",
) -> None:
    """Serve the local stand-in for the aggregators (Maghress French) until Ctrl-C.

    Example: [bold]pressetl devsite --port 8000[/bold], then
    [bold]pressetl run --site maghress-fr --date 2011-02-09 --base-url http://127.0.0.1:8000[/bold]
    """
    from devsite import World
    from devsite.server import serve_forever

    serve_forever(World(today=parse_day(today)), host="127.0.0.1", port=port)


@app.command()
def sites(ctx: typer.Context) -> None:
    """List the site profiles.

    Example: [bold]pressetl sites[/bold]
    """
    settings = settings_of(ctx)
    try:
        profiles = load_profiles(settings.profiles_dir)
    except ProfileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    table = Table(title=f"site profiles ({settings.profiles_dir})")
    for column in ("site", "name", "base URL", "languages", "time zone", "discovery", "enabled"):
        table.add_column(column)
    for p in profiles.values():
        table.add_row(
            p.site,
            p.display_name,
            p.base_url,
            ",".join(p.languages),
            p.timezone,
            ",".join(p.discovery.strategies),
            "yes" if p.enabled else "no",
        )
    out.print(table)


@app.command()
def status(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", "-d", help="Only this logical date.")] = None,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
) -> None:
    """Print the ledger (latest run per site and day); exit 1 if a partition failed or does not reconcile.

    Example: [bold]pressetl status --date 2011-02-09[/bold]
    """
    from core.errors import WarehouseSchemaError
    from warehouse.engine import make_engine
    from warehouse.ledger import ledger
    from warehouse.schema import require_current

    settings = settings_of(ctx)
    engine = make_engine(settings.warehouse_url)
    try:
        require_current(engine)
        rows = ledger(engine, site=site, day=parse_day(day) if day else None)
    except WarehouseSchemaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    table = Table(title="pressetl ledger")
    columns = (
        "site",
        "logical_date",
        "status",
        "discovered",
        "loaded",
        "duplicates",
        "quarantined",
        "failed",
        "reconciles",
        "requests",
        "discovery_requests",
        "error",
    )
    for column in columns:
        table.add_column(column)
    bad = False
    for row in rows:
        bad |= row["status"] != "succeeded" or not row["reconciles"]
        table.add_row(*(str(row.get(c, "")) if row.get(c) is not None else "" for c in columns))
    out.print(table)
    if bad:
        raise typer.Exit(1)
