"""Listing discovery: a publication's listing, newest first, searched for the day's first page,
then walked from there page by page until its entries are older than the day.

The search (``spiders.discovery.locate``) jumps to page numbers (``urls.listing_page``):
every page read gives the dates of a run of consecutive entries, so a guess interpolated
from the publication's own publishing rate usually lands on the day at once, whatever its
distance; ids of neighbouring days the warehouse holds steer the first guess. A day the
first page already reaches is walked from there, as before. Without ``urls.listing_page``
the listing is walked from its first page.

Listing pages also serve the other strategies: a feed that does not reach back far enough
is completed from the listing (``walk``), and the id search without a last id seen is
anchored on the listing's first page (``anchor``). One request for a first page carries
every role it plays, so the page is fetched once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from core.selectors import select, select_first
from spiders.articles import ArticleFetcher
from spiders.crawl_day import CrawlDay
from spiders.discovery.base import DiscoveryStrategy
from spiders.discovery.locate import Locator, day_time

WALK = "walk"  # the page's articles of the day are collected, and the next page followed
ANCHOR = "anchor"  # the page's entries start the id search
SEARCH = "search"  # a page read to locate the day
PAST_THE_END = (404, 410)  # a page number beyond the listing's last page


@dataclass(frozen=True)
class Entry:
    url: str
    listed: date | None
    publication: str | None
    aggregator_id: int | None


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    entries: tuple[Entry, ...]
    next_url: str | None


class ListingAnchored(Protocol):
    """A strategy that may start from the entries of a listing's first page."""

    def wants_anchor(self, slug: str) -> bool: ...

    def anchor_on(self, slug: str, entries: list[tuple[int, date | None]]) -> Iterator[Any]: ...


class _Search:
    """One publication's listing while its day is being located."""

    def __init__(self, crawl: CrawlDay, slug: str, first: Page):
        self.slug = slug
        self.page_size = len(first.entries)
        # keys ascend in time: minus the position from the newest entry; the boundary is the
        # first entry dated after the day (the day's newest entry sits just below it)
        self.locator = Locator(crawl.day + timedelta(days=1), ceiling=0)
        self.pages: dict[int, Page] = {}
        self.uneven = False
        newest = next((e.aggregator_id for e in first.entries if e.aggregator_id), None)
        for side, (aggregator_id, day) in crawl.neighbours.get(slug, {}).items():
            if newest is not None and aggregator_id <= newest:
                # the last id of an earlier day ends it; the first of a later day starts it
                self.locator.hint(aggregator_id - newest, day_time(day, 0.999 if side == "below" else 0.001))
        self.add(1, first)

    def add(self, number: int, page: Page) -> None:
        self.pages[number] = page
        if page.next_url is not None and len(page.entries) != self.page_size:
            self.uneven = True  # pages of other sizes: page numbers do not give positions
        start = (number - 1) * self.page_size
        if not page.entries:
            self.locator.observe_before_all(-start)
            return
        for offset, entry in enumerate(page.entries):
            if entry.listed is not None:
                self.locator.observe(-(start + offset), entry.listed)
        if page.next_url is None:
            self.locator.observe_before_all(-(start + len(page.entries)))

    def page_of(self, key: int) -> int:
        return -key // self.page_size + 1


