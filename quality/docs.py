"""Data Docs: GX's HTML pages for every validation, and pressetl's own index of them.

Great Expectations is imported inside the functions only.

Layout: one GX Data Docs site per pressetl site, because GX re-lists (and re-reads)
every stored validation of a site whenever it rebuilds that site's index, so one
site for everything would make each call slower as the history of all sites
grows, and would make parallel sites wait for each other::

    <docs_dir>/index.html                        pressetl's index: the coverage heatmap, the
                                                 latest validations of every site, newest
                                                 first (written here)
    <docs_dir>/coverage.json                     the coverage the heatmap draws, written by the
                                                 pipeline from the ledger (``coverage_page``)
    <docs_dir>/<site>/index.html                 GX index: the site's validations
    <docs_dir>/<site>/validations/<site>/<suite>/<run_id>/<run time>/<day>.html
                                                 the page of one validation (suite: raw_items,
                                                 staged_articles)
    <docs_dir>/<site>/expectations/<site>/<suite>.html   the site's suites
    <docs_dir>/<site>/static/                    GX's CSS/JS/images
    <docs_dir>/<site>/_gx/                       GX stores the site is built from
                                                 (suites and validation results as JSON),
                                                 and runs.json, the entries of pressetl's index

GX's own index draws its table with JavaScript from CDNs, so offline (the nightly
hosts have no internet) it shows no validation at all; pressetl's index is plain
HTML and is the entry point. GX's validation pages do render offline, unstyled;
``datadocs/`` gives their status icons a text fallback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import html
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from core.partitions import atomic_path
from quality import coverage_page, suites
from quality._quiet import import_gx

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.data_context import EphemeralDataContext

GX_STORES_DIR = "_gx"
RUNS_FILE = "runs.json"
# GX's plugins directory: only ``custom_data_docs/styles`` (CSS inlined in every page).
PLUGINS_DIR = Path(__file__).resolve().parent / "datadocs"
# The index of a site lists its most recent validations only: rendering it costs a
# few ms per listed validation. Older pages stay on disk (manifests point at them).
INDEX_LIMIT = 500
# pressetl's index: how many validations it lists, all sites together.
ROOT_LIMIT = 300

# Keys of an expectation result that grow with the number of failing rows. The gate
# reads them from the in-memory result; the stored copy (which the Data Docs index
# re-reads for every past validation on every build) keeps the 20-row samples only.
_BULKY_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")


def context(site_docs: Path, site: str) -> EphemeralDataContext:
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
        plugins_directory=str(PLUGINS_DIR),
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
    plugins_on_path = str(PLUGINS_DIR) in sys.path
    ctx = gx.get_context(project_config=config, mode="ephemeral")
    if not plugins_on_path:
        # GX appends its plugins directory to sys.path on every context: a long-lived
        # process (a benchmark, a backfill) would collect one entry per validation.
        while str(PLUGINS_DIR) in sys.path:
            sys.path.remove(str(PLUGINS_DIR))
    return ctx


@contextlib.contextmanager
def docs_lock(directory: Path) -> Iterator[None]:
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


def run_name(run_id: str) -> str:
    # The run name becomes a directory of the site: no separators, nothing odd in URLs.
    return re.sub(r"[^A-Za-z0-9._:+-]+", "_", run_id).strip("._") or "run"


def publish(
    ctx: EphemeralDataContext,
    validations: list[tuple[ExpectationSuite, ExpectationSuiteValidationResult, bool]],
    *,
    site: str,
    site_docs: Path,
    day_iso: str,
    run_id: str,
    summary: dict[str, Any],
) -> tuple[Path, dict[str, Path]]:
    """Store compact copies of the results, render their pages and the site's index.

    ``validations``: (suite, result, the gate's verdict on that suite). Returns the
    site's index and each suite's page, by suite (``raw_items``, ``staged_articles``).
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run = RunIdentifier(run_name=run_name(run_id), run_time=dt.datetime.now(dt.UTC))
    identifiers = []
    for suite, result, success in validations:
        for item in result.results:
            for key in _BULKY_RESULT_KEYS:
                (item.result or {}).pop(key, None)
        # The index shows the gate's verdict, not GX's: row-level failures within the
        # site's tolerance are quarantined, and the batch passes.
        result.success = success
        result.meta["run_id"] = run
        result.meta["pressetl"] = {"site": site, "day": day_iso, "run_id": run_id, **summary}
        # The pages and the index show a "data asset" read from the (legacy) batch_kwargs
        # only; naming the partition there puts site and day on every page and index row.
        result.meta["batch_kwargs"] = {"data_asset_name": f"{site}/{day_iso}"}
        suite_id = ExpectationSuiteIdentifier(name=suite.name)
        result_id = ValidationResultIdentifier(
            expectation_suite_identifier=suite_id, run_id=run, batch_identifier=day_iso
        )
        identifiers.append((suite, suite_id, result, result_id))

    pages: dict[str, Path] = {}
    with docs_lock(site_docs):
        for suite, _, result, result_id in identifiers:
            ctx.suites.add_or_update(suite)
            ctx.validation_results_store.set(result_id, result)
        resources = [i for _, suite_id, _, result_id in identifiers for i in (suite_id, result_id)]
        ctx.build_data_docs(site_names=[site], resource_identifiers=resources)
        for suite, _, _, result_id in identifiers:
            url = ctx.get_docs_sites_urls(resource_identifier=result_id, site_name=site)[0]["site_url"]
            if not url:
                raise RuntimeError(f"GX did not write the Data Docs page of {result_id.to_tuple()}")
            pages[suite.name.removeprefix(f"{site}.")] = Path(unquote(urlsplit(url).path))
    return site_docs / "index.html", pages


# -- pressetl's index ----------------------------------------------------------------


def record_run(site_docs: Path, entry: dict[str, Any]) -> None:
    """Add one validation to the site's entries of pressetl's index (newest first)."""
    path = site_docs / GX_STORES_DIR / RUNS_FILE
    with docs_lock(site_docs):
        entries = _read_runs(path)
        entries.insert(0, entry)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(entries[:INDEX_LIMIT], indent=1, ensure_ascii=False) + "\n")


