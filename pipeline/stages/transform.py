"""Transform stage: raw zone (WARC + raw items) → staged articles (Parquet).

Reads only the raw zone: a day can be rebuilt after a transform fix without
crawling again. Streams in batches, so memory does not grow with the day.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import TransformError
from pipeline.partitions import atomic_path, write_json_atomic
from pipeline.rawzone import iter_responses, read_raw_items
from pipeline.records import ARTICLE_SCHEMA
from pipeline.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile
from transforms.article import build_article

BATCH_ROWS = 1000


def transform(
    settings: Settings, site: str, day: date, run_id: str, progress: Progress = no_progress
) -> dict:
    profile = site_profile(settings, site)
    partition = partition_for(settings, site, day)
    if not partition.raw_items.is_file():
        raise TransformError(
            f"transform of {site} {day}: no raw zone at {partition.raw_dir} (crawl it first)"
        )

    items = list(read_raw_items(partition))  # small: one URL and a pointer per article
    wanted = {item.warc_record_id: item for item in items if item.error is None and item.warc_record_id}
    failed_fetch = sum(1 for item in items if item.error is not None or not item.warc_record_id)

    seen_urls: set[str] = set()
    seen_hashes: set[str] = set()
    found: set[str] = set()
    duplicates = staged = 0
    batch: list[dict] = []
    with atomic_path(partition.staged_articles) as tmp, pq.ParquetWriter(tmp, ARTICLE_SCHEMA) as writer:
        for response in iter_responses(partition, set(wanted)):
            found.add(response.record_id)
            row = build_article(wanted[response.record_id], response.text, profile)
            content_hash = row["content_hash"]
            if row["canonical_url"] in seen_urls or (content_hash and content_hash in seen_hashes):
                duplicates += 1
                continue
            seen_urls.add(row["canonical_url"])
            if content_hash:
                seen_hashes.add(content_hash)
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=ARTICLE_SCHEMA))
                staged += len(batch)
                batch.clear()
                progress("transform", {"articles": staged})
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=ARTICLE_SCHEMA))
            staged += len(batch)
        progress("transform", {"articles": staged})

    missing = sorted(wanted[rid].url for rid in set(wanted) - found)
    summary = {
        "site": site,
        "logical_date": day.isoformat(),
        "run_id": run_id,
        "discovered": len(items),
        "failed": failed_fetch + len(missing),
        "missing_warc_records": missing[:20],
        "duplicates": duplicates,
        "staged": staged,
    }
    write_json_atomic(partition.transform_manifest, summary)
    if missing:
        # Counted as failed in the ledger; the operator sees which pages to re-crawl.
        progress("transform", {"missing_warc_records": len(missing)})
    return {k: v for k, v in summary.items() if k != "missing_warc_records"}
