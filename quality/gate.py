"""The quality gate: validate one staged partition with Great Expectations.

Great Expectations is imported inside the functions only: DAG files import this
package, and GX takes ~10 s to import.

Data Docs layout: one GX Data Docs site per pressetl site, because GX re-lists
(and re-reads) every stored validation of a site whenever it rebuilds that site's
index, so one site for everything would make each call slower as the history of
all sites grows, and would make parallel sites wait for each other::

    <docs_dir>/index.html                        links to each site's Data Docs (written here)
    <docs_dir>/<site>/index.html                 GX index: the site's validations, newest first
    <docs_dir>/<site>/validations/<site>/staged_articles/<run_id>/<run time>/<day>.html
                                                 the page of one validation
    <docs_dir>/<site>/expectations/<site>/staged_articles.html   the site's suite
    <docs_dir>/<site>/static/                    GX's CSS/JS/images
    <docs_dir>/<site>/_gx/                       GX stores the site is built from
                                                 (suite and validation results as JSON)

Each call renders its own validation page and the suite page, and rebuilds the
site's index; the manifest's ``docs_path`` is the call's own page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import html
import logging
import math
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.partitions import Partition, atomic_path, write_json_atomic
from pipeline.profiles import SiteProfile
from pipeline.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA
from quality import suites
from quality._quiet import import_gx
from quality.errors import QualityGateError

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.data_context import EphemeralDataContext

logger = logging.getLogger(__name__)

GX_STORES_DIR = "_gx"
# The index of a site lists its most recent validations only: rendering it costs a
# few ms per listed validation. Older pages stay on disk (manifests point at them).
INDEX_LIMIT = 500

# Keys of an expectation result that grow with the number of failing rows. The gate
# reads them from the in-memory result; the stored copy (which the Data Docs index
# re-reads for every past validation on every build) keeps the 20-row samples only.
_BULKY_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


def validate_partition(
    partition: Partition,
    profile: SiteProfile,
    docs_dir: Path,
    run_id: str,
    override: bool = False,
) -> dict[str, Any]:
    """Validate ``partition.staged_articles``; write validated, quarantine, manifest, Data Docs.

    Returns the manifest. Raises ``QualityGateError`` when the batch fails and
    ``override`` is false; then no validated file exists for the partition.
    """
    started = time.monotonic()
    day_iso = partition.day.isoformat()
    if profile.site != partition.site:
        raise ValueError(f"profile of {profile.site!r} given to validate a partition of {partition.site!r}")
    try:
        table = _read_staged(partition)
        frame = _validation_frame(table)
        checks = suites.staged_articles_checks(profile)
        # GX wants absolute store paths; paths reported back keep the caller's form.
        site_docs = docs_dir.absolute() / partition.site
        context = _context(site_docs, partition.site)
        suite = suites.build_suite(profile)
        result = _run_suite(context, suite, frame, day_iso)

        outcomes = _outcomes(checks, result)
        reasons = _row_reasons(outcomes, table.num_rows)
        for row, text in enumerate(table.column("error").to_pylist()):
            if reasons[row] and text:
                reasons[row].append(text)
        quarantined = [row for row in range(table.num_rows) if reasons[row]]
        rows = table.num_rows
        share = len(quarantined) / rows if rows else 0.0

        failures = _failures(outcomes, share, profile.quality.max_quarantined_share)
        success = not failures
        loadable = success or override

        docs_index, docs_page = _publish_docs(
            context,
            suite,
            result,
            profile=profile,
            site_docs=site_docs,
            day_iso=day_iso,
            run_id=run_id,
            summary={
                "gate": "passed" if success else ("overridden" if override else "failed"),
                "rows": rows,
                "quarantined": len(quarantined),
                "failures": failures,
            },
            success=success,
        )

        mask = pa.array([bool(r) for r in reasons], pa.bool_())
        _write_quarantine(partition, table.filter(mask), [reasons[row] for row in quarantined])
        if loadable:
            with atomic_path(partition.validated_articles) as tmp:
                pq.write_table(table.filter(pc.invert(mask)), tmp)
        else:
            partition.validated_articles.unlink(missing_ok=True)

        docs_index, docs_page = (docs_dir / p.relative_to(site_docs.parent) for p in (docs_index, docs_page))
        manifest = {
            "site": partition.site,
            "day": day_iso,
            "run_id": run_id,
            "success": success,
            "override": override,
            "overridden": override and not success,
            "loadable": loadable,
            "rows": rows,
            "passed": rows - len(quarantined),
            "quarantined": len(quarantined),
            "quarantined_share": round(share, 4),
            "max_quarantined_share": profile.quality.max_quarantined_share,
            "failures": failures,
            "validated_path": str(partition.validated_articles) if loadable else None,
            "quarantine_path": str(partition.quarantined_articles),
            "docs_path": str(docs_page),
            "docs_index": str(docs_index),
            "seconds": round(time.monotonic() - started, 3),
            "expectations": [_manifest_entry(o) for o in outcomes],
        }
        write_json_atomic(partition.validation_manifest, manifest)
    except BaseException:
        # Whatever went wrong, a validated file from an earlier run no longer
        # matches the staged input: never leave it (or its manifest) for the loader.
        partition.validated_articles.unlink(missing_ok=True)
        partition.validation_manifest.unlink(missing_ok=True)
        raise

    if not loadable:
        raise QualityGateError(
            f"quality gate failed for {partition.site} {day_iso}: {'; '.join(failures)}; see {docs_page}",
            site=partition.site,
            day=day_iso,
            failures=failures,
            docs_path=str(docs_page),
        )
    if override and not success:
        logger.warning("quality gate overridden for %s %s: %s", partition.site, day_iso, "; ".join(failures))
    return manifest


# -- input -----------------------------------------------------------------


def _read_staged(partition: Partition) -> pa.Table:
    path = partition.staged_articles
    if not path.is_file():
        raise FileNotFoundError(f"no staged articles for {partition.key}: {path} does not exist")
    table = pq.read_table(path)
    problem = None
    missing = [name for name in ARTICLE_SCHEMA.names if name not in table.column_names]
    extra = [name for name in table.column_names if name not in ARTICLE_SCHEMA.names]
    if missing or extra:
        problem = f"missing columns {missing}, unexpected columns {extra}"
    else:
        # Nullability is checked apart: rows lacking a never-null column cannot even
        # be written to quarantine, so such a file stops the batch as a whole.
        relaxed = pa.schema([f.with_nullable(True) for f in ARTICLE_SCHEMA])
        try:
            table = table.select(ARTICLE_SCHEMA.names).cast(relaxed)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            problem = " ".join(str(exc).split())
        else:
            nulls = [f.name for f in ARTICLE_SCHEMA if not f.nullable and table.column(f.name).null_count]
            if nulls:
                problem = f"nulls in never-null columns {nulls}"
    if problem:
        raise QualityGateError(
            f"quality gate failed for {partition.site} {partition.day.isoformat()}: "
            f"{path} does not match ARTICLE_SCHEMA: {problem}",
            site=partition.site,
            day=partition.day.isoformat(),
            failures=[f"staged file does not match ARTICLE_SCHEMA: {problem}"],
        )
    return table.cast(ARTICLE_SCHEMA)


def _validation_frame(table: pa.Table) -> pd.DataFrame:
    """The columns the suite checks, dates as ISO strings, plus the derived columns."""
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        suites.ROW_INDEX_COLUMN: pa.array(range(table.num_rows), pa.int64()),
    }
    for name in suites.FRAME_COLUMNS:
        column = table.column(name)
        if pa.types.is_date(column.type):
            column = pc.cast(column, pa.string())  # ISO 8601, compared as text with the day
        elif name in suites.REQUIRED_COLUMNS and pa.types.is_string(column.type):
            # A blank title or publication name is as missing as a null one.
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), False)
            column = pc.if_else(blank, pa.scalar(None, pa.string()), column)
        columns[name] = column
    columns[suites.URL_PATH_COLUMN] = pa.array(
        [urlsplit(url).path if url is not None else None for url in table.column("url").to_pylist()],
        pa.string(),
    )
    return pa.table(columns).to_pandas()


# -- GX ----------------------------------------------------------------------


def _context(site_docs: Path, site: str) -> EphemeralDataContext:
    """An ephemeral context whose suites, results and Data Docs live under ``site_docs``.

    Ephemeral, so no GX project (great_expectations.yml, checkpoints…) has to be kept
    in step with the code; but the suite and result stores are on disk, because
    the Data Docs index lists what those stores hold, and must list past runs too.
    """
    gx = import_gx()
    from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

    stores_dir = site_docs / GX_STORES_DIR

    def on_disk(class_name: str, subdir: str) -> dict[str, Any]:
        backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(stores_dir / subdir)}
        return {"class_name": class_name, "store_backend": backend}

    def in_memory(class_name: str) -> dict[str, Any]:
        return {"class_name": class_name, "store_backend": {"class_name": "InMemoryStoreBackend"}}

    config = DataContextConfig(
        stores={
            "expectations_store": on_disk("ExpectationsStore", "expectations"),
            "validation_results_store": on_disk("ValidationResultsStore", "validations"),
            "checkpoint_store": in_memory("CheckpointStore"),
            "validation_definition_store": in_memory("ValidationDefinitionStore"),
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            site: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(site_docs),
                },
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "validation_results_limit": INDEX_LIMIT,
                },
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _run_suite(
    context: EphemeralDataContext, suite: ExpectationSuite, frame: pd.DataFrame, day_iso: str
) -> ExpectationSuiteValidationResult:
    """Validate ``frame``; the result keeps every failing row's index (COMPLETE format)."""
    source = context.data_sources.add_pandas("staged")
    asset = source.add_dataframe_asset("staged_articles")
    batch = asset.add_batch_definition_whole_dataframe("partition").get_batch(
        batch_parameters={"dataframe": frame}
    )
    with warnings.catch_warnings():
        # pandas warns that the article regex has (named) groups it will not extract.
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression")
        return batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [suites.ROW_INDEX_COLUMN],
            },
            expectation_parameters=suites.day_parameters(day_iso),
        )


