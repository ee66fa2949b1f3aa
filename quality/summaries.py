"""The manifest's summaries of a batch: extraction, blocked pages, volume, publications.

Figures for the operator and the warehouse; the verdict (``quality.verdict``)
quotes the extraction and volume ones in its messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from core.manifests import transform_manifest
from core.partitions import Partition
from core.profiles import SiteProfile
from quality import frames, suites
from quality.validation import Validation

if TYPE_CHECKING:
    import pandas as pd

EXTRACTIONS = ("selectors", "fallback", "failed")


def extraction_summary(table: pa.Table, profile: SiteProfile) -> dict[str, Any]:
    """How the staged articles were extracted; what the layout-drift check judges."""
    counts = dict.fromkeys(EXTRACTIONS, 0)
    for value, count in zip(*value_counts(table.column("extraction")), strict=True):
        # Anything but "selectors" or "fallback" (a null too) counts as failed.
        key = value if value in counts else "failed"
        counts[key] += count
    rows = table.num_rows
    off = counts["fallback"] + counts["failed"]
    return {
        **counts,
        "fallback_share": round(off / rows, 4) if rows else 0.0,
        "max_fallback_share": profile.quality.max_fallback_share,
    }


def blocked_summary(partition: Partition, items: list | None, profile: SiteProfile) -> dict[str, Any]:
    """The pages that were walls, not articles (counted by the transform), against the pages fetched."""
    manifest = transform_manifest(partition)
    kinds = dict(manifest.blocked) if manifest is not None else {}
    pages, fetched = sum(kinds.values()), len(items) if items is not None else 0
    return {
        "pages": pages,
        "fetched": fetched,
        "kinds": kinds,
        "share": round(pages / fetched, 4) if fetched else 0.0,
        "max_blocked_share": profile.quality.max_blocked_share,
    }


def value_counts(column: pa.ChunkedArray) -> tuple[list[Any], list[int]]:
    counts = pc.value_counts(column)
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


def volume_summary(
    plan: suites.VolumePlan, raw: Validation | None, items: list | None, partition: Partition
) -> dict[str, Any]:
    """The day's volume (articles discovered, i.e. raw items) against the recent median."""
    summary = {"discovered": len(items) if items is not None else None, **plan.as_dict()}
    if raw is None:
        summary.update(verdict="no verdict", note=frames.missing_raw_note(partition.raw_items))
        return summary
    if not plan.verdict_possible:
        summary["verdict"] = "no verdict"
        return summary
    (outcome,) = [o for o in raw.outcomes if o.check.level == "volume"]
    summary["verdict"] = "ok" if outcome.success and not outcome.error else "anomaly"
    if plan.median:
        summary["ratio"] = round(len(items or ()) / plan.median, 4)
    return summary


def publication_summary(table: pa.Table, frame: pd.DataFrame) -> dict[str, Any]:
    """Publications known, new (flagged by the transform) and unresolved, from the staged frame."""
    status = frame[suites.PUBLICATION_STATUS_COLUMN]
    summary: dict[str, Any] = {
        "known": int((status == "known").sum()),
        "new": int((status == "new").sum()),
        "unresolved": int(status.isna().sum()),
        "enriched": frames.enriched(table),
    }
    if table.num_rows and not summary["enriched"]:
        summary["note"] = (
            "publication_key and publication_is_new are empty in this partition "
            "(staged before enrichment): a named publication counts as known"
        )
    return summary
