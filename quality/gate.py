"""The quality gate: validate one partition with Great Expectations.

Great Expectations is imported inside the functions only: DAG files import this
package, and GX takes ~10 s to import.

One call validates two suites (``quality.suites``): the raw items of the crawl
(the day's volume, fetch statuses, URLs) and the staged articles (row checks,
layout drift, duplicates). It then writes, for the partition:

- ``validated/<site>/<day>/articles.parquet``: the rows that passed, only if the
  batch passed (or was overridden);
- ``quarantine/<site>/<day>/articles.parquet``: the rows that failed a row check,
  with the failed checks (and the transform's error) as reasons;
- ``validated/<site>/<day>/validation.json``: the manifest (verdict, counts, every
  expectation's result, which the load stage stores in the warehouse);
- the Data Docs pages (``quality.docs``).

A failed batch raises ``QualityGateError`` with a one-line message that names
the site, the day, what failed (layout drift and volume anomalies by name) and the
Data Docs page.

This module only orders the steps; each lives in a module of its own:
``frames`` (read the partition), ``validation`` (run a suite), ``quarantine``
(row reasons), ``summaries``, ``verdict`` (failures and message), ``run_docs``
(Data Docs), ``outputs`` (files), ``manifest_entries``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from core.manifests import ValidationManifest, write_manifest
from core.partitions import Partition
from core.profiles import SiteProfile
from quality import docs, frames, outputs, run_docs, suites
from quality.errors import QualityGateError
from quality.manifest_entries import expectation_entry
from quality.quarantine import Quarantine, quarantine_rows
from quality.run_docs import DocsLinks
from quality.summaries import blocked_summary, extraction_summary, publication_summary, volume_summary
from quality.timing import StepClock
from quality.validation import Validation
from quality.verdict import Verdict, batch_failures, message

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.data_context import EphemeralDataContext

logger = logging.getLogger(__name__)

# Kept importable from here for callers of the first version.
GX_STORES_DIR = docs.GX_STORES_DIR
INDEX_LIMIT = docs.INDEX_LIMIT


def validate_partition(
    partition: Partition,
    profile: SiteProfile,
    docs_dir: Path,
    run_id: str,
    override: bool = False,
    recent_volumes: Sequence[int] | None = None,
) -> ValidationManifest:
    """Validate the partition's raw items and staged articles; write validated, quarantine,
    manifest and Data Docs.

    ``recent_volumes``: the site's volume on each of its recent days (see
    ``suites.volume_plan``); None when there is no history (no warehouse yet).

    Returns the manifest. Raises ``QualityGateError`` when the batch fails and
    ``override`` is false; then no validated file exists for the partition.
    """
    clock = StepClock()
    if profile.site != partition.site:
        raise ValueError(f"profile of {profile.site!r} given to validate a partition of {partition.site!r}")
    try:
        manifest = _validate(partition, profile, docs_dir, run_id, override, recent_volumes, clock)
    except BaseException:
        # Whatever went wrong, a validated file from an earlier run no longer
        # matches the staged input: never leave it (or its manifest) for the loader.
        outputs.discard_validated(partition)
        raise
    if not manifest.loadable:
        raise QualityGateError(
            manifest.message or "",
            site=partition.site,
            day=partition.day.isoformat(),
            failures=manifest.failures,
            docs_path=manifest.docs_path,
        )
    if manifest.overridden:
        logger.warning("quality gate overridden: %s", manifest.message)
    return manifest


def _validate(
    partition: Partition,
    profile: SiteProfile,
    docs_dir: Path,
    run_id: str,
    override: bool,
    recent_volumes: Sequence[int] | None,
    clock: StepClock,
) -> ValidationManifest:
    """The steps, in order; each lap of ``clock`` is one of the manifest's ``timings``."""
    site, day_iso = partition.site, partition.day.isoformat()
    inputs = _Inputs.read(partition, profile, recent_volumes)
    clock.lap("read")
    context = docs.context(run_docs.site_docs_dir(docs_dir, site), site)
    clock.lap("gx_context")
    checked = _run_suites(context, partition, profile, run_id, inputs, clock)
    judged = _Judgement.of(partition, profile, inputs, checked, override)
    links = run_docs.publish_run(
        context,
        checked.ran,
        judged.verdict,
        judged.quarantine,
        site=site,
        day_iso=day_iso,
        run_id=run_id,
        docs_dir=docs_dir,
    )
    clock.lap("data_docs")
    outputs.write_outputs(partition, inputs.table, judged.quarantine, judged.verdict.loadable)
    clock.lap("write")
    manifest = _manifest(partition, profile, run_id, inputs, checked, judged, links, clock)
    write_manifest(partition.validation_manifest, manifest)
    run_docs.record_run(docs_dir, manifest, links)
    logger.info("validated %s %s in %.2f s: %s", site, day_iso, clock.total(), clock.laps)
    return manifest


# -- read ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """What the gate reads: the staged articles, the crawl's raw items (None: no such
    file) and how the day's volume will be judged."""

    table: pa.Table
    items: list[dict] | None
    plan: suites.VolumePlan

    @classmethod
    def read(
        cls, partition: Partition, profile: SiteProfile, recent_volumes: Sequence[int] | None
    ) -> _Inputs:
        return cls(
            frames.read_staged(partition),
            frames.read_raw_items(partition),
            suites.volume_plan(recent_volumes, profile.quality),
        )


