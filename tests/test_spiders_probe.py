"""Id probing (spiders.discovery.probe): ids searched from the last one seen, or from the newest
on the listing, each page dated by its own publication line; exactly the day's articles, in a
number of requests that grows with the logarithm of the distance to the day."""

from __future__ import annotations

from datetime import date

import pytest
from discovery_checks import check_exact, crawl_manifest, strategy_settings
from spider_harness import make_spider, run

from core.partitions import Partition
from core.rawzone import index_archived, read_raw_items
from devsite import Faults, World, serve
from devsite.app import HostApp
from pipeline.stages import crawl, load, transform, validate

TODAY = date(2011, 2, 11)


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


# -- end to end, against devsite served on free ports ---------------------------------------------


@pytest.mark.parametrize(
    ("site", "day"),
    [
        ("djazairess-fr", date(2011, 2, 9)),
        ("turess-ar", date(2011, 2, 6)),  # Maghreb month names
        ("masress-ar", date(2011, 2, 10)),  # Eastern Arabic digits, Egyptian month names
    ],
)
def test_id_probing_anchored_on_the_listing_without_a_warehouse(tmp_path, server, world, site, day):
    settings = strategy_settings(tmp_path, server, site, ["id_probe"])
    items = check_exact(settings, server, world, site, day, "probe")
    assert {item.discovered_by for item in items} == {"id_probe"}
    # a logarithmic search per publication, not a walk over every id since the anchor
    manifest = crawl_manifest(settings, site, day)
    assert manifest["pages_fetched"] < len(items) + 25 * len(world.publications(site))


def test_id_probing_starts_from_the_last_ids_in_the_warehouse(tmp_path, server, world):
    site, first, second = "djazairess-fr", date(2011, 2, 9), date(2011, 2, 10)
    settings = strategy_settings(tmp_path, server, site, ["id_probe"])
    for day, run_id in ((first, "d1"), (second, "d2")):
        if day == second:
            server.clear_request_logs()
        check_exact(settings, server, world, site, day, run_id)
        if day == first:  # load the first day: the warehouse now knows the last id per publication
            transform(settings, site, day, run_id)
            validate(settings, site, day, run_id)
            load(settings, site, day, run_id)
    requested = server.request_log(site)
    prefix = "/fr/"
    listings = [t for t in requested if t.startswith(prefix) and t.count("/") == 2 and t != prefix]
    assert not listings  # anchored on the warehouse: no listing page needed
    probed = [t for t in requested if t.count("/") == 3]
    expected = len(world.articles_for_day(site, second))
    publications = len(world.publications(site))
    # one anchor per publication, the day's ids, and max_consecutive_misses past the newest
    assert len(probed) <= expected + publications * (1 + 10 + 10)


def test_id_probing_reads_dates_through_charset_lies_and_keeps_cut_pages_as_failures(tmp_path):
    site, day = "masress-ar", date(2011, 2, 9)
    world = World(today=TODAY, faults=Faults(wrong_charset_share=0.25, truncated_share=0.1))
    with serve(world) as server:
        settings = strategy_settings(tmp_path, server, site, ["id_probe"])
        summary = crawl(settings, site, day, "faulty")
    base = server.base_url_for(site)
    articles = world.articles_for_day(site, day)
    partition = Partition(site, day, settings.data_dir)
    items = {item.url.removeprefix(base): item for item in read_raw_items(partition)}
    expected = {a.path for a in articles}
    assert expected <= set(items)  # nothing missing: wrong charsets are read, cut pages kept as failed
    assert any(a.wrong_charset for a in articles if not a.truncated)
    failed = {path for path, item in items.items() if item.error}
    assert {a.path for a in articles if a.truncated} <= failed
    assert summary["failed"] == len(failed)
    # a page that failed at the day's edge cannot be dated: it is reported for the day, as failed
    for path in set(items) - expected:
        assert path in failed
        slug, number = path.strip("/").split("/")
        neighbour = world.article(site, slug, int(number))
        assert neighbour.truncated and abs((neighbour.published_date - day).days) == 1


# -- in-process, against devsite's pages (spider_harness) ----------------------------------------

SITE, SLUG = "djazairess-fr", "elwatan"
WINDOW = 10  # max_consecutive_misses in the profile: the scan keeps this many ids in flight


@pytest.fixture(scope="module")
def app(world):
    return HostApp(world, "djazairess")


def _ids(world, day: date) -> list[int]:
    return [a.aggregator_id for a in world.articles_for_day(SITE, day) if a.publication_slug == SLUG]


def _url(aggregator_id: int) -> str:
    return f"https://www.djazairess.com/fr/{SLUG}/{aggregator_id}"


