"""The profile-driven aggregator spider: one site, one logical day.

Wiring only. Publications come from the profile or the home page; each is handed to the
discovery strategies the profile names (their union), in ``spiders.discovery``:

- ``listing``: the day's first page located on the publication listing, then walked (``listing``);
- ``rss``: the publication's feed, completed by the listing when it is short (``feed``);
- ``id_probe``: ids searched around the day, each page dated by itself (``probe``).

Locating a past day costs requests that grow with the logarithm of its distance
(``spiders.discovery.locate``); the warehouse's ids of neighbouring days (``neighbours``) steer it.

Every article URL they find goes to ``spiders.articles`` (fetch, reuse of the raw zone,
source follow, the RawItem); ``spiders.crawl_day`` holds what they share.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response

from core.partitions import Partition
from core.profiles import SiteProfile
from core.rawzone import ArchivedRef
from core.selectors import select
from spiders.articles import ArticleFetcher
from spiders.crawl_day import CrawlDay
from spiders.discovery.base import DiscoveryStrategy
from spiders.discovery.feed import FeedDiscovery
from spiders.discovery.listing import ListingWalk
from spiders.discovery.probe import IdProbing
from spiders.source_follow import PublisherLinks


class AggregatorSpider(scrapy.Spider):
    name = "aggregator"

    def __init__(
        self,
        profile: SiteProfile,
        day: date,
        *,
        partition: Partition | None = None,
        archive: dict[str, ArchivedRef] | None = None,
        refresh: bool = False,
        last_ids: dict[str, int] | None = None,
        neighbours: dict[str, dict[str, Any]] | None = None,
        publisher_urls: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.profile = profile
        self.day = day
        archive = {} if refresh or archive is None else archive
        self.crawl_day = CrawlDay(self, profile, day, partition, archive, _neighbours(neighbours))
        publishers = PublisherLinks(profile, publisher_urls)
        self.articles = ArticleFetcher(self.crawl_day, publishers)
        # Checked for every request by spiders.hosts.AllowedHostsMiddleware (port-aware);
        # allowed_domains keeps Scrapy's own OffsiteMiddleware in agreement.
        self.allowed_netlocs = self.crawl_day.site_netlocs | publishers.netlocs()
        self.allowed_domains = sorted({n.split(":")[0] for n in self.allowed_netlocs})
        self.strategies = self._strategies(profile.discovery.strategies, last_ids)
        self._publication_path = re.compile(profile.urls.publication_link)

    def _strategies(self, names: list[str], last_ids: dict[str, int] | None) -> list[DiscoveryStrategy]:
        # The listing comes first for every publication, whatever the profile names: besides its
        # own walk it anchors the id search and completes short feeds. Then feed, then probe.
        crawl, articles = self.crawl_day, self.articles
        listings = ListingWalk(crawl, articles, walk_every_publication="listing" in names)
        strategies: list[DiscoveryStrategy] = [listings]
        if "rss" in names:
            strategies.append(FeedDiscovery(crawl, articles, listings))
        if "id_probe" in names:
            probing = IdProbing(crawl, articles, last_ids)
            listings.anchored = probing
            strategies.append(probing)
        return strategies

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> AggregatorSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._count_request, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        return spider

    def _request_dropped(self, request: scrapy.Request, spider: scrapy.Spider | None = None) -> None:
        """The scheduler refused a request (its duplicate filter): said, never silent."""
        self.crawler.stats.inc_value("pressetl/requests_dropped")
        self.logger.warning(
            "%s %s: request dropped by the scheduler (duplicate): %s (%s)",
            self.profile.site,
            self.day,
            request.url,
            request.meta.get("kind", "other"),
        )

    def closed(self, reason: str) -> None:
        # An article still waiting for its publisher's page has no RawItem: the ledger's
        # per-URL outcomes will show it unaccounted; here it is named.
        for fetched in self.articles.unanswered():
            self.logger.error(
                "%s %s: %s: the crawl ended (%s) before its publisher's page was answered",
                self.profile.site,
                self.day,
                fetched.url,
                reason,
            )

    def _count_request(self, request: scrapy.Request, spider: scrapy.Spider | None = None) -> None:
        """Every request that reaches the downloader (retries and robots.txt included), by kind."""
        kind = request.meta.get("kind") or (
            "robots" if urlsplit(request.url).path == "/robots.txt" else "other"
        )
        self.crawler.stats.inc_value(f"pressetl/requests/{kind}")

    @property
    def discovery_failures(self) -> list[str]:
        """Discovery pages that failed (first one first): the crawl of the day is incomplete."""
        return self.crawl_day.discovery_failures

    async def start(self) -> AsyncIterator[scrapy.Request]:
        publications = self.profile.discovery.publications
        if publications:
            for request in self._discover(publications):
                yield request
        else:
            yield scrapy.Request(
                self.crawl_day.url(self.profile.urls.home),
                callback=self.parse_home,
                errback=self.crawl_day.discovery_page_failed,
                meta={"kind": "home"},
            )

    def parse_home(self, response: Response) -> Iterator[Any]:
        crawl = self.crawl_day
        slugs: dict[str, str] = {}
        for href in select(response.selector, self.profile.selectors.home_publication_links).getall():
            url = response.urljoin(href.strip())
            match = self._publication_path.match(urlsplit(url).path)
            if match and crawl.on_site(url):
                slugs.setdefault(match.group("publication"), url)
        if not slugs:
            crawl.discovery_failures.append(response.url)
            yield crawl.failure(
                response.url, "home", response.status, "no publication links on the home page"
            )
        yield from self._discover(sorted(slugs))

    def _discover(self, slugs: Iterable[str]) -> Iterator[Any]:
        # Publication by publication: its listing, feed and probe requests are scheduled together.
        for slug in slugs:
            for strategy in self.strategies:
                yield from strategy.start(slug)


def _neighbours(given: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, tuple[int, date]]]:
    """``{slug: {"below": [id, day], "above": [id, day]}}`` (JSON from the crawl stage) as typed pairs."""
    typed: dict[str, dict[str, tuple[int, date]]] = {}
    for slug, sides in (given or {}).items():
        for side, (aggregator_id, day) in sides.items():
            if side in ("below", "above") and aggregator_id:
                day = day if isinstance(day, date) else date.fromisoformat(day)
                typed.setdefault(slug, {})[side] = (int(aggregator_id), day)
    return typed


__all__ = ["AggregatorSpider"]
