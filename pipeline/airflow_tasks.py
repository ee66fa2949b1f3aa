"""The stage tasks of the pressetl DAGs, built once for both: each calls the one stage
runner (``pipeline.runner.run_stage``) for its partition, with the run's params as
``StageOptions``.

A task names its partition in the context first, so the failure notifier's line and
the grid's label (``map_index_template``) say which site and day it is. Heavy modules
(the stages, GX, Scrapy) are imported only when a task runs: the DAG processor
imports this module every few seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from airflow.sdk import Asset, get_current_context, task

from pipeline.orchestration import LABEL_KEY, WAREHOUSE_ASSET_NAME, WAREHOUSE_ASSET_URI, WAREHOUSE_POOL

# Every successful load updates it: downstream DAGs schedule on it.
WAREHOUSE = Asset(name=WAREHOUSE_ASSET_NAME, uri=WAREHOUSE_ASSET_URI, group="pressetl")

# mapped tasks show their partition's label ("maghress-fr", "maghress-fr 2024-04-07"), not an index
LABEL_TEMPLATE = "{{ " + LABEL_KEY + " }}"

# (the task's argument, its context) → (site, day, label in the grid)
Resolver = Callable[[Any, Mapping[str, Any]], tuple[str, date, str]]


def nightly_partition(site: str, context: Mapping[str, Any]) -> tuple[str, date, str]:
    """``press_nightly``: the task maps over sites; the day is the run's."""
    from pipeline.schedule import run_day

    day = run_day(context.get("data_interval_start"), getattr(context.get("dag_run"), "run_after", None))
    return site, day, site


def listed_partition(partition: Mapping[str, str], context: Mapping[str, Any]) -> tuple[str, date, str]:
    """``press_reprocess``: the task maps over ``{"site": …, "day": …}`` partitions."""
    site, day = partition["site"], date.fromisoformat(partition["day"])
    return site, day, f"{site} {day}"


def run_stage_task(
    stage: str, argument: Any, resolve: Resolver, *, reprocess: bool | None, outlet: Asset | None
) -> dict:
    """The body of every stage task."""
    from core.settings import Settings
    from pipeline.notify import PARTITION_KEY
    from pipeline.runner import StageOptions, run_stage

    context = get_current_context()
    site, day, label = resolve(argument, context)
    context[PARTITION_KEY] = {"site": site, "day": day}
    context[LABEL_KEY] = label
    params = context["params"]
    options = StageOptions(
        reprocess=bool(params.get("reprocess_only", False)) if reprocess is None else reprocess,
        refresh=bool(params.get("refresh", False)),
        override=bool(params.get("override_quality", False)),
    )
    summary = run_stage(Settings.from_env(), stage, site, day, context["run_id"], options)
    if outlet is not None:
        context["outlet_events"][outlet].extra = {"dag_id": context["dag"].dag_id, **summary}
    return summary


def stage_task(
    stage: str,
    resolve: Resolver,
    *,
    reprocess: bool | None = None,
    outlet: Asset | None = None,
    task_id: str | None = None,
    **task_options: Any,
):
    """A mapped-ready ``@task`` running ``stage`` for the partition its argument names.

    ``reprocess``: None reads the run's ``reprocess_only`` param; True always rebuilds from
    the raw zone. ``outlet``: the asset a successful task updates (the load's).
    """

    def body(partition: Any) -> dict:
        return run_stage_task(stage, partition, resolve, reprocess=reprocess, outlet=outlet)

    body.__name__ = body.__qualname__ = task_id or stage
    body.__doc__ = f"Run the {stage} stage for one partition (pipeline.runner.run_stage)."
    return task(
        task_id=task_id or stage,
        map_index_template=LABEL_TEMPLATE,
        multiple_outputs=False,
        outlets=[outlet] if outlet is not None else [],
        **task_options,
    )(body)


def stage_tasks(resolve: Resolver, *, reprocess: bool | None = None) -> tuple:
    """The four stage tasks of a DAG, ``crawl, transform, validate, load``, for partitions that
    ``resolve`` names.

    A crawl may take hours (politeness); validate and load open the warehouse, so they run
    in its pool; the load updates the ``WAREHOUSE`` asset. The nightly DAG gives each host's
    crawl its host pool with ``crawl.override(pool=…)``. In a DAG that only reprocesses
    (``reprocess=True``) the crawl stage is the task ``check_raw_zone``: it never crawls.
    """
    from datetime import timedelta

    first = "check_raw_zone" if reprocess else "crawl"
    return (
        stage_task(
            "crawl", resolve, reprocess=reprocess, task_id=first, execution_timeout=timedelta(hours=4)
        ),
        stage_task("transform", resolve, reprocess=reprocess),
        # the quality gate reads the warehouse's volume history
        stage_task("validate", resolve, reprocess=reprocess, pool=WAREHOUSE_POOL),
        stage_task("load", resolve, reprocess=reprocess, pool=WAREHOUSE_POOL, outlet=WAREHOUSE),
    )
