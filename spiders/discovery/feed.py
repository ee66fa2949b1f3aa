"""RSS feed discovery: a publication's feed, read for the day's entries.

A feed keeps only the newest entries: one that does not reach back past the day (or cannot
be read at all) is completed by walking the publication's listing, once.

Feeds (RSS 2.0 / Atom) are parsed without trusting them. ``defusedxml`` refuses DTDs,
entity declarations and external references outright (billion laughs, XXE): a feed that
carries any of them is rejected, never expanded. Dates become local calendar days in the
site's time zone: an item stamped ``Tue, 08 Feb 2011 23:30:00 GMT`` belongs to 9 February
in Casablanca (UTC+1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from scrapy.http import Response
from twisted.python.failure import Failure

from core.dates import parse_date
from spiders.articles import ArticleFetcher
from spiders.crawl_day import CrawlDay, describe_failure
from spiders.discovery.base import DiscoveryStrategy
from spiders.discovery.listing import ListingWalk

_ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"


class FeedError(ValueError):
    """A feed that cannot be read (malformed, or refused as unsafe)."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    published: date | None  # local day in the site's zone; None when the feed gives no readable date


def _local_day(
    text: str | None, zone: ZoneInfo, formats: Sequence[str], languages: Sequence[str]
) -> date | None:
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        moment: datetime | None = parsedate_to_datetime(text)  # RFC 822, RSS's own
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is not None:
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return moment.date()
    return parse_date(text, formats, languages, zone=zone, use_dateparser=False)


def parse_feed(
    body: bytes, zone: ZoneInfo, formats: Sequence[str] = (), languages: Sequence[str] = ()
) -> list[FeedEntry]:
    """Entries in document order (feeds list newest first)."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"unsafe feed refused: {type(exc).__name__}") from None
    except Exception as exc:  # ParseError and friends: not XML at all
        raise FeedError(f"malformed feed: {exc}") from None
    entries: list[FeedEntry] = []
    if root.tag == "rss" or root.find("channel") is not None:
        for item in root.iter("item"):
            link = (item.findtext("link") or "").strip()
            if not link:
                guid = item.find("guid")
                if guid is not None and (guid.get("isPermaLink", "true") != "false"):
                    link = (guid.text or "").strip()
            stamp = item.findtext("pubDate") or item.findtext(f"{_DC}date")
            if link:
                entries.append(FeedEntry(link, _local_day(stamp, zone, formats, languages)))
    elif root.tag == f"{_ATOM}feed":
        for entry in root.iter(f"{_ATOM}entry"):
            link = ""
            for candidate in entry.findall(f"{_ATOM}link"):
                if candidate.get("rel", "alternate") == "alternate":
                    link = (candidate.get("href") or "").strip()
                    break
            stamp = entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated")
            if link:
                entries.append(FeedEntry(link, _local_day(stamp, zone, formats, languages)))
    else:
        raise FeedError(f"not an RSS or Atom feed (root element <{root.tag}>)")
    return entries


class FeedDiscovery(DiscoveryStrategy):
    name = "rss"

    def __init__(self, crawl: CrawlDay, articles: ArticleFetcher, listings: ListingWalk):
        super().__init__(crawl, articles)
        self.listings = listings  # the fallback when a feed is short or broken
        self._article_path = re.compile(crawl.profile.urls.article)

    def start(self, slug: str) -> Iterator[scrapy.Request]:
        crawl = self.crawl
        feed_path = crawl.profile.urls.feed
        assert feed_path is not None  # the profile schema requires urls.feed for the rss strategy
        yield scrapy.Request(
            crawl.url(feed_path.format(publication=slug)),
            callback=self.parse_feed,
            errback=self.feed_failed,
            meta={"kind": "feed", "publication": slug},
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        slug = response.meta["publication"]
        crawl = self.crawl
        profile = crawl.profile
        try:
            entries = parse_feed(response.body, profile.zone, profile.date_formats, profile.languages)
        except FeedError as exc:
            yield crawl.failure(response.url, "feed", response.status, str(exc))
            yield from self._walk_instead(slug, response.url, str(exc))
            return
        dated = [entry.published for entry in entries if entry.published is not None]
        for entry in entries:
            if entry.published is not None and entry.published != crawl.day:
                continue
            url = crawl.on_site_url(response.urljoin(entry.link))
            if url and self._article_path.match(urlsplit(url).path):
                yield from self.articles.article(url, slug, entry.published, "rss")
        # A feed keeps only the newest entries: unless it shows one older than the day, the
        # day may go on below its end. Walk the listing then (once), so nothing is missed.
        reaches_back = any(published < crawl.day for published in dated)
        newest_is_older = bool(dated) and max(dated) < crawl.day
        if not reaches_back and not newest_is_older and entries:
            yield from self._walk_instead(slug, response.url, f"does not reach back to {crawl.day}")

    def feed_failed(self, failure: Failure) -> Iterator[Any]:
        """A feed that cannot be read is recorded; the publication's listing is walked instead."""
        request = failure.request
        status, reason = describe_failure(failure)
        yield self.crawl.failure(request.url, "feed", status, reason)
        yield from self._walk_instead(request.meta["publication"], request.url, reason)

    def _walk_instead(self, slug: str, feed_url: str, why: str) -> Iterator[scrapy.Request]:
        walk = self.listings.walk(slug)
        if walk is None:
            return
        self.crawl.logger.info("%s: feed %s: %s; walking the listing", slug, feed_url, why)
        self.crawl.count("pressetl/feed_fallback_to_listing")
        yield walk
