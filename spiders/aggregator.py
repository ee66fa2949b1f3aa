"""The profile-driven aggregator spider: one site, one logical day.

Discovery walks publication listings (newest first) back until their entries
are older than the day; every article listed for the day is fetched. The spider
decides nothing about content: it records what it fetched (the WARC middleware
archives it) and emits one RawItem per discovered article, failed or not.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline.profiles import SiteProfile
from pipeline.records import PageFailure, RawItem
from transforms.dates import parse_date
from transforms.selectors import select, select_first


def describe_failure(failure: Failure) -> tuple[int | None, str]:
    """(HTTP status, one-line reason) for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return status, f"HTTP {status}"
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return None, f"{name}: {text}" if text else name


class AggregatorSpider(scrapy.Spider):
    name = "aggregator"

    def __init__(self, profile: SiteProfile, day: date, **kwargs: Any):
        super().__init__(**kwargs)
        self.profile = profile
        self.day = day
        # OffsiteMiddleware: nothing outside the profile's hosts is ever requested.
        self.allowed_domains = sorted({h.split(":")[0] for h in profile.hosts})
        self._article_path = re.compile(profile.urls.article)
        self._publication_path = re.compile(profile.urls.publication_link)
        self.discovered: set[str] = set()
        self.listing_failures: list[str] = []

    # -- discovery -----------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        publications = self.profile.discovery.publications
        if publications:
            for slug in publications:
                yield self._listing_request(
                    self._url(self.profile.urls.listing.format(publication=slug)), slug
                )
        else:
            yield scrapy.Request(
                self._url(self.profile.urls.home),
                callback=self.parse_home,
                errback=self.page_failed,
                meta={"kind": "home"},
            )

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        slugs: dict[str, str] = {}
        for href in select(response.selector, self.profile.selectors.home_publication_links).getall():
            url = response.urljoin(href.strip())
            match = self._publication_path.match(urlsplit(url).path)
            if match and self._allowed(url):
                slugs.setdefault(match.group("publication"), url)
        if not slugs:
            self.listing_failures.append(response.url)
            yield self._failure(
                response.url, "home", response.status, "no publication links on the home page"
            )
        for slug, url in sorted(slugs.items()):
            yield self._listing_request(url, slug)

    def _listing_request(self, url: str, slug: str, page: int = 1) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.page_failed,
            meta={"kind": "listing", "publication": slug, "page": page},
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        slug, page = response.meta["publication"], response.meta["page"]
        selectors = self.profile.selectors
        reached_older = False
        entries = select(response.selector, selectors.listing_item)
        for entry in entries:
            href = select_first(entry, selectors.listing_link)
            date_text = select_first(entry, selectors.listing_date)
            if not href:
                continue
            listed = (
                parse_date(date_text, self.profile.date_formats, self.profile.languages)
                if date_text
                else None
            )
            if listed is not None and listed < self.day:
                reached_older = True  # newest first: everything below is older too
                break
            if listed is not None and listed > self.day:
                continue
            # listed == day, or undated (fetched: the quality gate checks its real date)
            url = response.urljoin(href)
            if self._article_path.match(urlsplit(url).path) and self._allowed(url):
                yield from self._article_request(url, slug, listed)
        next_href = select_first(response.selector, selectors.next_page)
        if entries and next_href and not reached_older:
            if page >= self.profile.discovery.max_listing_pages:
                self.listing_failures.append(response.url)
                yield self._failure(
                    response.url,
                    "listing",
                    response.status,
                    f"stopped at discovery.max_listing_pages={page} before reaching {self.day}",
                )
            else:
                yield self._listing_request(response.urljoin(next_href), slug, page + 1)

    def _article_request(self, url: str, slug: str, listed: date | None) -> Iterator[scrapy.Request]:
        if url in self.discovered:
            return
        self.discovered.add(url)
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"kind": "article", "publication": slug, "listing_date": listed},
        )

    # -- articles --------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[RawItem]:
        yield self._raw_item(response.request.url, response.meta, status=response.status)

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        status, reason = describe_failure(failure)
        yield self._raw_item(request.url, request.meta, status=status, error=reason)
        yield self._failure(request.url, "article", status, reason)

    def page_failed(self, failure: Failure) -> Iterator[PageFailure]:
        request = failure.request
        status, reason = describe_failure(failure)
        self.listing_failures.append(request.url)
        self.logger.error("%s %s: %s failed: %s", self.profile.site, self.day, request.url, reason)
        yield self._failure(request.url, request.meta.get("kind", "other"), status, reason)

    # -- helpers -----------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.profile.base_url.rstrip("/") + path

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        netloc = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")
        return netloc in self.profile.hosts

    def _raw_item(self, url: str, meta: dict, status: int | None, error: str | None = None) -> RawItem:
        return RawItem(
            site=self.profile.site,
            logical_date=self.day,
            url=url,
            publication_slug=meta.get("publication"),
            listing_date=meta.get("listing_date"),
            status=status,
            error=error,
            warc_file=meta.get("warc_file"),
            warc_record_id=meta.get("warc_record_id"),
            fetched_at=datetime.now(UTC),
        )

    def _failure(self, url: str, kind: str, status: int | None, reason: str) -> PageFailure:
        return PageFailure(
            site=self.profile.site,
            logical_date=self.day,
            url=url,
            kind=kind,
            status=status,
            reason=reason,
            failed_at=datetime.now(UTC),
        )


__all__ = ["AggregatorSpider"]
