"""Transform stage: raw zone (WARC + raw items) → staged articles (Parquet).

Reads only the raw zone (and, for near-duplicates, the signatures the two
previous days' transforms staged): a day can be rebuilt after a transform fix
without crawling again. Streams in batches, so memory does not grow with the
pages of the day: what is kept per article is a pointer to its raw item, its
content hash and its story signature (~1 KB), never its page or its text.

Two passes (the raw items are scanned and the pages read by ``raw_articles``):

1. every archived article page (with the publisher's page when source follow
   fetched it) → ``draft_article``, then ``finish_articles`` 64 at a time
   (languages) → rows, written 1,000 at a time to a temporary Parquet file;
   their story signatures go to ``minhash.parquet`` and the story index;
2. the rows are read back in batches and written to ``articles.parquet`` with
   their ``cluster_id`` and ``is_representative``, now that the whole day (and
   days D-2 and D-1) has been seen.

Files of the staged partition: ``articles.parquet`` (``ARTICLE_SCHEMA``),
``minhash.parquet`` (canonical URL, published date, signature: what the next
two days' transforms cluster against) and ``transform.json``, the manifest:
``discovered``, ``failed``, ``duplicates``, ``staged`` (the ledger's counts),
``near_duplicates`` (staged rows that are not their story's representative),
``window_days``, ``language_statuses``, ``charsets`` (pages decoded by each rule of
``core.decoding``, per encoding), ``new_publications`` (for review), and
samples of ``missing_warc_records``, ``duplicate_urls``, ``duplicate_contents``.

Exact duplicates are not staged and are counted in the manifest: the same
canonical URL twice (the latest successful fetch is kept), or the same content
hash under another URL (the first one is kept). A re-crawl of an article whose
text changed is a new version of the same canonical URL: it is staged, and the
warehouse keeps its history.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import TransformError
from core.manifests import TransformManifest, write_manifest
from core.partitions import Partition, atomic_path
from core.records import ARTICLE_SCHEMA
from core.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile
from pipeline.stages.raw_articles import article_pages, read_raw_item, scan_raw_items
from transforms.article import ArticleDraft, draft_article, finish_articles
from transforms.near_duplicates import NearDuplicateParams, StoryIndex, signatures

BATCH_ROWS = 1000
# Articles whose languages are detected together (lingua runs faster on a run of texts).
LANGUAGE_BATCH = 64
# Near-duplicates: copies of a wire story appear over up to three days.
WINDOW_DAYS = 3
NEAR_DUPLICATES = NearDuplicateParams()
MINHASH_FILE = "minhash.parquet"
_SAMPLE = 20  # URLs listed in the manifest per kind of problem
# The stage's summary (XCom-sized): the manifest's counts.
SUMMARY_KEYS = (
    "site",
    "logical_date",
    "run_id",
    "discovered",
    "failed",
    "duplicates",
    "staged",
    "near_duplicates",
)


def minhash_path(partition: Partition) -> Path:
    """The story signatures of a staged partition (read by the next two days' transforms)."""
    return partition.staged_dir / MINHASH_FILE


def minhash_schema(params: NearDuplicateParams = NEAR_DUPLICATES) -> pa.Schema:
    return pa.schema(
        [
            pa.field("canonical_url", pa.string(), nullable=False),
            pa.field("published_date", pa.date32(), nullable=False),  # logical day when unknown
            pa.field("signature", pa.binary(4 * params.num_perm), nullable=False),
        ],
        metadata={b"pressetl.minhash": params.fingerprint.encode()},
    )


def transform(
    settings: Settings, site: str, day: date, run_id: str, progress: Progress = no_progress
) -> dict:
    profile = site_profile(settings, site)
    partition = partition_for(settings, site, day)
    if not partition.raw_items.is_file():
        raise TransformError(
            f"transform of {site} {day}: no raw zone at {partition.raw_dir} (crawl it first)"
        )

    items = scan_raw_items(partition, profile)
    wanted = items.wanted  # record id → where its raw item is; emptied as pages are read

    index = StoryIndex(NEAR_DUPLICATES)
    window = _load_window(settings, site, day, index)

    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    charsets: Counter[tuple[str, str]] = Counter()  # pages decoded by (rule, encoding)
    new_publications: dict[str, dict] = {}
    hash_duplicates: list[str] = []
    seen_hashes: set[int] = set()  # 64 bits of each content hash: small, and enough
    partition.staged_dir.mkdir(parents=True, exist_ok=True)
    unclustered = _temp_path(partition.staged_dir, "articles-unclustered")
    try:
        # Signatures are published after the articles (a failed run leaves both as they were).
        with atomic_path(minhash_path(partition)) as minhash_tmp:
            with (
                pq.ParquetWriter(unclustered, ARTICLE_SCHEMA) as rows_out,
                pq.ParquetWriter(minhash_tmp, minhash_schema()) as signatures_out,
            ):
                rows: list[dict] = []
                drafts: list[ArticleDraft] = []

                def finish() -> None:
                    for row in finish_articles(drafts):
                        statuses[row["language_status"]] += 1
                        if row["publication_is_new"] and row["publication_key"] not in new_publications:
                            new_publications[row["publication_key"]] = {
                                "publication_key": row["publication_key"],
                                "slug": row["publication_slug"],
                                "name": row["publication_name"],
                                "first_url": row["canonical_url"],
                            }
                        rows.append(row)
                    drafts.clear()
                    if len(rows) >= BATCH_ROWS:
                        counts["read"] += len(rows)
                        _flush(rows, rows_out, signatures_out, index, day)
                        progress("transform", {"articles": counts["read"]})

                for item, page, publisher in article_pages(partition, wanted, items.publisher_of, charsets):
                    draft = draft_article(item, page, profile, publisher)
                    digest = draft.row["content_hash"]
                    digest = int(digest[:16], 16) if digest else None
                    if digest is not None and digest in seen_hashes:
                        counts["duplicates"] += 1
                        if len(hash_duplicates) < _SAMPLE:
                            hash_duplicates.append(draft.row["canonical_url"])
                        continue
                    if digest is not None:
                        seen_hashes.add(digest)
                    drafts.append(draft)
                    if len(drafts) >= LANGUAGE_BATCH:
                        finish()
                finish()
                counts["read"] += len(rows)
                _flush(rows, rows_out, signatures_out, index, day)
            staged, clustered = _write_clustered(unclustered, partition, index, progress)
    finally:
        unclustered.unlink(missing_ok=True)

    missing = sorted(read_raw_item(partition, offset).url for offset in list(wanted.values())[:_SAMPLE])
    manifest = TransformManifest(
        site=site,
        logical_date=day,
        run_id=run_id,
        discovered=items.discovered,
        failed=items.failed_fetch + len(wanted),
        missing_warc_records=missing,
        duplicates=len(items.url_duplicates) + counts["duplicates"],
        duplicate_urls=items.url_duplicates[:_SAMPLE],
        duplicate_contents=hash_duplicates,
        staged=staged,
        near_duplicates=clustered,
        window_days=window,
        language_statuses=dict(sorted(statuses.items())),
        new_publications=list(new_publications.values()),
        canonicalisation_failures=len(items.canonicalisation_failures),
        canonicalisation_failure_urls=items.canonicalisation_failures[:_SAMPLE],
        charsets=_by_rule(charsets),
    )
    write_manifest(partition.transform_manifest, manifest)
    if wanted:
        # Counted as failed in the ledger; the operator sees which pages to re-crawl.
        progress("transform", {"missing_warc_records": len(wanted)})
    return manifest.model_dump(mode="json", include=set(SUMMARY_KEYS))


# --- near-duplicates ---------------------------------------------------------------


def _load_window(settings: Settings, site: str, day: date, index: StoryIndex) -> list[date]:
    """Index the signatures of days D-2 and D-1 (those staged); the days used."""
    used = []
    for back in range(WINDOW_DAYS - 1, 0, -1):
        earlier = partition_for(settings, site, day - timedelta(days=back))
        if _index_day(earlier, index):
            used.append(earlier.day)
    return used


def _index_day(partition: Partition, index: StoryIndex) -> bool:
    path = minhash_path(partition)
    params = index.params
    if path.is_file():
        metadata = pq.read_schema(path).metadata or {}
        if metadata.get(b"pressetl.minhash") == params.fingerprint.encode():
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
                for url, published, raw in zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True):
                    index.add(url, published, np.frombuffer(raw, dtype=np.uint32))
            return True
    if partition.staged_articles.is_file():
        # Staged by an older transform (or with other parameters): signatures from the text.
        columns = ["canonical_url", "published_date", "logical_date", "body"]
        for batch in pq.ParquetFile(partition.staged_articles).iter_batches(BATCH_ROWS, columns=columns):
            urls, published, logical, bodies = (batch.column(c).to_pylist() for c in columns)
            for url, day, fallback, values in zip(
                urls, published, logical, signatures(bodies, params), strict=True
            ):
                if values is not None:
                    index.add(url, day or fallback, values)
        return True
    return False


