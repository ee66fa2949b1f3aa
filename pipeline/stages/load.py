"""Load stage: validated articles → warehouse, in one transaction with the ledger row.

The site's names (from its profile), the publications the registry describes, the
articles, their story signatures, links and clusters (matched with the transforms'
near-duplicate test: ``pipeline.stages.signatures.story_matching``), the quality
gate's results and the run's ledger row commit together
(``warehouse.loader.load_partition``). The warehouse must be at the code's schema
revision: migrations are ``pressetl db upgrade``'s job, never a load's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.errors import LoadError
from core.manifests import crawl_cost, partition_counts, validation_manifest
from core.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile


def known_publications() -> dict[str, dict[str, Any]]:
    """Publication key → its description in ``transforms/data/publications.yaml``."""
    from transforms.publications import registry

    return {
        key: {
            "name": publication.name,
            "country": publication.country,
            "language": publication.language,
            "home_url": publication.home_url,
            "aliases": list(publication.aliases),
        }
        for key, publication in registry().publications.items()
    }


def load(settings: Settings, site: str, day: date, run_id: str, progress: Progress = no_progress) -> dict:
    from pipeline.stages.signatures import story_matching
    from warehouse.engine import make_engine
    from warehouse.loader import load_partition
    from warehouse.schema import require_current

    profile = site_profile(settings, site)
    partition = partition_for(settings, site, day)
    manifest = validation_manifest(partition)
    if manifest is None or not partition.validated_articles.is_file():
        raise LoadError(
            f"load of {site} {day}: no validated batch at {partition.validated_dir} "
            "(the quality gate has not passed it)"
        )
    started_at = datetime.now(UTC)
    engine = make_engine(settings.warehouse_url)
    try:
        require_current(engine)
        counts = load_partition(
            engine,
            partition,
            run_id,
            partition_counts(partition),
            started_at,
            site_names=(profile.aggregator, profile.display_name),
            known_publications=known_publications(),
            validation_results=[e.model_dump() for e in manifest.expectations],
            cost=crawl_cost(partition),
            progress=progress,
            stories=story_matching(),
        )
    finally:
        engine.dispose()
    progress("load", {"rows": counts.loaded})
    return {"site": site, "logical_date": day.isoformat(), "run_id": run_id, **counts.as_dict()}
