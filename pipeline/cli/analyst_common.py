"""What the analysts' commands (`export`, `stories`) share: the warehouse opened at the
code's schema, and a site name checked against the sites there are."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import typer

from core.settings import Settings
from pipeline.cli.common import console

if TYPE_CHECKING:  # sqlalchemy takes a second to import: not for `pressetl --help`
    from sqlalchemy import Engine


@contextlib.contextmanager
def warehouse_at_head(settings: Settings) -> Iterator[Engine]:
    """The warehouse's engine; exit 2, saying what to run, when its schema is not the code's."""
    from core.errors import WarehouseSchemaError
    from warehouse.engine import make_engine
    from warehouse.schema import require_current

    engine = make_engine(settings.warehouse_url)
    try:
        try:
            require_current(engine)
        except WarehouseSchemaError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        yield engine
    finally:
        engine.dispose()


def check_site(settings: Settings, engine: Engine, site: str | None) -> None:
    """Exit 2 for a site neither a profile nor the warehouse knows (a typo must not read as
    "no articles")."""
    from rich.markup import escape

    from warehouse.export import known_sites

    if site is None:
        return
    known = set(known_sites(engine)) | {path.stem for path in settings.profiles_dir.glob("*.yaml")}
    if site not in known:
        console.print(
            f"[red]error:[/red] unknown site {escape(repr(site))}: neither a profile in "
            f"{escape(str(settings.profiles_dir))} nor in the warehouse "
            f"(known sites: {escape(', '.join(sorted(known))) or 'none'})"
        )
        raise typer.Exit(2)