def _write_clustered(
    unclustered: Path, partition: Partition, index: StoryIndex, progress: Progress
) -> tuple[int, int]:
    """Second pass: the rows with their story cluster; (rows staged, rows that are near-duplicates)."""
    staged = near = 0
    with (
        atomic_path(partition.staged_articles) as tmp,
        pq.ParquetWriter(tmp, ARTICLE_SCHEMA) as writer,
    ):
        for batch in pq.ParquetFile(unclustered).iter_batches(batch_size=BATCH_ROWS):
            urls = batch.column("canonical_url").to_pylist()
            cluster_ids: list[str | None] = []
            representative: list[bool | None] = []
            for url in urls:
                assignment = index.assignment(url)
                cluster_ids.append(assignment.cluster_id if assignment else None)
                representative.append(assignment.is_representative if assignment else None)
                if assignment and not assignment.is_representative:
                    near += 1
            table = pa.Table.from_batches([batch], schema=ARTICLE_SCHEMA)
            table = table.set_column(
                ARTICLE_SCHEMA.get_field_index("cluster_id"), "cluster_id", pa.array(cluster_ids, pa.string())
            )
            table = table.set_column(
                ARTICLE_SCHEMA.get_field_index("is_representative"),
                "is_representative",
                pa.array(representative, pa.bool_()),
            )
            writer.write_table(table)
            staged += table.num_rows
        progress("transform", {"articles": staged})
    return staged, near


