"""What a range of days will cost before it runs (`pressetl plan`): requests per aggregator
host and the time they take at the profiles' politeness settings.

The figures come from the site's own history: the crawl manifests of the days already in
the raw zone (requests per day, discovery requests, articles). A site with no history is
estimated from a typical day and says so. Crawls of one host run one at a time (the
host's Airflow pool has one slot), so a host's time is the sum of its sites' days.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date

from core.manifests import crawl_manifest
from core.partitions import Partition
from core.profiles import SiteProfile
from core.settings import Settings

HISTORY_DAYS = 30  # the most recent crawled days a site's figures are read from
# A site never crawled: a typical aggregator day, and requests per article as measured on
# devsite for a day whose neighbour is collected (bench/RESULTS.md, "Backfill": 1.10-1.14).
TYPICAL_ARTICLES = 100
TYPICAL_REQUESTS_PER_ARTICLE = 1.15
# Locating a day from scratch (no collected neighbour) costs about this many more requests
# per publication and doubling of the distance in days (bench/RESULTS.md, "Backfill": 10
# years back, +32 requests for maghress-fr, +63 for djazairess-fr, over the anchored day);
# a backfill pays it once, on its first day: the next days have a collected neighbour.
LOCATE_REQUESTS_PER_DOUBLING = 0.15
TYPICAL_PUBLICATIONS = 30


@dataclass(frozen=True)
class SitePlan:
    site: str
    aggregator: str
    days: int
    articles_per_day: float
    requests_per_day: float
    locate_requests: int  # once, to find the range's first day far from any collected one
    basis: str  # where the figures come from
    download_delay: float

    @property
    def requests(self) -> int:
        return math.ceil(self.days * self.requests_per_day) + self.locate_requests

    @property
    def seconds(self) -> float:
        """At the profile's politeness: one request per ``download_delay`` (a lower bound:
        AutoThrottle slows down further on a slow site)."""
        return self.requests * self.download_delay


@dataclass(frozen=True)
class HostPlan:
    aggregator: str
    sites: list[SitePlan]

    @property
    def requests(self) -> int:
        return sum(site.requests for site in self.sites)

    @property
    def seconds(self) -> float:
        return sum(site.seconds for site in self.sites)


def plan_range(
    settings: Settings, profiles: list[SiteProfile], first: date, last: date, today: date
) -> list[HostPlan]:
    """The cost of collecting ``first`` … ``last`` for each site, grouped by aggregator host."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    days = (last - first).days + 1
    by_host: dict[str, list[SitePlan]] = {}
    for profile in profiles:
        by_host.setdefault(profile.aggregator, []).append(
            _site_plan(settings, profile, first, last, days, today)
        )
    return [HostPlan(host, sites) for host, sites in sorted(by_host.items())]


def _site_plan(
    settings: Settings, profile: SiteProfile, first: date, last: date, days: int, today: date
) -> SitePlan:
    history = _history(settings, profile.site)
    publications = len(profile.discovery.publications) or TYPICAL_PUBLICATIONS
    if history:
        articles = statistics.median(m.discovered for m in history)
        requests = statistics.median(_requests(m) for m in history)
        basis = f"median of {len(history)} crawled day(s)"
    else:
        articles = TYPICAL_ARTICLES
        requests = TYPICAL_ARTICLES * TYPICAL_REQUESTS_PER_ARTICLE
        basis = "no crawl yet: a typical day (run one day to measure)"
    crawled = {m.logical_date for m in history} | _crawled_days(settings, profile.site, first, last)
    nearest = _distance_to_collected(first, last, crawled, today)
    locate = (
        math.ceil(publications * LOCATE_REQUESTS_PER_DOUBLING * math.log2(1 + nearest)) if nearest > 1 else 0
    )
    return SitePlan(
        site=profile.site,
        aggregator=profile.aggregator,
        days=days,
        articles_per_day=float(articles),
        requests_per_day=float(requests),
        locate_requests=locate,
        basis=basis,
        download_delay=profile.crawl.download_delay,
    )


def _requests(manifest) -> int:
    """Every HTTP request of a crawl: the split counts, or the responses of an older manifest."""
    split = manifest.discovery_requests + manifest.article_requests + manifest.source_requests
    return split or manifest.pages_fetched


def _history(settings: Settings, site: str):
    """The complete crawls of the site's most recent raw-zone days, newest first."""
    root = settings.data_dir / "raw" / site
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir(), reverse=True):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue
        manifest = crawl_manifest(Partition(site, day, settings.data_dir))
        if manifest is not None and manifest.status == "complete" and manifest.pages_fetched:
            found.append(manifest)
        if len(found) >= HISTORY_DAYS:
            break
    return found


def _crawled_days(settings: Settings, site: str, first: date, last: date) -> set[date]:
    root = settings.data_dir / "raw" / site
    if not root.is_dir():
        return set()
    days = set()
    for folder in root.iterdir():
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue
        if Partition(site, day, settings.data_dir).crawl_manifest.is_file():
            days.add(day)
    return days


def _distance_to_collected(first: date, last: date, crawled: set[date], today: date) -> int:
    """Days between the range and the nearest collected day (or today: the listings start
    there), which is where locating the range's first day starts from."""
    anchors = [*crawled, today]
    return min(min(abs((a - first).days), abs((a - last).days)) for a in anchors)
