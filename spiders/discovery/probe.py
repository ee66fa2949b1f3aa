"""Id probing: a publication's ids searched from the last one seen (the warehouse keeps it),
or from the newest id on its listing, each page dated by its own publication line.

``spiders.discovery.probe_search.IdProbe`` decides which ids to ask for; this strategy
fetches them (or answers them from the raw zone, for ids an earlier run archived), dates
each page and tells the search what it found. Pages of the day go to the article fetcher.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response
from twisted.python.failure import Failure

from core.rawzone import read_archived
from spiders.articles import ArticleFetcher
from spiders.crawl_day import CrawlDay, Fetched, describe_failure
from spiders.discovery.base import DiscoveryStrategy
from spiders.discovery.page_date import decode_html, page_date
from spiders.discovery.probe_search import IdProbe, Outcome, Step

MISS_STATUSES = (404, 410)  # an id probe that finds no article: a miss, not a failure


class IdProbing(DiscoveryStrategy):
    name = "id_probe"

    def __init__(self, crawl: CrawlDay, articles: ArticleFetcher, last_ids: dict[str, int] | None = None):
        super().__init__(crawl, articles)
        self.last_ids = dict(last_ids or {})
        self.probes: dict[str, IdProbe] = {}
        # probe pages that may yet be kept (undated, or failed) when the scan passes them
        self._probe_pages: dict[tuple[str, int], Fetched] = {}
        self._probe_errors: dict[tuple[str, int], str] = {}
        self._probes_failed: set[str] = set()
        self._dated: dict[tuple[str, int], date] = {}  # the date of the page just read, for the search

    def start(self, slug: str) -> Iterator[Any]:
        # Without a last id the search starts from the listing (see wants_anchor).
        if slug in self.last_ids:
            yield from self._start_probe(slug, self.last_ids[slug])
        elif self.crawl.neighbours.get(slug):
            yield from self._start_probe(slug, max(i for i, _ in self.crawl.neighbours[slug].values()))

    # -- anchored on the listing (spiders.discovery.listing.ListingAnchored) -------------------

    def wants_anchor(self, slug: str) -> bool:
        return slug not in self.last_ids and not self.crawl.neighbours.get(slug)

    def anchor_on(self, slug: str, entries: list[tuple[int, date | None]]) -> Iterator[Any]:
        if not entries:
            self.crawl.logger.info("%s: no article on the listing; nothing to probe", slug)
            return
        samples = {i: listed for i, listed in entries if listed is not None}
        yield from self._start_probe(slug, max(i for i, _ in entries), samples)

    # -- the search ------------------------------------------------------------------------------

    def _start_probe(self, slug: str, anchor: int, samples: dict[int, date] | None = None) -> Iterator[Any]:
        if slug in self.probes:
            return
        crawl = self.crawl
        sides = crawl.neighbours.get(slug, {})
        samples = dict(samples or {})
        samples.update({i: d for i, d in sides.values()})
        probe = IdProbe(
            slug,
            anchor,
            crawl.profile.discovery.max_consecutive_misses,
            day=crawl.day,
            floor=sides["below"][0] if "below" in sides else None,
            ceiling=sides["above"][0] if "above" in sides else None,
            samples=samples,
        )
        self.probes[slug] = probe
        yield from self._probe_step(probe, probe.start())

    def _probe_step(self, probe: IdProbe, step: Step) -> Iterator[Any]:
        """Fetch what the probe asks for; ids an earlier run archived are answered from the raw zone."""
        crawl = self.crawl
        pending = [step]
        while pending:
            current = pending.pop()
            for aggregator_id in current.keep:
                kept = self._probe_pages.pop((probe.slug, aggregator_id), None)
                if kept is not None:
                    yield from self._keep(kept)
            for aggregator_id in current.fetch:
                url = crawl.url(
                    crawl.profile.urls.article_path.format(publication=probe.slug, id=aggregator_id)
                )
                ref = crawl.archive.get(url)
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
                archived = read_archived(crawl.partition, ref)
                page = Selector(text=archived.text, type="html")
                fetched = crawl.reused(url, probe.slug, None, "id_probe", ref)
                outcome, items = self._probe_outcome(
                    probe.slug, aggregator_id, page, fetched, archived.body, archived.content_type
                )
                yield from items
                pending.append(
                    probe.record(aggregator_id, outcome, self._dated.pop((probe.slug, aggregator_id), None))
                )
        if probe.done and not probe.saw_before and probe.slug not in crawl.before_history:
            dated = probe.model.times if probe.model is not None else {}
            if dated and Outcome.DAY not in probe.known.values() and not probe.ended_on_errors:
                # from the publication's first id on, every page is dated after the day
                crawl.note_before_history(probe.slug, date.fromordinal(int(min(dated.values()))))
        if probe.done and probe.ended_on_errors and probe.slug not in self._probes_failed:
            # K "no page" answers in a row, some of them failures: the end of the publication
            # cannot be told from an outage, so the day's discovery is not complete.
            self._probes_failed.add(probe.slug)
            failed = [u for (slug, _), u in self._probe_errors.items() if slug == probe.slug]
            crawl.discovery_failures.append(failed[0] if failed else crawl.url(crawl.profile.urls.home))

    def parse_probe(self, response: Response) -> Iterator[Any]:
        slug, aggregator_id = response.meta["publication"], response.meta["aggregator_id"]
        probe = self.probes[slug]
        if response.status in MISS_STATUSES:
            yield from self._probe_step(probe, probe.record(aggregator_id, Outcome.MISS))
            return
        fetched = Fetched.from_response(response, slug, None, "id_probe")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        outcome, items = self._probe_outcome(
            slug, aggregator_id, response.selector, fetched, response.body, content_type
        )
        yield from items
        yield from self._probe_step(
            probe, probe.record(aggregator_id, outcome, self._dated.pop((slug, aggregator_id), None))
        )

    def probe_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        slug, aggregator_id = request.meta["publication"], request.meta["aggregator_id"]
        status, reason = describe_failure(failure)
        yield self.crawl.failure(request.url, "probe", status, reason)
        # Kept as a failed article if the scan finds it inside the day's ids (see probe_search).
        self._probe_errors[(slug, aggregator_id)] = request.url
        self._probe_pages[(slug, aggregator_id)] = Fetched.from_failure(failure, slug, None, "id_probe")
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
        crawl = self.crawl
        published = page_date(page, crawl.profile)
        if published is None and body:
            # A page whose header lies about its charset: read it as a browser would.
            published = page_date(Selector(text=decode_html(body, content_type), type="html"), crawl.profile)
        if published is None:
            self._probe_pages[(slug, aggregator_id)] = fetched
            return Outcome.UNDATED, []
        self._dated[(slug, aggregator_id)] = published
        if published < crawl.day:
            return Outcome.BEFORE, []
        if published > crawl.day:
            return Outcome.AFTER, []
        if not crawl.claim(fetched.url):
            return Outcome.DAY, []
        if fetched.reused_from_run is None:
            crawl.count("pressetl/requests/probe_article")  # the probe fetched an article of the day
        return Outcome.DAY, list(self.articles.emit(replace(fetched, listing_date=published), page))

    def _keep(self, fetched: Fetched) -> Iterator[Any]:
        """An undated or failed probe page inside the day's id range: kept (the quality gate judges
        the undated one's date; the failed one counts as failed)."""
        if self.crawl.claim(fetched.url):
            yield self.crawl.item(fetched)
