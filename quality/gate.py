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
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.manifests import ValidationManifest, write_manifest
from core.partitions import Partition, atomic_path
from core.profiles import SiteProfile
from core.records import QUARANTINE_SCHEMA
from quality import docs, frames, suites
from quality.errors import QualityGateError

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.data_context import EphemeralDataContext

logger = logging.getLogger(__name__)

# Kept importable from here for callers of the first version.
GX_STORES_DIR = docs.GX_STORES_DIR
INDEX_LIMIT = docs.INDEX_LIMIT


VALIDATED_ROW_GROUP = 2000


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
    clock = _Clock()
    day_iso = partition.day.isoformat()
    if profile.site != partition.site:
        raise ValueError(f"profile of {profile.site!r} given to validate a partition of {partition.site!r}")
    try:
        table = frames.read_staged(partition)
        items = frames.read_raw_items(partition)
        plan = suites.volume_plan(recent_volumes, profile.quality)
        # GX wants absolute store paths; paths reported back keep the caller's form.
        site_docs = docs_dir.absolute() / partition.site
        clock.lap("read")
        context = docs.context(site_docs, partition.site)
        clock.lap("gx_context")
        raw_frame = frames.raw_frame(items) if items is not None else None
        hosts, hosts_note = frames.crawl_hosts(partition, profile, run_id)
        if hosts is None and raw_frame is not None:
            # Unknown: the check then passes by construction, and the manifest says why.
            hosts = sorted({h for h in raw_frame[suites.URL_HOST_COLUMN] if h})
        parameters = {
            **suites.day_parameters(day_iso),
            **suites.volume_parameters(plan),
            **suites.hosts_parameters(hosts or profile.hosts),
        }

        raw = None
        if raw_frame is not None:
            raw = _Validation.run(context, profile, suites.RAW, raw_frame, suites.RAW_ROW_COLUMN, parameters)
        clock.lap("raw_items_suite")
        staged_frame = frames.staged_frame(table, profile)
        staged = _Validation.run(
            context, profile, suites.STAGED, staged_frame, suites.ROW_INDEX_COLUMN, parameters
        )
        clock.lap("staged_articles_suite")

        reasons = _row_reasons(staged.outcomes, table.num_rows)
        for row, text in enumerate(table.column("error").to_pylist()):
            if reasons[row] and text:
                reasons[row].append(text)
        quarantined = [row for row in range(table.num_rows) if reasons[row]]
        rows = table.num_rows
        share = len(quarantined) / rows if rows else 0.0

        extraction = _extraction_summary(table, profile)
        volume = _volume_summary(plan, raw, items, partition)
        failures = _failures(profile, staged, raw, share, extraction, volume)
        success = not failures
        loadable = success or override
        gate = "passed" if success else ("overridden" if override else "failed")

        validations = [(staged.suite, staged.result, not any(f.suite == suites.STAGED for f in failures))]
        if raw is not None:
            validations.insert(0, (raw.suite, raw.result, not any(f.suite == suites.RAW for f in failures)))
        docs_index, pages = docs.publish(
            context,
            validations,
            site=partition.site,
            site_docs=site_docs,
            day_iso=day_iso,
            run_id=run_id,
            summary={
                "gate": gate,
                "rows": rows,
                "quarantined": len(quarantined),
                "failures": _texts(failures),
            },
        )

        clock.lap("data_docs")
        mask = pa.array([bool(r) for r in reasons], pa.bool_())
        _write_quarantine(partition, table.filter(mask), [reasons[row] for row in quarantined])
        if loadable:
            with atomic_path(partition.validated_articles) as tmp:
                # small row groups: the loader streams them, one at a time
                pq.write_table(table.filter(pc.invert(mask)), tmp, row_group_size=VALIDATED_ROW_GROUP)
        else:
            partition.validated_articles.unlink(missing_ok=True)

        clock.lap("write")

        # Paths as the caller gave docs_dir (relative stays relative).
        def reported(path: Path) -> Path:
            return docs_dir / path.relative_to(site_docs.parent)

        page_links = {suite: str(page.relative_to(site_docs.parent)) for suite, page in pages.items()}
        pages = {suite: reported(page) for suite, page in pages.items()}
        docs_page = pages[failures[0].suite] if failures else pages[suites.STAGED]
        message = _message(partition.site, day_iso, failures, docs_page) if failures else None

        manifest = ValidationManifest(
            site=partition.site,
            day=day_iso,
            run_id=run_id,
            success=success,
            gate=gate,
            override=override,
            overridden=override and not success,
            loadable=loadable,
            rows=rows,
            passed=rows - len(quarantined),
            quarantined=len(quarantined),
            quarantined_share=round(share, 4),
            max_quarantined_share=profile.quality.max_quarantined_share,
            failures=_texts(failures),
            blocked_by=sorted({f.kind for f in failures}),
            message=message,
            extraction=extraction,
            volume=volume,
            publications=_publication_summary(table, staged.frame),
            raw_items={
                "path": str(partition.raw_items),
                "rows": len(items) if items is not None else None,
                "success": None if raw is None else not any(f.suite == suites.RAW for f in failures),
                "note": None if items is not None else frames.missing_raw_note(partition.raw_items),
                "allowed_hosts": hosts_note,
            },
            validated_path=str(partition.validated_articles) if loadable else None,
            quarantine_path=str(partition.quarantined_articles),
            docs_path=str(docs_page),
            docs_pages={suite: str(page) for suite, page in pages.items()},
            docs_index=str(reported(docs_index)),
            docs_root=str(docs_dir / "index.html"),
            seconds=clock.total(),
            timings=dict(clock.laps),
            # Raw-items results first: the order the suites ran in, and the seq in the warehouse.
            expectations=[_manifest_entry(o) for v in (raw, staged) if v is not None for o in v.outcomes],
        )
        write_manifest(partition.validation_manifest, manifest)
        docs.record_run(
            site_docs,
            {
                "site": partition.site,
                "day": day_iso,
                "run_id": run_id,
                "gate": gate,
                "rows": rows,
                "quarantined": len(quarantined),
                "message": message,
                "pages": page_links,
                "validated_at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            },
        )
        with docs.root_lock(site_docs.parent):
            docs.write_root_index(site_docs.parent)
        logger.info("validated %s %s in %.2f s: %s", partition.site, day_iso, clock.total(), clock.laps)
    except BaseException:
        # Whatever went wrong, a validated file from an earlier run no longer
        # matches the staged input: never leave it (or its manifest) for the loader.
        partition.validated_articles.unlink(missing_ok=True)
        partition.validation_manifest.unlink(missing_ok=True)
        raise

    if not loadable:
        raise QualityGateError(
            message or "",
            site=partition.site,
            day=day_iso,
            failures=_texts(failures),
            docs_path=str(docs_page),
        )
    if override and not success:
        logger.warning("quality gate overridden: %s", message)
    return manifest


class _Clock:
    """Seconds spent in each step of one validation (the manifest's ``timings``)."""

    def __init__(self) -> None:
        self.started = self.last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.laps[step] = round(now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return round(time.monotonic() - self.started, 3)


# -- GX ----------------------------------------------------------------------


@dataclass
class _Validation:
    """One suite run on one frame, and its results matched to the checks."""

    suite: ExpectationSuite
    result: ExpectationSuiteValidationResult
    outcomes: list[_Outcome]
    frame: pd.DataFrame

    @classmethod
    def run(
        cls,
        context: EphemeralDataContext,
        profile: SiteProfile,
        which: suites.Suite,
        frame: pd.DataFrame,
        index_column: str,
        parameters: dict[str, Any],
    ) -> _Validation:
        suite = suites.build_suite(profile, which)
        result = _run_suite(context, which, suite, frame, index_column, parameters)
        return cls(suite, result, _outcomes(suites.checks_for(profile, which), result, index_column), frame)


def _run_suite(
    context: EphemeralDataContext,
    name: str,
    suite: ExpectationSuite,
    frame: pd.DataFrame,
    index_column: str,
    parameters: dict[str, Any],
) -> ExpectationSuiteValidationResult:
    """Validate ``frame``; the result keeps every failing row's index (COMPLETE format)."""
    source = context.data_sources.add_pandas(name)
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("partition").get_batch(
        batch_parameters={"dataframe": frame}
    )
    with warnings.catch_warnings():
        # pandas warns that the article regex has (named) groups it will not extract.
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
        return batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [index_column]},
            expectation_parameters=parameters,
        )


