"""Load one validated partition into the warehouse, idempotently, in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete

from pipeline.partitions import Partition
from pipeline.records import LedgerCounts
from pipeline.records import PageFailure as PageFailureRecord
from warehouse.models import Article, CrawlRun, PageFailure, Publication, QuarantinedArticle, Site
from warehouse.upsert import DEFAULT_CHUNK_SIZE, insert_rows, upsert

LOAD_STAGE = "load"

# ARTICLE_SCHEMA columns copied as they are; site and canonical_url are the key.
ARTICLE_COLUMNS = (
    "url",
    "logical_date",
    "publication_slug",
    "publication_name",
    "aggregator_id",
    "title",
    "body",
    "subheadings",
    "published_date",
    "language",
    "source_url",
    "thumbnail_url",
    "content_hash",
    "word_count",
    "extraction",
    "error",
    "warc_file",
    "warc_record_id",
    "fetched_at",
)
ARTICLE_KEY = ("site", "canonical_url")
# Where and when a page was fetched. A re-crawl that finds the same article again
# is not a new version: the row keeps pointing at the first WARC record of it.
FETCH_COLUMNS = ("url", "warc_file", "warc_record_id", "fetched_at")
CONTENT_COLUMNS = tuple(c for c in ARTICLE_COLUMNS if c not in FETCH_COLUMNS)
QUARANTINE_COLUMNS = (
    "site",
    "logical_date",
    "url",
    "canonical_url",
    "publication_slug",
    "title",
    "warc_file",
    "warc_record_id",
    "reasons",
)


def utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, so neither database applies its session zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _clean(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL; DuckDB can, and the two must load the same rows.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _parquet_rows(path: Path, columns: list[str] | None, chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=chunk_size, columns=columns):
            yield batch.to_pylist()


@dataclasses.dataclass
class _ArticleLoad:
    loaded: int = 0
    duplicates: int = 0
    publications: dict[str, str | None] = dataclasses.field(default_factory=dict)


def _upsert_articles(
    conn: Connection, partition: Partition, run_id: str, started_at: datetime, chunk_size: int
) -> _ArticleLoad:
    table = Article.__table__
    result = _ArticleLoad()
    seen: set[str] = set()  # canonical URLs of this partition: small, unlike the rows
    for batch in _parquet_rows(
        partition.validated_articles, ["site", "canonical_url", *ARTICLE_COLUMNS], chunk_size
    ):
        rows = []
        for record in batch:
            if record["site"] != partition.site or record["logical_date"] != partition.day:
                raise ValueError(
                    f"{partition.validated_articles}: row for {record['site']}/{record['logical_date']} "
                    f"in partition {partition.key}"
                )
            if record["canonical_url"] in seen:
                # The quality gate should have caught it; count it so the ledger still adds up.
                result.duplicates += 1
                continue
            seen.add(record["canonical_url"])
            row = {name: _clean(record[name]) for name in ("site", "canonical_url", *ARTICLE_COLUMNS)}
            row["fetched_at"] = utc(row["fetched_at"]) if row["fetched_at"] else None
            row.update(first_loaded_at=started_at, last_loaded_at=started_at, run_id=run_id)
            rows.append(row)
            slug = row["publication_slug"]
            if slug and (slug not in result.publications or result.publications[slug] is None):
                result.publications[slug] = row["publication_name"]
        if rows:
            _write_article_chunk(conn, table, rows)
        result.loaded += len(rows)
    return result


def _write_article_chunk(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    upsert(
        conn,
        table,
        rows,
        key=ARTICLE_KEY,
        update=[*ARTICLE_COLUMNS, "last_loaded_at", "run_id"],
        # Any difference in what the article says is a new version; fetch metadata,
        # load timestamps and run id alone are not, so a re-run writes nothing.
        changed=CONTENT_COLUMNS,
        # An older day re-run after a newer one must not roll an article back.
        where=lambda excluded: table.c.logical_date <= excluded.logical_date,
        chunk_size=len(rows),
    )


def _replace_quarantine(
    conn: Connection, partition: Partition, run_id: str, started_at: datetime, chunk_size: int
) -> int:
    table = QuarantinedArticle.__table__
    conn.execute(delete(table).where(table.c.site == partition.site, table.c.logical_date == partition.day))
    path = partition.quarantined_articles
    if not path.exists():
        return 0
    seq = 0
    for batch in _parquet_rows(path, list(QUARANTINE_COLUMNS), chunk_size):
        rows = []
        for record in batch:
            row = {name: _clean(record[name]) for name in QUARANTINE_COLUMNS}
            row.update(
                site=partition.site,
                logical_date=partition.day,
                reasons="; ".join(row["reasons"] or []),
                seq=seq,
                quarantined_at=started_at,
                run_id=run_id,
            )
            rows.append(row)
            seq += 1
        insert_rows(conn, table, rows, chunk_size=chunk_size)
    return seq


def _failure_rows(path: Path, partition: Partition, run_id: str) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        seq = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                failure = PageFailureRecord.model_validate_json(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a PageFailure: {exc}") from exc
            yield {
                "site": partition.site,
                "logical_date": partition.day,
                "seq": seq,
                "url": _clean(failure.url),
                "kind": failure.kind,
                "status": failure.status,
                "reason": _clean(failure.reason),
                "failed_at": utc(failure.failed_at),
                "run_id": run_id,
            }
            seq += 1


def _replace_failures(conn: Connection, partition: Partition, run_id: str, chunk_size: int) -> int:
    table = PageFailure.__table__
    conn.execute(delete(table).where(table.c.site == partition.site, table.c.logical_date == partition.day))
    if not partition.failures.exists():
        return 0
    return insert_rows(
        conn, table, _failure_rows(partition.failures, partition, run_id), chunk_size=chunk_size
    )


def write_run(conn: Connection, row: dict[str, Any]) -> None:
    """Insert or replace one ``crawl_runs`` row (same site, day and run id: replaced)."""
    upsert(conn, CrawlRun.__table__, [row], key=("site", "logical_date", "run_id"), changed=[])


def run_row(
    site: str,
    day: date,
    run_id: str,
    counts: LedgerCounts,
    *,
    status: str,
    stage: str,
    failed_stage: str | None,
    error: str | None,
    started_at: datetime,
    finished_at: datetime,
) -> dict[str, Any]:
    return {
        "site": site,
        "logical_date": day,
        "run_id": run_id,
        "status": status,
        "stage_reached": stage,
        "failed_stage": failed_stage,
        **counts.as_dict(),
        "error": error,
        "started_at": utc(started_at),
        "finished_at": utc(finished_at),
    }


def register_site(engine: Engine, site: str, aggregator: str, display_name: str) -> None:
    """Fill in (or correct) a ``sites`` row from the site's profile.

    Loads insert a bare row for a site nobody registered, and never overwrite this.
    """
    row = {"site": site, "aggregator": aggregator, "display_name": display_name}
    with engine.begin() as conn:
        upsert(conn, Site.__table__, [row], key=("site",))


def load_partition(
    engine: Engine,
    partition: Partition,
    run_id: str,
    counts: LedgerCounts,
    started_at: datetime,
    *,
    finished_at: datetime | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> LedgerCounts:
    """Load ``partition``'s validated articles, quarantine and failures; record the run.

    One transaction: a load that dies midway leaves the warehouse as it was.
    Articles are upserted on (site, canonical_url) and rewritten only when the
    partition's data for them changed, so re-running a partition leaves identical
    rows; first/last_loaded_at are the run's ``started_at``. Quarantine and
    failures of the partition are replaced. ``finished_at`` defaults to now.

    Returns ``counts`` with ``loaded`` = distinct validated articles; repeated
    canonical URLs in the validated file are added to ``duplicates``.
    """
    if not partition.validated_articles.exists():
        raise FileNotFoundError(f"no validated articles for {partition.key}: {partition.validated_articles}")
    started_at = utc(started_at)
    with engine.begin() as conn:
        upsert(conn, Site.__table__, [{"site": partition.site}], key=("site",), update=[])
        articles = _upsert_articles(conn, partition, run_id, started_at, chunk_size)
        upsert(
            conn,
            Publication.__table__,
            [
                {"site": partition.site, "slug": s, "name": n}
                for s, n in sorted(articles.publications.items())
            ],
            key=("site", "slug"),
            where=lambda excluded: excluded.name.is_not(None),
        )
        _replace_quarantine(conn, partition, run_id, started_at, chunk_size)
        _replace_failures(conn, partition, run_id, chunk_size)
        final = dataclasses.replace(
            counts, loaded=articles.loaded, duplicates=counts.duplicates + articles.duplicates
        )
        write_run(
            conn,
            run_row(
                partition.site,
                partition.day,
                run_id,
                final,
                status="succeeded",
                stage=LOAD_STAGE,
                failed_stage=None,
                error=None,
                started_at=started_at,
                finished_at=finished_at or datetime.now(UTC),
            ),
        )
    return final
