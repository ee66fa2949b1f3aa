"""The transform stage's input: which raw items to read, and their pages from the WARC files.

``scan_raw_items`` reads ``items.jsonl`` once and keeps, for each canonical
URL, where its latest successful fetch is (exact duplicates by URL are
counted there, never read); ``article_pages`` then streams the archived
article pages in WARC order, each with the publisher's page that source
follow archived for it. Only record ids and file offsets are held, never a
day of pages. Pure reading of the raw zone: the stage decides what to do with
each page.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.outcomes import UrlOutcome, read_discovered
from core.partitions import Partition
from core.profiles import SiteProfile
from core.rawzone import ArchivedResponse, iter_responses
from core.records import RawItem
from transforms.urls import canonical_url

# Article pages waiting for their publisher page (source follow) in the WARC stream: the
# spider archives the publisher's page right after the article, so few ever wait.
_MAX_WAITING = 1000

log = logging.getLogger(__name__)


# --- raw items: exact duplicates by URL ------------------------------------------------


@dataclass
class RawArticles:
    """What the scan found: the ledger's counts, and where each article to read is."""

    discovered: int = 0  # raw items read (a URL in items.jsonl twice counts twice)
    wanted: dict[str, int] = field(default_factory=dict)  # article record id → offset in items.jsonl
    publisher_of: dict[str, str] = field(default_factory=dict)  # publisher record id → article record id
    url_duplicates: list[str] = field(default_factory=list)
    canonicalisation_failures: list[str] = field(default_factory=list)
    # what became of each URL the crawl discovered, so far: staged (to read), failed, duplicate,
    # unaccounted (no raw item); the transform settles the ones it reads
    outcomes: dict[str, UrlOutcome] = field(default_factory=dict)

    @property
    def failed_fetch(self) -> int:
        """Articles whose chosen fetch failed."""
        return sum(1 for o in self.outcomes.values() if o.outcome == "failed")


@dataclass(frozen=True)
class _Fetch:
    rank: tuple  # (fetched, when, position): the latest successful fetch wins
    offset: int
    record: str | None
    source: str | None
    url: str
    error: str | None


def scan_raw_items(partition: Partition, profile: SiteProfile) -> RawArticles:
    """One pass over the raw items: which record to read for each canonical URL, and where its item is.

    A URL fetched several times (listing and feed, a retry, an incremental run
    that reused a record) is one article: its latest successful fetch is read,
    the others are counted as duplicates. Only offsets are kept, not the items.
    Each discovered URL gets an outcome (``core.outcomes``); the crawl's list of
    discovered URLs, where there is one, names those that got no raw item.
    """
    result = RawArticles()
    best: dict[str, _Fetch] = {}
    fetched_urls: dict[str, str] = {}  # URL as fetched → its canonical URL
    with partition.raw_items.open("rb") as fh:
        position = 0
        while True:
            offset = fh.tell()
            line = fh.readline()
            if not line:
                break
            if not line.strip():
                continue
            item = RawItem.model_validate_json(line)
            result.discovered += 1
            try:
                url = canonical_url(item.url, profile)
            except Exception as exc:  # canonical_url is total by design; a bug must not stop the day
                # Never stops the partition: the item is kept under the URL as fetched (it simply
                # has no alias), and the manifest counts and names it.
                log.warning("%s %s: cannot canonicalise %s: %s", profile.site, partition.day, item.url, exc)
                result.canonicalisation_failures.append(item.url)
                url = item.url
            fetched_urls[item.url] = url
            ok = item.error is None and bool(item.warc_record_id)
            error = None if ok else (item.error or "no archived response")
            fetch = _Fetch(
                (ok, item.fetched_at, position),
                offset,
                item.warc_record_id if ok else None,
                item.source_warc_record_id if ok else None,
                item.url,
                error,
            )
            position += 1
            if url in best:
                result.url_duplicates.append(url)
                if fetch.rank <= best[url].rank:
                    continue
            best[url] = fetch
    for fetch in best.values():
        if fetch.record is None:
            result.outcomes[fetch.url] = UrlOutcome(url=fetch.url, outcome="failed", reason=fetch.error)
            continue
        result.wanted[fetch.record] = fetch.offset
        result.outcomes[fetch.url] = UrlOutcome(url=fetch.url, outcome="staged")
        if fetch.source:
            result.publisher_of[fetch.source] = fetch.record
    for source in [s for s in result.publisher_of if s in result.wanted]:
        del result.publisher_of[source]  # an article page is never another's publisher page
    for fetched, url in fetched_urls.items():
        if fetched not in result.outcomes:
            kept = best[url].url
            reason = f"same article as {kept}" if kept != fetched else None
            result.outcomes[fetched] = UrlOutcome(url=fetched, outcome="duplicate", reason=reason)
    _unaccounted(partition, result)
    return result


