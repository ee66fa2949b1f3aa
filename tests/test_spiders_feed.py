"""RSS feed discovery (spiders.discovery.feed): feeds parsed safe against hostile XML, dates as
local days; a publication's articles of the day taken from its feed, and its listing walked
when the feed does not reach back past the day or cannot be read."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from discovery_checks import check_exact, crawl_manifest, strategy_settings
from scrapy.http import TextResponse
from spider_harness import make_spider, run

from devsite import serve
from devsite.app import HostApp
from spiders.discovery.feed import FeedError, parse_feed

CASABLANCA = ZoneInfo("Africa/Casablanca")  # UTC+0 in 2011
CAIRO = ZoneInfo("Africa/Cairo")  # UTC+2

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Les ECO</title>
<item><title>A</title><link>https://www.maghress.com/fr/lesecos/13573</link>
  <pubDate>Wed, 09 Feb 2011 22:30:00 +0000</pubDate></item>
<item><title>B</title><guid>https://www.maghress.com/fr/lesecos/13572</guid>
  <pubDate>Wed, 09 Feb 2011 08:00:00 +0100</pubDate></item>
<item><title>C</title><link>/fr/lesecos/13571</link><pubDate>08 - 02 - 2011</pubDate></item>
<item><title>D</title><link>/fr/lesecos/13570</link></item>
</channel></rss>"""


def test_rss_items_become_links_and_local_days():
    entries = parse_feed(RSS, CASABLANCA, ["%d - %m - %Y"], ["fr"])
    assert [e.link for e in entries] == [
        "https://www.maghress.com/fr/lesecos/13573",
        "https://www.maghress.com/fr/lesecos/13572",
        "/fr/lesecos/13571",
        "/fr/lesecos/13570",
    ]
    assert [e.published for e in entries] == [date(2011, 2, 9), date(2011, 2, 9), date(2011, 2, 8), None]


def test_an_instant_belongs_to_the_day_of_the_sites_zone():
    entries = parse_feed(RSS, CAIRO)
    assert entries[0].published == date(2011, 2, 10)  # 22:30 UTC is past midnight in Cairo


