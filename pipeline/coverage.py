"""Coverage of the warehouse by site and day: built from the ledger for `pressetl coverage`
and for the heatmap of the Data Docs index, which this module refreshes.

The picture is refreshed after every load and every failure the ledger records
(``pipeline.ledger.recorded``): the last ``PAGE_WINDOW_DAYS`` days up to the latest day in
the ledger, for every enabled site and every other site with a run in that window. Drawing
it never fails a stage: a failure to draw is logged as a warning that says why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.coverage import Coverage, SiteCoverage, day_coverage
from core.errors import ManifestError
from core.manifests import crawl_manifest
from core.partitions import Partition, docs_dir
from core.profiles import QualityThresholds, SiteProfile, load_profiles
from core.settings import Settings

log = logging.getLogger(__name__)
PAGE_WINDOW_DAYS = 60


def gate_limits(profiles: Sequence[SiteProfile]) -> dict[str, float]:
    """Site → the quality gate's limit on the quarantined share (its profile's)."""
    return {p.site: p.quality.max_quarantined_share for p in profiles}


def build_coverage(
    settings: Settings,
    limits: Mapping[str, float],
    first: date,
    last: date,
    *,
    ignore_run: str | None = None,
) -> Coverage:
    """The coverage of the sites of ``limits`` (site → the gate's quarantine limit, in order)
    over ``first`` … ``last`` (inclusive), from the ledger.

    Raises ``WarehouseSchemaError`` when the warehouse is not at the code's revision.
    """
    from warehouse.coverage import read_window
    from warehouse.engine import make_engine
    from warehouse.schema import require_current

    engine = make_engine(settings.warehouse_url)
    try:
        require_current(engine)
        window = read_window(engine, first, last, list(limits), ignore_run=ignore_run)
    finally:
        engine.dispose()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    sites = []
    for site, limit in limits.items():
        cells = []
        for day in days:
            run = window.runs.get((site, day))
            raw = _raw_zone_complete(settings, site, day) if _needs_fill(run) else False
            running = window.running.get((site, day))
            cells.append(day_coverage(day, run, limit, running=running, raw_zone=raw))
        sites.append(SiteCoverage(site=site, days=tuple(cells)))
    return Coverage(first=first, last=last, sites=tuple(sites), generated_at=datetime.now(UTC))


def _needs_fill(run: dict | None) -> bool:
    return run is None or run["status"] != "succeeded"


def _raw_zone_complete(settings: Settings, site: str, day: date) -> bool:
    """The raw zone holds the whole crawl of the day: it can be rebuilt without the network."""
    try:
        manifest = crawl_manifest(Partition(site, day, settings.data_dir))
    except ManifestError as exc:  # a run crawls the day again and rewrites it
        log.warning("%s %s: crawl manifest unreadable, a run fills the day: %s", site, day, exc)
        return False
    return manifest is not None and manifest.status == "complete"


def page_coverage(settings: Settings, *, ignore_run: str | None = None) -> Coverage | None:
    """The heatmap's coverage: the last ``PAGE_WINDOW_DAYS`` days up to the ledger's latest day,
    enabled sites and any other with a run in the window. None while the ledger is empty."""
    from warehouse.coverage import last_day, read_window
    from warehouse.engine import make_engine

    profiles = load_profiles(settings.profiles_dir)
    engine = make_engine(settings.warehouse_url)
    try:
        last = last_day(engine)
        if last is None:
            return None
        first = last - timedelta(days=PAGE_WINDOW_DAYS - 1)
        ran = read_window(engine, first, last).sites
    finally:
        engine.dispose()
    limits = gate_limits([p for p in profiles.values() if p.enabled or p.site in ran])
    # A site in the ledger whose profile is gone is shown all the same, with the default limit.
    limits.update({site: QualityThresholds().max_quarantined_share for site in sorted(ran - set(profiles))})
    return build_coverage(settings, limits, first, last, ignore_run=ignore_run)


def refresh_coverage_page(settings: Settings, *, run_id: str | None = None) -> Path | None:
    """Redraw the heatmap of ``<docs>/index.html`` from the ledger; never raises.

    ``run_id``: the run refreshing it, whose own lock on its day is not "running".
    Returns the index written, or None (nothing to draw yet, or drawing failed: logged).
    """
    from quality import coverage_page, docs

    directory = docs_dir(settings.data_dir)
    try:
        with docs.root_lock(directory):
            coverage = page_coverage(settings, ignore_run=run_id)
            if coverage is None:
                return None
            coverage_page.save(directory, coverage)
            return docs.write_root_index(directory)
    except Exception as exc:  # the picture is a view: the stage's own outcome stands
        log.warning("could not redraw the coverage heatmap of %s: %s", directory / "index.html", _why(exc))
        return None


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
