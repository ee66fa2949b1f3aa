"""Engines for the warehouse: a DuckDB file by default, PostgreSQL in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.ddl.impl import DefaultImpl
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


class AlembicDuckDBImpl(DefaultImpl):
    """Lets Alembic run on duckdb-engine, which it does not know about.

    Defining the class registers it for the ``duckdb`` dialect name. DuckDB DDL is
    transactional, so a failed migration rolls back as on PostgreSQL.
    """

    __dialect__ = "duckdb"
    transactional_ddl = True


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``duckdb:////abs/warehouse.duckdb`` or ``postgresql+psycopg://…``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "duckdb":
        database = parsed.database or ":memory:"
        if database != ":memory:" and not database.startswith("md:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # A DuckDB file is locked by the process that has it open; not pooling lets
            # the next Airflow task, the CLI or an analyst open it once we are done.
            kwargs.setdefault("poolclass", NullPool)
    else:
        # Nightly runs meet connections the server dropped during the day.
        kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)
