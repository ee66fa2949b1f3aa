"""
### press_reprocess

Rebuild days from the raw zone after a transform fix, **without crawling**:
**transform → validate → load** for every (site, day) from `from` to `to` (inclusive),
one mapped chain per partition, labelled `<site> <day>`.

**Params** (trigger form):

* `sites`: the sites; empty = every profile with `enabled: true`.
* `from`, `to`: the first and last day (local dates, as collected by `press_nightly`).
* `override_quality`: load batches the quality gate stops (recorded).

A day that was never crawled fails at `transform` with "no raw zone … (crawl it
first)": backfill `press_nightly` for it instead. Validations and loads share the pool
`pressetl_warehouse` with `press_nightly` (they read and write the warehouse); loads
emit the same warehouse asset event.

From the CLI: `airflow dags trigger press_reprocess --conf
'{"sites": ["maghress-fr"], "from": "2024-04-01", "to": "2024-04-07"}'`.

Runbook: the "Operator runbook" section of README.md.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import Asset, Param, dag, get_current_context, task, task_group

from pipeline.orchestration import (
    LABEL_KEY,
    SCHEDULE_TIMEZONE,
    WAREHOUSE_ASSET_NAME,
    WAREHOUSE_ASSET_URI,
    WAREHOUSE_POOL,
    default_args,
    site_aggregators,
)

WAREHOUSE = Asset(name=WAREHOUSE_ASSET_NAME, uri=WAREHOUSE_ASSET_URI, group="pressetl")
PARTITION_LABEL = "{{ " + LABEL_KEY + " }}"  # mapped tasks show "<site> <day>", not an index


def _run(stage: str, partition: dict, **options) -> dict:
    from pipeline.notify import PARTITION_KEY
    from pipeline.orchestration import run_stage

    context = get_current_context()
    site, day = partition["site"], date.fromisoformat(partition["day"])
    context[PARTITION_KEY] = {"site": site, "day": day}
    context[LABEL_KEY] = f"{site} {day}"
    return run_stage(stage, site, day, context["run_id"], **options)


@task(map_index_template=PARTITION_LABEL, multiple_outputs=False)
def transform(partition: dict) -> dict:
    return _run("transform", partition)


# In the warehouse pool: the quality gate reads the warehouse's volume history.
@task(pool=WAREHOUSE_POOL, map_index_template=PARTITION_LABEL, multiple_outputs=False)
def validate(partition: dict) -> dict:
    return _run("validate", partition, override=bool(get_current_context()["params"]["override_quality"]))


@task(pool=WAREHOUSE_POOL, outlets=[WAREHOUSE], map_index_template=PARTITION_LABEL, multiple_outputs=False)
def load(partition: dict) -> dict:
    summary = _run("load", partition)
    get_current_context()["outlet_events"][WAREHOUSE].extra = {"dag_id": "press_reprocess", **summary}
    return summary


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
        transform(partition) >> validate(partition) >> load(partition)

    rebuild.expand(partition=plan())


press_reprocess()
