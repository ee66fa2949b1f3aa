"""What Airflow needs beyond the stage functions: the sites a run covers grouped by
aggregator host, the pools that keep crawls polite, and retries that do not repeat a
failure that cannot change. The task bodies are ``pipeline.airflow_tasks``.

Kept out of ``dags/`` so DAG files stay wiring only. Everything at module level is
cheap (the scheduler's DAG processor imports it every few seconds): profiles are
validated, and the stage modules imported, only inside the functions tasks call.

``python -m pipeline.orchestration pools > pools.json && airflow pools import pools.json``
creates (or resets) the pools the DAGs use; see the "Operator runbook" section of README.md.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from core.settings import ENV_PROFILES_DIR, REPO_ROOT

# One pool per aggregator host: every edition of an aggregator (maghress-fr, maghress-ar)
# is served by the same host, and concurrent runs and backfills share its slots.
HOST_POOL_PREFIX = "pressetl_host_"
ENV_HOST_POOL_SLOTS = "PRESSETL_HOST_POOL_SLOTS"
# Every task that opens the warehouse: validate (volume history) and load. A DuckDB file
# takes one process at a time, even a reader beside a writer: keep 1 slot there; on
# PostgreSQL it can be raised.
WAREHOUSE_POOL = "pressetl_warehouse"
ENV_WAREHOUSE_POOL_SLOTS = "PRESSETL_WAREHOUSE_POOL_SLOTS"

# The asset downstream DAGs schedule on (``schedule=Asset(...)``): one event per loaded
# partition, its ``extra`` names the site, the day and the row counts.
WAREHOUSE_ASSET_NAME = "pressetl_warehouse_articles"
WAREHOUSE_ASSET_URI = "x-pressetl://warehouse/articles"

# The context key a task sets to its site ("<site> <day>" in press_reprocess): the mapped
# tasks' ``map_index_template`` shows it in the grid instead of an index.
LABEL_KEY = "pressetl_label"

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Failures that a retry five minutes later cannot fix: fail at once and say why.
# (Crawl errors -- a site down, a timeout -- and database errors are retried with backoff.)
NOT_RETRYABLE = {
    "core.profiles.ProfileError": "the site profile is invalid: fix the YAML",
    "core.errors.BoilerplateError": "the family's boilerplate wording is invalid: fix the YAML",
    "core.errors.ManifestError": "a stage manifest is unreadable: run the stage that writes it again",
    "quality.errors.QualityGateError": "the quality gate stopped the batch: read the Data Docs",
    "core.errors.TransformError": "the partition's input is missing: run the stage before it",
    "core.errors.ValidateError": "the partition's input is missing: run the stage before it",
    "core.errors.LoadError": "the partition's input is missing: run the stage before it",
    "core.errors.RawZoneMissing": "a reprocess needs a raw zone: crawl the day first",
    "core.errors.WarehouseSchemaError": "the warehouse schema is out of date: run `pressetl db upgrade`",
    "pipeline.freshness.FreshnessAlert": "the day is late: load it, then clear this task to check again",
}


def profiles_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(ENV_PROFILES_DIR) or REPO_ROOT / "profiles")


# -- parse time: cheap, never raises ----------------------------------------------------


def site_aggregators(directory: Path | None = None) -> dict[str, str]:
    """Site -> aggregator host for every profile file, read cheaply for DAG parsing.

    Only the ``aggregator`` key is read, without schema validation: a broken profile
    must not take the DAG down with it. Its own tasks fail at run time with the
    schema's message. A file whose aggregator cannot be read is grouped under the
    first word of its name (``maghress-fr`` -> ``maghress``).
    """
    directory = profiles_dir() if directory is None else directory
    if not directory.is_dir():
        return {}
    return {path.stem: _aggregator_of(path) for path in sorted(directory.glob("*.yaml"))}


def _aggregator_of(path: Path) -> str:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    value = data.get("aggregator") if isinstance(data, dict) else None
    if isinstance(value, str) and _NAME.fullmatch(value):
        return value
    return path.stem.split("-")[0]


def aggregator_groups(directory: Path | None = None) -> dict[str, list[str]]:
    """Aggregator -> its sites (every profile, enabled or not), for the DAG's task groups."""
    groups: dict[str, list[str]] = {}
    for site, aggregator in site_aggregators(directory).items():
        groups.setdefault(aggregator, []).append(site)
    return dict(sorted(groups.items()))


def host_pool(aggregator: str) -> str:
    return HOST_POOL_PREFIX + aggregator.replace("-", "_")