class ListingWalk(DiscoveryStrategy):
    name = "listing"

    def __init__(self, crawl: CrawlDay, articles: ArticleFetcher, *, walk_every_publication: bool):
        super().__init__(crawl, articles)
        self.walk_every_publication = walk_every_publication  # the "listing" strategy is on
        self.anchored: ListingAnchored | None = None
        self.walking: set[str] = set()  # publications whose listing is being walked
        self.searches: dict[str, _Search] = {}
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

    def _page_url(self, slug: str, number: int) -> str:
        urls = self.crawl.profile.urls
        if number == 1 or urls.listing_page is None:
            return self.crawl.url(urls.listing.format(publication=slug))
        return self.crawl.url(urls.listing_page.format(publication=slug, page=number))

    def _request(
        self, slug: str, roles: set[str], url: str | None = None, page: int = 1, walked: int = 1
    ) -> scrapy.Request:
        meta: dict[str, Any] = {
            "kind": "listing",
            "publication": slug,
            "page": page,
            "roles": sorted(roles),
            "walked": walked,
        }
        if SEARCH in roles:
            meta["handle_httpstatus_list"] = list(PAST_THE_END)
        return scrapy.Request(
            url or self._page_url(slug, page),
            callback=self.parse_listing,
            errback=self.crawl.discovery_page_failed,
            meta=meta,
            # a first page may serve as the probe's anchor, then be walked; a searched page is
            # asked for once, and then walked from what was read
            dont_filter=page == 1 or SEARCH in roles,
        )

    def _read(self, response: Response) -> Page:
        selectors = self.crawl.profile.selectors
        entries = []
        if response.status not in PAST_THE_END:
            for item in select(response.selector, selectors.listing_item):
                href = select_first(item, selectors.listing_link)
                if not href:
                    continue
                date_text = select_first(item, selectors.listing_date)
                url = response.urljoin(href)
                match = self._article_path.match(urlsplit(url).path)
                entries.append(
                    Entry(
                        url,
                        self.crawl.parse_day(date_text) if date_text else None,
                        match.group("publication") if match else None,
                        int(match.group("id")) if match else None,
                    )
                )
        next_href = select_first(response.selector, selectors.next_page) if entries else None
        return Page(
            response.url, response.status, tuple(entries), response.urljoin(next_href) if next_href else None
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        slug, number, roles = response.meta["publication"], response.meta["page"], set(response.meta["roles"])
        page = self._read(response)
        if ANCHOR in roles and self.anchored is not None:
            own = [
                (e.aggregator_id, e.listed) for e in page.entries if e.publication == slug and e.aggregator_id
            ]
            yield from self.anchored.anchor_on(slug, own)
        if SEARCH in roles:
            search = self.searches[slug]
            search.add(number, page)
            yield from self._search_step(search)
        elif WALK in roles:
            if number == 1 and self._worth_searching(page):
                search = self.searches[slug] = _Search(self.crawl, slug, page)
                yield from self._search_step(search)
            else:
                yield from self._walk_page(slug, number, page, response.meta.get("walked", 1))

    def _worth_searching(self, page: Page) -> bool:
        """The first page ends before the day: the day lies further down, so it is located."""
        dated = [e.listed for e in page.entries if e.listed is not None]
        return bool(
            self.crawl.profile.urls.listing_page and page.next_url and dated and min(dated) > self.crawl.day
        )

    def _search_step(self, search: _Search) -> Iterator[Any]:
        crawl, locator = self.crawl, search.locator
        if search.uneven:
            crawl.logger.warning(
                "%s: publication %s: listing pages of uneven sizes; walking it from its first page",
                crawl.profile.site,
                search.slug,
            )
            yield from self._walk_page(search.slug, 1, search.pages[1], 1)
            return
        if not locator.located:
            if locator.requests >= crawl.profile.discovery.max_search_requests:
                last = max(search.pages)
                yield from self._cannot_locate(
                    search.slug,
                    search.pages[last],
                    f"not located after discovery.max_search_requests={locator.requests} listing pages",
                )
                return
            number = search.page_of(locator.propose())
            if number in search.pages:  # cannot happen with a consistent listing; never loop
                yield from self._cannot_locate(
                    search.slug,
                    search.pages[number],
                    f"the listing's dates are not in order near page {number}",
                )
                return
            crawl.count("pressetl/listing_search_pages")
            yield self._request(search.slug, {SEARCH}, page=number)
            return
        newest_of_day = locator.lo
        assert newest_of_day is not None
        if newest_of_day not in locator.times:
            # past the end of the listing: its oldest entry is newer than the day
            oldest = min(t for t in locator.times.values())
            crawl.note_before_history(search.slug, date.fromordinal(int(oldest)))
            return
        number = search.page_of(newest_of_day)
        yield from self._walk_page(search.slug, number, search.pages[number], 1)

    def _cannot_locate(self, slug: str, page: Page, reason: str) -> Iterator[Any]:
        crawl = self.crawl
        crawl.discovery_failures.append(page.url)
        message = f"{crawl.profile.site} {crawl.day}: publication {slug}: cannot locate the day: {reason}"
        crawl.logger.error("%s (%s)", message, page.url)
        yield crawl.failure(page.url, "listing", page.status, message)

    def _walk_page(self, slug: str, number: int, page: Page, walked: int) -> Iterator[Any]:
        crawl = self.crawl
        reached_older = False
        for entry in page.entries:
            if entry.listed is not None and entry.listed < crawl.day:
                reached_older = True  # newest first: everything below is older too
                break
            if entry.listed is not None and entry.listed > crawl.day:
                continue
            # listed == day, or undated (fetched: the quality gate checks its real date)
            if self._article_path.match(urlsplit(entry.url).path) and crawl.on_site(entry.url):
                yield from self.articles.article(entry.url, slug, entry.listed, "listing")
        if not page.entries or page.next_url is None or reached_older:
            return
        if walked >= crawl.profile.discovery.max_listing_pages:
            crawl.discovery_failures.append(page.url)
            yield crawl.failure(
                page.url,
                "listing",
                page.status,
                f"publication {slug}: stopped at discovery.max_listing_pages={walked} pages of the day's "
                f"walk before reaching {crawl.day}",
            )
            return
        search = self.searches.get(slug)
        if search is not None and number + 1 in search.pages:  # read while searching: not asked again
            yield from self._walk_page(slug, number + 1, search.pages[number + 1], walked + 1)
            return
        yield self._request(slug, {WALK}, page.next_url, number + 1, walked + 1)