# -- run the suites --------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    """The suites' results; no raw-items suite without raw items."""

    raw: Validation | None
    staged: Validation
    hosts_note: str  # where the hosts the URLs were checked against came from

    @property
    def ran(self) -> list[Validation]:
        return [v for v in (self.raw, self.staged) if v is not None]  # the order they ran in


def _run_suites(
    context: EphemeralDataContext,
    partition: Partition,
    profile: SiteProfile,
    run_id: str,
    inputs: _Inputs,
    clock: StepClock,
) -> _Checked:
    raw_frame = frames.raw_frame(inputs.items) if inputs.items is not None else None
    parameters, hosts_note = _suite_parameters(partition, profile, run_id, inputs.plan, raw_frame)
    raw = None
    if raw_frame is not None:
        raw = Validation.run(context, profile, suites.RAW, raw_frame, suites.RAW_ROW_COLUMN, parameters)
    clock.lap("raw_items_suite")
    staged_frame = frames.staged_frame(inputs.table, profile)
    index_column = suites.ROW_INDEX_COLUMN
    staged = Validation.run(context, profile, suites.STAGED, staged_frame, index_column, parameters)
    clock.lap("staged_articles_suite")
    return _Checked(raw, staged, hosts_note)


def _suite_parameters(
    partition: Partition,
    profile: SiteProfile,
    run_id: str,
    plan: suites.VolumePlan,
    raw_frame: pd.DataFrame | None,
) -> tuple[dict[str, Any], str]:
    """The suites' run-time parameters (day, volume floor, allowed hosts), and where the
    hosts came from."""
    hosts, hosts_note = frames.crawl_hosts(partition, profile, run_id)
    if hosts is None and raw_frame is not None:
        # Unknown: the check then passes by construction, and the manifest says why.
        hosts = sorted({h for h in raw_frame[suites.URL_HOST_COLUMN] if h})
    parameters = {
        **suites.day_parameters(partition.day.isoformat()),
        **suites.volume_parameters(plan),
        **suites.hosts_parameters(hosts or profile.hosts),
    }
    return parameters, hosts_note


# -- interpret -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judgement:
    """What the results mean: rows quarantined, the summaries, the batch verdict."""

    quarantine: Quarantine
    extraction: dict[str, Any]
    blocked: dict[str, Any]
    volume: dict[str, Any]
    verdict: Verdict

    @classmethod
    def of(
        cls, partition: Partition, profile: SiteProfile, inputs: _Inputs, checked: _Checked, override: bool
    ) -> _Judgement:
        quarantine = quarantine_rows(checked.staged.outcomes, inputs.table.column("error").to_pylist())
        extraction = extraction_summary(inputs.table, profile)
        blocked = blocked_summary(partition, inputs.items, profile)
        volume = volume_summary(inputs.plan, checked.raw, inputs.items, partition)
        failures = batch_failures(
            profile, checked.staged, checked.raw, quarantine.share, extraction, volume, blocked
        )
        return cls(quarantine, extraction, blocked, volume, Verdict(failures, override))


# -- the manifest ----------------------------------------------------------------------


def _manifest(
    partition: Partition,
    profile: SiteProfile,
    run_id: str,
    inputs: _Inputs,
    checked: _Checked,
    judged: _Judgement,
    links: DocsLinks,
    clock: StepClock,
) -> ValidationManifest:
    verdict, quarantine, items = judged.verdict, judged.quarantine, inputs.items
    day_iso = partition.day.isoformat()
    return ValidationManifest(
        site=partition.site,
        day=day_iso,
        run_id=run_id,
        success=verdict.success,
        gate=verdict.gate,
        override=verdict.override,
        overridden=verdict.overridden,
        loadable=verdict.loadable,
        rows=quarantine.total,
        passed=quarantine.passed,
        quarantined=quarantine.count,
        quarantined_share=round(quarantine.share, 4),
        max_quarantined_share=profile.quality.max_quarantined_share,
        failures=verdict.texts,
        blocked_by=verdict.blocked_by,
        message=message(partition.site, day_iso, verdict.failures, links.page) if verdict.failures else None,
        extraction=judged.extraction,
        blocked=judged.blocked,
        volume=judged.volume,
        publications=publication_summary(inputs.table, checked.staged.frame),
        raw_items={
            "path": str(partition.raw_items),
            "rows": len(items) if items is not None else None,
            "success": None if checked.raw is None else verdict.suite_passed(suites.RAW),
            "note": None if items is not None else frames.missing_raw_note(partition.raw_items),
            "allowed_hosts": checked.hosts_note,
        },
        validated_path=str(partition.validated_articles) if verdict.loadable else None,
        quarantine_path=str(partition.quarantined_articles),
        docs_path=str(links.page),
        docs_pages={suite: str(page) for suite, page in links.pages.items()},
        docs_index=str(links.index),
        docs_root=str(links.root),
        seconds=clock.total(),
        timings=dict(clock.laps),
        # Raw-items results first: the order the suites ran in, and the seq in the warehouse.
        expectations=[expectation_entry(o) for v in checked.ran for o in v.outcomes],
    )
