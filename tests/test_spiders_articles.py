"""Article fetching (spiders.articles): a discovered URL fetched once, or reused from the raw zone,
its publisher's page followed when asked, and its RawItem emitted, failed or not.

Layout drift: the profile's selectors match nothing; the spider notices and counts it, and the
transform's generic fallback marks every row ``extraction=fallback`` for the quality gate."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from conftest import SITE, make_settings
from parsel import Selector
from scrapy.http import HtmlResponse
from spider_harness import http_failure, make_spider, run

from core.partitions import Partition
from core.rawzone import ArchivedRef, index_archived
from devsite import Faults, World
from devsite.app import HostApp
from pipeline.stages import crawl, transform
from spiders.crawl_day import Fetched

DAY = date(2011, 2, 9)


def test_drifted_pages_are_counted_by_the_spider_and_become_fallback_rows(tmp_path, served):
    world = World(today=date(2011, 2, 11), faults=Faults(drift=True))
    settings = make_settings(tmp_path / "data", served(world))
    summary = crawl(settings, SITE, DAY, "drift")
    expected = {a.canonical_url: a for a in world.articles_for_day(SITE, DAY)}
    assert summary["discovered"] == len(expected) and summary["failed"] == 0

    partition = Partition(SITE, DAY, settings.data_dir)
    manifest = json.loads(partition.crawl_manifest.read_text())
    assert manifest["selector_misses"] == len(expected)
    assert "layout drift?" in (partition.raw_dir / "logs" / "drift.log").read_text()

    transform(settings, SITE, DAY, "drift")
    rows = pq.read_table(partition.staged_articles).to_pylist()
    assert rows and {row["extraction"] for row in rows} == {"fallback"}
    for row in rows:
        article = expected[row["canonical_url"]]
        assert row["title"] == article.title
        assert row["published_date"] == article.published_date


def test_the_classic_layout_counts_no_selector_misses(settings):
    crawl(settings, SITE, DAY, "classic")
    manifest = json.loads(Partition(SITE, DAY, settings.data_dir).crawl_manifest.read_text())
    assert manifest["selector_misses"] == 0


# -- in-process ------------------------------------------------------------------------------------

PAGES = Path(__file__).resolve().parent / "pages"
URL = "https://www.maghress.com/fr/lesecos/13573"
SOURCE = "https://www.leseco.ma/maroc-numeric-sur-les-traces-de-la-france.html"
PUBLISHER = "http://127.0.0.1:8101"  # where devsite would serve www.leseco.ma


def _page(name: str) -> Selector:
    return Selector(text=(PAGES / name).read_text("utf-8"), type="html")


def _ref(url: str, run_id: str = "r1") -> ArchivedRef:
    return ArchivedRef(
        url=url, record_id=f"<urn:uuid:{run_id}>", warc_file=f"{run_id}.warc.gz", offset=0, run_id=run_id
    )


def _fetched(url: str = URL) -> Fetched:
    return Fetched(url=url, publication="lesecos", listing_date=DAY, discovered_by="listing", status=200)


def _following(**kwargs):
    return make_spider(
        SITE, DAY, source_follow={"enabled": True}, publisher_urls={"www.leseco.ma": PUBLISHER}, **kwargs
    )


def test_an_article_found_by_two_strategies_is_fetched_once():
    articles = make_spider(SITE, DAY).articles
    [request] = articles.article(URL, "lesecos", DAY, "listing")
    assert list(articles.article(URL, "lesecos", None, "rss")) == []
    assert request.meta == {
        "kind": "article",
        "publication": "lesecos",
        "listing_date": DAY,
        "discovered_by": "listing",
    }


def test_an_article_page_becomes_its_raw_item(world, tmp_path):
    spider = make_spider(SITE, DAY)
    article = next(a for a in world.articles_for_day(SITE, DAY) if a.publication_slug == "lesecos")
    crawl = run(
        HostApp(world, "maghress"),
        spider.articles.article(article.canonical_url, "lesecos", DAY, "listing"),
        warc_path=tmp_path / "t.warc.gz",
    )
    [item] = crawl.items
    assert (item.site, item.logical_date, item.url) == (SITE, DAY, article.canonical_url)
    assert (item.publication_slug, item.listing_date, item.discovered_by) == ("lesecos", DAY, "listing")
    assert item.status == 200 and item.error is None and item.reused_from_run is None
    assert item.warc_file == "t.warc.gz" and item.warc_record_id.startswith("<urn:uuid:")
    assert item.source_url is None and crawl.failures == []


def test_a_failed_article_is_kept_as_a_failed_item_and_a_page_failure(world):
    spider = make_spider(SITE, DAY)
    crawl = run(
        HostApp(world, "maghress"),
        spider.articles.article(URL, "lesecos", DAY, "rss"),
        statuses={"/fr/lesecos/13573": 404},
    )
    [item] = crawl.items
    assert (item.url, item.status, item.error, item.discovered_by) == (URL, 404, "HTTP 404", "rss")
    [failure] = crawl.failures
    assert (failure.url, failure.kind, failure.status, failure.reason) == (URL, "article", 404, "HTTP 404")


def test_an_article_an_earlier_run_archived_is_not_downloaded_again():
    spider = make_spider(SITE, DAY, archive={URL: _ref(URL)})
    [item] = spider.articles.article(URL, "lesecos", DAY, "listing")
    assert (item.url, item.status, item.reused_from_run) == (URL, 200, "r1")
    assert (item.warc_file, item.warc_record_id) == ("r1.warc.gz", "<urn:uuid:r1>")
    assert spider.crawler.stats.get_value("pressetl/reused_from_raw_zone") == 1


def test_refresh_downloads_what_the_raw_zone_holds():
    spider = make_spider(SITE, DAY, archive={URL: _ref(URL)}, refresh=True)
    [request] = spider.articles.article(URL, "lesecos", DAY, "listing")
    assert request.url == URL


def test_drifted_pages_are_counted_each_and_logged_once(caplog):
    spider = make_spider(SITE, DAY)
    with caplog.at_level(logging.WARNING):
        for n in (1, 2):
            list(spider.articles.emit(_fetched(f"{URL[:-1]}{n}"), _page("maghress-fr-article-drift.html")))
        list(spider.articles.emit(_fetched(), _page("maghress-fr-article.html")))
    assert spider.crawler.stats.get_value("pressetl/selector_misses") == 2
    assert [r.getMessage() for r in caplog.records if "layout drift?" in r.getMessage()] == [
        "maghress-fr: title (span.articletitle) and body (span.articlecontent) selectors match nothing on "
        f"{URL[:-1]}1: layout drift?"
    ]


def test_with_source_follow_the_publishers_page_is_fetched_before_the_item():
    spider = _following()
    [request] = spider.articles.emit(_fetched(), _page("maghress-fr-article.html"))
    assert request.url == PUBLISHER + "/maroc-numeric-sur-les-traces-de-la-france.html"
    assert request.meta["kind"] == "publisher" and request.meta["publisher_url"] == request.url
    assert request.dont_filter  # fetched once per URL by the fetcher; the dupefilter must not drop it

    request.meta.update(warc_file="t.warc.gz", warc_record_id="<urn:uuid:p>")
    response = HtmlResponse(request.url, status=200, body=b"<html></html>", request=request)
    [item] = spider.articles.parse_source(response)
    assert (item.url, item.status, item.source_url, item.source_status) == (URL, 200, SOURCE, 200)
    assert (item.source_warc_file, item.source_warc_record_id) == ("t.warc.gz", "<urn:uuid:p>")
    assert item.source_error is None


def test_a_publishers_page_that_fails_leaves_the_article_with_its_source_error():
    spider = _following()
    [request] = spider.articles.emit(_fetched(), _page("maghress-fr-article.html"))
    response = HtmlResponse(request.url, status=503, body=b"", request=request)
    item, failure = spider.articles.source_failed(http_failure(response))
    assert (item.url, item.status, item.error) == (URL, 200, None)  # the article itself was fetched
    assert (item.source_url, item.source_status, item.source_error) == (SOURCE, 503, "HTTP 503")
    assert (failure.url, failure.kind, failure.status) == (request.url, "publisher", 503)


def test_a_publishers_page_an_earlier_run_archived_is_reused():
    target = PUBLISHER + "/maroc-numeric-sur-les-traces-de-la-france.html"
    spider = _following(archive={target: _ref(target, "r0")})
    [item] = spider.articles.emit(_fetched(), _page("maghress-fr-article.html"))
    assert (item.source_url, item.source_status) == (SOURCE, 200)
    assert (item.source_warc_file, item.source_warc_record_id) == ("r0.warc.gz", "<urn:uuid:r0>")
    assert spider.crawler.stats.get_value("pressetl/reused_from_raw_zone") == 1


def test_a_reused_article_is_read_from_the_raw_zone_for_its_source_link(world, tmp_path):
    article = next(a for a in world.articles_for_day(SITE, DAY) if a.publication_slug == "lesecos")
    partition = Partition(SITE, DAY, tmp_path)
    first = make_spider(SITE, DAY)
    run(
        HostApp(world, "maghress"),
        first.articles.article(article.canonical_url, "lesecos", DAY, "listing"),
        warc_path=partition.warc_dir / "r1.warc.gz",
    )
    archive = index_archived(partition)
    spider = make_spider(SITE, DAY, source_follow={"enabled": True}, partition=partition, archive=archive)
    [request] = spider.articles.article(article.canonical_url, "lesecos", DAY, "listing")
    assert request.meta["kind"] == "publisher"
    [waiting] = spider.articles.unanswered()
    assert (waiting.url, waiting.reused_from_run) == (article.canonical_url, "r1")
    # a reused page was checked when it was fetched: not counted again
    assert spider.crawler.stats.get_value("pressetl/selector_misses") is None


def _sharing(n: int) -> tuple[object, list, list]:
    """``n`` articles whose "Cliquez ici" links all point at one publisher page."""
    spider = _following()
    urls = [f"{URL[:-1]}{i}" for i in range(1, n + 1)]
    out = [r for u in urls for r in spider.articles.emit(_fetched(u), _page("maghress-fr-article.html"))]
    return spider, urls, out


def test_articles_sharing_a_publisher_page_wait_for_its_one_request_and_are_all_emitted():
    spider, urls, out = _sharing(3)
    [request] = out  # one request for the shared page, none dropped by a duplicate filter
    assert len(spider.articles.unanswered()) == 3
    request.meta.update(warc_file="t.warc.gz", warc_record_id="<urn:uuid:p>")
    response = HtmlResponse(request.url, status=200, body=b"<html></html>", request=request)
    items = list(spider.articles.parse_source(response))
    assert [i.url for i in items] == urls
    assert {(i.source_url, i.source_status, i.source_warc_record_id) for i in items} == {
        (SOURCE, 200, "<urn:uuid:p>")
    }
    assert spider.articles.unanswered() == []
    # an article linking to it later gets the same answer without another request
    [late] = spider.articles.emit(_fetched(f"{URL[:-1]}9"), _page("maghress-fr-article.html"))
    assert (late.url, late.source_status, late.source_warc_record_id) == (
        f"{URL[:-1]}9",
        200,
        "<urn:uuid:p>",
    )
    assert spider.crawler.stats.get_value("pressetl/source_shared") == 3


def test_a_shared_publisher_page_that_fails_leaves_every_article_with_the_source_error():
    spider, urls, [request] = _sharing(2)
    response = HtmlResponse(request.url, status=403, body=b"", request=request)
    *items, failure = spider.articles.source_failed(http_failure(response))
    assert [(i.url, i.status, i.error) for i in items] == [(u, 200, None) for u in urls]
    assert {(i.source_status, i.source_error) for i in items} == {(403, "HTTP 403")}
    assert (failure.kind, failure.status) == ("publisher", 403)  # one failure: one request
