"""devsite v2 faults: slow, truncated, wrong charset, rate limit, drift per site, thin days."""

from __future__ import annotations

import http.client
import pickle
import socket
import struct
import time
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from parsel import Selector
from test_devsite_support import clean, fetch

from devsite import Faults, World, serve
from devsite.app import HostApp
from devsite.faults import LATIN1_HEADER, LEGACY_BODY, charset_variant

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 9)
FLAGS = ("broken", "slow", "truncated", "wrong_charset")


def raw_get(base_url: str, path: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """A GET that keeps what arrived when the body stops short."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        try:
            body = response.read()
        except http.client.IncompleteRead as short:
            body = short.partial
        return response.status, dict(response.getheaders()), body
    finally:
        conn.close()


def test_new_faults_default_off_and_are_values():
    faults = Faults()
    assert (faults.slow_share, faults.truncated_share, faults.wrong_charset_share, faults.rate_limit) == (
        0,
        0,
        0,
        0,
    )
    assert faults.drift_sites == frozenset() and dict(faults.thin_days) == {}
    assert not faults.drifted("maghress-fr")
    for bad in (
        {"slow_share": 2},
        {"truncated_share": -0.1},
        {"wrong_charset_share": 1.5},
        {"rate_limit": -1},
    ):
        with pytest.raises(ValueError):
            Faults(**bad)
    with pytest.raises(ValueError):
        Faults(thin_days={DAY: 1.5})
    thin = {DAY: 0.1}
    some = Faults(drift_sites=["maghress-ar"], thin_days=thin, rate_limit=5)
    thin[DAY] = 0.9
    assert some.thin_days[DAY] == 0.1 and some.drift_sites == frozenset({"maghress-ar"})
    assert some == Faults(drift_sites={"maghress-ar"}, thin_days={DAY: 0.1}, rate_limit=5)
    assert hash(some) == hash(Faults(drift_sites={"maghress-ar"}, thin_days={DAY: 0.1}, rate_limit=5))
    with pytest.raises(TypeError):
        some.thin_days[DAY] = 0.5  # type: ignore[index]
    world = World(today=TODAY, faults=some, scale=2.0)
    copy = pickle.loads(pickle.dumps(world))
    assert copy.faults == some and copy.scale == 2.0 and copy.today == TODAY
    assert copy.articles_for_day("maghress-fr", DAY) == world.articles_for_day("maghress-fr", DAY)


def test_flags_pick_articles_and_change_nothing_else():
    clean_world = World(today=TODAY)
    faulty = World(today=TODAY, faults=Faults(**{f"{flag}_share": 0.3 for flag in FLAGS}))
    for site in ("maghress-fr", "masress-ar"):
        articles = faulty.articles_for_day(site, DAY)
        assert [replace(a, **dict.fromkeys(FLAGS, False)) for a in articles] == clean_world.articles_for_day(
            site, DAY
        )
        for flag in FLAGS:
            share = sum(getattr(a, flag) for a in articles) / len(articles)
            assert 0.15 < share < 0.45, (site, flag, share)
        # independent draws: not the same articles for every fault
        assert {a.path for a in articles if a.slow} != {a.path for a in articles if a.truncated}


def test_slow_articles_time_out():
    world = World(today=TODAY, faults=Faults(slow_share=0.3, slow_seconds=1.0))
    articles = world.articles_for_day("maghress-ar", DAY)
    slow = next(a for a in articles if a.slow)
    fast = next(a for a in articles if not a.slow)
    with serve(world) as running:
        base = running.base_url_for("maghress-ar")
        assert fetch(base + fast.path, timeout=0.5)[0] == 200
        with pytest.raises((TimeoutError, socket.timeout)):
            fetch(base + slow.path, timeout=0.3)
        started = time.monotonic()
        assert fetch(base + slow.path, timeout=5)[0] == 200
        assert time.monotonic() - started >= 1.0
        assert fetch(base + f"/{slow.publication_slug}", timeout=0.5)[0] == 200  # only article pages wait


def test_truncated_articles_stop_short_of_their_content_length():
    world = World(today=TODAY, faults=Faults(truncated_share=0.3))
    articles = world.articles_for_day("maghress-fr", DAY)
    cut = next(a for a in articles if a.truncated)
    whole = next(a for a in articles if not a.truncated)
    with serve(world) as running:
        full_page = HostApp(world, "maghress", offsite=running.offsite_base_url).respond(cut.path).body
        status, headers, body = raw_get(running.base_url, cut.path)
        assert status == 200 and int(headers["Content-Length"]) == len(full_page)
        assert 0 < len(body) < len(full_page) and full_page.startswith(body)
        assert b'class="articlecontent"' in body and b"</html>" not in body  # cut inside the article
        assert cut.body.split()[-1].encode() not in body[body.index(b'class="articlecontent"') :]
        status, headers, body = raw_get(running.base_url, whole.path)
        assert int(headers["Content-Length"]) == len(body)
        # the fault is the same on every try
        assert raw_get(running.base_url, cut.path)[2] == raw_get(running.base_url, cut.path)[2]


@pytest.mark.parametrize(("site", "codec"), [("maghress-ar", "windows-1256"), ("turess-fr", "windows-1252")])
def test_wrong_charsets_both_ways(site, codec):
    world = World(today=TODAY, faults=Faults(wrong_charset_share=0.5))
    articles = [a for a in world.articles_for_day(site, DAY) if a.wrong_charset]
    legacy = next(a for a in articles if charset_variant(a) == LEGACY_BODY)
    latin1 = next(a for a in articles if charset_variant(a) == LATIN1_HEADER)
    right = next(a for a in world.articles_for_day(site, DAY) if not a.wrong_charset)
    with serve(world) as running:
        base = running.base_url_for(site)

        status, headers, body = fetch(base + legacy.path)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"  # the header lies
        if site.endswith("-ar"):
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
        page = Selector(text=body.decode(codec))
        assert page.xpath("//meta/@charset").get() == codec  # the page itself says it
        assert clean(page.css("span.articletitle")[0]) == legacy.title

        status, headers, body = fetch(base + latin1.path)
        assert headers["Content-Type"] == "text/html; charset=iso-8859-1"  # the header lies the other way
        page = Selector(text=body.decode("utf-8"))
        assert page.xpath("//meta/@charset").get() == "utf-8"
        assert clean(page.css("span.articletitle")[0]) == latin1.title

        status, headers, body = fetch(base + right.path)
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert clean(Selector(text=body.decode("utf-8")).css("span.articletitle")[0]) == right.title


def test_every_nth_request_is_refused_with_retry_after():
    world = World(today=TODAY, faults=Faults(rate_limit=3))
    with serve(world) as running:
        answers = [fetch(running.base_url + "/fr/lesecos/13572") for _ in range(9)]
        assert [status for status, _, _ in answers] == [200, 200, 429] * 3
        assert all(headers["Retry-After"] == "1" for status, headers, _ in answers if status == 429)
        # each host counts its own requests; publishers are never limited
        other = running.base_url_for("masress-ar")
        assert [fetch(other + "/robots.txt")[0] for _ in range(3)] == [200, 200, 429]
        leseco = running.publisher_base_urls["www.leseco.ma"]
        assert {fetch(leseco + "/")[0] for _ in range(4)} == {200}


def test_drift_for_some_sites_only():
    world = World(today=TODAY, faults=Faults(drift_sites={"maghress-ar"}))
    app = HostApp(world, "maghress")
    arabic = world.articles_for_day("maghress-ar", DAY)[0]
    french = world.articles_for_day("maghress-fr", DAY)[0]
    drifted = Selector(text=app.respond(arabic.path).body.decode("utf-8"))
    assert not drifted.css("span.articletitle") and clean(drifted.css("h1.post-title")[0]) == arabic.title
    classic = Selector(text=app.respond(french.path).body.decode("utf-8"))
    assert clean(classic.css("span.articletitle")[0]) == french.title
    assert World(today=TODAY).articles_for_day("maghress-ar", DAY)[0] == arabic


def test_a_thin_day_has_a_tenth_of_its_articles():
    usual = World(today=TODAY)
    thin = World(today=TODAY, faults=Faults(thin_days={DAY: 0.1}))
    for site in ("maghress-fr", "sauress-ar"):
        normal, quiet = usual.articles_for_day(site, DAY), thin.articles_for_day(site, DAY)
        assert 0.05 * len(normal) <= len(quiet) <= 0.2 * len(normal)
        assert thin.articles_for_day(site, DAY - timedelta(days=1)) == usual.articles_for_day(
            site, DAY - timedelta(days=1)
        )
        # ids stay gap-free: the next day starts right after the thin day's last article
        for pub in thin.publications(site):
            ids = [
                a.aggregator_id
                for day in (DAY - timedelta(days=1), DAY, DAY + timedelta(days=1))
                for a in thin.articles_for_day(site, day)
                if a.publication_slug == pub.slug
            ]
            assert ids == list(range(ids[0], ids[0] + len(ids)))
    with serve(thin) as running:  # the listings show the thin day as it is
        quiet = thin.articles_for_day("maghress-fr", DAY)
        listed = []
        for pub in thin.publications("maghress-fr"):
            path = f"/fr/{pub.slug}"
            while path:
                page = Selector(text=fetch(running.base_url + path)[2].decode("utf-8"))
                shown = page.css("span.article-date::text").getall()
                links = page.css("a.article-link::attr(href)").getall()
                listed += [link for link, day in zip(links, shown, strict=True) if day == "09 - 02 - 2011"]
                path = page.css("a.next::attr(href)").get() if "08 - 02 - 2011" not in shown else None
        assert sorted(listed) == sorted(a.path for a in quiet)


def test_faults_changed_on_a_running_server_keep_its_ports():
    """A listing that is down, then back (``DevServer.set_faults``): what a re-run recovers."""
    down = Faults(status_by_path={"/fr/lematin": 503}, broken_share=0.3)
    with serve(World(today=TODAY, faults=down)) as running:
        base, leseco = running.base_url, running.publisher_base_urls["www.leseco.ma"]
        assert fetch(base + "/fr/lematin")[0] == 503
        running.set_faults(Faults(broken_share=0.3))
        assert (running.base_url, running.publisher_base_urls["www.leseco.ma"]) == (base, leseco)
        assert fetch(base + "/fr/lematin")[0] == 200
        assert running.world.faults == Faults(broken_share=0.3) and running.world.today == TODAY
        broken = next(a for a in running.world.articles_for_day("maghress-fr", DAY) if a.broken)
        assert not Selector(text=fetch(base + broken.path)[2].decode("utf-8")).css("span.articletitle")
        assert fetch(leseco + "/")[0] == 200


def test_a_client_that_hangs_up_leaves_no_traceback(capfd):
    """A crawler killed mid-request resets its connection: the server goes on, quietly."""
    with serve(World(today=TODAY)) as running:
        parts = urlsplit(running.base_url)
        for _ in range(3):
            client = socket.create_connection((parts.hostname, parts.port))
            client.sendall(b"GET /fr/lesecos HTTP/1.1\r\nHost: x\r\n")  # the request half sent
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # with SO_LINGER 0: a reset, not a clean close
        time.sleep(0.3)
        assert fetch(running.base_url + "/fr/lesecos")[0] == 200
    assert "Traceback" not in capfd.readouterr().err