# -- interpreting the result ---------------------------------------------------


class _Outcome:
    """One check with its GX result."""

    def __init__(self, check: suites.Check, result: Any) -> None:
        self.check = check
        self.success = bool(result.success)
        self.result: dict[str, Any] = dict(result.result or {})
        info = result.exception_info or {}
        self.error: str | None = (
            (info.get("exception_message") or "raised an exception") if info.get("raised_exception") else None
        )

    @property
    def unexpected_count(self) -> int:
        return int(self.result.get("unexpected_count") or 0)

    def failing_rows(self) -> list[int]:
        return [int(item[suites.ROW_INDEX_COLUMN]) for item in self.result.get("unexpected_index_list") or []]


def _outcomes(checks: list[suites.Check], result: ExpectationSuiteValidationResult) -> list[_Outcome]:
    by_description = {}
    for item in result.results:
        description = item.expectation_config.meta.get("pressetl_check")
        by_description[description] = item
    missing = [c.description for c in checks if c.description not in by_description]
    if missing:
        raise RuntimeError(f"GX returned no result for {missing}")
    return [_Outcome(check, by_description[check.description]) for check in checks]


def _row_reasons(outcomes: list[_Outcome], rows: int) -> list[list[str]]:
    reasons: list[list[str]] = [[] for _ in range(rows)]
    for outcome in outcomes:
        if outcome.check.level != "row":
            continue
        for row in outcome.failing_rows():
            reasons[row].append(outcome.check.description)
    return reasons


