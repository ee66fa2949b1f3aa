"""Typed stage manifests: what each stage wrote for a partition, and the ledger counts read
from them in one place (``partition_counts``).

Each stage ends by writing its manifest (``crawl.json``, ``transform.json``,
``validation.json``) atomically, after its data files: a manifest on disk means the
stage's outputs are complete. Unknown fields are rejected, so a typo in a writer or a
file from an incompatible version fails loudly instead of reading as zero. Fields added
later have defaults: manifests written by an earlier version still read.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ManifestError
from core.partitions import Partition, atomic_path
from core.records import CrawlCost, LedgerCounts


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- crawl ---------------------------------------------------------------------------


class CrawlManifest(_Manifest):
    """``raw/<site>/<day>/crawl.json``: what one crawl run fetched."""

    site: str
    logical_date: date
    run_id: str
    status: Literal["complete", "failed"]
    error: str | None = None
    discovered: int  # article URLs discovered (discovered.jsonl), fetched or not
    fetched: int
    failed: int
    # discovered URLs the crawl wrote no RawItem for (a dropped request): never silently
    # lost, the ledger shows them unaccounted
    unanswered: int = 0
    pages_fetched: int = 0
    reused: int = 0
    discovered_by: dict[str, int] = Field(default_factory=dict)
    source_followed: int = 0
    source_failed: int = 0
    selector_misses: int = 0
    offsite_blocked: int = 0
    retries: int = 0
    backoff_seconds: float = 0.0
    strategies: list[str] = Field(default_factory=list)
    refresh: bool = False
    bytes_fetched: int = 0
    finish_reason: str | None = None
    # the aggregator hosts the crawl was allowed to fetch: the quality gate checks the raw
    # items against these, even when a later reprocess runs with another base URL
    hosts: list[str] | None = None
    # every HTTP request of the crawl, split by what it was for: locating the day (robots.txt,
    # home, listings, feeds, id probes that found no article of the day), the day's article
    # pages (id probes that found one included), the publishers' pages (source follow)
    discovery_requests: int = 0
    article_requests: int = 0
    source_requests: int = 0
    # publications whose first article is later than the day: nothing to collect there
    before_history: dict[str, date] = Field(default_factory=dict)
    warc_file: str
    log_file: str
    started_at: datetime
    finished_at: datetime


# -- transform -----------------------------------------------------------------------


class NewPublication(_Manifest):
    publication_key: str | None
    slug: str | None
    name: str | None
    first_url: str


class TransformManifest(_Manifest):
    """``staged/<site>/<day>/transform.json``: the ledger's first counts and what to review."""

    site: str
    logical_date: date
    run_id: str
    discovered: int
    failed: int
    # discovered URLs with no raw item (counted in discovered, in no other count), a sample
    unaccounted: int = 0
    unaccounted_urls: list[str] = Field(default_factory=list)
    missing_warc_records: list[str] = Field(default_factory=list)  # a sample
    duplicates: int
    duplicate_urls: list[str] = Field(default_factory=list)  # a sample
    duplicate_contents: list[str] = Field(default_factory=list)  # a sample
    staged: int
    signed: int = 0  # staged rows with a story signature (minhash.parquet), linked at load
    # Written by transforms that clustered stories themselves, before the warehouse did:
    # still read from manifests on disk, never written now.
    near_duplicates: int = 0
    window_days: list[date] = Field(default_factory=list)
    language_statuses: dict[str, int] = Field(default_factory=dict)
    new_publications: list[NewPublication] = Field(default_factory=list)
    # raw items whose URL the profile could not canonicalise: kept under the URL as fetched
    canonicalisation_failures: int = 0
    canonicalisation_failure_urls: list[str] = Field(default_factory=list)  # a sample
    # pages decoded (articles and publisher pages) by each rule of ``core.decoding`` → encoding →
    # count: {"header+meta": {"utf-8": 9000}, "detected": {"windows-1256": 12}, ...}
    charsets: dict[str, dict[str, int]] = Field(default_factory=dict)
    # 2xx pages that were not the article, by kind (challenge, consent, login, not_found, empty):
    # counted in failed, each URL's outcome saying "blocked (<kind>)"
    blocked: dict[str, int] = Field(default_factory=dict)


# -- validation ----------------------------------------------------------------------


