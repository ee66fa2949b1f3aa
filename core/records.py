"""Typed records passed between stages. Unknown fields are rejected.

Between processes records travel as files: raw items and failures as JSON Lines
(bronze), articles as Parquet with ``ARTICLE_SCHEMA`` (silver and after).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import pyarrow as pa
from pydantic import BaseModel, ConfigDict


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RawItem(_Record):
    """One article URL the spider discovered for the logical day."""

    site: str
    logical_date: date
    url: str
    publication_slug: str | None = None
    listing_date: date | None = None  # the date the listing showed next to the link
    status: int | None = None  # HTTP status; None when no response arrived
    error: str | None = None  # why the fetch failed; None when it succeeded
    warc_file: str | None = None  # file name inside the partition's warc/ directory
    warc_record_id: str | None = None
    fetched_at: datetime
    discovered_by: str = "listing"  # listing | rss | id_probe
    reused_from_run: str | None = None  # incremental crawl: the WARC record came from an earlier run
    # source follow: the publisher's own page behind "Cliquez ici…"
    source_url: str | None = None
    source_status: int | None = None
    source_error: str | None = None
    source_warc_file: str | None = None
    source_warc_record_id: str | None = None


class PageFailure(_Record):
    """Any URL (listing, home, article, robots) that could not be fetched."""

    site: str
    logical_date: date
    url: str
    kind: str  # home | listing | article | other
    status: int | None = None
    reason: str
    failed_at: datetime


@dataclass(frozen=True)
class CrawlCost:
    """What a crawl of one (site, day) cost in HTTP requests; the ledger keeps it beside the counts."""

    requests: int
    discovery_requests: int  # spent locating the day: robots, home, listings, feeds, probes


@dataclass(frozen=True)
class LedgerCounts:
    """The reconciliation of one (site, day): discovered = loaded + duplicates + quarantined + failed."""

    discovered: int = 0
    fetched: int = 0
    failed: int = 0
    duplicates: int = 0
    quarantined: int = 0
    loaded: int = 0

    @property
    def reconciles(self) -> bool:
        return self.discovered == self.loaded + self.duplicates + self.quarantined + self.failed

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# One row per article, from transform onwards (staged, validated and, with
# "reasons", quarantined partitions).
ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("site", pa.string(), nullable=False),
        pa.field("logical_date", pa.date32(), nullable=False),
        pa.field("url", pa.string(), nullable=False),  # as fetched
        pa.field("canonical_url", pa.string(), nullable=False),
        pa.field("publication_slug", pa.string()),
        pa.field("publication_name", pa.string()),
        pa.field("aggregator_id", pa.int64()),  # the aggregator's own sequential id
        pa.field("title", pa.string()),
        pa.field("body", pa.string()),  # blocks joined with blank lines
        pa.field("subheadings", pa.list_(pa.string())),
        pa.field("published_date", pa.date32()),  # local date in the site's time zone
        pa.field("language", pa.string()),
        pa.field("source_url", pa.string()),  # the original publisher's article
        pa.field("thumbnail_url", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("word_count", pa.int32()),
        pa.field("extraction", pa.string()),  # selectors | fallback | failed | blocked (never staged)
        pa.field("error", pa.string()),  # why extraction or parsing fell short
        pa.field("warc_file", pa.string()),
        pa.field("warc_record_id", pa.string()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
        # enrichment (transforms)
        pa.field("author", pa.string()),
        pa.field("body_source", pa.string()),  # aggregator | publisher (source follow gave a fuller text)
        pa.field("publication_key", pa.string()),  # canonical publication (aliases resolved)
        pa.field("publication_is_new", pa.bool_()),  # unknown publication, added and flagged for review
        pa.field("language_status", pa.string()),  # detected | declared | mixed | too_short
        pa.field("language_confidence", pa.float32()),
        pa.field("reading_time_minutes", pa.float32()),
        # The near-duplicate story cluster (its representative's canonical URL) is the warehouse's:
        # found at load time across days (warehouse.stories). Empty in staged and validated files
        # (kept in the schema so files written before still read and validate).
        pa.field("cluster_id", pa.string()),
        pa.field("is_representative", pa.bool_()),
    ]
)

QUARANTINE_SCHEMA = ARTICLE_SCHEMA.append(pa.field("reasons", pa.list_(pa.string())))
