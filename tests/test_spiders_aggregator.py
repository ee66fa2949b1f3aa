"""The spider (spiders.aggregator): publications from the home page or the profile, each handed
to the profile's discovery strategies; against devsite, exactly the day's articles, all archived."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import SITE, make_settings
from scrapy.http import HtmlResponse
from spider_harness import make_spider, response_for, run, start_requests
from warcio.archiveiterator import ArchiveIterator

from core.errors import CrawlError
from core.partitions import Partition
from core.rawzone import read_raw_items
from devsite import Faults, World
from devsite.app import HostApp
from pipeline.stages import crawl


def _article_urls(items, base_url):
    return {item.url.replace(base_url, "https://www.maghress.com") for item in items}


@pytest.mark.parametrize("day", [date(2011, 2, 9), date(2011, 2, 5)])  # a weekday and a Saturday
def test_crawl_collects_exactly_the_days_articles(settings, world, devsite_url, day):
    summary = crawl(settings, SITE, day, "t1")

    expected = {a.canonical_url for a in world.articles_for_day(SITE, day)}
    items = list(read_raw_items(Partition(SITE, day, settings.data_dir)))
    assert _article_urls(items, devsite_url) == expected  # none missing, none from neighbouring days
    assert len(items) == len(expected) == summary["discovered"] == summary["fetched"]
    assert summary["failed"] == 0
    assert all(item.status == 200 and item.warc_record_id for item in items)


def test_every_response_is_archived_in_warc(settings, devsite_url):
    day = date(2011, 2, 10)
    summary = crawl(settings, SITE, day, "t2")
    partition = Partition(SITE, day, settings.data_dir)
    with (partition.warc_dir / "t2.warc.gz").open("rb") as fh:
        records = [r for r in ArchiveIterator(fh) if r.rec_type == "response"]
    uris = {r.rec_headers.get_header("WARC-Target-URI") for r in records}
    assert len(records) == summary["pages_fetched"]
    assert f"{devsite_url}/robots.txt" in uris and f"{devsite_url}/fr/" in uris
    item_ids = {item.warc_record_id for item in read_raw_items(partition)}
    assert item_ids <= {r.rec_headers.get_header("WARC-Record-ID") for r in records}


def test_unreachable_site_fails_naming_site_and_url(tmp_path):
    settings = make_settings(tmp_path / "data", "http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(CrawlError) as err:
        crawl(settings, SITE, date(2011, 2, 9), "t3")
    message = str(err.value)
    assert SITE in message and "2011-02-09" in message
    assert "http://127.0.0.1:9/fr/" in message
    assert "\n" not in message


def test_site_answering_503_fails_and_keeps_the_error_responses(tmp_path, served):
    base_url = served(World(today=date(2011, 2, 11), faults=Faults(down=True)))
    settings = make_settings(tmp_path / "data", base_url)
    with pytest.raises(CrawlError, match=r"HTTP 503"):
        crawl(settings, SITE, date(2011, 2, 9), "t4")
    partition = Partition(SITE, date(2011, 2, 9), settings.data_dir)
    with (partition.warc_dir / "t4.warc.gz").open("rb") as fh:
        statuses = [r.http_headers.get_statuscode() for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert "503" in statuses  # retried 5xx responses are archived too
    assert partition.failures.read_text().count('"status":503') >= 1


# -- in-process: the wiring ------------------------------------------------------------------------

DAY = date(2011, 2, 9)
HOME = "https://www.maghress.com/fr/"


def _kinds(requests) -> list[tuple[str, str]]:
    return [(r.meta["publication"], r.meta["kind"]) for r in requests]


def test_without_publications_in_the_profile_the_home_page_lists_them(world):
    spider = make_spider(SITE, DAY)
    [home] = start_requests(spider)
    assert (home.url, home.meta["kind"]) == (HOME, "home")
    requests = list(home.callback(response_for(HostApp(world, "maghress"), home)))
    slugs = sorted(p.slug for p in world.publications(SITE))
    assert _kinds(requests) == [(slug, "listing") for slug in slugs]


def test_each_publication_gets_its_listing_then_its_feed_then_its_probe():
    """Whatever order the profile names them in: a publication's requests stay together."""
    spider = make_spider(
        SITE,
        DAY,
        ["id_probe", "rss", "listing"],
        discovery={"publications": ["lesecos", "lematin"]},
        last_ids={"lematin": 5000},
    )
    requests = start_requests(spider)
    assert _kinds(requests) == [
        ("lesecos", "listing"),
        ("lesecos", "feed"),
        ("lematin", "listing"),
        ("lematin", "feed"),
        ("lematin", "probe"),
    ]
    assert [r.meta.get("roles") for r in requests if r.meta["kind"] == "listing"] == [
        ["anchor", "walk"],  # no last id: the walk's first page anchors the search
        ["walk"],
    ]
    assert requests[-1].url == "https://www.maghress.com/fr/lematin/5000"


def test_only_the_strategies_the_profile_names_run():
    spider = make_spider(SITE, DAY, ["rss"], discovery={"publications": ["lesecos"]})
    assert _kinds(start_requests(spider)) == [("lesecos", "feed")]
    assert [s.name for s in spider.strategies] == ["listing", "rss"]  # the listing stands by


def test_a_home_page_without_publication_links_fails_the_days_discovery():
    spider = make_spider(SITE, DAY)
    [home] = start_requests(spider)
    response = HtmlResponse(HOME, body=b"<html><body><p>maintenance</p></body></html>", request=home)
    [failure] = home.callback(response)
    assert (failure.url, failure.kind, failure.status) == (HOME, "home", 200)
    assert failure.reason == "no publication links on the home page"
    assert spider.discovery_failures == [HOME]


def test_a_home_page_that_fails_fails_the_days_discovery(world):
    spider = make_spider(SITE, DAY)
    crawl = run(HostApp(world, "maghress"), start_requests(spider), statuses={"/fr/": 503})
    assert [(f.url, f.kind, f.status, f.reason) for f in crawl.failures] == [(HOME, "home", 503, "HTTP 503")]
    assert spider.discovery_failures == [HOME] and crawl.items == []


def test_links_off_the_site_are_not_publications(world):
    spider = make_spider(SITE, DAY)
    [home] = start_requests(spider)
    body = (
        b'<ul class="publications"><a href="/fr/lesecos">Les ECO</a>'
        b'<a href="https://www.djazairess.com/fr/elwatan">El Watan</a>'
        b'<a href="/fr/lesecos/13573">an article</a></ul>'
    )
    requests = list(home.callback(HtmlResponse(HOME, body=body, request=home)))
    assert _kinds(requests) == [("lesecos", "listing")]


def test_a_whole_day_in_process_is_exactly_the_days_articles(world):
    spider = make_spider(SITE, DAY)
    crawl = run(HostApp(world, "maghress"), start_requests(spider))
    expected = {a.canonical_url for a in world.articles_for_day(SITE, DAY)}
    assert {item.url for item in crawl.items} == expected and len(crawl.items) == len(expected)
    assert crawl.failures == [] and spider.discovery_failures == []
