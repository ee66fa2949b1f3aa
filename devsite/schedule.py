"""How many articles each publication puts out each day, and which ids they get.

Ids are sequential per publication with no gaps: the k-th article of a day has id
``first_id + (articles on all earlier days since EPOCH) + k``. Prefix sums are kept
per (site, publication, year, volume), so any date or id is a few lookups away.

``Volume`` scales every day (benchmarks) and thins chosen days (a quiet day for the
volume check); the default is v1's schedule, unchanged.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

from devsite.catalog import site_spec
from devsite.seeds import stable_rng

EPOCH = date(2010, 1, 1)  # the devsite has no articles before this day


@dataclass(frozen=True)
class Volume:
    """What multiplies the v1 daily counts: hashable, so it can key the caches."""

    scale: float = 1.0
    thin_days: tuple[tuple[date, float], ...] = ()  # sorted (day, share kept)

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"scale must be > 0, got {self.scale}")

    def factor(self, day: date) -> float | None:
        for thin_day, share in self.thin_days:
            if thin_day == day:
                return share
        return None


DEFAULT = Volume()


def daily_count(site_name: str, slug: str, day: date, volume: Volume = DEFAULT) -> int:
    if day < EPOCH:
        return 0
    return _daily_count(site_name, slug, day, volume)


@lru_cache(maxsize=65536)
def _daily_count(site_name: str, slug: str, day: date, volume: Volume) -> int:
    site = site_spec(site_name)
    pub = site.publication(slug)
    if pub is None:
        raise KeyError(f"site {site_name}: unknown publication {slug!r}")
    count = stable_rng("count", site_name, slug, day.isoformat()).randint(pub.daily_min, pub.daily_max)
    if day.weekday() in site.weekend_days:
        count = int(count * site.weekend_factor + 0.5)
    if volume.scale != 1.0:
        count = int(count * volume.scale + 0.5)
    share = volume.factor(day)
    if share is not None:
        count = int(count * share + 0.5)
    return count


@cache
def _year_prefix(site_name: str, slug: str, year: int, volume: Volume) -> tuple[int, ...]:
    """Articles published in ``year`` before each day of it; the last entry is the year's total."""
    day = date(year, 1, 1)
    sums = [0]
    while day.year == year:
        sums.append(sums[-1] + daily_count(site_name, slug, day, volume))
        day += timedelta(days=1)
    return tuple(sums)


@cache
def _before_year(site_name: str, slug: str, year: int, volume: Volume) -> int:
    total = 0
    for earlier in range(EPOCH.year, year):
        total += _year_prefix(site_name, slug, earlier, volume)[-1]
    return total


def articles_before(site_name: str, slug: str, day: date, volume: Volume = DEFAULT) -> int:
    """How many articles the publication published on all days before ``day``."""
    if day <= EPOCH:
        return 0
    return (
        _before_year(site_name, slug, day.year, volume)
        + _year_prefix(site_name, slug, day.year, volume)[day.timetuple().tm_yday - 1]
    )


def locate(
    site_name: str, slug: str, position: int, last_day: date, volume: Volume = DEFAULT
) -> tuple[date, int] | None:
    """The day of the publication's ``position``-th article (0-based) and its index within that day.

    None when that article does not exist on or before ``last_day``.
    """
    if position < 0 or last_day < EPOCH:
        return None
    year = EPOCH.year
    while year < last_day.year and position >= _before_year(site_name, slug, year + 1, volume):
        year += 1
    prefix = _year_prefix(site_name, slug, year, volume)
    within = position - _before_year(site_name, slug, year, volume)
    if within >= prefix[-1]:
        return None
    day_index = bisect_right(prefix, within) - 1
    day = date(year, 1, 1) + timedelta(days=day_index)
    if day > last_day:
        return None
    return day, within - prefix[day_index]