class ExpectationOutcome(_Manifest):
    """One expectation's result, as the warehouse's ``validation_results`` stores it."""

    expectation: str
    column: str | None = None
    suite: str
    success: bool
    observed: Any = None
    unexpected_count: int = 0
    level: str
    error: str | None = None


class ExtractionSummary(_Manifest):
    selectors: int = 0
    fallback: int = 0
    failed: int = 0
    fallback_share: float = 0.0
    max_fallback_share: float


class BlockedSummary(_Manifest):
    """Pages the transform found were not the article (``transforms.blocked``), by kind."""

    pages: int = 0
    fetched: int = 0  # raw items: the pages it is a share of
    kinds: dict[str, int] = Field(default_factory=dict)
    share: float = 0.0
    max_blocked_share: float = 0.5


class PublicationSummary(_Manifest):
    known: int = 0
    new: int = 0
    unresolved: int = 0
    enriched: bool = True
    note: str | None = None


class RawItemsSummary(_Manifest):
    path: str
    rows: int | None = None
    success: bool | None = None
    note: str | None = None
    allowed_hosts: str | None = None


class ValidationManifest(_Manifest):
    """``validated/<site>/<day>/validation.json``: the quality gate's verdict on one batch."""

    site: str
    day: date
    run_id: str
    success: bool
    gate: Literal["passed", "overridden", "failed"]
    override: bool
    overridden: bool
    loadable: bool
    rows: int
    passed: int
    quarantined: int
    quarantined_share: float
    max_quarantined_share: float
    failures: list[str] = Field(default_factory=list)
    blocked_by: list[str] = Field(default_factory=list)
    message: str | None = None
    extraction: ExtractionSummary
    blocked: BlockedSummary = Field(default_factory=BlockedSummary)
    # the day's volume against the recent median (``quality.suites.VolumePlan`` and verdict)
    volume: dict[str, Any]
    publications: PublicationSummary
    raw_items: RawItemsSummary
    validated_path: str | None = None
    quarantine_path: str
    docs_path: str
    docs_pages: dict[str, str] = Field(default_factory=dict)
    docs_index: str
    docs_root: str
    seconds: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    # raw-items results first: the order the suites ran in, and the seq in the warehouse
    expectations: list[ExpectationOutcome] = Field(default_factory=list)


# -- files ---------------------------------------------------------------------------

M = TypeVar("M", bound=_Manifest)


def write_manifest(path: Path, manifest: _Manifest) -> None:
    """Atomically: the commit marker of a stage's outputs, so it is written last."""
    with atomic_path(path) as tmp:
        tmp.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_manifest(path: Path, kind: type[M]) -> M:
    try:
        return kind.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the {kind.__name__}: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(file)'}: {e['msg']}" for e in exc.errors())
        raise ManifestError(f"{path}: not a valid {kind.__name__}: {problems}") from None


def read_if_present(path: Path, kind: type[M]) -> M | None:
    return read_manifest(path, kind) if path.is_file() else None


def crawl_manifest(partition: Partition) -> CrawlManifest | None:
    return read_if_present(partition.crawl_manifest, CrawlManifest)


def transform_manifest(partition: Partition) -> TransformManifest | None:
    return read_if_present(partition.transform_manifest, TransformManifest)


def validation_manifest(partition: Partition) -> ValidationManifest | None:
    return read_if_present(partition.validation_manifest, ValidationManifest)


def crawl_cost(partition: Partition) -> CrawlCost | None:
    """What the partition's crawl cost, from its manifest; None when it was never crawled."""
    manifest = crawl_manifest(partition)
    if manifest is None:
        return None
    split = manifest.discovery_requests + manifest.article_requests + manifest.source_requests
    return CrawlCost(requests=split or manifest.pages_fetched, discovery_requests=manifest.discovery_requests)


def partition_counts(partition: Partition) -> LedgerCounts:
    """The ledger's counts so far, from the stage manifests; ``loaded`` is the load's to fill in.

    discovered, failed and duplicates come from the transform (it reads every raw item),
    quarantined from the quality gate.
    """
    transform = transform_manifest(partition)
    validation = validation_manifest(partition)
    discovered = transform.discovered if transform else 0
    failed = transform.failed if transform else 0
    unaccounted = transform.unaccounted if transform else 0
    return LedgerCounts(
        discovered=discovered,
        fetched=discovered - failed - unaccounted,
        failed=failed,
        duplicates=transform.duplicates if transform else 0,
        quarantined=validation.quarantined if validation else 0,
    )
