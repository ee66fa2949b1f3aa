"""Freshness: was each enabled site's day loaded by the morning's deadline?

The day checked is the one the last nightly run before the deadline collected (08:00 on
the 10th: the 9th, collected at 02:00). The deadline is ``PRESSETL_FRESHNESS_DEADLINE``
(HH:MM, default 08:00) in ``PRESSETL_FRESHNESS_TIMEZONE`` (default Africa/Casablanca),
read where the check runs; ``press_freshness`` is scheduled from the same setting.

A late site's line names the site, the day and its last state, in the words the
warehouse allows: the last failure (stage, run, reason), a run still holding the day, a
run that died holding it, or no run at all::

    maghress-fr 2011-02-09 not loaded by 08:00 Africa/Casablanca: last state failed at transform ...

``pressetl freshness`` prints these lines; ``press_freshness`` fails one task per late
site with it, so the failure notifier sends it as it sends any failed task.

Module level stays cheap (the DAG file and the retry policy import it at parse time):
the warehouse is imported only by ``check``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.schedule import SCHEDULE_TIMEZONE, run_day

if TYPE_CHECKING:
    from warehouse.freshness import DayState

log = logging.getLogger(__name__)

ENV_FRESHNESS_DEADLINE = "PRESSETL_FRESHNESS_DEADLINE"
ENV_FRESHNESS_TIMEZONE = "PRESSETL_FRESHNESS_TIMEZONE"
DEFAULT_DEADLINE = "08:00"

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


class FreshnessAlert(Exception):
    """A day not loaded by its deadline; the message is its last state. A retry minutes
    later cannot change it: the retry policy fails the task at once."""


@dataclass(frozen=True)
class Deadline:
    """The local time of day by which the previous day must be in the warehouse."""

    hour: int
    minute: int
    timezone: str = SCHEDULE_TIMEZONE

    @classmethod
    def parse(cls, clock: str, timezone: str = SCHEDULE_TIMEZONE) -> Deadline:
        match = _CLOCK.fullmatch(clock.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{ENV_FRESHNESS_DEADLINE}={clock!r} is not a time of day (HH:MM, e.g. 08:00)")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{ENV_FRESHNESS_TIMEZONE}={timezone!r} is not a time zone (e.g. Africa/Casablanca)"
            ) from None
        return cls(int(match[1]), int(match[2]), timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Deadline:
        env = os.environ if environ is None else environ
        return cls.parse(
            env.get(ENV_FRESHNESS_DEADLINE) or DEFAULT_DEADLINE,
            env.get(ENV_FRESHNESS_TIMEZONE) or SCHEDULE_TIMEZONE,
        )

    @property
    def cron(self) -> str:
        return f"{self.minute} {self.hour} * * *"

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d} {self.timezone}"

    def latest(self, moment: datetime) -> datetime:
        """The last deadline at or before ``moment`` (aware), in the deadline's zone."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        for back in (0, 1):
            day = local.date() - timedelta(days=back)
            candidate = datetime(day.year, day.month, day.day, self.hour, self.minute, tzinfo=zone)
            if candidate <= local:
                return candidate
        raise AssertionError("unreachable: yesterday's deadline is always past")

    def due_day(self, moment: datetime) -> date:
        """The day due by the last deadline at or before ``moment``: the day the last
        nightly run before that deadline collected."""
        return run_day(None, self.latest(moment))


@dataclass(frozen=True)
class Freshness:
    """One site's day at check time: loaded or not, and its last state in words."""

    site: str
    day: date
    loaded: bool
    state: str
    deadline: Deadline

    @property
    def reason(self) -> str:
        return self.state if self.loaded else f"not loaded by {self.deadline}: {self.state}"

    @property
    def line(self) -> str:
        return f"{self.site} {self.day.isoformat()} {self.reason}"


def check(warehouse_url: str, sites: list[str], day: date, deadline: Deadline) -> list[Freshness]:
    """Whether ``day`` is loaded for each of ``sites``, in their order.

    Raises ``WarehouseSchemaError`` when the warehouse is not at the code's revision.
    """
    from warehouse.engine import make_engine
    from warehouse.freshness import day_states
    from warehouse.schema import require_current

    engine = make_engine(warehouse_url)
    try:
        require_current(engine)
        states, now = day_states(engine, sites, day)
    finally:
        engine.dispose()
    return [Freshness(site, day, *describe(states[site], now), deadline) for site in sites]


def describe(state: DayState, now: datetime) -> tuple[bool, str]:
    """(loaded, last state in words) of one site's day."""
    if state.loaded is not None:
        run = state.loaded
        return True, (
            f"loaded: {run['loaded']} articles, {run['quarantined']} quarantined "
            f"(run {run['run_id']}, finished {_stamp(run['finished_at'] or run['started_at'])})"
        )
    parts = []
    if (lock := state.lock) is not None:
        if lock.expires_at > now:
            parts.append(f"running since {_stamp(lock.acquired_at)} (run {lock.run_id} on {lock.holder})")
        else:  # its holder was killed outright: nothing released the day
            parts.append(
                f"run {lock.run_id} stopped unfinished (on {lock.holder} since {_stamp(lock.acquired_at)}; "
                f"its lock lapsed at {_stamp(lock.expires_at)})"
            )
    if (run := state.latest) is not None:
        stage = run["failed_stage"] or run["stage_reached"]
        parts.append(
            f"last state failed at {stage} in run {run['run_id']} at "
            f"{_stamp(run['finished_at'] or run['started_at'])}: {run['error'] or 'no reason recorded'}"
        )
    return False, "; ".join(parts) or "no run recorded"


def _stamp(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# -- press_freshness ----------------------------------------------------------------------


def check_task(site: str, context: MutableMapping[str, Any]) -> dict[str, str]:
    """The body of ``press_freshness``'s check of one site: raises ``FreshnessAlert`` when late.

    The day is the one due by the run's logical date (the deadline it was scheduled at), or
    by its trigger time when triggered without one. The partition goes into the context
    first, so the failure notifier's line names the site and the day.
    """
    from core.settings import Settings
    from pipeline.notify import PARTITION_KEY
    from pipeline.orchestration import LABEL_KEY

    context[LABEL_KEY] = site
    deadline = Deadline.from_env()
    moment = context.get("logical_date") or context["dag_run"].run_after
    day = deadline.due_day(moment)
    context[PARTITION_KEY] = {"site": site, "day": day}
    [result] = check(Settings.from_env().warehouse_url, [site], day, deadline)
    if not result.loaded:
        raise FreshnessAlert(result.reason)
    log.info("%s", result.line)
    return {"site": site, "day": day.isoformat(), "state": result.state}


__all__ = ["Deadline", "Freshness", "FreshnessAlert", "check", "check_task", "describe"]
