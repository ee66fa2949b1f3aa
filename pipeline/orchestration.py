"""What an Airflow task needs beyond the stage functions: the logical day from the
run's data interval, settings from the worker's environment, the ledger on failure.

Kept out of ``dags/`` so DAG files stay wiring only, and cheap to parse.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SCHEDULE_TIMEZONE = "Africa/Casablanca"


def logical_day(data_interval_start: datetime, timezone: str = SCHEDULE_TIMEZONE) -> date:
    """The local day a run collects: its data interval starts at 02:00 on that day."""
    return data_interval_start.astimezone(ZoneInfo(timezone)).date()


def enabled_sites(requested: list[str] | None = None) -> list[str]:
    """The sites a run covers: those requested (validated), else every enabled profile."""
    from pipeline.profiles import ProfileError, load_profiles
    from pipeline.settings import Settings

    profiles = load_profiles(Settings.from_env().profiles_dir)
    if requested:
        unknown = sorted(set(requested) - set(profiles))
        if unknown:
            raise ProfileError(f"unknown site(s) {unknown}; known: {sorted(profiles)}")
        return list(requested)
    return [name for name, profile in profiles.items() if profile.enabled]


def run_stage(stage: str, site: str, data_interval_start: datetime, run_id: str, **options) -> dict:
    """Run one stage for (site, logical day) as an Airflow task does; the failure reason is one line."""
    from pipeline import stages
    from pipeline.ledger import recorded
    from pipeline.settings import Settings

    settings = Settings.from_env()
    day = logical_day(data_interval_start)
    with recorded(settings, site, day, run_id, stage):
        return getattr(stages, stage)(settings, site, day, run_id, **options)