def _probed(crawl) -> list[int]:
    return [r.meta["aggregator_id"] for r in crawl.requests if r.meta["kind"] == "probe"]


def test_from_the_last_id_seen_the_scan_collects_the_day_and_stops_at_the_next_days_first_id(app, world):
    day = date(2011, 2, 10)
    last_seen = _ids(world, date(2011, 2, 9))[-1]  # what the warehouse kept from the day before
    first_after = _ids(world, TODAY)[0]
    spider = make_spider(SITE, day, ["id_probe"], last_ids={SLUG: last_seen})
    listings, probing = spider.strategies
    assert list(listings.start(SLUG)) == []  # no listing needed
    crawl = run(app, probing.start(SLUG))

    probed = _probed(crawl)
    assert probed[0] == last_seen and len(probed) == len(set(probed))
    assert set(range(last_seen, first_after + 1)) <= set(probed)
    assert max(probed) < first_after + WINDOW  # no further than the requests already in flight
    assert {item.url for item in crawl.items} == {_url(i) for i in _ids(world, day)}
    for item in crawl.items:
        assert (item.discovered_by, item.publication_slug, item.listing_date) == ("id_probe", SLUG, day)
        assert item.status == 200 and item.error is None
    assert crawl.failures == [] and spider.discovery_failures == []


def test_a_backfill_anchored_on_the_listing_gallops_and_bisects_instead_of_walking_every_id(app, world):
    day = date(2011, 2, 3)
    spider = make_spider(SITE, day, ["id_probe"])
    listings, _ = spider.strategies
    crawl = run(app, listings.start(SLUG))

    assert [r.meta["roles"] for r in crawl.requests if r.meta["kind"] == "listing"] == [["anchor"]]
    expected = _ids(world, day)
    assert {item.url for item in crawl.items} == {_url(i) for i in expected}
    newest_listed = max(_ids(world, TODAY))
    assert newest_listed - expected[-1] > 100  # a walk down would ask for every one of these
    assert len(_probed(crawl)) < len(expected) + 2 * WINDOW + 20
    assert spider.discovery_failures == []


def test_a_listing_without_articles_starts_no_search():
    spider = make_spider(SITE, date(2011, 2, 10), ["id_probe"])
    _, probing = spider.strategies
    assert list(probing.anchor_on(SLUG, [])) == []
    assert probing.probes == {}


def test_a_scan_that_ends_on_failures_fails_the_days_discovery(app, world):
    newest = _ids(world, TODAY)[-1]
    failing = {f"/fr/{SLUG}/{i}": 503 for i in range(newest + 1, newest + 1 + WINDOW)}
    spider = make_spider(SITE, TODAY, ["id_probe"], last_ids={SLUG: newest})
    _, probing = spider.strategies
    crawl = run(app, probing.start(SLUG), statuses=failing)

    assert {(f.kind, f.status, f.reason) for f in crawl.failures} == {("probe", 503, "HTTP 503")}
    assert {f.url for f in crawl.failures} == {_url(i) for i in range(newest + 1, newest + 1 + WINDOW)}
    # past the newest page nothing tells the publication's end from an outage
    assert spider.discovery_failures == [_url(newest + 1)]
    day_items = {_url(i) for i in _ids(world, TODAY)}
    assert day_items <= {item.url for item in crawl.items}
    # the failed ids at the day's edge cannot be dated: reported for the day, as failed
    assert all(item.error == "HTTP 503" for item in crawl.items if item.url not in day_items)


def test_ids_an_earlier_run_archived_are_answered_from_the_raw_zone(app, world, tmp_path):
    day = date(2011, 2, 10)
    last_seen = _ids(world, date(2011, 2, 9))[-1]
    partition = Partition(SITE, day, tmp_path)
    first = make_spider(SITE, day, ["id_probe"], last_ids={SLUG: last_seen})
    before = run(app, first.strategies[1].start(SLUG), warc_path=partition.warc_dir / "r1.warc.gz")

    archive = index_archived(partition)
    again = make_spider(
        SITE, day, ["id_probe"], last_ids={SLUG: last_seen}, partition=partition, archive=archive
    )
    crawl = run(app, again.strategies[1].start(SLUG))

    day_urls = {_url(i) for i in _ids(world, day)}
    assert {item.url for item in crawl.items} == day_urls == {item.url for item in before.items}
    assert not set(crawl.urls("probe")) & day_urls  # not downloaded again
    assert {item.reused_from_run for item in crawl.items} == {"r1"}
    assert {item.warc_record_id for item in crawl.items} == {archive[url].record_id for url in day_urls}
    assert again.crawler.stats.get_value("pressetl/reused_from_raw_zone") >= len(day_urls)
