"""What every part of one crawl (one site, one logical day) shares.

The discovery strategies and the article fetcher each hold a ``CrawlDay``: the profile and
the day, the URLs already discovered, the discovery pages that failed (they make the crawl
incomplete), what earlier runs archived in this partition, and the two records the crawl
emits: a ``RawItem`` per article, a ``PageFailure`` per URL that could not be fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from core.dates import parse_date
from core.partitions import Partition
from core.profiles import SiteProfile
from core.rawzone import ArchivedRef
from core.records import PageFailure, RawItem
from spiders.hosts import request_allowed

Neighbours = dict[str, dict[str, tuple[int, date]]]


def describe_failure(failure: Failure) -> tuple[int | None, str]:
    """(HTTP status, one-line reason) for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return status, f"HTTP {status}"
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return None, f"{name}: {text}" if text else name


@dataclass(frozen=True)
class Fetched:
    """An article page as the RawItem will describe it (fetched now, reused, or failed)."""

    url: str
    publication: str | None
    listing_date: date | None
    discovered_by: str
    status: int | None = None
    error: str | None = None
    warc_file: str | None = None
    warc_record_id: str | None = None
    reused_from_run: str | None = None

    @classmethod
    def from_response(
        cls, response: Response, slug: str | None, listed: date | None, discovered_by: str
    ) -> Fetched:
        meta = response.meta
        return cls(
            url=response.request.url,
            publication=slug,
            listing_date=listed,
            discovered_by=discovered_by,
            status=response.status,
            warc_file=meta.get("warc_file"),
            warc_record_id=meta.get("warc_record_id"),
        )

    @classmethod
    def from_failure(
        cls, failure: Failure, slug: str | None, listed: date | None, discovered_by: str
    ) -> Fetched:
        request = failure.request
        status, reason = describe_failure(failure)
        return cls(
            url=request.url,
            publication=slug,
            listing_date=listed,
            discovered_by=discovered_by,
            status=status,
            error=reason,
            warc_file=request.meta.get("warc_file"),
            warc_record_id=request.meta.get("warc_record_id"),
        )


class CrawlDay:
    def __init__(
        self,
        spider: scrapy.Spider,
        profile: SiteProfile,
        day: date,
        partition: Partition | None = None,
        archive: dict[str, ArchivedRef] | None = None,
        neighbours: Neighbours | None = None,
    ):
        self._spider = spider  # its crawler (stats) is attached only after construction
        self.profile = profile
        self.day = day
        self.partition = partition
        self.archive = archive or {}  # URL → the 200 response an earlier run archived
        self.discovered: set[str] = set()
        self.discovery_failures: list[str] = []
        self.site_netlocs = frozenset(h.lower() for h in profile.hosts)
        # ids the warehouse knows around the day, per publication: "below" the highest id of an
        # earlier day, "above" the lowest of a later one, each with its day; they steer the search
        self.neighbours: Neighbours = neighbours or {}
        # publications whose history starts after the day (their oldest article, by slug)
        self.before_history: dict[str, date] = {}

    def note_before_history(self, slug: str, oldest: date) -> None:
        """The day lies before the publication's first article: nothing to collect, not a failure."""
        self.before_history[slug] = oldest
        self.logger.info(
            "%s %s: publication %s: the day is before its first article (%s): nothing to collect",
            self.profile.site,
            self.day,
            slug,
            oldest,
        )

    @property
    def logger(self):
        return self._spider.logger

    def count(self, stat: str) -> None:
        self._spider.crawler.stats.inc_value(stat)

    def claim(self, url: str) -> bool:
        """True the first time an article URL is discovered: each article is reported once."""
        if url in self.discovered:
            return False
        self.discovered.add(url)
        return True

    # -- URLs ------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.profile.base_url.rstrip("/") + path

    def on_site(self, url: str) -> bool:
        return request_allowed(url, self.site_netlocs)

    def on_site_url(self, url: str) -> str | None:
        """A feed may link the real host while the profile points elsewhere (devsite): rebase it."""
        if self.on_site(url):
            return url
        parts = urlsplit(url)
        canonical = self.profile.canonical_host.lower()
        if (parts.hostname or "").lower() in {canonical, canonical.removeprefix("www.")}:
            return self.url(urlunsplit(("", "", parts.path, parts.query, "")))
        return None

    def parse_day(self, text: str) -> date | None:
        profile = self.profile
        return parse_date(text, profile.date_formats, profile.languages, zone=profile.zone)

    # -- records -----------------------------------------------------------------------------

    def reused(
        self, url: str, slug: str | None, listed: date | None, discovered_by: str, ref: ArchivedRef
    ) -> Fetched:
        """An article page answered from the raw zone instead of the network."""
        self.count("pressetl/reused_from_raw_zone")
        return Fetched(
            url=url,
            publication=slug,
            listing_date=listed,
            discovered_by=discovered_by,
            status=200,
            warc_file=ref.warc_file,
            warc_record_id=ref.record_id,
            reused_from_run=ref.run_id,
        )

    def item(self, fetched: Fetched, **source: Any) -> RawItem:
        return RawItem(
            site=self.profile.site,
            logical_date=self.day,
            url=fetched.url,
            publication_slug=fetched.publication,
            listing_date=fetched.listing_date,
            status=fetched.status,
            error=fetched.error,
            warc_file=fetched.warc_file,
            warc_record_id=fetched.warc_record_id,
            fetched_at=datetime.now(UTC),
            discovered_by=fetched.discovered_by,
            reused_from_run=fetched.reused_from_run,
            **source,
        )

    def failure(self, url: str, kind: str, status: int | None, reason: str) -> PageFailure:
        return PageFailure(
            site=self.profile.site,
            logical_date=self.day,
            url=url,
            kind=kind,
            status=status,
            reason=reason,
            failed_at=datetime.now(UTC),
        )

    def discovery_page_failed(self, failure: Failure) -> Iterator[PageFailure]:
        """Errback of the home page and the listings: without them the day's discovery is incomplete."""
        request = failure.request
        status, reason = describe_failure(failure)
        self.discovery_failures.append(request.url)
        self.logger.error("%s %s: %s failed: %s", self.profile.site, self.day, request.url, reason)
        yield self.failure(request.url, request.meta.get("kind", "other"), status, reason)
