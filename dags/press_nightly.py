"""
### press_nightly

Every night at 02:00 (Africa/Casablanca) collect the previous local day from every
enabled aggregator site: **crawl → transform → validate → load**, one mapped chain per
site, so one site failing leaves the others green.

**The day collected** is the local date of the run's data interval start: the run
scheduled at 02:00 on the 10th has the interval 9th 02:00 → 10th 02:00 and collects
the 9th (its *logical date*). A run triggered without a logical date collects the
last day completed at 02:00, as the nightly run would; to collect a given day D,
trigger with the logical date D 02:00.

**Backfill** (unpause the DAG first): `--to-date` is compared with the logical date,
02:00 local time, so give the last day's end:

    airflow backfill create --dag-id press_nightly --from-date 2024-04-01 --to-date 2024-04-07T23:59

collects 1 … 7 April. With `--to-date 2024-04-07` the 7th is *not* collected.

**Params** (trigger form):

* `sites`: the sites to run; empty = every profile with `enabled: true`.
* `reprocess_only`: rebuild the day from the raw zone (transform → validate → load),
  no network; `crawl` only checks the raw zone is there (as `pressetl reprocess` does).
* `refresh`: crawl again pages already in the raw zone.
* `override_quality`: load a batch the quality gate stopped (recorded in the
  validation manifest and the ledger).

**Groups and pools.** Tasks are grouped by aggregator host (`maghress`,
`djazairess`, …), read from the profiles; inside a group the chain is mapped over that
host's sites (a site's label is its name). A group's `crawl` runs in the pool
`pressetl_host_<aggregator>` (1 slot by default), so nightly runs, manual runs and
backfills together never crawl one host twice at once. Every `validate` (it reads the
warehouse's volume history) and `load` runs in the pool `pressetl_warehouse` (1 slot:
a DuckDB warehouse takes one process at a time; more on PostgreSQL). Airflow gives all
map indexes of a mapped task the same pool, hence a group per host. Create or reset
the pools with
`python -m pipeline.orchestration pools > pools.json && airflow pools import pools.json`.

**Red tasks.** The log's last line reads
`press_nightly <site> <day> <task> failed: <reason>`; the same line goes by email or
Slack when `PRESSETL_ALERT_EMAIL` / `PRESSETL_ALERT_SLACK_CONN_ID` are set. Site down
or timeouts are retried (5, 10, 20 min); a broken profile, the quality gate or a
missing input fail at once (a retry cannot fix them).

**Data.** Each successful `load` emits an event on the asset
`pressetl_warehouse_articles` (`x-pressetl://warehouse/articles`), with the site, the
day and the counts in its `extra`: schedule downstream DAGs on it.

Runbook: the "Operator runbook" section of README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task, task_group

from pipeline.airflow_tasks import nightly_partition, stage_tasks
from pipeline.orchestration import (
    aggregator_groups,
    default_args,
    host_pool,
)
from pipeline.schedule import SCHEDULE_TIMEZONE

GROUPS = aggregator_groups()  # aggregator -> its sites, from the profile files (cheap read)
crawl, transform, validate, load = stage_tasks(nightly_partition)


def host_group(aggregator: str, planned) -> None:
    """One aggregator host: pick its sites from the plan, then one mapped chain per site,
    its crawls in the host's pool.

    Airflow maps only over a task's whole return value, hence the small ``sites`` task.
    """

    @task_group(
        group_id=aggregator, tooltip=f"sites on the {aggregator} host: {', '.join(GROUPS[aggregator])}"
    )
    def host():
        @task(retries=0, execution_timeout=timedelta(minutes=5))
        def sites(plan: dict[str, list[str]]) -> list[str]:
            return plan[aggregator]

        @task_group(group_id="site")
        def chain(site: str):
            crawled = crawl.override(pool=host_pool(aggregator))(site)
            crawled >> transform(site) >> validate(site) >> load(site)

        chain.expand(site=sites(planned))

    host()


@dag(
    dag_id="press_nightly",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone=SCHEDULE_TIMEZONE),
    start_date=datetime(2010, 1, 1, tzinfo=ZoneInfo(SCHEDULE_TIMEZONE)),
    catchup=False,
    max_active_runs=2,
    default_args=default_args(),
    params={
        "sites": Param(
            [],
            type="array",
            items={"type": "string"},
            examples=sorted(site for sites in GROUPS.values() for site in sites),
            title="Sites",
            description="Sites to run; empty means every enabled profile.",
        ),
        "reprocess_only": Param(
            False,
            type="boolean",
            title="Reprocess only",
            description="Rebuild the day from the raw zone (transform, validate, load): no crawling.",
        ),
        "refresh": Param(
            False, type="boolean", title="Refresh", description="Crawl again pages already in the raw zone."
        ),
        "override_quality": Param(
            False,
            type="boolean",
            title="Override the quality gate",
            description="Load even if the quality gate stops the batch (the override is recorded).",
        ),
    },
    tags=["pressetl", "nightly"],
    doc_md=__doc__,
)
def press_nightly():
    @task(retries=0, multiple_outputs=False, execution_timeout=timedelta(minutes=5))
    def plan() -> dict[str, list[str]]:
        """The sites of this run, by aggregator group; unknown site names fail here."""
        from pipeline.orchestration import plan_sites

        params = get_current_context()["params"]
        if params["reprocess_only"] and params["refresh"]:
            raise ValueError("reprocess_only and refresh exclude each other: reprocess_only does not crawl")
        return plan_sites(params["sites"], list(GROUPS))

    planned = plan()
    for aggregator in GROUPS:
        host_group(aggregator, planned)


press_nightly()
