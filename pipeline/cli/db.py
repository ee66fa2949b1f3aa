"""`pressetl db`: the warehouse schema's migrations (Alembic). The only place that migrates,
with the compose init job that calls it."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.app import db_app
from pipeline.cli.common import out, settings_of


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the warehouse schema (default: to the latest revision).

    Example: [bold]pressetl db upgrade[/bold]
    """
    from warehouse.migrate import current, upgrade

    upgrade(settings_of(ctx).warehouse_url, revision)
    out.print(f"warehouse at revision {current(settings_of(ctx).warehouse_url)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the warehouse's current schema revision.

    Example: [bold]pressetl db current[/bold]
    """
    from warehouse.migrate import current

    out.print(current(settings_of(ctx).warehouse_url) or "(empty: no revision applied)")


@db_app.command("history")
def db_history(ctx: typer.Context) -> None:
    """List the migration history.

    Example: [bold]pressetl db history[/bold]
    """
    from warehouse.migrate import history

    for line in history(settings_of(ctx).warehouse_url):
        out.print(line)