# --- helpers ----------------------------------------------------------------------


def _flush(
    rows: list[dict],
    rows_out: pq.ParquetWriter,
    signatures_out: pq.ParquetWriter,
    index: StoryIndex,
    day: date,
) -> None:
    """Write a batch of rows; sign their bodies (together: faster) into the index and minhash.parquet."""
    if not rows:
        return
    rows_out.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA))
    signed = []
    for row, values in zip(rows, signatures([row["body"] for row in rows], index.params), strict=True):
        if values is not None:
            published = row["published_date"] or day
            index.add(row["canonical_url"], published, values)
            signed.append(
                {
                    "canonical_url": row["canonical_url"],
                    "published_date": published,
                    "signature": values.tobytes(),
                }
            )
    if signed:
        signatures_out.write_table(pa.Table.from_pylist(signed, schema=signatures_out.schema))
    rows.clear()


def _by_rule(charsets: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """(rule, encoding) counts → {rule: {encoding: pages}}, sorted."""
    result: dict[str, dict[str, int]] = {}
    for (how, encoding), pages in sorted(charsets.items()):
        result.setdefault(how, {})[encoding] = pages
    return result


def _temp_path(directory: Path, stem: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".parquet.tmp", dir=directory)
    os.close(fd)
    return Path(name)