def test_atom_feeds_are_read_too():
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
    <entry><link rel="alternate" href="/fr/x/1"/><published>2011-02-09T23:30:00Z</published></entry>
    </feed>"""
    (entry,) = parse_feed(atom, CAIRO)
    assert entry.link == "/fr/x/1" and entry.published == date(2011, 2, 10)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><item><title>&lol3;</title><link>/fr/x/1</link></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&xxe;</title><link>/fr/x/1</link></item></channel></rss>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd">
<rss><channel><item><link>/fr/x/1</link></item></channel></rss>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_hostile_feeds_are_refused_not_expanded(body):
    with pytest.raises(FeedError, match="unsafe feed refused"):
        parse_feed(body, CASABLANCA)


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b"<rss><channel><item>", b""])
def test_malformed_or_foreign_documents_are_feed_errors(body):
    with pytest.raises(FeedError):
        parse_feed(body, CASABLANCA)


# -- end to end, against devsite served on free ports ---------------------------------------------

TODAY = date(2011, 2, 11)


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


@pytest.mark.parametrize(
    ("site", "day"),
    [
        ("maghress-ar", date(2011, 2, 10)),  # yesterday: the feeds reach back past it
        ("sauress-en", date(2011, 2, 10)),  # UTC+3: late-evening items are stamped the day before in UTC
        ("turess-fr", date(2011, 2, 7)),  # older than the feeds reach: completed from the listing
    ],
)
def test_rss_feeds(tmp_path, server, world, site, day):
    settings = strategy_settings(tmp_path, server, site, ["rss"])
    items = check_exact(settings, server, world, site, day, "rss")
    by = {item.discovered_by for item in items}
    manifest = crawl_manifest(settings, site, day)
    if day == TODAY - timedelta(days=1):
        assert "rss" in by
        # discovery pages: the home page and one feed per publication, plus a listing walk only
        # for publications whose 50-item feed does not reach back past the day
        assert manifest["pages_fetched"] < len(items) + 3 * len(world.publications(site)) + 5
    else:
        assert "listing" in by  # the feeds end before the day: the listings were walked


# -- in-process, against devsite's pages (spider_harness) ----------------------------------------

FALLBACK = "pressetl/feed_fallback_to_listing"


def _day_of(world, site: str, slug: str, day: date) -> set[str]:
    return {a.canonical_url for a in world.articles_for_day(site, day) if a.publication_slug == slug}


def _walked(crawl) -> list[int]:
    return [r.meta["page"] for r in crawl.requests if r.meta["kind"] == "listing"]


def test_a_feed_reaching_back_past_the_day_gives_its_articles_without_a_walk(world):
    site, slug, day = "maghress-ar", "hespress", date(2011, 2, 10)  # its feed goes back to 8 February
    spider = make_spider(site, day, ["rss"])
    feed = spider.strategies[1]
    crawl = run(HostApp(world, "maghress"), feed.start(slug))

    assert crawl.urls("feed") == [f"https://www.maghress.com/{slug}/rss"]
    assert _walked(crawl) == []
    assert {item.url for item in crawl.items} == _day_of(world, site, slug, day)
    assert {(item.discovered_by, item.listing_date) for item in crawl.items} == {("rss", day)}
    assert spider.crawler.stats.get_value(FALLBACK) is None


def test_a_feed_that_does_not_reach_back_past_the_day_is_completed_by_the_listing(world):
    site, slug, day = "turess-fr", "letemps", date(2011, 2, 7)  # its 50 entries end on the day itself
    spider = make_spider(site, day, ["rss"])
    feed = spider.strategies[1]
    crawl = run(HostApp(world, "turess"), feed.start(slug))

    assert _walked(crawl)[0] == 1 and len(_walked(crawl)) > 1
    assert {item.url for item in crawl.items} == _day_of(world, site, slug, day)
    assert {item.discovered_by for item in crawl.items} == {"rss", "listing"}
    assert spider.crawler.stats.get_value(FALLBACK) == 1
    assert crawl.failures == []


@pytest.mark.parametrize("status", [404, 503])
def test_a_feed_that_fails_is_recorded_and_the_listing_walked_instead(world, status):
    site, slug, day = "maghress-ar", "hespress", date(2011, 2, 10)
    spider = make_spider(site, day, ["rss"])
    feed = spider.strategies[1]
    crawl = run(HostApp(world, "maghress"), feed.start(slug), statuses={f"/{slug}/rss": status})

    [failure] = crawl.failures
    assert (failure.kind, failure.status, failure.reason) == ("feed", status, f"HTTP {status}")
    assert {item.url for item in crawl.items} == _day_of(world, site, slug, day)
    assert {item.discovered_by for item in crawl.items} == {"listing"}
    assert spider.crawler.stats.get_value(FALLBACK) == 1
    assert spider.discovery_failures == []  # the listing stood in: the day is complete


def test_a_feed_that_cannot_be_read_is_recorded_and_the_listing_walked_instead():
    spider = make_spider("maghress-ar", date(2011, 2, 10), ["rss"])
    feed = spider.strategies[1]
    [request] = feed.start("hespress")
    response = TextResponse(request.url, body=b"<html><body>gone</body></html>", request=request)
    failure, walk = feed.parse_feed(response)

    assert (failure.kind, failure.status) == ("feed", 200)
    assert failure.reason == "not an RSS or Atom feed (root element <html>)"
    assert walk.meta["kind"] == "listing" and walk.meta["roles"] == ["walk"]


def _rss(*items: tuple[int, str]) -> bytes:
    entries = "".join(
        f"<item><link>https://www.maghress.com/fr/lesecos/{n}</link><pubDate>{stamp}</pubDate></item>"
        for n, stamp in items
    )
    return f"<rss><channel>{entries}</channel></rss>".encode()


DAY = date(2011, 2, 9)
ON_THE_DAY, THE_DAY_AFTER, THE_DAY_BEFORE = (
    "Wed, 09 Feb 2011 10:00:00 +0000",
    "Thu, 10 Feb 2011 10:00:00 +0000",
    "Tue, 08 Feb 2011 10:00:00 +0000",
)


@pytest.mark.parametrize(
    ("entries", "articles", "walks"),
    [
        ([(3, THE_DAY_AFTER), (2, ON_THE_DAY), (1, THE_DAY_BEFORE)], [2], False),  # reaches back
        ([(3, THE_DAY_AFTER), (2, ON_THE_DAY)], [2], True),  # the day may go on below its end
        ([(3, THE_DAY_AFTER)], [], True),
        ([(1, THE_DAY_BEFORE)], [], False),  # its newest is older: nothing published that day
        ([], [], False),  # an empty feed: nothing published
        ([(2, "no date at all")], [2], True),  # undated: fetched, the quality gate checks its date
    ],
)
def test_which_entries_are_fetched_and_when_the_listing_completes_the_feed(entries, articles, walks):
    spider = make_spider("maghress-fr", DAY, ["rss"])
    feed = spider.strategies[1]
    [request] = feed.start("lesecos")
    out = list(feed.parse_feed(TextResponse(request.url, body=_rss(*entries), request=request)))

    fetched = [r.url for r in out if r.meta["kind"] == "article"]
    assert fetched == [f"https://www.maghress.com/fr/lesecos/{n}" for n in articles]
    assert all(r.meta["discovered_by"] == "rss" for r in out if r.meta["kind"] == "article")
    assert [r.meta["kind"] for r in out if r.meta["kind"] == "listing"] == (["listing"] if walks else [])


def test_a_listing_already_walked_is_not_walked_again_for_the_feed():
    spider = make_spider("maghress-fr", DAY, ["listing", "rss"])
    listings, feed = spider.strategies
    [walk] = listings.start("lesecos")
    [request] = feed.start("lesecos")
    out = list(feed.parse_feed(TextResponse(request.url, body=_rss((3, THE_DAY_AFTER)), request=request)))
    assert out == [] and walk.meta["roles"] == ["walk"]
    assert spider.crawler.stats.get_value(FALLBACK) is None


def test_feed_links_to_the_real_host_are_fetched_where_the_profile_points(world):
    """devsite: the profile points at a local port while a feed may link the real aggregator."""
    site, slug, day = "maghress-ar", "hespress", date(2011, 2, 10)
    spider = make_spider(site, day, ["rss"], base_url="http://127.0.0.1:8000")
    feed = spider.strategies[1]
    crawl = run(HostApp(world, "maghress"), feed.start(slug))  # its feeds link www.maghress.com
    expected = {
        url.replace("https://www.maghress.com", "http://127.0.0.1:8000")
        for url in _day_of(world, site, slug, day)
    }
    assert {item.url for item in crawl.items} == expected
