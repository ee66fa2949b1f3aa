"""
### press_nightly

Every night at 02:00 (Africa/Casablanca) collect the previous local day from every
enabled aggregator site: **crawl → transform → validate → load**, one mapped chain
per site, so one site failing leaves the others green.

* The day collected is the run's logical date (the start of its data interval).
* Backfill: `airflow backfill create --dag-id press_nightly --from-date 2024-04-01 --to-date 2024-04-07`.
* A red task's log ends with one line saying why (site down, layout drift, quality gate).
* Params: `sites` (empty = every enabled profile), `override_quality` (load a batch the
  quality gate stopped; the override is recorded in the validation manifest).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task, task_group

DEFAULT_ARGS = {
    "owner": "pressetl",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=3),
}


def _stage(stage: str, site: str, **options) -> dict:
    from pipeline.orchestration import run_stage

    context = get_current_context()
    return run_stage(stage, site, context["data_interval_start"], context["run_id"], **options)


@dag(
    dag_id="press_nightly",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="Africa/Casablanca"),
    start_date=datetime(2010, 1, 1, tzinfo=ZoneInfo("Africa/Casablanca")),
    catchup=False,
    max_active_runs=2,
    default_args=DEFAULT_ARGS,
    params={
        "sites": Param([], type="array", description="Sites to run; empty means every enabled profile."),
        "override_quality": Param(False, type="boolean", description="Load even if the quality gate fails."),
    },
    tags=["pressetl", "nightly"],
    doc_md=__doc__,
)
def press_nightly():
    @task
    def sites_to_run() -> list[str]:
        from pipeline.orchestration import enabled_sites

        return enabled_sites(get_current_context()["params"]["sites"])

    @task
    def crawl(site: str) -> dict:
        return _stage("crawl", site)

    @task
    def transform(crawled: dict) -> dict:
        return _stage("transform", crawled["site"])

    @task
    def validate(transformed: dict) -> dict:
        override = bool(get_current_context()["params"]["override_quality"])
        return _stage("validate", transformed["site"], override=override)

    @task
    def load(validated: dict) -> dict:
        return _stage("load", validated["site"])

    @task_group
    def site_chain(site: str):
        load(validate(transform(crawl(site))))

    site_chain.expand(site=sites_to_run())


press_nightly()