# -- interpreting the results ---------------------------------------------------


class _Outcome:
    """One check with its GX result."""

    def __init__(self, check: suites.Check, result: Any, index_column: str) -> None:
        self.check = check
        self.index_column = index_column
        self.success = bool(result.success)
        self.result: dict[str, Any] = dict(result.result or {})
        info = result.exception_info or {}
        self.error: str | None = (
            (info.get("exception_message") or "raised an exception") if info.get("raised_exception") else None
        )

    @property
    def unexpected_count(self) -> int:
        return int(self.result.get("unexpected_count") or 0)

    @property
    def element_count(self) -> int:
        return int(self.result.get("element_count") or 0)

    def failing_rows(self) -> list[int]:
        return [int(item[self.index_column]) for item in self.result.get("unexpected_index_list") or []]


def _outcomes(
    checks: list[suites.Check], result: ExpectationSuiteValidationResult, index_column: str
) -> list[_Outcome]:
    by_description = {}
    for item in result.results:
        description = item.expectation_config.meta.get("pressetl_check")
        by_description[description] = item
    missing = [c.description for c in checks if c.description not in by_description]
    if missing:
        raise RuntimeError(f"GX returned no result for {missing}")
    return [_Outcome(check, by_description[check.description], index_column) for check in checks]


def _row_reasons(outcomes: list[_Outcome], rows: int) -> list[list[str]]:
    reasons: list[list[str]] = [[] for _ in range(rows)]
    for outcome in outcomes:
        if outcome.check.level != "row":
            continue
        for row in outcome.failing_rows():
            reasons[row].append(outcome.check.description)
    return reasons


