"""Listing walk-back: a publication's listing, newest first, walked back page by page until
its entries are older than the day.

Listing pages also serve the other strategies: a feed that does not reach back far enough
is completed by walking the listing (``walk``), and the id search without a last id seen
is anchored on the newest id of the listing's first page (``anchor``). One request for a
first page carries every role it plays, so the page is fetched once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from core.selectors import select, select_first
from spiders.articles import ArticleFetcher
from spiders.crawl_day import CrawlDay
from spiders.discovery.base import DiscoveryStrategy

WALK = "walk"  # the page's articles of the day are collected, and the next page followed
ANCHOR = "anchor"  # the page's newest article id starts the id search


class ListingAnchored(Protocol):
    """A strategy that may start from the newest article id on a listing's first page."""

    def wants_anchor(self, slug: str) -> bool: ...

    def anchor_on(self, slug: str, ids: list[int]) -> Iterator[Any]: ...


class ListingWalk(DiscoveryStrategy):
    name = "listing"

    def __init__(self, crawl: CrawlDay, articles: ArticleFetcher, *, walk_every_publication: bool):
        super().__init__(crawl, articles)
        self.walk_every_publication = walk_every_publication  # the "listing" strategy is on
        self.anchored: ListingAnchored | None = None
        self.walking: set[str] = set()  # publications whose listing is being walked
        self._article_path = re.compile(crawl.profile.urls.article)

    def start(self, slug: str) -> Iterator[scrapy.Request]:
        roles = set()
        if self.walk_every_publication:
            self.walking.add(slug)
            roles.add(WALK)
        if self.anchored is not None and self.anchored.wants_anchor(slug):
            roles.add(ANCHOR)
        if roles:
            yield self._request(slug, roles)

    def walk(self, slug: str) -> scrapy.Request | None:
        """Walk one publication's listing for another strategy; None if it is walked already."""
        if slug in self.walking:
            return None
        self.walking.add(slug)
        return self._request(slug, {WALK})

    def _request(self, slug: str, roles: set[str], url: str | None = None, page: int = 1) -> scrapy.Request:
        crawl = self.crawl
        return scrapy.Request(
            url or crawl.url(crawl.profile.urls.listing.format(publication=slug)),
            callback=self.parse_listing,
            errback=crawl.discovery_page_failed,
            meta={"kind": "listing", "publication": slug, "page": page, "roles": sorted(roles)},
            dont_filter=page == 1,  # a first page may serve as the probe's anchor, then be walked
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        slug, page, roles = response.meta["publication"], response.meta["page"], set(response.meta["roles"])
        crawl = self.crawl
        selectors = crawl.profile.selectors
        entries = select(response.selector, selectors.listing_item)
        if ANCHOR in roles and self.anchored is not None:
            yield from self.anchored.anchor_on(slug, self._article_ids(response, slug, entries))
        if WALK not in roles:
            return
        reached_older = False
        for entry in entries:
            href = select_first(entry, selectors.listing_link)
            if not href:
                continue
            date_text = select_first(entry, selectors.listing_date)
            listed = crawl.parse_day(date_text) if date_text else None
            if listed is not None and listed < crawl.day:
                reached_older = True  # newest first: everything below is older too
                break
            if listed is not None and listed > crawl.day:
                continue
            # listed == day, or undated (fetched: the quality gate checks its real date)
            url = response.urljoin(href)
            if self._article_path.match(urlsplit(url).path) and crawl.on_site(url):
                yield from self.articles.article(url, slug, listed, "listing")
        next_href = select_first(response.selector, selectors.next_page)
        if entries and next_href and not reached_older:
            if page >= crawl.profile.discovery.max_listing_pages:
                crawl.discovery_failures.append(response.url)
                yield crawl.failure(
                    response.url,
                    "listing",
                    response.status,
                    f"stopped at discovery.max_listing_pages={page} before reaching {crawl.day}",
                )
            else:
                yield self._request(slug, {WALK}, response.urljoin(next_href), page + 1)

    def _article_ids(self, response: Response, slug: str, entries) -> list[int]:
        """The ids of the publication's own articles listed on the page."""
        ids = []
        for entry in entries:
            href = select_first(entry, self.crawl.profile.selectors.listing_link)
            match = self._article_path.match(urlsplit(response.urljoin(href or "")).path)
            if match and match.group("publication") == slug:
                ids.append(int(match.group("id")))
        return ids
