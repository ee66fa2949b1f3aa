"""How one exported partition is written: Parquet (typed, ZSTD), JSON Lines or CSV.

A writer takes the partition's rows in chunks (dicts of ``EXPORT_COLUMNS``) and writes
one file, so that memory holds one chunk, never a day or a year. Parquet files leave out
the partition columns (``site``, ``day``): they are in the path (``site=…/day=…``), and
a column both in the file and in the path makes pyarrow and pandas refuse to read the
dataset ("Unable to merge: Field day has incompatible types"). JSON Lines and CSV rows
carry them: their readers do not look at paths.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

# The articles table's columns an analyst reads, in the order the files give them, with
# their Parquet types. Left out: the raw archive's coordinates (warc_*), the extraction's
# internals (extraction, error) and the load bookkeeping (run_id, *_loaded_at).
EXPORT_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("canonical_url", pa.string()),
    ("url", pa.string()),
    ("publication_slug", pa.string()),
    ("publication_key", pa.string()),
    ("publication_name", pa.string()),
    ("aggregator_id", pa.int64()),
    ("published_date", pa.date32()),
    ("published_at", UTC_TIMESTAMP),
    ("language", pa.string()),
    ("language_status", pa.string()),
    ("language_confidence", pa.float32()),
    ("title", pa.string()),
    ("author", pa.string()),
    ("body", pa.string()),
    ("subheadings", pa.list_(pa.string())),
    ("word_count", pa.int32()),
    ("reading_time_minutes", pa.float32()),
    ("source_url", pa.string()),
    ("body_source", pa.string()),
    ("thumbnail_url", pa.string()),
    ("content_hash", pa.string()),
    ("cluster_id", pa.string()),
    ("is_representative", pa.bool_()),
    ("fetched_at", UTC_TIMESTAMP),
)
COLUMN_NAMES = tuple(name for name, _ in EXPORT_COLUMNS)
PARQUET_SCHEMA = pa.schema(EXPORT_COLUMNS)
# The partition columns as the path gives them: DuckDB's hive_partitioning types ``day`` as
# DATE by itself; pyarrow and pandas need this schema (``hive_partitioning()`` in export.py).
PARTITION_SCHEMA = pa.schema([("site", pa.string()), ("day", pa.date32())])
CSV_HEADER = ("site", "day", *COLUMN_NAMES)
FORMATS = ("parquet", "jsonl", "csv")
SUFFIXES = {"parquet": ".parquet", "jsonl": ".jsonl", "csv": ".csv"}

Chunk = list[dict[str, Any]]


def write_parquet(path: Path, chunks: Iterable[Chunk], site: str, day: date) -> int:
    """One row group per chunk; ZSTD. Returns the rows written."""
    written = 0
    with pq.ParquetWriter(path, PARQUET_SCHEMA, compression="zstd") as writer:
        for chunk in chunks:
            writer.write_batch(pa.RecordBatch.from_pylist(chunk, schema=PARQUET_SCHEMA))
            written += len(chunk)
    return written


def write_jsonl(path: Path, chunks: Iterable[Chunk], site: str, day: date) -> int:
    """UTF-8, one object a line, ISO dates and UTC timestamps, the list as a JSON array."""
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for chunk in chunks:
            for row in chunk:
                record = {
                    "site": site,
                    "day": day.isoformat(),
                    **{k: _json_value(row[k]) for k in COLUMN_NAMES},
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += len(chunk)
    return written


def write_csv(path: Path, chunks: Iterable[Chunk], site: str, day: date) -> int:
    """RFC 4180 (Python's ``excel`` dialect: quotes where needed, doubled inside, CRLF rows),
    UTF-8 with a header; NULL is an empty field, the subheadings a JSON array."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for chunk in chunks:
            writer.writerows(
                [site, day.isoformat(), *(_csv_value(row[k]) for k in COLUMN_NAMES)] for row in chunk
            )
            written += len(chunk)
    return written


WRITERS = {"parquet": write_parquet, "jsonl": write_jsonl, "csv": write_csv}


def _json_value(value: Any) -> Any:
    if isinstance(value, date):  # datetimes too: the reader gave them in UTC
        return value.isoformat()
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(_json_value(value))
