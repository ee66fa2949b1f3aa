"""Export the articles of a range of days as a Hive-partitioned dataset (``pressetl export``).

One file per (site, logical day): ``<out>/site=<site>/day=<YYYY-MM-DD>/part-0.<ext>``, the
day being the article's ``logical_date`` (the site-local day the pipeline collected it: the
warehouse's own partition, so a re-export of a day gives that day's rows exactly). Each
partition is read on its own, in chunks (a server-side cursor on PostgreSQL, ``fetchmany``
on DuckDB), and written chunk by chunk: memory holds a chunk, whatever the range.

Every file is written under a temporary name and renamed over the old one. A re-export of
a range mirrors the warehouse: the partitions it writes hold that one file of the format
(other ``part-*`` files of it, from an older export, are removed), and a day of the range
without articles keeps no file of the format from before.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, func, select, union

from core.partitions import atomic_path
from warehouse.export_formats import (
    COLUMN_NAMES,
    FORMATS,
    PARTITION_SCHEMA,
    SUFFIXES,
    WRITERS,
    Chunk,
)
from warehouse.models import Article, Site

DEFAULT_CHUNK_ROWS = 2_000
PART_NAME = "part-0"


@dataclass(frozen=True)
class ExportPartition:
    site: str
    day: date
    articles: int

    def directory(self, out_dir: Path) -> Path:
        return partition_dir(out_dir, self.site, self.day)


@dataclass
class ExportSummary:
    format: str
    partitions: int = 0
    articles: int = 0
    bytes: int = 0
    seconds: float = 0.0
    empty_days: int = 0  # (site, day) pairs of the range with no article: nothing written
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # an older export's files no longer true


class ExportProgress(Protocol):
    def planned(self, partitions: Sequence[ExportPartition]) -> None: ...

    def rows(self, count: int) -> None: ...

    def partition_done(self, partition: ExportPartition) -> None: ...


def partition_dir(out_dir: Path, site: str, day: date) -> Path:
    return out_dir / f"site={site}" / f"day={day.isoformat()}"


def hive_partitioning():
    """The partitioning to give pyarrow (``pyarrow.dataset.dataset(out, partitioning=…)``,
    ``pandas.read_parquet(out, partitioning=…)``) so that ``day`` is a date, not a string."""
    import pyarrow.dataset as ds

    return ds.partitioning(PARTITION_SCHEMA, flavor="hive")


def known_sites(bind: Engine | Connection) -> list[str]:
    """The sites the warehouse knows: registered, or named by an article."""
    query = union(select(Site.site), select(Article.site).distinct())
    if isinstance(bind, Connection):
        return sorted(bind.execute(query).scalars())
    with bind.connect() as conn:
        return sorted(conn.execute(query).scalars())


def plan(conn: Connection, first: date, last: date, site: str | None = None) -> list[ExportPartition]:
    """The (site, day) partitions of the range that have articles, with their counts."""
    query = (
        select(Article.site, Article.logical_date, func.count())
        .where(Article.logical_date.between(first, last))
        .group_by(Article.site, Article.logical_date)
        .order_by(Article.site, Article.logical_date)
    )
    if site is not None:
        query = query.where(Article.site == site)
    return [ExportPartition(s, d, n) for s, d, n in conn.execute(query)]


def partition_rows(conn: Connection, site: str, day: date, chunk_rows: int) -> Iterator[Chunk]:
    """The partition's articles in canonical URL order, ``chunk_rows`` at a time, timestamps in UTC."""
    columns = [Article.__table__.c[name] for name in COLUMN_NAMES]
    query = (
        select(*columns)
        .where(Article.site == site, Article.logical_date == day)
        .order_by(Article.canonical_url)
        .execution_options(stream_results=True, yield_per=chunk_rows)
    )
    result = conn.execute(query)
    try:
        for rows in result.partitions():
            yield [_in_utc(dict(zip(COLUMN_NAMES, row, strict=True))) for row in rows]
    finally:
        result.close()


def export(
    engine: Engine,
    out_dir: Path,
    first: date,
    last: date,
    fmt: str,
    *,
    site: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ExportProgress | None = None,
) -> ExportSummary:
    """Write the range's partitions under ``out_dir`` in ``fmt``; what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    started = time.monotonic()
    summary = ExportSummary(format=fmt)
    with _snapshot(engine) as conn:
        partitions = plan(conn, first, last, site)
        sites = [site] if site is not None else known_sites(conn)
        summary.empty_days = len(sites) * ((last - first).days + 1) - len(partitions)
        if progress is not None:
            progress.planned(partitions)
        summary.removed += _remove_emptied(out_dir, fmt, sites, first, last, partitions)
        for partition in partitions:
            path = _write_partition(conn, out_dir, partition, fmt, chunk_rows, progress)
            summary.removed += _remove_others(path.parent, fmt, keep=path)
            summary.files.append(path)
            summary.partitions += 1
            summary.articles += partition.articles
            summary.bytes += path.stat().st_size
            if progress is not None:
                progress.partition_done(partition)
    summary.seconds = time.monotonic() - started
    return summary


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One connection and one snapshot for the whole export: the counts planned are the rows
    read, even if a load commits meanwhile (DuckDB transactions are snapshots already)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _write_partition(
    conn: Connection,
    out_dir: Path,
    partition: ExportPartition,
    fmt: str,
    chunk_rows: int,
    progress: ExportProgress | None,
) -> Path:
    target = partition.directory(out_dir) / f"{PART_NAME}{SUFFIXES[fmt]}"

    def chunks() -> Iterator[Chunk]:
        for chunk in partition_rows(conn, partition.site, partition.day, chunk_rows):
            yield chunk
            if progress is not None:
                progress.rows(len(chunk))

    with atomic_path(target) as tmp:
        written = WRITERS[fmt](tmp, chunks(), partition.site, partition.day)
        if written != partition.articles:  # cannot happen in one snapshot: never publish it if it does
            raise RuntimeError(
                f"{partition.site} {partition.day}: {written} articles read, {partition.articles} planned"
            )
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the export from its readers
    return target


def _remove_others(folder: Path, fmt: str, keep: Path) -> list[Path]:
    """An older export's other part files of ``fmt``, and temp files a killed export left."""
    removed = []
    for path in sorted(folder.iterdir()):
        stale_part = path.name.startswith("part-") and path.suffix == SUFFIXES[fmt] and path != keep
        dead_temp = path.name.startswith(".part-") and path.name.endswith(".tmp")
        if (stale_part or dead_temp) and path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def _remove_emptied(
    out_dir: Path,
    fmt: str,
    sites: Sequence[str],
    first: date,
    last: date,
    partitions: Sequence[ExportPartition],
) -> list[Path]:
    """Files of ``fmt`` from an older export for days of the range that now have no article."""
    full = {(p.site, p.day) for p in partitions}
    removed = []
    for site in sites:
        day = first
        while day <= last:
            folder = partition_dir(out_dir, site, day)
            if (site, day) not in full and folder.is_dir():
                removed += _remove_others(folder, fmt, keep=folder)
                if not any(folder.iterdir()):
                    folder.rmdir()
            day += timedelta(days=1)
    return removed


def _in_utc(row: dict[str, Any]) -> dict[str, Any]:
    """The row's timestamps in UTC (DuckDB gives them in the machine's zone)."""
    for name in ("published_at", "fetched_at"):
        value = row[name]
        if isinstance(value, datetime):
            row[name] = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return row