def pool_definitions(
    directory: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, dict]:
    """The pools the DAGs need, in the format of ``airflow pools import``."""
    env = os.environ if environ is None else environ
    host_slots = int(env.get(ENV_HOST_POOL_SLOTS) or 1)
    warehouse_slots = int(env.get(ENV_WAREHOUSE_POOL_SLOTS) or 1)
    pools = {
        host_pool(aggregator): {
            "slots": host_slots,
            "description": f"pressetl: crawls of the {aggregator} host ({', '.join(sites)}); "
            f"concurrent runs and backfills share it (${ENV_HOST_POOL_SLOTS})",
            "include_deferred": False,
        }
        for aggregator, sites in aggregator_groups(directory).items()
    }
    pools[WAREHOUSE_POOL] = {
        "slots": warehouse_slots,
        "description": "pressetl: tasks that open the warehouse (validate, load); 1 on a DuckDB file, "
        "more on PostgreSQL "
        f"(${ENV_WAREHOUSE_POOL_SLOTS})",
        "include_deferred": False,
    }
    return pools


def retry_policy():
    """Fail at once on errors a retry cannot fix; other errors follow the backoff."""
    from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule

    return ExceptionRetryPolicy(
        rules=[
            RetryRule(exception=path, action=RetryAction.FAIL, reason=reason)
            for path, reason in NOT_RETRYABLE.items()
        ]
    )


def default_args() -> dict:
    """Retries, timeouts and the failure notifier shared by the pressetl DAGs."""
    from pipeline.notify import FailureNotifier

    return {
        "owner": "pressetl",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,  # 5, 10, 20 min: a site down at 02:00 gets an hour
        "max_retry_delay": timedelta(hours=1),
        "retry_policy": retry_policy(),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": [FailureNotifier()],
    }


# -- run time: what the tasks call ------------------------------------------------------


def _profiles_by_site(directory: Path) -> dict[str, object | Exception]:
    """Every profile, validated; a broken one maps to its error instead of stopping the rest."""
    from core.profiles import ProfileError, load_profile_file

    if not directory.is_dir():
        raise ProfileError(f"{directory}: profiles directory does not exist")
    found: dict[str, object | Exception] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            found[path.stem] = load_profile_file(path)
        except ProfileError as exc:
            found[path.stem] = exc
    return found


def enabled_sites(requested: list[str] | None = None, directory: Path | None = None) -> list[str]:
    """The sites a run covers: those requested (validated), else every enabled profile
    (in ``directory``, default ``$PRESSETL_PROFILES_DIR``).

    A profile that does not validate counts as enabled: its own tasks go red with the
    reason, and the other sites run.
    """
    from core.profiles import ProfileError

    profiles = _profiles_by_site(profiles_dir() if directory is None else directory)
    if requested:
        unknown = sorted(set(requested) - set(profiles))
        if unknown:
            raise ProfileError(f"unknown site(s) {unknown}; known: {sorted(profiles)}")
        return list(dict.fromkeys(requested))
    return [site for site, profile in profiles.items() if getattr(profile, "enabled", True)]


def plan_sites(requested: list[str] | None, groups: list[str]) -> dict[str, list[str]]:
    """The sites of one nightly run, by aggregator group of the DAG (every group present)."""
    from core.profiles import ProfileError

    aggregators = site_aggregators(profiles_dir())
    plan: dict[str, list[str]] = {group: [] for group in groups}
    for site in enabled_sites(requested):
        aggregator = aggregators[site]
        if aggregator not in plan:
            raise ProfileError(
                f"site {site!r} (aggregator {aggregator!r}) is not in this version of the DAG yet: "
                "its profile is newer than the last parse; wait for the DAG processor and trigger again"
            )
        plan[aggregator].append(site)
    return plan


def reprocess_partitions(
    requested: list[str] | None, first: str | date, last: str | date, limit: int | None = None
) -> list[dict[str, str]]:
    """The (site, day) partitions ``press_reprocess`` rebuilds: every site by every day."""
    first_day = first if isinstance(first, date) else date.fromisoformat(str(first))
    last_day = last if isinstance(last, date) else date.fromisoformat(str(last))
    if last_day < first_day:
        raise ValueError(f"'to' ({last_day}) is before 'from' ({first_day})")
    sites = enabled_sites(requested)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    partitions = [{"site": site, "day": day.isoformat()} for day in days for site in sites]
    if limit is not None and len(partitions) > limit:
        raise ValueError(
            f"{len(partitions)} partitions ({len(sites)} sites x {len(days)} days) exceed "
            f"[core] max_map_length={limit}: split the range"
        )
    return partitions


# -- `python -m pipeline.orchestration pools` -------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m pipeline.orchestration",
        description="Print the Airflow pools the pressetl DAGs need, for `airflow pools import`.",
        epilog="Example: python -m pipeline.orchestration pools > pools.json "
        "&& airflow pools import pools.json",
    )
    parser.add_argument("command", choices=["pools"])
    parser.add_argument("--profiles-dir", type=Path, default=None, help=f"default: ${ENV_PROFILES_DIR}")
    args = parser.parse_args(argv)
    json.dump(pool_definitions(args.profiles_dir), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
