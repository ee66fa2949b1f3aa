"""Load stage: validated articles → warehouse, in one transaction, plus the ledger row."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from pipeline.errors import LoadError
from pipeline.partitions import read_json
from pipeline.records import LedgerCounts
from pipeline.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile

log = logging.getLogger(__name__)


def partition_counts(partition) -> LedgerCounts:
    """What the earlier stages counted; ``loaded`` is filled in by the load."""
    transform = read_json(partition.transform_manifest) if partition.transform_manifest.is_file() else {}
    validation = read_json(partition.validation_manifest) if partition.validation_manifest.is_file() else {}
    discovered = transform.get("discovered", 0)
    failed = transform.get("failed", 0)
    return LedgerCounts(
        discovered=discovered,
        fetched=discovered - failed,
        failed=failed,
        duplicates=transform.get("duplicates", 0),
        quarantined=validation.get("quarantined", 0),
    )


def register_known_publications(engine, site: str) -> int:
    """Give the site's publications that ``transforms/data/publications.yaml`` describes their
    dimension (canonical name, country, language, home URL, aliases); they leave review.

    Idempotent: what is already there is not written again. Returns how many the data describes.
    """
    from sqlalchemy import select

    from transforms import publications as data
    from warehouse.loader import register_publications
    from warehouse.models import Publication

    registry = getattr(data, "registry", None)
    if registry is None:
        log.warning("transforms.publications has no registry(): publications of %s not described", site)
        return 0
    known = registry().publications
    table = Publication.__table__
    query = select(table.c.slug, table.c.publication_key).where(
        table.c.site == site, table.c.publication_key.is_not(None)
    )
    with engine.connect() as conn:
        slugs = [(slug, key) for slug, key in conn.execute(query) if key in known]
    details = [
        {
            "slug": slug,
            "publication_key": key,
            "name": known[key].name,
            "country": known[key].country,
            "language": known[key].language,
            "home_url": known[key].home_url,
            "aliases": list(known[key].aliases),
        }
        for slug, key in slugs
    ]
    return register_publications(engine, site, details)


def load(settings: Settings, site: str, day: date, run_id: str, progress: Progress = no_progress) -> dict:
    from warehouse.engine import make_engine
    from warehouse.ledger import record_validation_results
    from warehouse.loader import load_partition, register_site
    from warehouse.migrate import upgrade

    profile = site_profile(settings, site)
    partition = partition_for(settings, site, day)
    if not partition.validated_articles.is_file():
        raise LoadError(
            f"load of {site} {day}: no validated batch at {partition.validated_dir} "
            "(the quality gate has not passed it)"
        )
    started_at = datetime.now(UTC)
    upgrade(settings.warehouse_url)  # idempotent: a fresh warehouse gets its schema on first load
    engine = make_engine(settings.warehouse_url)
    try:
        register_site(engine, site, profile.aggregator, profile.display_name)
        counts = load_partition(
            engine, partition, run_id, partition_counts(partition), started_at, progress=progress
        )
        validation = read_json(partition.validation_manifest)
        record_validation_results(engine, site, day, run_id, validation.get("expectations", []))
        register_known_publications(engine, site)
    finally:
        engine.dispose()
    progress("load", {"rows": counts.loaded})
    return {"site": site, "logical_date": day.isoformat(), "run_id": run_id, **counts.as_dict()}
