"""RSS/Atom parsing for discovery: safe against hostile XML, dates as local days."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

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
