"""pressetl's metrics, sent through Airflow's own metrics client (``airflow.sdk.observability.
stats``): the operator turns them on once, for Airflow and pressetl alike, in airflow.cfg's
``[metrics]`` or ``AIRFLOW__METRICS__*`` (StatsD: ``statsd_on``, ``statsd_host``,
``statsd_port``; or ``statsd_datadog_enabled``, or OpenTelemetry: ``otel_on``). A process
that has not imported Airflow (the CLI) imports it (~4 s) only when Airflow's configuration
has a say in metrics: an ``AIRFLOW__METRICS__*`` variable, or a ``[metrics]`` section in
airflow.cfg; Airflow then decides, as for its own metrics.

Airflow's plain StatsD client drops tags (it sends them only as InfluxDB-style suffixes with
``statsd_influxdb_enabled``), so the site and the stage are in the name, which every backend
keeps; the tags go along for those that use them (Datadog, OpenTelemetry). Per stage run:

- ``pressetl.<stage>.<site>.duration``      a timer (ms on the wire)
- ``pressetl.<stage>.<site>.runs.<status>`` a counter, 1 per run: ok, failed or refused
- ``pressetl.<stage>.<site>.<count>``       a counter per count the stage produced
  (``COUNTS``: discovered, fetched, loaded, duplicates, quarantined, failed, requests, bytes)
- ``pressetl.ledger.unrecorded``            a counter: a stage run the warehouse could not keep

With StatsD the client puts its prefix in front (``statsd_prefix``, ``airflow`` by default):
``airflow.pressetl.load.maghress-fr.loaded``. docker/observability/statsd-mapping.yml turns
these into labelled Prometheus metrics. Emitting never fails a stage: an error is logged.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

PREFIX = "pressetl"
COUNTS = ("discovered", "fetched", "loaded", "duplicates", "quarantined", "failed", "requests", "bytes")
STATUSES = ("ok", "failed", "refused")
UNRECORDED = f"{PREFIX}.ledger.unrecorded"


def duration_name(stage: str, site: str) -> str:
    return f"{PREFIX}.{stage}.{site}.duration"


def status_name(stage: str, site: str, status: str) -> str:
    return f"{PREFIX}.{stage}.{site}.runs.{status}"


def count_name(stage: str, site: str, count: str) -> str:
    return f"{PREFIX}.{stage}.{site}.{count}"


def configured() -> bool:
    """May Airflow's metrics be on? Asked without importing Airflow: an Airflow process has it
    imported; elsewhere only a metrics variable or a ``[metrics]`` section can turn them on."""
    if "airflow" in sys.modules or any(key.startswith("AIRFLOW__METRICS__") for key in os.environ):
        return True
    home = Path(os.environ.get("AIRFLOW_HOME") or "~/airflow").expanduser()
    config = Path(os.environ.get("AIRFLOW_CONFIG") or home / "airflow.cfg")
    try:
        return "[metrics]" in config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@functools.cache
def airflow_stats() -> ModuleType:
    """Airflow's metrics client, set up from its configuration as its own processes do (an
    Airflow task already has it so; the CLI does not). Imported at the first metric: ~4 s."""
    from airflow.sdk.configuration import conf
    from airflow.sdk.observability import stats
    from airflow.sdk.observability.metrics.stats_utils import get_stats_factory

    stats.initialize(
        factory=get_stats_factory(), export_legacy_names=conf.getboolean("metrics", "legacy_names_on")
    )
    return stats


def emit_stage_run(
    site: str, stage: str, status: str, duration_seconds: float, counts: Mapping[str, int | None]
) -> None:
    """One stage run's metrics; counts that are None (not this stage's) are not sent."""
    if not configured():
        return
    try:
        stats = airflow_stats()
        tags = {"site": site, "stage": stage}
        stats.timing(duration_name(stage, site), timedelta(seconds=duration_seconds), tags=tags)
        stats.incr(status_name(stage, site, status), tags={**tags, "status": status})
        for count in COUNTS:
            value = counts.get(count)
            if value is not None:
                stats.incr(count_name(stage, site, count), count=int(value), tags=tags)
    except Exception:  # a metric is not worth a failed stage
        log.warning("could not emit the metrics of the %s stage of %s", stage, site, exc_info=True)


def emit_unrecorded(site: str, stage: str) -> None:
    """A stage run the warehouse could not keep (its row is in the log only)."""
    if not configured():
        return
    try:
        airflow_stats().incr(UNRECORDED, tags={"site": site, "stage": stage})
    except Exception:
        log.warning("could not emit %s", UNRECORDED, exc_info=True)
