"""Load stage: validated articles → warehouse, in one transaction, plus the ledger row."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipeline.errors import LoadError
from pipeline.partitions import read_json
from pipeline.records import LedgerCounts
from pipeline.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile


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
        counts = load_partition(engine, partition, run_id, partition_counts(partition), started_at)
        validation = read_json(partition.validation_manifest)
        record_validation_results(engine, site, day, run_id, validation.get("expectations", []))
    finally:
        engine.dispose()
    progress("load", {"rows": counts.loaded})
    return {"site": site, "logical_date": day.isoformat(), "run_id": run_id, **counts.as_dict()}
