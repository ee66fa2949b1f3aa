"""The `pressetl` Typer application and its global options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from core.settings import ENV_DATA_DIR, ENV_PROFILES_DIR, ENV_WAREHOUSE_URL, Settings

app = typer.Typer(
    help="pressetl: crawl press aggregators, transform, validate and load a warehouse.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Warehouse schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path, typer.Option(envvar=ENV_DATA_DIR, help="Data directory (raw, staged, docs, DuckDB).")
    ] = Path("data"),
    warehouse_url: Annotated[
        str | None,
        typer.Option(
            envvar=ENV_WAREHOUSE_URL, help="SQLAlchemy URL [default: duckdb:///<data-dir>/warehouse.duckdb]."
        ),
    ] = None,
    profiles_dir: Annotated[
        Path | None, typer.Option(envvar=ENV_PROFILES_DIR, help="Directory of site profiles (YAML).")
    ] = None,
) -> None:
    """Settings come from options, else environment variables, else defaults."""
    env = dict(os.environ)
    env[ENV_DATA_DIR] = str(data_dir)
    if warehouse_url:
        env[ENV_WAREHOUSE_URL] = warehouse_url
    if profiles_dir:
        env[ENV_PROFILES_DIR] = str(profiles_dir)
    ctx.obj = Settings.from_env(env)
