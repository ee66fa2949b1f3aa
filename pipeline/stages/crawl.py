"""Crawl stage: fetch one site's articles for one day into the raw zone.

The crawl runs in a child process (``python -m spiders.runner``): Twisted's reactor
cannot restart in one process, and a crawl's memory stays out of the caller's.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from core.dates import future_day_error
from core.errors import CrawlError, RawZoneMissing
from core.manifests import CrawlManifest, crawl_manifest
from core.partitions import safe_run_id
from core.profiles import SiteProfile
from core.settings import Settings
from pipeline.stages.common import Progress, no_progress, partition_for, site_profile

SUMMARY_KEYS = (
    "site",
    "logical_date",
    "run_id",
    "discovered",
    "fetched",
    "failed",
    "pages_fetched",
    "reused",
    "discovery_requests",
    "article_requests",
    "source_requests",
    "before_history",
)


log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def crawl(
    settings: Settings,
    site: str,
    day: date,
    run_id: str,
    progress: Progress = no_progress,
    refresh: bool = False,
) -> dict:
    """Crawl (site, day). Without ``refresh``, article pages that an earlier run archived in the
    partition are not downloaded again; discovery pages (home, listings, feeds) always are."""
    from spiders.handoff import settings_to_json

    future = future_day_error(day)
    if future:  # an Airflow run or a caller with a wrong clock: refused, nothing fetched
        raise CrawlError(f"crawl of {site}: {future}")
    profile = site_profile(settings, site)  # a broken profile fails here, before any process starts
    partition = partition_for(settings, site, day)
    run_id = safe_run_id(run_id)
    command = [
        sys.executable,
        "-m",
        "spiders.runner",
        "--site",
        site,
        "--date",
        day.isoformat(),
        "--run-id",
        run_id,
        "--settings",
        settings_to_json(settings),
    ]
    if refresh:
        command.append("--refresh")
    if "id_probe" in profile.discovery.strategies:
        command += ["--last-ids", json.dumps(last_ids_seen(settings, profile))]
    neighbours = neighbours_known(settings, profile, day)
    if neighbours:
        command += ["--neighbours", json.dumps(neighbours)]
    stderr_path = partition.raw_dir / "logs" / f"{run_id}.stderr"
    stderr_path.parent.mkdir(parents=True, exist_ok=True)
    manifest = None
    with stderr_path.open("w") as stderr:
        child = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            preexec_fn=functools.partial(_die_with_parent, os.getpid()),
        )
        assert child.stdout is not None
        for line in child.stdout:
            message = _parse(line)
            if "progress" in message:
                progress("crawl", message["progress"])
            elif "manifest" in message:
                manifest = message["manifest"]
        returncode = child.wait()
    if returncode != 0 or manifest is None:
        last = [ln for ln in stderr_path.read_text(errors="replace").splitlines() if ln.strip()]
        raise CrawlError(
            f"crawl of {site} {day} crashed (exit {returncode}): "
            f"{last[-1] if last else 'no output'} (see {stderr_path})"
        )
    crawled = CrawlManifest.model_validate(manifest)
    if crawled.status == "failed":
        raise CrawlError(crawled.error or f"crawl of {site} {day} failed (see {stderr_path})")
    return crawled.model_dump(mode="json", include=set(SUMMARY_KEYS))


def reuse_raw_zone(settings: Settings, site: str, day: date) -> dict:
    """The crawl stage of a reprocess: no network, the raw zone of (site, day) must be there.

    Returns the summary of the crawl that filled it; raises ``RawZoneMissing`` for a day
    that was never crawled.
    """
    partition = partition_for(settings, site, day)
    manifest = crawl_manifest(partition)
    summary: dict = {"site": site, "logical_date": day.isoformat(), "reused_raw_zone": True}
    if manifest is not None:
        summary.update(manifest.model_dump(mode="json", include=set(SUMMARY_KEYS) - {"site", "logical_date"}))
        summary["crawl_status"] = manifest.status
    elif partition.raw_items.is_file():
        summary["crawl_status"] = "unknown (no crawl.json)"
    else:
        raise RawZoneMissing(
            f"reprocess of {site} {day}: no raw zone at {partition.raw_dir}; crawl it first "
            f"(pressetl run, or press_nightly without reprocess_only)"
        )
    return summary


def last_ids_seen(settings: Settings, profile: SiteProfile) -> dict[str, int]:
    """The warehouse's last aggregator id per publication, where id probing starts.

    Empty when there is no warehouse yet (or it cannot tell): the spider then anchors
    each publication on the newest id of its listing's first page.
    """
    from warehouse.ledger import last_ids

    found = _from_warehouse(
        settings, profile, "the last ids seen", lambda engine: last_ids(engine, profile.site)
    )
    return {slug: int(value) for slug, value in found.items() if value}


def neighbours_known(settings: Settings, profile: SiteProfile, day: date) -> dict[str, dict[str, list]]:
    """Per publication, the highest id the warehouse holds of an earlier day and the lowest of a
    later one, with their days (JSON for the spider): locating the day starts from them. Empty
    without a warehouse: the spider then locates the day from the site alone. They only steer
    the search: the day collected is the same whatever the warehouse holds."""
    from warehouse.ledger import neighbour_ids

    found = _from_warehouse(
        settings,
        profile,
        "the ids of neighbouring days",
        lambda engine: neighbour_ids(engine, profile.site, day),
    )
    return {
        slug: {side: [aggregator_id, known.isoformat()] for side, (aggregator_id, known) in sides.items()}
        for slug, sides in found.items()
    }


def _from_warehouse(settings: Settings, profile: SiteProfile, what: str, query) -> dict:
    url = settings.warehouse_url
    if url.startswith("duckdb:///") and not Path(url.removeprefix("duckdb:///")).is_file():
        return {}  # do not create a warehouse just to find it empty
    from warehouse.engine import make_engine

    engine = None
    try:
        engine = make_engine(url)
        return query(engine)
    except Exception as exc:  # no schema yet, a database that is down: the site alone is searched
        log.warning(
            "%s: cannot read %s from the warehouse (%s); the day is located from the site alone",
            profile.site,
            what,
            " ".join(str(exc).split())[:300],
        )
        return {}
    finally:
        if engine is not None:
            engine.dispose()


def _die_with_parent(parent: int) -> None:
    """In the crawl's child, before it runs: the kernel kills it when its parent dies (Linux).

    A CLI or an Airflow task killed with SIGKILL must not leave its crawl running: the orphan
    would go on fetching and overwrite the crawl.json of the next run of the day."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before prctl: nobody is left to crawl for
            os._exit(1)


def _parse(line: str) -> dict:
    try:
        message = json.loads(line)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}
