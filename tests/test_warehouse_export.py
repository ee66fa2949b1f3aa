"""warehouse/export.py: the articles of a range of days as a Hive-partitioned dataset, read back
by real clients (DuckDB, pyarrow, pandas, Python's csv and json), on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import test_warehouse_support as support
from sqlalchemy import Engine, delete
from sqlalchemy import event as sa_event
from test_warehouse_support import (
    DAY,
    SITE,
    T0,
    T1,
    article,
    counts_for,
    partition,
    rows,
    stories,
    write_partition,
)

from warehouse.export import export, hive_partitioning
from warehouse.export_formats import COLUMN_NAMES, CSV_HEADER
from warehouse.loader import load_partition
from warehouse.models import Article

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

D1, D2, D3 = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)
AWKWARD = 'Il a dit : « non », puis "oui";\r\nDeuxième ligne, avec une virgule.\nالمغرب والجزائر'


def day_articles(day: date, first: int, count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(first, first + count):
        changes: dict[str, Any] = {}
        if i % 3 == 0:  # a time of publication, given in another zone than UTC
            changes["published_at"] = datetime(2011, 2, 9, 7, i % 60, tzinfo=UTC)
        if i == first:  # quotes, commas, CR LF, LF and Arabic in one title
            changes["title"] = AWKWARD
        out.append(article(i, day=day, **changes))
    return out


def load_days(engine: Engine, data_dir: Path, days: dict[date, list[dict[str, Any]]]) -> None:
    for day, articles in days.items():
        part = partition(data_dir, day)
        write_partition(part, articles)
        load_partition(
            engine, part, f"run-{day}", counts_for(len(articles)), T0, finished_at=T1, stories=stories()
        )


@pytest.fixture
def loaded(engine: Engine, data_dir: Path) -> Engine:
    """Two days with articles and one (D3) without, between them."""
    load_days(engine, data_dir, {D1: day_articles(D1, 0, 7), D2: day_articles(D2, 20, 5)})
    return engine


def expected(engine: Engine) -> list[dict[str, Any]]:
    """The warehouse's rows as an export gives them: the partition columns, then the exported ones."""
    out = []
    for row in rows(engine, "articles"):
        record = {"site": row["site"], "day": row["logical_date"], **{k: row[k] for k in COLUMN_NAMES}}
        out.append(normal(record))
    return sorted(out, key=lambda r: (r["site"], r["day"], r["canonical_url"]))


def normal(record: dict[str, Any]) -> dict[str, Any]:
    """Compare what both dialects and every reader give alike: UTC instants, float32 REALs,
    lists as lists, no pandas/numpy scalars."""
    out = {}
    for key, value in record.items():
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        if value is pd.NaT:
            value = None
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
        if isinstance(value, float):
            value = float(np.float32(value))
        out[key] = value
    return out


def sort_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((normal(r) for r in found), key=lambda r: (r["site"], r["day"], r["canonical_url"]))


def test_parquet_is_hive_partitioned_typed_and_read_back_by_duckdb(loaded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "export"
    summary = export(loaded, out, D1, D3, "parquet")

    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        f"site={SITE}/day=2011-02-09/part-0.parquet",
        f"site={SITE}/day=2011-02-10/part-0.parquet",
    ]
    assert (summary.partitions, summary.articles, summary.empty_days) == (2, 12, 1)
    assert summary.bytes == sum(p.stat().st_size for p in summary.files)

    relation = duckdb.sql(f"SELECT * FROM read_parquet('{out}/**/*.parquet', hive_partitioning = true)")
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    assert {k: types[k] for k in ("site", "day", "published_date", "published_at", "fetched_at")} == {
        "site": "VARCHAR",
        "day": "DATE",  # DuckDB types day=2011-02-09 as a date by itself
        "published_date": "DATE",
        "published_at": "TIMESTAMP WITH TIME ZONE",
        "fetched_at": "TIMESTAMP WITH TIME ZONE",
    }
    assert (types["aggregator_id"], types["subheadings"], types["is_representative"]) == (
        "BIGINT",
        "VARCHAR[]",
        "BOOLEAN",
    )
    found = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert sort_rows(found) == expected(loaded)
    assert any(r["cluster_id"] for r in found) and any(r["title"] == AWKWARD for r in found)

    file = pq.ParquetFile(summary.files[0])
    assert file.schema_arrow.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert "site" not in file.schema_arrow.names and "day" not in file.schema_arrow.names
    assert {file.metadata.row_group(0).column(i).compression for i in range(file.metadata.num_columns)} == {
        "ZSTD"
    }


