"""Small helpers shared by the stage functions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from core.partitions import Partition
from core.profiles import SiteProfile, load_profile
from core.settings import Settings

# stage name, counters so far (e.g. {"pages": 120, "articles": 80})
Progress = Callable[[str, dict[str, int]], None]


def no_progress(stage: str, counters: dict[str, int]) -> None:
    return None


def site_profile(settings: Settings, site: str) -> SiteProfile:
    return load_profile(settings.profiles_dir, site, settings.base_url_overrides.get(site))


def partition_for(settings: Settings, site: str, day: date) -> Partition:
    return Partition(site, day, settings.data_dir)
