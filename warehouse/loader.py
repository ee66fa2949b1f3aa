"""Load one validated partition into the warehouse, idempotently, in one transaction.

The validated Parquet is read in batches; each batch is staged (``staging``)
and merged with set-based statements (``merge``): new article versions, the
articles upsert. Then the partition's near-duplicate stories are linked to the
signatures of the days around and their clusters recomputed (``stories``).
Memory holds one batch (and the signatures of the days around), never the
partition.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, delete

from core.manifests import validation_manifest
from core.partitions import Partition
from core.records import CrawlCost, LedgerCounts
from core.records import PageFailure as PageFailureRecord
from warehouse.dimensions import describe_known_publications, register_publications, register_site, write_site
from warehouse.merge import ARTICLE_KEY, ArticleMerge, SeenPublications, upsert_publications
from warehouse.models import PageFailure, QuarantinedArticle
from warehouse.outcomes import replace_outcomes, settle
from warehouse.runs import run_row, utc, write_run, write_validation_results
from warehouse.staging import STAGE_TABLE, Stage, prepare, read_batches
from warehouse.stories import StoryCounts, StoryLinking, link_stories, lock_site
from warehouse.upsert import DEFAULT_CHUNK_SIZE, insert_rows

LOAD_STAGE = "load"
# Rows per staged batch: ~6 MB of Arrow for articles of ~3 KB; larger batches are
# no faster (bench/bench_load.py) and memory grows with them.
DEFAULT_BATCH_ROWS = 2000

# Columns copied as they are from the validated Parquet; site and canonical_url are the key.
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
    # enrichment
    "published_at",
    "author",
    "body_source",
    "publication_key",
    "publication_is_new",
    "language_status",
    "language_confidence",
    "reading_time_minutes",
)
# ``cluster_id`` and ``is_representative`` are not copied: the load finds them (``stories``).
STAGE_COLUMNS = (*ARTICLE_KEY, *ARTICLE_COLUMNS)
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

# stage name, counters so far (the signature of ``pipeline.stages.common.Progress``)
Progress = Callable[[str, dict[str, int]], None]


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
        for group in range(parquet.num_row_groups):
            for batch in parquet.iter_batches(batch_size=chunk_size, row_groups=[group], columns=columns):
                yield batch.to_pylist()


@dataclasses.dataclass
class _ArticleLoad:
    loaded: int = 0
    duplicates: int = 0
    # slug → (name, key, flagged new): one entry per publication, not per article
    publications: SeenPublications = dataclasses.field(default_factory=dict)
    stories: StoryCounts = dataclasses.field(default_factory=StoryCounts)
    # canonical URL → the URL (as fetched) of the row loaded for it (small, unlike the rows);
    # URL → the one it repeated
    seen: dict[str, str] = dataclasses.field(default_factory=dict)
    repeated: dict[str, str] = dataclasses.field(default_factory=dict)


def _check_partition(batch: pa.RecordBatch, partition: Partition) -> None:
    stray = pc.or_kleene(
        pc.not_equal(batch.column("site"), partition.site),
        pc.not_equal(batch.column("logical_date"), pa.scalar(partition.day, pa.date32())),
    )
    if pc.any(stray).as_py():
        row = pc.index(stray, True).as_py()
        raise ValueError(
            f"{partition.validated_articles}: row for {batch.column('site')[row].as_py()}/"
            f"{batch.column('logical_date')[row].as_py()} in partition {partition.key}"
        )


def _first_occurrences(
    batch: pa.RecordBatch, seen: dict[str, str], repeated: dict[str, str]
) -> pa.RecordBatch:
    """Drop rows whose canonical URL came earlier in the partition (the first one wins).

    ``seen``: canonical URL → the URL (as fetched) of its first row; ``repeated`` gets each
    dropped row's URL → that first row's."""
    keep = []
    columns = (batch.column("canonical_url").to_pylist(), batch.column("url").to_pylist())
    for canonical, url in zip(*columns, strict=True):
        first = canonical not in seen
        keep.append(first)
        if first:
            seen[canonical] = url
        elif seen[canonical] != url:
            repeated[url] = seen[canonical]
    return batch if all(keep) else batch.filter(pa.array(keep, pa.bool_()))


def _note_publications(batch: pa.RecordBatch, publications: SeenPublications) -> None:
    columns = ("publication_slug", "publication_name", "publication_key", "publication_is_new")
    for slug, name, key, new in zip(*(batch.column(c).to_pylist() for c in columns), strict=True):
        if not slug:
            continue
        known = publications.get(slug, (None, None, False))
        publications[slug] = (known[0] or name, known[1] or key, known[2] or bool(new))


def _load_articles(
    conn: Connection,
    partition: Partition,
    run_id: str,
    started_at: datetime,
    batch_rows: int,
    progress: Progress | None,
    stories: StoryLinking | None,
) -> _ArticleLoad:
    result = _ArticleLoad()
    merge = ArticleMerge(STAGE_TABLE, STAGE_COLUMNS, ARTICLE_COLUMNS, CONTENT_COLUMNS)
    stage = Stage.open(conn, STAGE_COLUMNS)
    for batch in read_batches(partition.validated_articles, STAGE_COLUMNS, batch_rows):
        _check_partition(batch, partition)
        first = _first_occurrences(batch, result.seen, result.repeated)
        # The quality gate should have caught repeats; count them so the ledger still adds up.
        result.duplicates += batch.num_rows - first.num_rows
        if first.num_rows:
            _note_publications(first, result.publications)
            stage.put(prepare(first, stage.schema, loaded_at=started_at, run_id=run_id))
            merge.merge_batch(stage)
            stage.clear()
        result.loaded += first.num_rows
        if progress is not None:
            progress(LOAD_STAGE, {"rows": result.loaded, "duplicates": result.duplicates})
    stage.drop()
    upsert_publications(conn, partition.site, result.publications)
    if stories is not None:
        result.stories = link_stories(conn, partition, set(result.seen), stories)
    return result


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


def quality_overridden(partition: Partition) -> bool:
    """Whether the quality gate failed this partition and an operator loaded it anyway."""
    manifest = validation_manifest(partition)
    return manifest is not None and manifest.overridden


def load_partition(
    engine: Engine,
    partition: Partition,
    run_id: str,
    counts: LedgerCounts,
    started_at: datetime,
    *,
    finished_at: datetime | None = None,
    site_names: tuple[str, str] | None = None,
    known_publications: Mapping[str, Mapping[str, Any]] | None = None,
    validation_results: list[dict[str, Any]] | None = None,
    cost: CrawlCost | None = None,
    chunk_size: int = DEFAULT_BATCH_ROWS,
    progress: Progress | None = None,
    stories: StoryLinking | None = None,
) -> LedgerCounts:
    """Load ``partition``'s validated articles, quarantine and failures; record the run.

    One transaction: the site (``site_names``: its profile's aggregator and display
    name), its publications (described from ``known_publications``, publication key →
    details, where the registry knows them), the articles, their versions and story
    clusters, the quarantine, the page failures, the quality gate's
    ``validation_results`` and the ledger row commit together or not at all: a load
    that dies midway leaves the warehouse as it was.
    Articles are upserted on (site, canonical_url) and rewritten only when the
    partition's data for them changed, so re-running a partition leaves identical
    rows; first/last_loaded_at are the run's ``started_at``. A new or changed text
    adds a row to ``article_versions``. With ``stories`` (the load stage always
    gives it), the partition's story signatures are loaded, linked to those of the
    days around, and the clusters of every component touched recomputed, on any day
    (``warehouse.stories``); without, the articles' clusters are left as they are
    (new ones have none). Quarantine and failures of the partition are replaced.
    Loads of one site are serialised (a lock held until the transaction ends).
    ``finished_at`` defaults to now. ``chunk_size``: articles per batch (memory
    holds one batch); ``progress`` is called after each batch, inside the transaction.

    Returns the ledger's counts. Where the transform kept per-URL outcomes (its
    ``outcomes.jsonl``), they are settled (``warehouse.outcomes``), written to
    ``url_outcomes`` and tallied: a URL no stage accounted for makes the day not
    reconcile. Otherwise (a partition staged before), ``counts`` with ``loaded`` =
    distinct validated articles, repeated canonical URLs added to ``duplicates``.
    """
    if not partition.validated_articles.exists():
        raise FileNotFoundError(f"no validated articles for {partition.key}: {partition.validated_articles}")
    started_at = utc(started_at)
    overridden = quality_overridden(partition)
    rows_per_statement = min(chunk_size, DEFAULT_CHUNK_SIZE)
    with engine.begin() as conn:
        lock_site(conn, partition.site)
        write_site(conn, partition.site, *(site_names or (None, None)))
        articles = _load_articles(conn, partition, run_id, started_at, chunk_size, progress, stories)
        _replace_quarantine(conn, partition, run_id, started_at, rows_per_statement)
        _replace_failures(conn, partition, run_id, rows_per_statement)
        if known_publications:
            describe_known_publications(conn, partition.site, known_publications)
        if validation_results is not None:
            write_validation_results(conn, partition.site, partition.day, run_id, validation_results)
        final = dataclasses.replace(
            counts, loaded=articles.loaded, duplicates=counts.duplicates + articles.duplicates
        )
        if partition.transform_outcomes.exists():  # staged before outcomes were kept: counts as given
            outcomes = list(settle(partition, set(articles.seen.values()), articles.repeated))
            final = replace_outcomes(conn, partition, run_id, outcomes, rows_per_statement)
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
                quality_overridden=overridden,
                cost=cost,
            ),
        )
    return final


# Kept importable from here: the loader's public names before the split.
__all__ = [
    "load_partition",
    "quality_overridden",
    "register_publications",
    "register_site",
    "run_row",
    "write_run",
]
