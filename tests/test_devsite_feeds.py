"""devsite v2: RSS 2.0 feeds per publication and per edition."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from email.utils import parsedate_to_datetime

import pytest
from test_devsite_support import fetch

from devsite import World, serve

TODAY = date(2011, 2, 11)
FEEDS = [
    ("maghress-fr", "lesecos"),
    ("maghress-ar", "hespress"),
    ("sauress-en", "arabnews"),
    ("masress-ar", "ahram"),
]
OFFSETS = {"maghress-fr": "+0000", "maghress-ar": "+0000", "sauress-en": "+0300", "masress-ar": "+0200"}


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


def read_feed(server, site: str, path: str) -> ET.Element:
    status, headers, body = fetch(server.base_url_for(site) + path)
    assert status == 200, path
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.attrib["version"] == "2.0"
    return root.find("channel")


@pytest.mark.parametrize(("site", "slug"), FEEDS)
def test_a_publication_feed_lists_its_50_newest_articles(server, world, site, slug):
    spec = world.site(site)
    base = server.base_url_for(site)
    channel = read_feed(server, site, spec.feed_path(slug))
    assert channel.findtext("language") == spec.language
    assert channel.findtext("link") == base + spec.listing_path(slug)
    items = channel.findall("item")
    expected = world.newest(site, slug, 50)
    assert len(items) == 50 == len(expected)
    newest = spec.publication(slug).first_id + world.published_count(site, slug) - 1
    assert [a.aggregator_id for a in expected] == list(range(newest, newest - 50, -1))
    assert expected[0].published_date <= TODAY
    for item, article in zip(items, expected, strict=True):
        assert item.findtext("title") == article.title
        assert item.findtext("link") == base + article.path  # on the devsite host
        assert item.findtext("guid") == article.canonical_url
        published = item.findtext("pubDate")
        assert published.endswith(OFFSETS[site])
        assert parsedate_to_datetime(published) == article.published_at
        assert item.findtext("description").strip()
    # what the feed links to is there
    assert fetch(items[0].findtext("link"))[0] == 200


def test_the_edition_feeds_list_the_newest_across_publications(server, world):
    for site, path in (("maghress-fr", "/fr/rss"), ("maghress-ar", "/rss"), ("masress-en", "/en/rss")):
        items = read_feed(server, site, path).findall("item")
        expected = world.latest(site, 50)
        assert [i.findtext("guid") for i in items] == [a.canonical_url for a in expected]
        times = [parsedate_to_datetime(i.findtext("pubDate")) for i in items]
        assert times == sorted(times, reverse=True)
        assert {i.findtext("category") for i in items} <= {p.name for p in world.publications(site)}
        assert expected[0].published_date == TODAY


def test_feeds_stop_at_today_and_at_the_first_article():
    young = World(today=date(2010, 1, 2))
    with serve(young) as running:
        status, _, body = fetch(running.base_url_for("maghress-fr") + "/fr/h24info/rss")
        assert status == 200
        items = ET.fromstring(body).find("channel").findall("item")
        assert len(items) == young.published_count("maghress-fr", "h24info") < 50
        later = World(today=date(2010, 1, 3)).newest("maghress-fr", "h24info", 50)
        assert len(later) > len(items)  # tomorrow's articles are not in today's feed
        days = {parsedate_to_datetime(i.findtext("pubDate")).date() for i in items}
        assert days <= {date(2010, 1, 1), date(2010, 1, 2)}
        assert fetch(running.base_url_for("maghress-fr") + "/fr/nosuchpaper/rss")[0] == 404


def test_feed_items_are_distinct_and_within_the_publication(world):
    for site, slug in FEEDS:
        articles = world.newest(site, slug, 50)
        assert len({a.aggregator_id for a in articles}) == 50
        assert {a.publication_slug for a in articles} == {slug}
        assert articles[-1].published_date >= TODAY - timedelta(days=30)
