"""Transform stage: raw zone (WARC + raw items) → staged articles (Parquet).

Reads only the raw zone of its own day: a day can be rebuilt after a transform
fix without crawling again, and days can be transformed in any order, at once.
Streams in batches, so memory does not grow with the pages of the day: what is
kept per article is 8 bytes of its content hash, never its page or its text.

One pass (the raw items are scanned and the pages read by ``raw_articles``):
every archived article page (with the publisher's page when source follow
fetched it) → ``draft_article``, then ``finish_articles`` 64 at a time
(languages) → rows, written 1,000 at a time to ``articles.parquet``, and their
story signatures to ``minhash.parquet``.

Near-duplicate stories are not the transform's: the warehouse links each
loaded article to the copies of its story among the signatures loaded for the
days around it, whatever the order the days come in (``warehouse.stories``),
so the staged rows leave ``cluster_id`` and ``is_representative`` empty.

Files of the staged partition: ``articles.parquet`` (``ARTICLE_SCHEMA``),
``minhash.parquet`` (canonical URL, published date, signature: what the load
links), ``outcomes.jsonl`` (what became of each discovered URL: staged, failed,
duplicate or unaccounted, ``core.outcomes``) and ``transform.json``, the manifest: ``discovered``, ``failed``,
``duplicates``, ``staged`` (the ledger's counts), ``signed`` (staged rows with a
story signature), ``language_statuses``, ``charsets`` (pages decoded by each rule of
``core.decoding``, per encoding), ``new_publications`` (for review), and
samples of ``missing_warc_records``, ``duplicate_urls``, ``duplicate_contents``.

Exact duplicates are not staged and are counted in the manifest: the same
canonical URL twice (the latest successful fetch is kept), or the same content
hash under another URL (the first one is kept). A re-crawl of an article whose
text changed is a new version of the same canonical URL: it is staged, and the
warehouse keeps its history.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import TransformError
from core.manifests import TransformManifest, write_manifest
from core.outcomes import UrlOutcome, write_outcomes
from core.partitions import atomic_path
from core.records import ARTICLE_SCHEMA
from core.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile
from pipeline.stages.raw_articles import article_pages, read_raw_item, scan_raw_items
from pipeline.stages.signatures import NEAR_DUPLICATES, minhash_path, minhash_schema
from transforms.article import ArticleDraft, draft_article, finish_articles
from transforms.near_duplicates import signatures

BATCH_ROWS = 1000
# Articles whose languages are detected together (lingua runs faster on a run of texts).
LANGUAGE_BATCH = 64
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
    "signed",
)
__all__ = ["SUMMARY_KEYS", "minhash_path", "transform"]


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

    counts: Counter[str] = Counter()
    charsets: Counter[tuple[str, str]] = Counter()  # pages decoded by (rule, encoding)
    statuses: Counter[str] = Counter()
    blocked: Counter[str] = Counter()  # pages that were walls, by kind
    new_publications: dict[str, dict] = {}
    hash_duplicates: list[str] = []
    outcomes = items.outcomes  # URL → what became of it; staged ones settled at load
    seen_hashes: dict[int, str] = {}  # 64 bits of each content hash (small, and enough) → its URL
    partition.staged_dir.mkdir(parents=True, exist_ok=True)
    # Signatures are published after the articles (a failed run leaves both as they were).
    with (
        atomic_path(minhash_path(partition)) as minhash_tmp,
        atomic_path(partition.staged_articles) as articles_tmp,
        pq.ParquetWriter(articles_tmp, ARTICLE_SCHEMA) as rows_out,
        pq.ParquetWriter(minhash_tmp, minhash_schema()) as signatures_out,
    ):
        rows: list[dict] = []
        drafts: list[ArticleDraft] = []

        def flush() -> None:
            counts["staged"] += len(rows)
            counts["signed"] += _flush(rows, rows_out, signatures_out, day)
            progress("transform", {"articles": counts["staged"]})

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
                flush()

        for item, page, publisher in article_pages(partition, wanted, items.publisher_of, charsets):
            draft = draft_article(item, page, profile, publisher)
            if draft.blocked:  # a wall, not the article: failed, never staged, never drift
                blocked[draft.blocked] += 1
                outcomes[item.url] = UrlOutcome(url=item.url, outcome="failed", reason=draft.row["error"])
                continue
            digest = draft.row["content_hash"]
            digest = int(digest[:16], 16) if digest else None
            if digest is not None and digest in seen_hashes:
                counts["duplicates"] += 1
                if len(hash_duplicates) < _SAMPLE:
                    hash_duplicates.append(draft.row["canonical_url"])
                outcomes[item.url] = UrlOutcome(
                    url=item.url, outcome="duplicate", reason=f"same text as {seen_hashes[digest]}"
                )
                continue
            if digest is not None:
                seen_hashes[digest] = item.url
            drafts.append(draft)
            if len(drafts) >= LANGUAGE_BATCH:
                finish()
        finish()
        flush()

    missing = sorted(read_raw_item(partition, offset).url for offset in wanted.values())
    for url in missing:
        outcomes[url] = UrlOutcome(
            url=url, outcome="failed", reason="its archived page is not in the WARC files"
        )
    write_outcomes(partition.transform_outcomes, outcomes.values())
    by_outcome = Counter(o.outcome for o in outcomes.values())
    manifest = TransformManifest(
        site=site,
        logical_date=day,
        run_id=run_id,
        discovered=len(outcomes),
        failed=by_outcome["failed"],
        unaccounted=by_outcome["unaccounted"],
        unaccounted_urls=[o.url for o in outcomes.values() if o.outcome == "unaccounted"][:_SAMPLE],
        missing_warc_records=missing[:_SAMPLE],
        duplicates=by_outcome["duplicate"],
        duplicate_urls=items.url_duplicates[:_SAMPLE],
        duplicate_contents=hash_duplicates,
        staged=counts["staged"],
        signed=counts["signed"],
        language_statuses=dict(sorted(statuses.items())),
        new_publications=list(new_publications.values()),
        canonicalisation_failures=len(items.canonicalisation_failures),
        canonicalisation_failure_urls=items.canonicalisation_failures[:_SAMPLE],
        charsets=_by_rule(charsets),
        blocked=dict(sorted(blocked.items())),
    )
    write_manifest(partition.transform_manifest, manifest)
    if wanted:
        # Counted as failed in the ledger; the operator sees which pages to re-crawl.
        progress("transform", {"missing_warc_records": len(wanted)})
    return manifest.model_dump(mode="json", include=set(SUMMARY_KEYS))


def _flush(rows: list[dict], rows_out: pq.ParquetWriter, signatures_out: pq.ParquetWriter, day: date) -> int:
    """Write a batch of rows, and the story signatures of their bodies (signed together: faster);
    the number of rows signed."""
    if not rows:
        return 0
    rows_out.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA))
    signed = [
        {
            "canonical_url": row["canonical_url"],
            "published_date": row["published_date"] or day,
            "signature": values.tobytes(),
        }
        for row, values in zip(rows, signatures([row["body"] for row in rows], NEAR_DUPLICATES), strict=True)
        if values is not None
    ]
    if signed:
        signatures_out.write_table(pa.Table.from_pylist(signed, schema=signatures_out.schema))
    rows.clear()
    return len(signed)


def _by_rule(charsets: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """(rule, encoding) counts → {rule: {encoding: pages}}, sorted."""
    result: dict[str, dict[str, int]] = {}
    for (how, encoding), pages in sorted(charsets.items()):
        result.setdefault(how, {})[encoding] = pages
    return result
