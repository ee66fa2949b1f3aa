"""Helpers shared by the quality tests (no tests here): a staged partition built by hand
(no crawl, no transform), the crawl's raw items for it, one call of the gate, and
synthetic GX results for the unit tests of the pieces that interpret them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from core.manifests import CrawlManifest, write_manifest
from core.partitions import Partition, docs_dir
from core.profiles import SiteProfile, load_profile
from core.records import ARTICLE_SCHEMA, RawItem
from quality.suites import STAGED, Check, Suite
from quality.validation import Outcome, Validation

ROOT = Path(__file__).resolve().parents[1]
SITE = "maghress-fr"
DAY = date(2011, 2, 9)
BASE_URL = "http://127.0.0.1:8000"  # where the rows below were "fetched" (devsite)
PUBLICATIONS = [("lesecos", "Les Écos"), ("aujourdhui", "Aujourd'hui le Maroc"), ("lematin", "Le Matin")]
BODY = (
    "Le ministre de l'Economie et des finances a présenté mercredi à Rabat le programme de démarrage "
    "des nouvelles zones industrielles, qui doit accompagner l'investissement des petites et moyennes "
    "entreprises dans les régions du Royaume au cours des trois prochaines années."
)


def site_profile(base_url: str | None = None) -> SiteProfile:
    """The site's profile; with ``base_url`` as the pipeline sees it against devsite there
    (only that host may be crawled)."""
    return load_profile(ROOT / "profiles", SITE, base_url)


def article(i: int, **overrides) -> dict:
    slug, name = PUBLICATIONS[i % len(PUBLICATIONS)]
    aggregator_id = 1000 + i
    row = {
        "site": SITE,
        "logical_date": DAY,
        "url": f"{BASE_URL}/fr/{slug}/{aggregator_id}",
        "canonical_url": f"https://www.maghress.com/fr/{slug}/{aggregator_id}",
        "publication_slug": slug,
        "publication_name": name,
        "aggregator_id": aggregator_id,
        "title": f"Le gouvernement lance le programme de démarrage n°{i}",
        "body": BODY,
        "subheadings": ["Programme de démarrage"],
        "published_date": DAY,
        "language": "fr",
        "source_url": f"http://127.0.0.1:8000/origin/{slug}/{aggregator_id}",
        "thumbnail_url": f"http://127.0.0.1:8000/images2/{slug}/{aggregator_id}/thumb",
        "content_hash": f"{i:064x}",
        "word_count": len(BODY.split()),
        "extraction": "selectors",
        "error": None,
        "warc_file": "00000.warc.gz",
        "warc_record_id": f"<urn:uuid:00000000-0000-0000-0000-{i:012d}>",
        "fetched_at": datetime(2011, 2, 10, 1, 5, tzinfo=UTC),
    }
    row.update(overrides)
    return row


def stage(data_dir: Path, rows: list[dict], day: date = DAY) -> Partition:
    partition = Partition(SITE, day, data_dir)
    partition.staged_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA), partition.staged_articles)
    return partition


def raw_items(
    partition: Partition, rows: list[dict], extra: int = 0, changes: dict[int, dict] | None = None
) -> None:
    """Write the crawl's items.jsonl for ``rows``, plus ``extra`` failed fetches; ``changes``
    updates the n-th item's fields."""
    partition.raw_dir.mkdir(parents=True, exist_ok=True)
    items = [
        RawItem(
            site=row["site"],
            logical_date=row["logical_date"],
            url=row["url"],
            publication_slug=row["publication_slug"],
            listing_date=row["published_date"],
            status=200,
            warc_file=row["warc_file"],
            warc_record_id=row["warc_record_id"],
            fetched_at=row["fetched_at"],
        )
        for row in rows
    ]
    items += [
        RawItem(
            site=SITE,
            logical_date=partition.day,
            url=f"{BASE_URL}/fr/lematin/{90000 + n}",
            status=503,
            error="HTTP 503",
            fetched_at=datetime(2011, 2, 10, 1, 5, tzinfo=UTC),
        )
        for n in range(extra)
    ]
    items = [item.model_copy(update=(changes or {}).get(n, {})) for n, item in enumerate(items)]
    partition.raw_items.write_text("".join(item.model_dump_json() + "\n" for item in items))


def validate(partition: Partition, profile, **kwargs) -> dict:
    from quality.gate import validate_partition

    manifest = validate_partition(
        partition, profile, docs_dir(partition.data_dir), kwargs.pop("run_id", "run-1"), **kwargs
    )
    return manifest.model_dump(mode="json")  # as validation.json holds it


def write_crawl_manifest(partition: Partition, run_id: str, hosts: list[str] | None = None) -> None:
    """The crawl's ``crawl.json`` for the partition, as run ``run_id`` would have written it;
    ``hosts``: those it was allowed to fetch (None: a crawl that did not record them)."""
    at = datetime(2011, 2, 10, 1, 5, tzinfo=UTC)
    manifest = CrawlManifest(
        site=partition.site,
        logical_date=partition.day,
        run_id=run_id,
        status="complete",
        discovered=0,
        fetched=0,
        failed=0,
        hosts=hosts,
        warc_file="00000.warc.gz",
        log_file="crawl.log",
        started_at=at,
        finished_at=at,
    )
    partition.raw_dir.mkdir(parents=True, exist_ok=True)
    write_manifest(partition.crawl_manifest, manifest)


# -- synthetic GX results --------------------------------------------------------------


def gx_result(success: bool = True, error: str | None = None, **result: Any) -> SimpleNamespace:
    """What GX returns for one expectation (``ExpectationValidationResult``), as far as the
    gate reads it; ``error``: the expectation raised, with that message."""
    info = {"raised_exception": True, "exception_message": error} if error is not None else {}
    return SimpleNamespace(success=success, result=result, exception_info=info)


def outcome(
    expectation: str,
    column: str | None,
    level: str,
    *,
    suite: Suite = STAGED,
    success: bool = True,
    error: str | None = None,
    **result: Any,
) -> Outcome:
    """One check's outcome; ``result``: GX's result dict (``unexpected_count``, ...)."""
    check = Check(expectation, column, level, suite=suite)  # type: ignore[arg-type]
    return Outcome(check, gx_result(success, error, **result), "staged_row")


def validation(which: Suite, outcomes: list[Outcome]) -> Validation:
    """A suite's run reduced to its outcomes (no GX suite, result or frame)."""
    return Validation(which, None, None, outcomes, None)  # type: ignore[arg-type]
