"""devsite v2: the publishers' own pages behind the source link, and the off-site ad server."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from urllib.parse import urlsplit

import pytest
from parsel import Selector
from test_devsite_support import clean_text, fetch

from devsite import World, serve
from devsite.catalog import LAYOUTS, publisher_hosts
from devsite.publisher_app import PublisherApp, source_key

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 9)


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


@pytest.fixture(scope="module")
def apps(world) -> dict[str, PublisherApp]:
    return {host: PublisherApp(world, host) for host in publisher_hosts()}


def target(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def page_text(html: str) -> str:
    return clean_text(" ".join(Selector(text=html).xpath("//body//text()").getall()))


def test_one_publisher_server_per_host(server, world):
    hosts = {
        urlsplit(a.source_url).netloc for s in world.site_names() for a in world.articles_for_day(s, DAY)
    }
    assert hosts == set(server.publisher_base_urls) == set(publisher_hosts())
    assert "www.leseco.ma" in hosts and "www.aps.dz" in hosts  # APS: French and Arabic on one host
    urls = list(server.publisher_base_urls.values())
    assert len(set(urls)) == len(urls)
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in urls)
    assert set(server.urls.values()).isdisjoint(urls)


def test_every_source_url_has_a_page_with_the_full_text(world, apps):
    layouts = Counter()
    for site in world.site_names():
        for article in world.articles_for_day(site, DAY):
            app = apps[urlsplit(article.source_url).netloc]
            response = app.respond(target(article.source_url))
            assert response.status == 200, article.source_url
            shown = app.article_at(target(article.source_url))
            # A slug-only URL reused by a newer article shows the newer one (v1's slug URLs).
            assert shown.title == article.title or source_key(shown.source_url) == source_key(
                article.source_url
            )
            text = page_text(response.body.decode("utf-8"))
            assert shown.title in text
            for _, block in shown.full_blocks:
                assert block in text, (article.source_url, block[:60])
            if shown.author:
                assert shown.author in text
            layouts[world.site(site).publication(article.publication_slug).layout] += 1
    assert set(layouts) == set(LAYOUTS)


def test_the_aggregator_copy_is_cut_short_for_about_a_third(world):
    articles = [a for s in world.site_names() for a in world.articles_for_day(s, DAY)]
    excerpts = [a for a in articles if a.is_excerpt]
    assert 0.22 < len(excerpts) / len(articles) < 0.38
    for article in articles:
        assert article.full_blocks[: len(article.blocks)] == article.blocks
        assert article.full_body.startswith(article.body)
    assert all(len(a.full_body) > len(a.body) for a in excerpts)
    reference = world.article("maghress-fr", "lesecos", 13572)
    assert reference.full_blocks == reference.blocks and reference.author == "Amine Benali"


def test_layouts_carry_the_clutter_of_news_sites(world, apps):
    seen = {}
    for site in world.site_names():
        for article in world.articles_for_day(site, DAY):
            layout = world.site(site).publication(article.publication_slug).layout
            if layout not in seen and article.author and not article.is_excerpt:
                seen[layout] = (
                    article,
                    apps[urlsplit(article.source_url).netloc].respond(target(article.source_url)),
                )
    assert set(seen) == set(LAYOUTS)
    bodies = set()
    for layout, (article, response) in seen.items():
        html = response.body.decode("utf-8")
        page = Selector(text=html)
        assert page.css(".cookie-consent"), layout
        assert page.css("header, .top"), layout
        assert page.css("footer, .footer"), layout
        assert page.css("#comments, .comments"), layout
        assert len(page.css("a")) > 15, layout
        assert article.author in html, layout
        assert page.xpath("/html/@lang").get() == article.language
        bodies.add(re.sub(r">[^<]*<", "><", html)[:400])
    assert len(bodies) == len(LAYOUTS)  # five different skeletons


def test_publisher_pages_over_http(server, world):
    for site in world.site_names():
        article = world.articles_for_day(site, DAY)[-1]
        host = urlsplit(article.source_url).netloc
        status, headers, body = fetch(server.publisher_base_urls[host] + target(article.source_url))
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert article.title in body.decode("utf-8")
        assert target(article.source_url) in server.request_log(host)
        assert fetch(server.publisher_base_urls[host] + "/no/such/story-1.html")[0] == 404
        assert fetch(server.publisher_base_urls[host] + "/")[0] == 200


def test_a_future_article_has_no_publisher_page_yet(world, apps):
    tomorrow = World(today=TODAY.replace(day=12)).articles_for_day("masress-ar", TODAY.replace(day=12))[0]
    app = apps[urlsplit(tomorrow.source_url).netloc]
    assert app.respond(target(tomorrow.source_url)).status == 404


# --- the off-site trap --------------------------------------------------------------------------


def test_every_page_links_to_and_embeds_from_the_ad_server(server, world):
    offsite = server.offsite_base_url
    assert offsite not in server.urls.values() and offsite not in server.publisher_base_urls.values()
    article = world.articles_for_day("maghress-ar", DAY)[0]
    pages = [
        server.base_url + "/fr/",
        server.base_url + "/fr/lesecos",
        server.base_url + "/fr/lesecos/13572",
        server.base_url + "/fr/nosuchpaper",
        server.base_url + article.path,
        server.publisher_base_urls["www.leseco.ma"] + "/maroc-numeric-sur-les-traces-de-la-france/",
    ]
    before = server.offsite_requests()
    for url in pages:
        page = Selector(text=fetch(url)[2].decode("utf-8"))
        assert any(href.startswith(offsite) for href in page.css("a::attr(href)").getall()), url
        assert any(src.startswith(offsite) for src in page.css("img::attr(src)").getall()), url
    assert server.offsite_requests() == before  # fetching pages does not fetch what they embed


def test_sponsored_links_look_like_articles_of_the_site(server):
    page = Selector(text=fetch(server.base_url + "/fr/lesecos")[2].decode("utf-8"))
    links = page.css("div.sponsored a::attr(href)").getall()
    assert links
    for link in links:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == server.offsite_base_url
        assert re.fullmatch(r"/fr/[a-z0-9_-]+/\d+", parts.path)  # the article pattern, on another port


def test_the_ad_server_and_the_request_logs(server):
    server.clear_request_logs()
    assert server.offsite_requests() == [] and server.request_log("maghress-fr") == []
    status, headers, body = fetch(server.offsite_base_url + "/pixel.gif?site=x")
    assert status == 200 and headers["Content-Type"] == "image/gif" and body.startswith(b"GIF89a")
    assert fetch(server.offsite_base_url + "/fr/sponsored/123")[0] == 200
    assert server.offsite_requests() == ["/pixel.gif?site=x", "/fr/sponsored/123"]
    assert server.request_log("offsite") == server.offsite_requests()
    fetch(server.base_url + "/robots.txt")
    fetch(server.base_url_for("sauress-en") + "/en/")
    assert server.request_log("maghress-fr") == ["/robots.txt"]
    assert server.request_log("maghress") == server.request_log("www.maghress.com") == ["/robots.txt"]
    assert server.request_log("maghress.com") == ["/robots.txt"]
    assert server.request_log("sauress-ar") == ["/en/"]
    assert server.request_log("www.leseco.ma") == []
    with pytest.raises(KeyError):
        server.request_log("www.example.com")