def test_parquet_is_read_back_by_pyarrow_dataset_and_pandas(loaded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export(loaded, out, D1, D2, "parquet")

    table = ds.dataset(out, format="parquet", partitioning=hive_partitioning()).to_table()
    assert table.schema.field("day").type == pa.date32()
    assert table.schema.field("subheadings").type == pa.list_(pa.string())
    assert sort_rows(table.to_pylist()) == expected(loaded)

    frame = pd.read_parquet(out, partitioning=hive_partitioning())
    assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"
    assert sort_rows(frame.to_dict("records")) == expected(loaded)
    # without the partitioning, pyarrow still reads it (day then is a string)
    assert len(ds.dataset(out, format="parquet", partitioning="hive").to_table()) == 12


def test_jsonl_and_csv_give_the_same_rows(loaded: Engine, tmp_path: Path) -> None:
    export(loaded, tmp_path / "jsonl", D1, D2, "jsonl")
    found = []
    for path in sorted((tmp_path / "jsonl").rglob("*.jsonl")):
        text = path.read_text(encoding="utf-8")
        assert "المغرب" in text and "\\u" not in text  # UTF-8, not escaped
        found += [typed(json.loads(line)) for line in text.splitlines()]
    assert sort_rows(found) == expected(loaded)

    export(loaded, tmp_path / "csv", D1, D2, "csv")
    found = []
    for path in sorted((tmp_path / "csv").rglob("*.csv")):
        assert path.read_bytes().count(b"\r\n") >= 6  # RFC 4180 rows end in CRLF (header + 5 rows at least)
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            assert tuple(reader.fieldnames or ()) == CSV_HEADER
            found += [
                typed({k: (v if v != "" else None) for k, v in row.items()}, csv_text=True) for row in reader
            ]
    assert sort_rows(found) == expected(loaded)


def typed(record: dict[str, Any], csv_text: bool = False) -> dict[str, Any]:
    """A JSON or CSV record with its values parsed back by their column's type."""
    table = Article.__table__
    out = dict(record)
    out["day"] = date.fromisoformat(record["day"])
    for name in COLUMN_NAMES:
        value = record[name]
        if value is None:
            continue
        kind = type(table.c[name].type).__name__
        if name in ("published_at", "fetched_at"):
            out[name] = datetime.fromisoformat(value)
        elif name == "published_date":
            out[name] = date.fromisoformat(value)
        elif name == "subheadings" and csv_text:
            out[name] = json.loads(value)
        elif csv_text and kind in ("BigInteger", "Integer"):
            out[name] = int(value)
        elif csv_text and kind == "REAL":
            out[name] = float(value)
        elif csv_text and kind == "Boolean":
            out[name] = {"true": True, "false": False}[value]
    return out


def test_a_re_export_replaces_the_range_exactly(loaded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export(loaded, out, D1, D3, "parquet")
    d1 = out / f"site={SITE}" / "day=2011-02-09"
    d2 = out / f"site={SITE}" / "day=2011-02-10"
    (d1 / "part-1.parquet").write_bytes((d1 / "part-0.parquet").read_bytes())  # stale part file
    (d1 / ".part-0.parquet.x1y2.tmp").write_bytes(b"half")  # a killed export's temp file
    (d1 / "part-0.jsonl").write_text("{}\n")  # another format's file: left alone
    outside = out / f"site={SITE}" / "day=2011-02-20"
    outside.mkdir()
    (outside / "part-0.parquet").write_bytes((d1 / "part-0.parquet").read_bytes())  # out of the range

    # D2's articles are gone from the warehouse (e.g. listed again on a later day), D1 has one fewer
    table = Article.__table__
    with loaded.begin() as conn:
        conn.execute(delete(table).where(table.c.logical_date == D2))
        conn.execute(delete(table).where(table.c.canonical_url == article(6)["canonical_url"]))

    summary = export(loaded, out, D1, D3, "parquet")
    assert (summary.partitions, summary.articles, summary.empty_days) == (1, 6, 2)
    assert sorted(p.name for p in summary.removed) == [
        ".part-0.parquet.x1y2.tmp",
        "part-0.parquet",
        "part-1.parquet",
    ]
    assert sorted(p.name for p in d1.iterdir()) == ["part-0.jsonl", "part-0.parquet"]
    assert not d2.exists()
    assert (outside / "part-0.parquet").exists()
    found = duckdb.sql(f"SELECT count(*) FROM read_parquet('{d1}/*.parquet')").fetchall()
    assert found == [(6,)]


def test_a_partition_is_read_and_written_in_chunks(loaded: Engine, tmp_path: Path) -> None:
    seen: list[int] = []

    class Progress:
        def planned(self, partitions) -> None:
            seen.append(-len(partitions))

        def rows(self, count: int) -> None:
            seen.append(count)

        def partition_done(self, partition) -> None:
            seen.append(0)

    cursors: list[str] = []

    def cursor_of(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM articles" in statement and "ORDER BY articles.canonical_url" in statement:
            cursors.append(type(cursor).__name__)

    sa_event.listen(loaded, "before_cursor_execute", cursor_of)
    try:
        summary = export(loaded, tmp_path / "export", D1, D2, "parquet", chunk_rows=3, progress=Progress())
    finally:
        sa_event.remove(loaded, "before_cursor_execute", cursor_of)
    assert seen == [-2, 3, 3, 1, 0, 3, 2, 0]
    if loaded.dialect.name == "postgresql":  # a server-side cursor: the server keeps the rows
        assert cursors == ["ServerCursor", "ServerCursor"]
    else:
        assert len(cursors) == 2
    assert [pq.ParquetFile(p).num_row_groups for p in summary.files] == [3, 2]  # one row group a chunk


def test_an_empty_range_writes_nothing(loaded: Engine, tmp_path: Path) -> None:
    summary = export(loaded, tmp_path / "export", date(2012, 1, 1), date(2012, 1, 3), "csv", site=SITE)
    assert (summary.partitions, summary.articles, summary.empty_days, summary.files) == (0, 0, 3, [])
    assert not (tmp_path / "export").exists()
    with pytest.raises(ValueError, match="after"):
        export(loaded, tmp_path / "export", D2, D1, "csv")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        export(loaded, tmp_path / "export", D1, D2, "xml")
