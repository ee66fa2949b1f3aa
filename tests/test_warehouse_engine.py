"""warehouse/engine.py: engines for the DuckDB file and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import test_warehouse_support as support

from warehouse.engine import make_engine

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_make_engine_creates_the_duckdb_directory(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "warehouse.duckdb"
    eng = make_engine(f"duckdb:///{target}")
    try:
        with eng.connect() as conn:
            assert conn.execute(sa.text("select 42")).scalar() == 42
    finally:
        eng.dispose()
    assert target.exists()