def _read_runs(path: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    return entries if isinstance(entries, list) else []


def write_root_index(docs_dir: Path) -> Path:
    """``<docs_dir>/index.html``: the coverage heatmap (``quality.coverage_page``), the latest
    validations of every site, and each site's GX index."""
    sites = sorted(p for p in docs_dir.iterdir() if (p / GX_STORES_DIR).is_dir())
    entries = [e for site_docs in sites for e in _read_runs(site_docs / GX_STORES_DIR / RUNS_FILE)]
    entries.sort(key=lambda e: e.get("validated_at", ""), reverse=True)
    rows = "\n".join(_entry_row(e) for e in entries[:ROOT_LIMIT])
    site_links = "\n".join(
        f'<li><a href="{_href(site_docs.name + "/index.html")}">{_esc(site_docs.name)}</a> '
        "<small>(Great Expectations index, needs internet to draw its table)</small></li>"
        for site_docs in sites
        if (site_docs / "index.html").is_file()
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pressetl Data Docs</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
tr.passed td.gate {{ color: #1e7e34; }} tr.failed td.gate {{ color: #c82333; font-weight: bold; }}
tr.overridden td.gate {{ color: #b36b00; font-weight: bold; }}
table {{ width: 100%; }}
td.run {{ overflow-wrap: anywhere; min-width: 10em; }}
td.why {{ font-size: 0.9em; min-width: 20em; }}
td.pages {{ white-space: nowrap; }}
</style></head>
<body>
<h1>pressetl Data Docs</h1>
{coverage_page.section(docs_dir)}
<h2>Validations</h2>
<p>Great Expectations validations of each site and day: the article URLs the crawl
discovered (<em>raw items</em>) and the articles it staged. Newest first.</p>
<table id="validations">
<thead><tr><th>Validated (UTC)</th><th>Site</th><th>Day</th><th>Run</th><th>Gate</th>
<th>Rows</th><th>Quarantined</th><th>Why</th><th>Pages</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Sites</h2>
<ul>
{site_links}
</ul>
</body></html>
"""
    target = docs_dir / "index.html"
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target


@contextlib.contextmanager
def root_lock(docs_dir: Path) -> Iterator[None]:
    """Sites validated in parallel all rewrite the root index: one at a time, so that
    each rewrite reads the others' latest entries."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    with (docs_dir / ".index.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _href(relative: str) -> str:
    return html.escape(quote(relative), quote=True)


def _entry_row(entry: dict[str, Any]) -> str:
    gate = entry.get("gate", "")
    pages = entry.get("pages") or {}
    links = "<br>".join(
        f'<a class="{_esc(suite)}" href="{_href(path)}">{_esc(suite.replace("_", " "))}</a>'
        for suite, path in sorted(pages.items(), key=lambda kv: kv[0] != suites.STAGED)
    )
    # The page links sit next to it: the message without its "; see <page>".
    why = _esc((entry.get("message") or "").rsplit("; see ", 1)[0])
    return (
        f'<tr class="{_esc(gate)}" data-site="{_esc(entry.get("site"))}" data-day="{_esc(entry.get("day"))}"'
        f' data-run-id="{_esc(entry.get("run_id"))}">'
        f"<td>{_esc(entry.get('validated_at', '')[:19].replace('T', ' '))}</td>"
        f"<td>{_esc(entry.get('site'))}</td><td>{_esc(entry.get('day'))}</td>"
        f'<td class="run">{_esc(entry.get("run_id"))}</td><td class="gate">{_esc(gate)}</td>'
        f"<td>{_esc(entry.get('rows'))}</td><td>{_esc(entry.get('quarantined'))}</td>"
        f'<td class="why">{why}</td><td class="pages">{links}</td></tr>'
    )
