"""warehouse/staging.py: what a staged batch becomes in the warehouse (NULs, older partitions)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    ENRICHMENT,
    T0,
    article,
    counts_for,
    partition,
    rows,
    write_partition,
)

from core.records import ARTICLE_SCHEMA
from warehouse.loader import load_partition

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_nul_characters_load_the_same_on_both_databases(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0, body="avant\x00après", subheadings=["a\x00b"])])
    load_partition(engine, part, "run-1", counts_for(1), T0)
    [row] = rows(engine, "articles")
    assert (row["body"], row["subheadings"]) == ("avantaprès", ["ab"])


def test_a_partition_from_before_enrichment_loads_with_nulls(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    part.validated_dir.mkdir(parents=True, exist_ok=True)
    old_schema = pa.schema([f for f in ARTICLE_SCHEMA if f.name not in ENRICHMENT])
    old = [{k: v for k, v in article(i).items() if k in old_schema.names} for i in range(2)]
    pq.write_table(pa.Table.from_pylist(old, schema=old_schema), part.validated_articles)
    load_partition(engine, part, "run-1", counts_for(2), T0)
    stored = rows(engine, "articles")
    assert [r["title"] for r in stored] == [article(0)["title"], article(1)["title"]]
    assert {r[name] for r in stored for name in ENRICHMENT} == {None}
    assert rows(engine, "story_clusters") == []
