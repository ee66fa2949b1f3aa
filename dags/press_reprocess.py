"""
### press_reprocess

Rebuild days from the raw zone after a transform fix, **without crawling**:
**check_raw_zone (no network) → transform → validate → load** for every
(site, day) from `from` to `to` (inclusive), one mapped chain per partition, labelled
`<site> <day>`: the same stage runner, and the same reprocess, as `pressetl reprocess`.

**Params** (trigger form):

* `sites`: the sites; empty = every profile with `enabled: true`.
* `from`, `to`: the first and last day (local dates, as collected by `press_nightly`).
* `override_quality`: load batches the quality gate stops (recorded).

A day that was never crawled fails at `check_raw_zone` with "no raw zone … crawl it
first": backfill `press_nightly` for it instead. Validations and loads share the pool
`pressetl_warehouse` with `press_nightly` (they read and write the warehouse); loads
emit the same warehouse asset event.

From the CLI: `airflow dags trigger press_reprocess --conf
'{"sites": ["maghress-fr"], "from": "2024-04-01", "to": "2024-04-07"}'`.

Runbook: the "Operator runbook" section of README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import Param, dag, get_current_context, task, task_group

from pipeline.airflow_tasks import listed_partition, stage_tasks
from pipeline.orchestration import (
    default_args,
    site_aggregators,
)
from pipeline.schedule import SCHEDULE_TIMEZONE

# A reprocess's first stage only checks that the raw zone is there (no network).
check_raw_zone, transform, validate, load = stage_tasks(listed_partition, reprocess=True)


@dag(
    dag_id="press_reprocess",
    schedule=None,
    start_date=datetime(2010, 1, 1, tzinfo=ZoneInfo(SCHEDULE_TIMEZONE)),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "sites": Param(
            [],
            type="array",
            items={"type": "string"},
            examples=sorted(site_aggregators()),
            title="Sites",
            description="Sites to rebuild; empty means every enabled profile.",
        ),
        "from": Param(type="string", format="date", title="From", description="First day (inclusive)."),
        "to": Param(type="string", format="date", title="To", description="Last day (inclusive)."),
        "override_quality": Param(
            False,
            type="boolean",
            title="Override the quality gate",
            description="Load even if the quality gate stops a batch (the override is recorded).",
        ),
    },
    tags=["pressetl", "reprocess"],
    doc_md=__doc__,
)
def press_reprocess():
    @task(retries=0, execution_timeout=timedelta(minutes=5))
    def plan() -> list[dict[str, str]]:
        """Every (site, day) to rebuild; unknown sites or a reversed range fail here."""
        from airflow.sdk import conf

        from pipeline.orchestration import reprocess_partitions

        params = get_current_context()["params"]
        limit = conf.getint("core", "max_map_length", fallback=1024)
        return reprocess_partitions(params["sites"], params["from"], params["to"], limit=limit)

    @task_group(group_id="partition")
    def rebuild(partition: dict):
        check_raw_zone(partition) >> transform(partition) >> validate(partition) >> load(partition)

    rebuild.expand(partition=plan())


press_reprocess()
