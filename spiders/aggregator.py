"""The profile-driven aggregator spider: one site, one logical day.

Discovery, per publication, by the profile's strategies (their union):

- ``listing``: the publication listing, newest first, walked back page by page
  until its entries are older than the day;
- ``rss``: the publication's feed; a feed that does not reach back past the day
  (it only keeps the newest entries) is completed by walking the listing;
- ``id_probe``: ids upward from the last one seen (``spiders.probe``), each page
  dated by its own publication line.

The spider decides nothing about content: it records what it fetched (the WARC
middleware archives every response) and emits one RawItem per article of the day,
failed or not, plus a PageFailure for every URL that could not be fetched.

Incremental: an article page whose 200 response an earlier run already archived in
this partition is not downloaded again (unless ``refresh``); its RawItem points at
the archived record. Discovery pages (home, listings, feeds) are always fetched.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from parsel import Selector
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from core.dates import parse_date, parse_publication_line, split_publication_line
from core.partitions import Partition
from core.profiles import SiteProfile
from core.rawzone import ArchivedRef, read_archived
from core.records import PageFailure, RawItem
from core.selectors import select, select_first
from spiders.feeds import FeedError, parse_feed
from spiders.hosts import netloc, request_allowed
from spiders.probe import IdProbe, Outcome, Step

MISS_STATUSES = (404, 410)  # an id probe that finds no article: a miss, not a failure
_MAX_LINE_CHARS = 300  # a publication line is short; a longer element is a container


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
        publisher_urls: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.profile = profile
        self.day = day
        self.partition = partition
        self.archive = {} if refresh or archive is None else archive
        self.last_ids = dict(last_ids or {})
        self.strategies = list(dict.fromkeys(profile.discovery.strategies))
        follow = profile.source_follow
        self.follow_hosts = (
            frozenset(h.lower() for h in follow.allowed_hosts) if follow.enabled else frozenset()
        )
        self.publisher_urls = {
            host.lower(): url.rstrip("/")
            for host, url in (publisher_urls or {}).items()
            if host.lower() in self.follow_hosts
        }
        # Checked for every request by spiders.hosts.AllowedHostsMiddleware (port-aware);
        # allowed_domains keeps Scrapy's own OffsiteMiddleware in agreement.
        self.allowed_netlocs = frozenset(
            {h.lower() for h in profile.hosts}
            | self.follow_hosts
            | {netloc(url) for url in self.publisher_urls.values()}
        )
        self.allowed_domains = sorted({n.split(":")[0] for n in self.allowed_netlocs})
        self._site_netlocs = frozenset(h.lower() for h in profile.hosts)
        self._article_path = re.compile(profile.urls.article)
        self._publication_path = re.compile(profile.urls.publication_link)
        self.discovered: set[str] = set()
        self.discovery_failures: list[str] = []
        self.probes: dict[str, IdProbe] = {}
        # probe pages that may yet be kept (undated, or failed) when the scan passes them
        self._probe_pages: dict[tuple[str, int], Fetched] = {}
        self._walking: set[str] = set()  # publications whose listing is being walked
        self._probe_errors: dict[tuple[str, int], str] = {}
        self._probes_failed: set[str] = set()
        self.selector_misses = 0

    # -- publications ----------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        publications = self.profile.discovery.publications
        if publications:
            for request in self._discover_publications(publications):
                yield request
        else:
            yield scrapy.Request(
                self._url(self.profile.urls.home),
                callback=self.parse_home,
                errback=self.page_failed,
                meta={"kind": "home"},
            )

    def parse_home(self, response: Response) -> Iterator[Any]:
        slugs: dict[str, str] = {}
        for href in select(response.selector, self.profile.selectors.home_publication_links).getall():
            url = response.urljoin(href.strip())
            match = self._publication_path.match(urlsplit(url).path)
            if match and self._on_site(url):
                slugs.setdefault(match.group("publication"), url)
        if not slugs:
            self.discovery_failures.append(response.url)
            yield self._failure(
                response.url, "home", response.status, "no publication links on the home page"
            )
        yield from self._discover_publications(sorted(slugs))

    def _discover_publications(self, slugs: Iterable[str]) -> Iterator[scrapy.Request]:
        for slug in slugs:
            if "listing" in self.strategies:
                self._walking.add(slug)
                yield self._listing_request(slug, roles={"walk"} | self._anchor_role(slug))
            elif "id_probe" in self.strategies and slug not in self.last_ids:
                yield self._listing_request(slug, roles={"anchor"})
            if "rss" in self.strategies:
                yield scrapy.Request(
                    self._url(self.profile.urls.feed.format(publication=slug)),
                    callback=self.parse_feed,
                    errback=self.feed_failed,
                    meta={"kind": "feed", "publication": slug},
                )
            if "id_probe" in self.strategies and slug in self.last_ids:
                yield from self._start_probe(slug, self.last_ids[slug])

    def _anchor_role(self, slug: str) -> set[str]:
        return {"anchor"} if "id_probe" in self.strategies and slug not in self.last_ids else set()

    # -- listing walk-back -----------------------------------------------------------

    def _listing_request(self, slug: str, roles: set[str], url: str | None = None, page: int = 1):
        return scrapy.Request(
            url or self._url(self.profile.urls.listing.format(publication=slug)),
            callback=self.parse_listing,
            errback=self.page_failed,
            meta={"kind": "listing", "publication": slug, "page": page, "roles": sorted(roles)},
            dont_filter=page == 1,  # a first page may serve as the probe's anchor, then be walked
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        slug, page, roles = response.meta["publication"], response.meta["page"], set(response.meta["roles"])
        selectors = self.profile.selectors
        entries = select(response.selector, selectors.listing_item)
        if "anchor" in roles:
            yield from self._anchor_from_listing(response, slug, entries)
        if "walk" not in roles:
            return
        reached_older = False
        for entry in entries:
            href = select_first(entry, selectors.listing_link)
            if not href:
                continue
            date_text = select_first(entry, selectors.listing_date)
            listed = self._parse_day(date_text) if date_text else None
            if listed is not None and listed < self.day:
                reached_older = True  # newest first: everything below is older too
                break
            if listed is not None and listed > self.day:
                continue
            # listed == day, or undated (fetched: the quality gate checks its real date)
            url = response.urljoin(href)
            if self._article_path.match(urlsplit(url).path) and self._on_site(url):
                yield from self._article(url, slug, listed, "listing")
        next_href = select_first(response.selector, selectors.next_page)
        if entries and next_href and not reached_older:
            if page >= self.profile.discovery.max_listing_pages:
                self.discovery_failures.append(response.url)
                yield self._failure(
                    response.url,
                    "listing",
                    response.status,
                    f"stopped at discovery.max_listing_pages={page} before reaching {self.day}",
                )
            else:
                yield self._listing_request(slug, {"walk"}, response.urljoin(next_href), page + 1)

    # -- RSS -----------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        slug = response.meta["publication"]
        profile = self.profile
        try:
            entries = parse_feed(response.body, profile.zone, profile.date_formats, profile.languages)
        except FeedError as exc:
            yield self._failure(response.url, "feed", response.status, str(exc))
            yield from self._walk_instead(slug, response.url, str(exc))
            return
        dated = [entry.published for entry in entries if entry.published is not None]
        for entry in entries:
            if entry.published is not None and entry.published != self.day:
                continue
            url = response.urljoin(entry.link)
            url = self._on_site_url(url)
            if url and self._article_path.match(urlsplit(url).path):
                yield from self._article(url, slug, entry.published, "rss")
        # A feed keeps only the newest entries: unless it shows one older than the day, the
        # day may go on below its end. Walk the listing then (once), so nothing is missed.
        reaches_back = any(published < self.day for published in dated)
        newest_is_older = bool(dated) and max(dated) < self.day
        if not reaches_back and not newest_is_older and entries:
            yield from self._walk_instead(slug, response.url, f"does not reach back to {self.day}")

    def feed_failed(self, failure: Failure) -> Iterator[Any]:
        """A feed that cannot be read is recorded; the publication's listing is walked instead."""
        request = failure.request
        status, reason = describe_failure(failure)
        yield self._failure(request.url, "feed", status, reason)
        yield from self._walk_instead(request.meta["publication"], request.url, reason)

    def _walk_instead(self, slug: str, feed_url: str, why: str) -> Iterator[scrapy.Request]:
        if slug in self._walking:
            return
        self._walking.add(slug)
        self.logger.info("%s: feed %s: %s; walking the listing", slug, feed_url, why)
        self.crawler.stats.inc_value("pressetl/feed_fallback_to_listing")
        yield self._listing_request(slug, {"walk"})

    # -- id probing ------------------------------------------------------------------------

    def _anchor_from_listing(self, response: Response, slug: str, entries) -> Iterator[Any]:
        ids = []
        for entry in entries:
            href = select_first(entry, self.profile.selectors.listing_link)
            match = self._article_path.match(urlsplit(response.urljoin(href or "")).path)
            if match and match.group("publication") == slug:
                ids.append(int(match.group("id")))
        if not ids:
            self.logger.info("%s: no article on the listing; nothing to probe", slug)
            return
        yield from self._start_probe(slug, max(ids))

    def _start_probe(self, slug: str, anchor: int) -> Iterator[Any]:
        if slug in self.probes:
            return
        probe = IdProbe(slug, anchor, self.profile.discovery.max_consecutive_misses)
        self.probes[slug] = probe
        yield from self._probe_step(probe, probe.start())

    def _probe_step(self, probe: IdProbe, step: Step) -> Iterator[Any]:
        """Fetch what the probe asks for; ids an earlier run archived are answered from the raw zone."""
        pending = [step]
        while pending:
            current = pending.pop()
            for aggregator_id in current.keep:
                kept = self._probe_pages.pop((probe.slug, aggregator_id), None)
                if kept is not None:
                    yield from self._keep(kept)
            for aggregator_id in current.fetch:
                url = self._url(
                    self.profile.urls.article_path.format(publication=probe.slug, id=aggregator_id)
                )
                ref = self.archive.get(url)
                if ref is None:
                    yield scrapy.Request(
                        url,
                        callback=self.parse_probe,
                        errback=self.probe_failed,
                        meta={
                            "kind": "probe",
                            "publication": probe.slug,
                            "aggregator_id": aggregator_id,
                            "handle_httpstatus_list": list(MISS_STATUSES),
                        },
                        dont_filter=True,  # the listing may have fetched it too; the probe needs its answer
                    )
                    continue
                archived = read_archived(self.partition, ref)
                page = Selector(text=archived.text, type="html")
                fetched = self._reused(url, probe.slug, None, "id_probe", ref)
                outcome, items = self._probe_outcome(
                    probe.slug, aggregator_id, page, fetched, archived.body, archived.content_type
                )
                yield from items
                pending.append(probe.record(aggregator_id, outcome))
        if probe.done and probe.ended_on_errors and probe.slug not in self._probes_failed:
            # K "no page" answers in a row, some of them failures: the end of the publication
            # cannot be told from an outage, so the day's discovery is not complete.
            self._probes_failed.add(probe.slug)
            failed = [u for (slug, _), u in self._probe_errors.items() if slug == probe.slug]
            self.discovery_failures.append(failed[0] if failed else self._url(self.profile.urls.home))

    def parse_probe(self, response: Response) -> Iterator[Any]:
        slug, aggregator_id = response.meta["publication"], response.meta["aggregator_id"]
        probe = self.probes[slug]
        if response.status in MISS_STATUSES:
            yield from self._probe_step(probe, probe.record(aggregator_id, Outcome.MISS))
            return
        fetched = self._fetched(response, slug, None, "id_probe")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        outcome, items = self._probe_outcome(
            slug, aggregator_id, response.selector, fetched, response.body, content_type
        )
        yield from items
        yield from self._probe_step(probe, probe.record(aggregator_id, outcome))

    def probe_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        slug, aggregator_id = request.meta["publication"], request.meta["aggregator_id"]
        status, reason = describe_failure(failure)
        yield self._failure(request.url, "probe", status, reason)
        # Kept as a failed article if the scan finds it inside the day's ids (see spiders.probe).
        self._probe_errors[(slug, aggregator_id)] = request.url
        self._probe_pages[(slug, aggregator_id)] = Fetched(
            url=request.url,
            publication=slug,
            listing_date=None,
            discovered_by="id_probe",
            status=status,
            error=reason,
            warc_file=request.meta.get("warc_file"),
            warc_record_id=request.meta.get("warc_record_id"),
        )
        probe = self.probes[slug]
        yield from self._probe_step(probe, probe.record(aggregator_id, Outcome.ERROR))

    def _probe_outcome(
        self,
        slug: str,
        aggregator_id: int,
        page: Selector,
        fetched: Fetched,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> tuple[Outcome, list[Any]]:
        published = self.page_date(page)
        if published is None and body:
            # A page whose header lies about its charset: read it as a browser would.
            published = self.page_date(Selector(text=decode_html(body, content_type), type="html"))
        if published is None:
            self._probe_pages[(slug, aggregator_id)] = fetched
            return Outcome.UNDATED, []
        if published < self.day:
            return Outcome.BEFORE, []
        if published > self.day:
            return Outcome.AFTER, []
        if fetched.url in self.discovered:
            return Outcome.DAY, []
        self.discovered.add(fetched.url)
        return Outcome.DAY, list(self._after_article(replace(fetched, listing_date=published), page))

    def _keep(self, fetched: Fetched) -> Iterator[Any]:
        """An undated or failed probe page inside the day's id range: kept (the quality gate judges
        the undated one's date; the failed one counts as failed)."""
        if fetched.url in self.discovered:
            return
        self.discovered.add(fetched.url)
        yield self._item(fetched)

    # -- articles ----------------------------------------------------------------------------

    def _article(self, url: str, slug: str, listed: date | None, discovered_by: str) -> Iterator[Any]:
        if url in self.discovered:
            return
        self.discovered.add(url)
        ref = self.archive.get(url)
        if ref is not None:
            fetched = self._reused(url, slug, listed, discovered_by, ref)
            page = self._archived_page(fetched) if self.follow_hosts else None
            yield from self._after_article(fetched, page)
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
        fetched = self._fetched(
            response, meta.get("publication"), meta.get("listing_date"), meta["discovered_by"]
        )
        yield from self._after_article(fetched, response.selector)

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        status, reason = describe_failure(failure)
        meta = request.meta
        fetched = Fetched(
            url=request.url,
            publication=meta.get("publication"),
            listing_date=meta.get("listing_date"),
            discovered_by=meta.get("discovered_by", "listing"),
            status=status,
            error=reason,
            warc_file=meta.get("warc_file"),
            warc_record_id=meta.get("warc_record_id"),
        )
        yield self._item(fetched)
        yield self._failure(request.url, "article", status, reason)

    def _after_article(self, fetched: Fetched, page: Selector | None) -> Iterator[Any]:
        """The article's RawItem, or first the publisher's page when source follow is on."""
        if page is not None and fetched.reused_from_run is None:
            self._check_layout(page, fetched.url)
        source = self._source_link(page, fetched.url) if page is not None else None
        if source is None:
            yield self._item(fetched)
            return
        target = self._publisher_request_url(source)
        ref = self.archive.get(target)
        if ref is not None:
            self.crawler.stats.inc_value("pressetl/reused_from_raw_zone")
            yield self._item(
                fetched,
                source_url=source,
                source_status=200,
                source_warc_file=ref.warc_file,
                source_warc_record_id=ref.record_id,
            )
            return
        yield scrapy.Request(
            target,
            callback=self.parse_source,
            errback=self.source_failed,
            meta={"kind": "publisher", "article": fetched, "source_url": source},
        )

    def parse_source(self, response: Response) -> Iterator[RawItem]:
        meta = response.meta
        yield self._item(
            meta["article"],
            source_url=meta["source_url"],
            source_status=response.status,
            source_warc_file=meta.get("warc_file"),
            source_warc_record_id=meta.get("warc_record_id"),
        )

    def source_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        status, reason = describe_failure(failure)
        meta = request.meta
        yield self._item(
            meta["article"],
            source_url=meta["source_url"],
            source_status=status,
            source_error=reason,
            source_warc_file=meta.get("warc_file"),
            source_warc_record_id=meta.get("warc_record_id"),
        )
        yield self._failure(request.url, "publisher", status, reason)

    def page_failed(self, failure: Failure) -> Iterator[PageFailure]:
        request = failure.request
        status, reason = describe_failure(failure)
        self.discovery_failures.append(request.url)
        self.logger.error("%s %s: %s failed: %s", self.profile.site, self.day, request.url, reason)
        yield self._failure(request.url, request.meta.get("kind", "other"), status, reason)

    # -- page reading --------------------------------------------------------------------------

    def page_date(self, page: Selector) -> date | None:
        """The article's own date, from its publication line (found by pattern if the selector drifted)."""
        for line in self._texts(page, self.profile.selectors.publication_line):
            _, published = parse_publication_line(line, self.profile)
            if published is not None:
                return published
        for element in page.root.iter():
            if not isinstance(element.tag, str) or element.tag in {"script", "style", "head", "title"}:
                continue
            text = _short_text(element)
            if text and split_publication_line(text, self.profile):
                return parse_publication_line(text, self.profile)[1]
        return None

    def _check_layout(self, page: Selector, url: str) -> None:
        """Selectors that match nothing: layout drift. The transform falls back to the generic
        extractor and marks the row ``extraction=fallback``; here it is counted and logged."""
        selectors = self.profile.selectors
        if select(page, selectors.title) or select(page, selectors.body):
            return
        self.selector_misses += 1
        self.crawler.stats.inc_value("pressetl/selector_misses")
        if self.selector_misses == 1:
            self.logger.warning(
                "%s: title (%s) and body (%s) selectors match nothing on %s: layout drift?",
                self.profile.site,
                selectors.title,
                selectors.body,
                url,
            )

    def _source_link(self, page: Selector, base: str) -> str | None:
        """The "Cliquez ici" href, when source follow is on and its host is allowed."""
        if not self.follow_hosts:
            return None
        href = select_first(page, self.profile.selectors.source_link)
        if not href:
            return None
        url = urlsplit(urljoin(base, href))
        if url.scheme not in {"http", "https"} or (url.hostname or "").lower() not in self.follow_hosts:
            return None
        return urlunsplit(url)

    def _publisher_request_url(self, source: str) -> str:
        parts = urlsplit(source)
        base = self.publisher_urls.get((parts.hostname or "").lower())
        if base is None:
            return source
        return base + urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def _archived_page(self, fetched: Fetched) -> Selector | None:
        ref = self.archive.get(fetched.url)
        if ref is None or self.partition is None:
            return None
        return Selector(text=read_archived(self.partition, ref).text, type="html")

    @staticmethod
    def _texts(page: Selector, selector: str) -> Iterator[str]:
        for result in select(page, selector):
            root = result.root
            text = root if isinstance(root, str) else "".join(root.itertext())
            text = " ".join(text.split())
            if text:
                yield text

    # -- helpers ---------------------------------------------------------------------------------

    def _parse_day(self, text: str) -> date | None:
        return parse_date(text, self.profile.date_formats, self.profile.languages, zone=self.profile.zone)

    def _url(self, path: str) -> str:
        return self.profile.base_url.rstrip("/") + path

    def _on_site(self, url: str) -> bool:
        return request_allowed(url, self._site_netlocs)

    def _on_site_url(self, url: str) -> str | None:
        """A feed may link the real host while the profile points elsewhere (devsite): rebase it."""
        if self._on_site(url):
            return url
        parts = urlsplit(url)
        canonical = self.profile.canonical_host.lower()
        if (parts.hostname or "").lower() in {canonical, canonical.removeprefix("www.")}:
            return self._url(urlunsplit(("", "", parts.path, parts.query, "")))
        return None

    def _fetched(
        self, response: Response, slug: str | None, listed: date | None, discovered_by: str
    ) -> Fetched:
        meta = response.meta
        return Fetched(
            url=response.request.url,
            publication=slug,
            listing_date=listed,
            discovered_by=discovered_by,
            status=response.status,
            warc_file=meta.get("warc_file"),
            warc_record_id=meta.get("warc_record_id"),
        )

    def _reused(self, url: str, slug: str | None, listed: date | None, discovered_by: str, ref: ArchivedRef):
        self.crawler.stats.inc_value("pressetl/reused_from_raw_zone")
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

    def _item(self, fetched: Fetched, **source: Any) -> RawItem:
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


def _short_text(element) -> str | None:
    """The element's text with spaces collapsed; None when longer than a publication line can be
    (a container of the page: its text is not even read to the end)."""
    parts, length = [], 0
    for piece in element.itertext():
        length += len(piece)
        if length > 2 * _MAX_LINE_CHARS:
            return None
        parts.append(piece)
    text = " ".join("".join(parts).split())
    return text if len(text) <= _MAX_LINE_CHARS else None


def decode_html(body: bytes, content_type: str | None) -> str:
    """UTF-8 when the bytes are UTF-8 (whatever the header claims), else the page's own
    ``<meta charset>``, else the header and sniffing. Legacy pages lie in both directions."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = html_body_declared_encoding(body)
    if declared:
        try:
            return body.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return html_to_unicode(content_type, body)[1]


__all__ = ["AggregatorSpider", "describe_failure"]