def _failures(outcomes: list[_Outcome], share: float, max_share: float) -> list[str]:
    """Why the batch fails, one short phrase each; empty when it passes."""
    failures = []
    for outcome in outcomes:
        if outcome.error:
            failures.append(f"{outcome.check.description} errored: {' '.join(outcome.error.split())[:200]}")
        elif outcome.check.level == "batch" and not outcome.success:
            failures.append(f"{outcome.check.description} ({outcome.unexpected_count} rows)")
    if share > max_share:
        culprits = sorted(
            (o for o in outcomes if o.check.level == "row" and not o.error and o.unexpected_count),
            key=lambda o: -o.unexpected_count,
        )
        failures.insert(
            0,
            f"{_pct(share)} rows quarantined (max {_pct(max_share)}), failed: "
            + ", ".join(f"{o.check.description} ({o.unexpected_count} rows)" for o in culprits),
        )
    return failures


def _pct(share: float) -> str:
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def _manifest_entry(outcome: _Outcome) -> dict[str, Any]:
    result = outcome.result
    if "observed_value" in result:
        observed: Any = result["observed_value"]
    else:
        observed = {
            "unexpected_percent": result.get("unexpected_percent"),
            "sample": (result.get("partial_unexpected_list") or [])[:5],
        }
    entry = {
        "expectation": outcome.check.description,
        "column": outcome.check.column,
        "success": outcome.success and not outcome.error,
        "observed": _jsonable(observed),
        "unexpected_count": outcome.unexpected_count,
        "level": outcome.check.level,
    }
    if outcome.error:
        entry["error"] = outcome.error
    return entry


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


