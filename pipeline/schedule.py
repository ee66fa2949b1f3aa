"""Which local day a run collects: the scheduling calendar shared by the DAGs, the
failure notifier and the stage tasks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

SCHEDULE_TIMEZONE = "Africa/Casablanca"


def logical_day(data_interval_start: datetime, timezone: str = SCHEDULE_TIMEZONE) -> date:
    """The local day a run collects: its data interval starts at 02:00 on that day."""
    return data_interval_start.astimezone(ZoneInfo(timezone)).date()


def run_day(
    data_interval_start: datetime | None, run_after: datetime | None, timezone: str = SCHEDULE_TIMEZONE
) -> date:
    """The day a ``press_nightly`` run collects.

    Scheduled runs and backfills have a data interval: its start's local date. A run
    triggered without a logical date (the UI's default in Airflow 3) has none: it
    collects what a nightly run starting then would, the last day completed at 02:00.
    """
    if data_interval_start is not None:
        return logical_day(data_interval_start, timezone)
    if run_after is None:
        raise ValueError("the run has neither a data interval nor a run-after time: no day to collect")
    local = run_after.astimezone(ZoneInfo(timezone))
    last_boundary = local.date() if local.hour >= 2 else local.date() - timedelta(days=1)
    return last_boundary - timedelta(days=1)
