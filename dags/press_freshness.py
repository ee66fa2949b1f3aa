"""
### press_freshness

Every morning at the freshness deadline (08:00 Africa/Casablanca by default) check that
the day the nightly run collected (the previous local day) is in the warehouse, for every
enabled site: **one `check` task per site**, green when the day is loaded (quarantined
rows or not), red when it is not.

**Red tasks.** A late site's task fails at once (no retry: it would say the same) and the
failure notifier sends its line, by email or Slack when `PRESSETL_ALERT_EMAIL` /
`PRESSETL_ALERT_SLACK_CONN_ID` are set, as for any red pressetl task:

    press_freshness maghress-fr 2011-02-09 check failed: not loaded by 08:00 Africa/Casablanca:
    last state failed at transform in run … : <reason>

The last state is the last failure (stage, run, reason), `running since …` (a run holds
the day now), `run … stopped unfinished` (its holder died), or `no run recorded`.
Load the day (`press_nightly` with that logical date, or `pressetl run`), then clear the
red task: it checks again and goes green. `pressetl freshness --date D` prints the same lines.

**Deadline.** `PRESSETL_FRESHNESS_DEADLINE` (HH:MM, default 08:00) in
`PRESSETL_FRESHNESS_TIMEZONE` (default Africa/Casablanca): the schedule is parsed from it,
and the check reads it again when it runs; set it alike for the DAG processor and workers.
Triggered by hand without a logical date, the run checks the day due by the last deadline.

Runbook: the "Operator runbook" section of README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

from pipeline.airflow_tasks import LABEL_TEMPLATE
from pipeline.freshness import Deadline
from pipeline.orchestration import WAREHOUSE_POOL, default_args

DEADLINE = Deadline.from_env()


@dag(
    dag_id="press_freshness",
    schedule=CronTriggerTimetable(DEADLINE.cron, timezone=DEADLINE.timezone),
    start_date=datetime(2010, 1, 1, tzinfo=ZoneInfo(DEADLINE.timezone)),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["pressetl", "freshness"],
    doc_md=__doc__,
)
def press_freshness():
    @task(retries=0, execution_timeout=timedelta(minutes=5))
    def sites() -> list[str]:
        """Every enabled site (a broken profile included: it is checked too)."""
        from pipeline.orchestration import enabled_sites

        return enabled_sites()

    # reads the warehouse: in its pool; a database error is retried, a late day is not
    @task(
        pool=WAREHOUSE_POOL,
        retries=2,
        retry_delay=timedelta(minutes=2),
        execution_timeout=timedelta(minutes=10),
        map_index_template=LABEL_TEMPLATE,
    )
    def check(site: str) -> dict[str, str]:
        """Is the due day of this site loaded? (pipeline.freshness.check_task)"""
        from pipeline.freshness import check_task

        return check_task(site, get_current_context())

    check.expand(site=sites())


press_freshness()
