"""warehouse/upsert.py: chunked, set-based upserts."""

from __future__ import annotations

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    SITE,
    rows,
)

from warehouse import upsert
from warehouse.models import Base

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_upsert_splits_statements_and_keeps_the_last_of_a_key(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upsert, "MAX_PARAMS_PER_STATEMENT", 7)  # DuckDB: 2 rows per statement
    table = Base.metadata.tables["publications"]
    batch = [{"site": SITE, "slug": f"p{i % 5}", "name": f"name {i}"} for i in range(8)]
    with engine.begin() as conn:
        assert upsert.upsert(conn, table, batch, key=("site", "slug"), chunk_size=8) == 5
        upsert.upsert(
            conn, table, [{"site": SITE, "slug": "p0", "name": "kept"}], key=("site", "slug"), update=[]
        )
    assert [(r["slug"], r["name"]) for r in rows(engine, "publications")] == [
        ("p0", "name 5"),
        ("p1", "name 6"),
        ("p2", "name 7"),
        ("p3", "name 3"),
        ("p4", "name 4"),
    ]
