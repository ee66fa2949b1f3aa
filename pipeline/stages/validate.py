"""Validate stage: the Great Expectations gate between staged and warehouse.

GX is imported inside ``quality.gate`` only when this stage runs (it takes ~10 s
to import): DAG files and the CLI's other commands never pay for it.
"""

from __future__ import annotations

from datetime import date

from pipeline.errors import TransformError
from pipeline.partitions import docs_dir
from pipeline.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile


def validate(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    override: bool = False,
    progress: Progress = no_progress,
) -> dict:
    from quality.gate import validate_partition

    profile = site_profile(settings, site)
    partition = partition_for(settings, site, day)
    if not partition.staged_articles.is_file():
        raise TransformError(
            f"validate of {site} {day}: nothing staged at {partition.staged_dir} (transform first)"
        )
    result = validate_partition(partition, profile, docs_dir(settings.data_dir), run_id, override=override)
    progress("validate", {"passed": result["passed"], "quarantined": result["quarantined"]})
    return {
        "site": site,
        "logical_date": day.isoformat(),
        "run_id": run_id,
        **{key: result[key] for key in ("success", "rows", "passed", "quarantined", "override", "docs_path")},
    }
