"""The failure notifier of the pressetl DAGs: one line that says what failed and why.

    press_nightly maghress-fr 2011-02-09 maghress.validate failed: quality gate failed for ...

The line is always written to the task's log (the last line an operator reads in a red
task). It is forwarded through Airflow's own notifiers when configured:

* ``PRESSETL_ALERT_EMAIL`` (comma-separated addresses): by email, with the SMTP
  provider's ``SmtpNotifier`` and the Airflow connection ``PRESSETL_ALERT_SMTP_CONN_ID``
  (default ``smtp_default``);
* ``PRESSETL_ALERT_SLACK_CONN_ID`` (and optionally ``PRESSETL_ALERT_SLACK_CHANNEL``): to
  Slack, with ``apache-airflow-providers-slack``'s ``SlackNotifier`` when that provider
  is installed (it is not by default; the line then says so in the log).

The environment is read when a task fails (on the worker), not when the DAG is parsed.
A forwarding that fails is logged and does not hide the task's own failure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from typing import Any

from airflow.sdk import BaseNotifier

from core.text import one_line
from pipeline.schedule import logical_day

ENV_ALERT_EMAIL = "PRESSETL_ALERT_EMAIL"
ENV_ALERT_SMTP_CONN_ID = "PRESSETL_ALERT_SMTP_CONN_ID"
ENV_ALERT_SLACK_CONN_ID = "PRESSETL_ALERT_SLACK_CONN_ID"
ENV_ALERT_SLACK_CHANNEL = "PRESSETL_ALERT_SLACK_CHANNEL"

# The forwarded notifiers render this context key (never the reason itself as a template).
ALERT_KEY = "pressetl_alert"
# Tasks put {"site": ..., "day": ...} here when they start (see dags/).
PARTITION_KEY = "pressetl_partition"


def reason(exc: BaseException | str | None) -> str:
    if exc is None:
        return "unknown reason (no exception: killed, timed out or marked failed by hand?)"
    return one_line(exc)


def failure_line(context: Mapping[str, Any]) -> str:
    """``<dag> <site> <day> <task> failed: <reason>``; '-' where a part is unknown."""
    dag = context.get("dag")
    ti = context.get("ti")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None) or "-"
    task_id = getattr(ti, "task_id", None) or getattr(context.get("task"), "task_id", None) or "-"
    site, day = _partition(context)
    return f"{dag_id} {site} {day} {task_id} failed: {reason(context.get('exception'))}"


def _partition(context: Mapping[str, Any]) -> tuple[str, str]:
    partition = context.get(PARTITION_KEY) or {}
    site = partition.get("site")
    day = partition.get("day")
    if site is None:  # the task failed before it started: read its arguments
        kwargs = getattr(context.get("task"), "op_kwargs", None) or {}
        site = kwargs.get("site") or (kwargs.get("partition") or {}).get("site")
        day = day or (kwargs.get("partition") or {}).get("day")
    if day is None and context.get("data_interval_start") is not None:
        day = logical_day(context["data_interval_start"])
    return str(site or "-"), day.isoformat() if isinstance(day, date) else str(day or "-")


class FailureNotifier(BaseNotifier):
    """``on_failure_callback`` of every pressetl task: log the one line, forward it if configured."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._environ = environ

    def notify(self, context: Any) -> None:
        line = failure_line(context)
        self.log.error("%s", line)
        context[ALERT_KEY] = line
        for name, forward in self.forwards():
            try:
                forward(context)
            except Exception as exc:  # the task's own failure matters more
                self.log.error("pressetl: could not send the failure by %s: %s", name, one_line(exc))

    def forwards(self) -> list[tuple[str, BaseNotifier]]:
        """Airflow notifiers configured by the environment, by channel name."""
        env = os.environ if self._environ is None else self._environ
        forwards: list[tuple[str, BaseNotifier]] = []
        if recipients := [a.strip() for a in env.get(ENV_ALERT_EMAIL, "").split(",") if a.strip()]:
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            message = "{{ " + ALERT_KEY + " }}"
            forwards.append(
                (
                    "email",
                    SmtpNotifier(
                        to=recipients,
                        subject=message,
                        html_content="<p>{{ " + ALERT_KEY + " | e }}</p><p>Log: {{ ti.log_url | e }}</p>",
                        smtp_conn_id=env.get(ENV_ALERT_SMTP_CONN_ID) or "smtp_default",
                    ),
                )
            )
        if slack_conn_id := env.get(ENV_ALERT_SLACK_CONN_ID):
            try:
                from airflow.providers.slack.notifications.slack import SlackNotifier
            except ImportError:
                self.log.warning(
                    "pressetl: %s is set but apache-airflow-providers-slack is not installed",
                    ENV_ALERT_SLACK_CONN_ID,
                )
            else:
                channel = env.get(ENV_ALERT_SLACK_CHANNEL) or "#general"
                forwards.append(
                    (
                        "slack",
                        SlackNotifier(
                            slack_conn_id=slack_conn_id, text="{{ " + ALERT_KEY + " }}", channel=channel
                        ),
                    )
                )
        return forwards
