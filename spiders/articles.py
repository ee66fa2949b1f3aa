"""Article fetching: from a discovered URL to the article's RawItem.

Every discovery strategy hands its article URLs here. The spider decides nothing about
content: it records what it fetched (the WARC middleware archives every response) and
emits one RawItem per article of the day, failed or not, plus a PageFailure for every URL
that could not be fetched.

Incremental: an article page whose 200 response an earlier run already archived in this
partition is not downloaded again (unless ``refresh``); its RawItem points at the archived
record. With source follow on, the publisher's page behind the "Cliquez ici" link is fetched
(or reused) before the RawItem is emitted, and the item carries both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response
from twisted.python.failure import Failure

from core.rawzone import read_archived
from core.records import RawItem
from core.selectors import select
from spiders.crawl_day import CrawlDay, Fetched, describe_failure
from spiders.source_follow import PublisherLinks


class ArticleFetcher:
    def __init__(self, crawl: CrawlDay, publishers: PublisherLinks):
        self.crawl = crawl
        self.publishers = publishers
        self.selector_misses = 0
        # publisher URL asked for → the articles waiting for its answer (source URL, article)
        self._awaiting: dict[str, list[tuple[str, Fetched]]] = {}
        # publisher URL answered → the source fields every article linking to it gets
        self._answered: dict[str, dict[str, Any]] = {}

    def article(self, url: str, slug: str, listed: date | None, discovered_by: str) -> Iterator[Any]:
        """A URL found by discovery: fetched, or answered from the raw zone; once per URL."""
        crawl = self.crawl
        if not crawl.claim(url):
            return
        ref = crawl.archive.get(url)
        if ref is not None:
            fetched = crawl.reused(url, slug, listed, discovered_by, ref)
            # the archived page is only read when its source link is wanted
            page = self._archived_page(url) if self.publishers.enabled else None
            yield from self.emit(fetched, page)
            return
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                "kind": "article",
                "publication": slug,
                "listing_date": listed,
                "discovered_by": discovered_by,
            },
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        fetched = Fetched.from_response(
            response, meta.get("publication"), meta.get("listing_date"), meta["discovered_by"]
        )
        yield from self.emit(fetched, response.selector)

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta
        fetched = Fetched.from_failure(
            failure, meta.get("publication"), meta.get("listing_date"), meta.get("discovered_by", "listing")
        )
        yield self.crawl.item(fetched)
        status, reason = describe_failure(failure)
        yield self.crawl.failure(fetched.url, "article", status, reason)

    def emit(self, fetched: Fetched, page: Selector | None) -> Iterator[Any]:
        """The article's RawItem, or first the publisher's page when source follow is on."""
        crawl = self.crawl
        if page is not None and fetched.reused_from_run is None:
            self._check_layout(page, fetched.url)
        source = self.publishers.source_link(page, fetched.url) if page is not None else None
        if source is None:
            yield crawl.item(fetched)
            return
        target = self.publishers.request_url(source)
        ref = crawl.archive.get(target)
        if ref is not None:
            crawl.count("pressetl/reused_from_raw_zone")
            yield crawl.item(
                fetched,
                source_url=source,
                source_status=200,
                source_warc_file=ref.warc_file,
                source_warc_record_id=ref.record_id,
            )
            return
        if target in self._answered:
            crawl.count("pressetl/source_shared")
            yield crawl.item(fetched, source_url=source, **self._answered[target])
            return
        if target in self._awaiting:  # asked for already: wait for the same answer
            crawl.count("pressetl/source_shared")
            self._awaiting[target].append((source, fetched))
            return
        self._awaiting[target] = [(source, fetched)]
        yield scrapy.Request(
            target,
            callback=self.parse_source,
            errback=self.source_failed,
            # one request per publisher URL (the line above): the duplicate filter, which would
            # drop it silently when another request had the same fingerprint, must not apply
            dont_filter=True,
            meta={"kind": "publisher", "publisher_url": target},
        )

    def parse_source(self, response: Response) -> Iterator[RawItem]:
        meta = response.meta
        yield from self._answer(
            meta["publisher_url"],
            source_status=response.status,
            source_warc_file=meta.get("warc_file"),
            source_warc_record_id=meta.get("warc_record_id"),
        )

    def source_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        status, reason = describe_failure(failure)
        meta = request.meta
        yield from self._answer(
            meta["publisher_url"],
            source_status=status,
            source_error=reason,
            source_warc_file=meta.get("warc_file"),
            source_warc_record_id=meta.get("warc_record_id"),
        )
        yield self.crawl.failure(request.url, "publisher", status, reason)

    def _answer(self, target: str, **outcome: Any) -> Iterator[RawItem]:
        """The publisher's answer for every article waiting for it, and for later ones."""
        self._answered[target] = outcome
        for source, fetched in self._awaiting.pop(target, ()):
            yield self.crawl.item(fetched, source_url=source, **outcome)

    def unanswered(self) -> list[Fetched]:
        """Articles still waiting for a publisher page (none once the crawl has run its course)."""
        return [fetched for waiting in self._awaiting.values() for _, fetched in waiting]

    def _check_layout(self, page: Selector, url: str) -> None:
        """Selectors that match nothing: layout drift. The transform falls back to the generic
        extractor and marks the row ``extraction=fallback``; here it is counted and logged."""
        crawl = self.crawl
        selectors = crawl.profile.selectors
        if select(page, selectors.title) or select(page, selectors.body):
            return
        self.selector_misses += 1
        crawl.count("pressetl/selector_misses")
        if self.selector_misses == 1:
            crawl.logger.warning(
                "%s: title (%s) and body (%s) selectors match nothing on %s: layout drift?",
                crawl.profile.site,
                selectors.title,
                selectors.body,
                url,
            )

    def _archived_page(self, url: str) -> Selector | None:
        ref = self.crawl.archive.get(url)
        if ref is None or self.crawl.partition is None:
            return None
        return Selector(text=read_archived(self.crawl.partition, ref).text, type="html")
