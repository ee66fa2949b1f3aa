"""Is the warehouse's schema the one this code was written for?

Migrations run only when an operator (or the compose init job) says so, with
``pressetl db upgrade``: a stage never migrates on its own, and one that meets an
out-of-date schema stops at once, saying what to run.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from core.errors import WarehouseSchemaError
from warehouse.migrate import alembic_config, head


@lru_cache(maxsize=1)
def expected_revision() -> str:
    return head()


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in ScriptDirectory.from_config(alembic_config("")).walk_revisions())


def _missing_duckdb_file(engine: Engine) -> bool:
    url = engine.url
    if url.get_backend_name() != "duckdb":
        return False
    database = url.database or ":memory:"
    return (
        database != ":memory:" and not database.startswith("md:") and not Path(database).expanduser().exists()
    )


def current_revision(bind: Engine | Connection) -> str | None:
    """The warehouse's revision; None for an empty database, or a DuckDB file not there
    (opening it would create it: a check must not write)."""
    if isinstance(bind, Engine):
        if _missing_duckdb_file(bind):
            return None
        with bind.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return MigrationContext.configure(bind).get_current_revision()


def require_current(bind: Engine | Connection) -> None:
    """Raise ``WarehouseSchemaError`` unless the warehouse is at the code's head revision."""
    at = current_revision(bind)
    expected = expected_revision()
    if at is not None and at != expected and at not in known_revisions():
        # Newer than this code: upgrading cannot help, running older code against it would corrupt it.
        raise WarehouseSchemaError(
            f"warehouse schema at {at}, which this code does not know (it expects {expected}): "
            "the warehouse was migrated by a newer pressetl; deploy that version"
        )
    if at != expected:
        raise WarehouseSchemaError(
            f"warehouse schema at {at or 'no revision (empty database)'}, code expects {expected}: "
            "run `pressetl db upgrade`"
        )
