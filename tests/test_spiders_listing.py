"""Listing walk-back (spiders.discovery.listing): a publication's listing, newest first, walked
back until its entries are older than the day; exactly the day's articles, on several sites and
days, against devsite's ground truth."""

from __future__ import annotations

from datetime import date

import pytest
from discovery_checks import check_exact, strategy_settings
from spider_harness import make_spider, run

from devsite import World, serve
from devsite.app import HostApp


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


@pytest.mark.parametrize(
    ("site", "day"),
    [
        ("djazairess-ar", date(2011, 2, 9)),  # Maghreb month names on some publications
        ("sauress-ar", date(2011, 2, 4)),  # Eastern Arabic digits; a Saudi weekend day (Friday)
        ("masress-en", date(2011, 2, 10)),  # the day before "today"
    ],
)
def test_listing_walk_back(tmp_path, server, world, site, day):
    settings = strategy_settings(tmp_path, server, site, ["listing"])
    items = check_exact(settings, server, world, site, day, "listing")
    assert {item.discovered_by for item in items} == {"listing"}


# -- in-process, against devsite's pages (spider_harness) ----------------------------------------

SITE, TODAY = "maghress-fr", date(2011, 2, 11)


@pytest.fixture(scope="module")
def app(world):
    return HostApp(world, "maghress")


def _pages_down_to(world, slug: str, day: date) -> list[int]:
    """The listing pages a walk must read: down to the first one that shows an older article."""
    pages = []
    for page in range(1, 100):
        listing = world.listing(SITE, slug, page)
        pages.append(page)
        if not listing.has_next or any(a.published_date < day for a in listing.articles):
            return pages
    raise AssertionError("the day is further back than the test expects")


@pytest.mark.parametrize("day", [date(2011, 2, 10), date(2011, 2, 5)])
def test_a_walk_collects_the_days_articles_and_stops_at_the_first_page_reaching_older_ones(app, world, day):
    slug = "mapexpress"  # the busiest publication: several pages per day
    spider = make_spider(SITE, day, ["listing"])
    [listings] = spider.strategies
    crawl = run(app, listings.start(slug))

    walked = [r.meta["page"] for r in crawl.requests if r.meta["kind"] == "listing"]
    down_to = _pages_down_to(world, slug, day)
    # the day's pages are located (jumping to page numbers), never more pages than a walk reads
    assert walked[0] == 1 and len(walked) <= len(down_to)
    assert len(walked) > 1
    expected = {a.canonical_url: a for a in world.articles_for_day(SITE, day) if a.publication_slug == slug}
    assert {item.url for item in crawl.items} == set(expected)
    for item in crawl.items:
        assert item.status == 200 and item.error is None
        assert (item.discovered_by, item.publication_slug, item.listing_date) == ("listing", slug, day)
    assert crawl.failures == [] and spider.discovery_failures == []


def test_a_walk_stopped_by_max_listing_pages_is_a_discovery_failure():
    # max_listing_pages caps the pages of the day's own walk (locating the day is not counted)
    day, world = date(2011, 2, 7), World(today=TODAY, scale=5)
    app = HostApp(world, "maghress")
    day_articles = [a for a in world.articles_for_day(SITE, day) if a.publication_slug == "mapexpress"]
    assert len(day_articles) > 20  # more than one page of the day
    spider = make_spider(SITE, day, ["listing"], discovery={"max_listing_pages": 1})
    [listings] = spider.strategies
    crawl = run(app, listings.start("mapexpress"))

    [failure] = crawl.failures
    assert failure.kind == "listing" and failure.status == 200
    assert failure.reason == (
        "publication mapexpress: stopped at discovery.max_listing_pages=1 pages of the day's walk "
        "before reaching 2011-02-07"
    )
    assert spider.discovery_failures == [failure.url]
    assert 0 < len(crawl.items) < len(day_articles)  # the day is incomplete, and says so


def test_a_failed_listing_page_is_a_discovery_failure(app):
    spider = make_spider(SITE, date(2011, 2, 9), ["listing"])
    [listings] = spider.strategies
    crawl = run(app, listings.start("lesecos"), statuses={"/fr/lesecos": 503})
    [failure] = crawl.failures
    assert (failure.kind, failure.status, failure.reason) == ("listing", 503, "HTTP 503")
    assert spider.discovery_failures == ["https://www.maghress.com/fr/lesecos"]
    assert crawl.items == []


@pytest.mark.parametrize(
    ("strategies", "last_ids", "roles"),
    [
        (["listing"], {}, [["walk"]]),
        (["listing", "id_probe"], {}, [["anchor", "walk"]]),  # one first page for both
        (["id_probe"], {}, [["anchor"]]),
        (["id_probe"], {"lesecos": 13500}, []),  # the search starts from the last id: no listing
        (["rss"], {}, []),  # walked only if the feed falls short
    ],
)
def test_the_first_page_carries_every_role_it_plays(strategies, last_ids, roles):
    spider = make_spider(SITE, date(2011, 2, 9), strategies, last_ids=last_ids)
    listings = spider.strategies[0]
    requests = list(listings.start("lesecos"))
    assert [r.meta["roles"] for r in requests] == roles
    assert all(r.url == "https://www.maghress.com/fr/lesecos" and r.dont_filter for r in requests)


def test_a_walk_asked_for_twice_is_made_once():
    spider = make_spider(SITE, date(2011, 2, 9), ["rss"])
    listings = spider.strategies[0]
    assert listings.walk("lesecos").meta["roles"] == ["walk"]
    assert listings.walk("lesecos") is None