def _unaccounted(partition: Partition, result: RawArticles) -> None:
    """Discovered URLs (the crawl's list) with no raw item: they stay in the ledger, unaccounted."""
    if not partition.discovered_urls.is_file():
        return  # crawled before crawls listed their URLs: the raw items are the list
    missing = [url for url in read_discovered(partition.discovered_urls) if url not in result.outcomes]
    for url in missing:
        result.outcomes[url] = UrlOutcome(
            url=url, outcome="unaccounted", reason="discovered, but the crawl recorded no fetch of it"
        )
    if missing:
        log.error(
            "%s %s: %d discovered URL(s) have no raw item, first %s",
            partition.site,
            partition.day,
            len(missing),
            missing[0],
        )


def read_raw_item(partition: Partition, offset: int, handle=None) -> RawItem:
    if handle is None:
        with partition.raw_items.open("rb") as fh:
            return read_raw_item(partition, offset, fh)
    handle.seek(offset)
    return RawItem.model_validate_json(handle.readline())


# --- pages -------------------------------------------------------------------------


def article_pages(
    partition: Partition,
    wanted: dict[str, int],
    publisher_of: dict[str, str],
    charsets: Counter[tuple[str, str]] | None = None,
) -> Iterator[tuple[RawItem, str, str | None]]:
    """(item, article page, publisher page or None) for each archived article, in archive order.

    Each article's record id is removed from ``wanted`` as it is read: what is
    left at the end was never found in the archive. ``charsets`` counts the pages decoded
    by (rule, encoding) (``core.decoding``).
    """

    def text(response: ArchivedResponse) -> str:
        decoded = response.decoded
        if charsets is not None:
            charsets[decoded.how, decoded.encoding] += 1
        return decoded.text

    waiting_articles: dict[str, tuple[RawItem, ArchivedResponse]] = {}
    waiting_publishers: dict[str, str] = {}  # article record id → publisher page
    record_ids = set(wanted) | set(publisher_of)
    with partition.raw_items.open("rb") as items:
        for response in iter_responses(partition, record_ids):
            rid = response.record_id
            if rid in publisher_of:
                article_id = publisher_of[rid]
                publisher_text = text(response) if response.status == 200 else ""
                if article_id in waiting_articles:
                    item, article = waiting_articles.pop(article_id)
                    yield item, text(article), publisher_text or None
                else:
                    waiting_publishers[article_id] = publisher_text
                continue
            if rid not in wanted:
                continue  # the same record archived twice
            item = read_raw_item(partition, wanted.pop(rid), items)
            if item.source_warc_record_id in publisher_of and rid not in waiting_publishers:
                waiting_articles[rid] = (item, response)
                if len(waiting_articles) > _MAX_WAITING:  # never hold a day of pages: go without
                    oldest = next(iter(waiting_articles))
                    item, article = waiting_articles.pop(oldest)
                    yield item, text(article), None
                continue
            yield item, text(response), waiting_publishers.pop(rid, None) or None
    for item, response in waiting_articles.values():  # publisher page never archived
        yield item, text(response), None