# -- Data Docs -------------------------------------------------------------------


@contextlib.contextmanager
def _docs_lock(directory: Path) -> Iterator[None]:
    # Days of one site are validated in parallel (backfills) and all update the
    # site's index; GX writes store files and pages in place, so writers take turns.
    lock_path = directory / GX_STORES_DIR / ".lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_name(run_id: str) -> str:
    # The run name becomes a directory of the site: no separators, nothing odd in URLs.
    return re.sub(r"[^A-Za-z0-9._:+-]+", "_", run_id).strip("._") or "run"


def _publish_docs(
    context: EphemeralDataContext,
    suite: ExpectationSuite,
    result: ExpectationSuiteValidationResult,
    *,
    profile: SiteProfile,
    site_docs: Path,
    day_iso: str,
    run_id: str,
    summary: dict[str, Any],
    success: bool,
) -> tuple[Path, Path]:
    """Store a compact copy of the result and render its page and the index."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    for item in result.results:
        for key in _BULKY_RESULT_KEYS:
            (item.result or {}).pop(key, None)
    # The index shows the gate's verdict, not GX's: row-level failures within the
    # site's tolerance are quarantined, and the batch passes.
    result.success = success
    run = RunIdentifier(run_name=_run_name(run_id), run_time=dt.datetime.now(dt.UTC))
    result.meta["run_id"] = run
    result.meta["pressetl"] = {"site": profile.site, "day": day_iso, "run_id": run_id, **summary}
    # The pages and the index show a "data asset" read from the (legacy) batch_kwargs
    # only; naming the partition there puts site and day on every page and index row.
    result.meta["batch_kwargs"] = {"data_asset_name": f"{profile.site}/{day_iso}"}

    suite_id = ExpectationSuiteIdentifier(name=suites.suite_name(profile.site))
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=suite_id, run_id=run, batch_identifier=day_iso
    )
    with _docs_lock(site_docs):
        context.suites.add_or_update(suite)
        context.validation_results_store.set(result_id, result)
        context.build_data_docs(site_names=[profile.site], resource_identifiers=[suite_id, result_id])
        page_url = context.get_docs_sites_urls(resource_identifier=result_id, site_name=profile.site)[0][
            "site_url"
        ]
    if not page_url:
        raise RuntimeError(f"GX did not write the Data Docs page of {result_id.to_tuple()}")
    _write_docs_root(site_docs.parent)
    return site_docs / "index.html", Path(unquote(urlsplit(page_url).path))


def _write_docs_root(docs_dir: Path) -> None:
    """``<docs_dir>/index.html``: one link per site that has Data Docs."""
    items = []
    for site_docs in sorted(p for p in docs_dir.iterdir() if (p / GX_STORES_DIR).is_dir()):
        index = site_docs / "index.html"
        if not index.is_file():
            continue
        site = site_docs.name
        updated = dt.datetime.fromtimestamp(index.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        items.append(
            f'<li><a href="{html.escape(site)}/index.html">{html.escape(site)}</a>'
            f" <small>updated {updated}</small></li>"
        )
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>pressetl Data Docs</title></head>\n'
        "<body><h1>pressetl Data Docs</h1>\n<p>Great Expectations validations of staged articles, by site."
        "</p>\n<ul>\n" + "\n".join(items) + "\n</ul></body></html>\n"
    )
    with atomic_path(docs_dir / "index.html") as tmp:
        tmp.write_text(page, encoding="utf-8")


# -- output --------------------------------------------------------------------


def _write_quarantine(partition: Partition, rows: pa.Table, reasons: list[list[str]]) -> None:
    table = rows.append_column(QUARANTINE_SCHEMA.field("reasons"), pa.array(reasons, pa.list_(pa.string())))
    with atomic_path(partition.quarantined_articles) as tmp:
        pq.write_table(table.cast(QUARANTINE_SCHEMA), tmp)