def _extraction_summary(table: pa.Table, profile: SiteProfile) -> dict[str, Any]:
    counts = {"selectors": 0, "fallback": 0, "failed": 0}
    for value, count in zip(*_value_counts(table.column("extraction")), strict=True):
        key = value if value in counts else "failed"
        counts[key] += count
    rows = table.num_rows
    off = counts["fallback"] + counts["failed"]
    return {
        **counts,
        "fallback_share": round(off / rows, 4) if rows else 0.0,
        "max_fallback_share": profile.quality.max_fallback_share,
    }


def _value_counts(column: pa.ChunkedArray) -> tuple[list[Any], list[int]]:
    counts = pc.value_counts(column)
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


def _volume_summary(
    plan: suites.VolumePlan, raw: _Validation | None, items: list | None, partition: Partition
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


def _publication_summary(table: pa.Table, frame: pd.DataFrame) -> dict[str, Any]:
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


@dataclass(frozen=True)
class _Failure:
    """One reason the batch fails: what kind (drift, volume, quarantine, batch, error),
    which suite's page shows it, and one short phrase naming the expectation."""

    kind: str
    suite: str
    text: str


_KIND_ORDER = {"drift": 0, "volume": 1, "quarantine": 2, "batch": 3, "error": 4}


def _texts(failures: list[_Failure]) -> list[str]:
    return [f.text for f in failures]


def _failures(
    profile: SiteProfile,
    staged: _Validation,
    raw: _Validation | None,
    share: float,
    extraction: dict[str, Any],
    volume: dict[str, Any],
) -> list[_Failure]:
    """Why the batch fails, most telling first; empty when it passes."""
    failures = []
    q = profile.quality
    for validation in (raw, staged):
        if validation is None:
            continue
        for o in validation.outcomes:
            suite = o.check.suite
            if o.error:
                text = f"{o.check.description} errored: {' '.join(o.error.split())[:200]}"
                failures.append(_Failure("error", suite, text))
            elif o.success or o.check.level == "row":
                continue
            elif o.check.level == "drift":
                failures.append(_Failure("drift", suite, _drift_text(o, extraction)))
            elif o.check.level == "volume":
                if volume.get("verdict") == "anomaly":
                    failures.append(_Failure("volume", suite, _volume_text(o, volume)))
            else:
                text = f"{o.check.description} ({o.unexpected_count} of {o.element_count} rows)"
                failures.append(_Failure("batch", suite, text))
    if share > q.max_quarantined_share:
        culprits = sorted(
            (o for o in staged.outcomes if o.check.level == "row" and not o.error and o.unexpected_count),
            key=lambda o: -o.unexpected_count,
        )
        failures.append(
            _Failure(
                "quarantine",
                suites.STAGED,
                f"{_pct(share)} rows quarantined (max {_pct(q.max_quarantined_share)}), failed: "
                + ", ".join(f"{o.check.description} ({o.unexpected_count} rows)" for o in culprits),
            )
        )
    return sorted(failures, key=lambda f: _KIND_ORDER[f.kind])


def _drift_text(outcome: _Outcome, extraction: dict[str, Any]) -> str:
    what = "fallback extractions"
    if extraction["failed"]:
        counts = f"{extraction['fallback']} fallback, {extraction['failed']} failed"
        what = f"fallback or failed extractions ({counts})"
    return (
        f"{_pct(extraction['fallback_share'], whole=True)} {what} "
        f"(max {_pct(extraction['max_fallback_share'], whole=True)}) [{outcome.check.description}]"
    )


def _volume_text(outcome: _Outcome, volume: dict[str, Any]) -> str:
    ratio = _pct(volume.get("ratio", 0.0), whole=True)
    floor = _pct(volume["min_ratio"], whole=True)
    return (
        f"{volume['discovered']} articles discovered, {ratio} of the median {volume['median']:g} "
        f"of the last {volume['history_days']} days (min {floor}) [{outcome.check.description}]"
    )


def _message(site: str, day_iso: str, failures: list[_Failure], docs_page: Path) -> str:
    kinds = {f.kind for f in failures}
    if "drift" in kinds:
        head = f"layout drift suspected on {site} {day_iso}"
    elif "volume" in kinds:
        head = f"volume anomaly on {site} {day_iso}"
    else:
        head = f"quality gate failed for {site} {day_iso}"
    return f"{head}: {'; '.join(_texts(failures))}; see {docs_page}"


def _pct(share: float, whole: bool = False) -> str:
    if whole:
        # "83%", never "100%" for 99.6% nor "0%" for a little: what the operator reads first.
        value = share * 100
        rounded = math.floor(value) if value > 99 else (math.ceil(value) if value < 1 else round(value))
        return f"{rounded}%"
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _manifest_entry(outcome: _Outcome) -> dict[str, Any]:
    result = outcome.result
    if "observed_value" in result:
        observed: Any = result["observed_value"]
    else:
        # A few failing values, cut short: they may be whole article bodies.
        sample = [_short(v) for v in (result.get("partial_unexpected_list") or [])[:5]]
        observed = {"unexpected_percent": result.get("unexpected_percent"), "sample": sample}
    entry = {
        "expectation": outcome.check.description,
        "column": outcome.check.column,
        "suite": outcome.check.suite,
        "success": outcome.success and not outcome.error,
        "observed": _jsonable(observed),
        "unexpected_count": outcome.unexpected_count,
        "level": outcome.check.level,
    }
    if outcome.error:
        entry["error"] = outcome.error
    return entry


def _short(value: Any, limit: int = 200) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    return str(value)


# -- output --------------------------------------------------------------------


def _write_quarantine(partition: Partition, rows: pa.Table, reasons: list[list[str]]) -> None:
    table = rows.append_column(QUARANTINE_SCHEMA.field("reasons"), pa.array(reasons, pa.list_(pa.string())))
    with atomic_path(partition.quarantined_articles) as tmp:
        pq.write_table(table.cast(QUARANTINE_SCHEMA), tmp)
