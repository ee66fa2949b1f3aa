"""devsite.partitions: devsite's pages written straight into a raw zone, readable as a crawl's."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest

from core.partitions import Partition
from core.rawzone import iter_responses, read_raw_items
from devsite.partitions import FETCHED_AT, Page, devsite_pages, write_partition
from devsite.world import World

SITE = "maghress-fr"
BASE = "https://www.maghress.com"
DAY = date(2024, 5, 1)


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=date(2024, 5, 20))


@pytest.fixture
def partition(tmp_path: Path) -> Partition:
    return Partition(SITE, DAY, tmp_path)


def test_each_page_is_a_raw_item_pointing_at_its_archived_response(partition: Partition) -> None:
    pages = [
        Page(url=f"{BASE}/fr/lesecos/1", html="<p>un</p>", publication_slug="lesecos"),
        Page(url=f"{BASE}/fr/lematin/2", html="<p>deux</p>", publication_slug="lematin"),
    ]
    assert write_partition(partition, pages, run_id="r1") == 2

    items = list(read_raw_items(partition))
    assert [(i.url, i.publication_slug, i.status, i.warc_file) for i in items] == [
        (f"{BASE}/fr/lesecos/1", "lesecos", 200, "r1.warc.gz"),
        (f"{BASE}/fr/lematin/2", "lematin", 200, "r1.warc.gz"),
    ]
    assert all(i.site == SITE and i.logical_date == DAY and i.fetched_at == FETCHED_AT for i in items)
    responses = {r.record_id: r for r in iter_responses(partition)}
    assert [responses[i.warc_record_id].text for i in items] == ["<p>un</p>", "<p>deux</p>"]
    assert [responses[i.warc_record_id].url for i in items] == [i.url for i in items]


def test_a_failed_fetch_has_an_error_and_no_record(partition: Partition) -> None:
    write_partition(partition, [Page(url=f"{BASE}/fr/lesecos/3", html=None)])
    (item,) = read_raw_items(partition)
    assert item.status is None and item.error and item.warc_record_id is None
    assert list(iter_responses(partition)) == []


def test_the_publisher_page_is_archived_and_linked_from_the_item(partition: Partition) -> None:
    page = Page(
        url=f"{BASE}/fr/lesecos/4",
        html="<p>agrégateur</p>",
        publisher_url="https://www.leseco.ma/article.html",
        publisher_html="<p>éditeur</p>",
    )
    write_partition(partition, [page])
    (item,) = read_raw_items(partition)
    assert (item.source_url, item.source_status) == (page.publisher_url, 200)
    responses = {r.record_id: r for r in iter_responses(partition)}
    assert responses[item.source_warc_record_id].text == "<p>éditeur</p>"
    assert responses[item.warc_record_id].text == "<p>agrégateur</p>"


def test_the_page_charset_is_the_one_declared_in_the_archive(partition: Partition) -> None:
    write_partition(partition, [Page(url=f"{BASE}/fr/lesecos/5", html="<p>été</p>", charset="cp1252")])
    (response,) = iter_responses(partition)
    assert response.content_type == "text/html; charset=cp1252"
    assert response.body == "<p>été</p>".encode("cp1252")
    assert response.text == "<p>été</p>"


def test_writing_again_replaces_the_partition(partition: Partition) -> None:
    write_partition(partition, [Page(url=f"{BASE}/fr/a/1", html="x"), Page(url=f"{BASE}/fr/a/2", html="y")])
    write_partition(partition, [Page(url=f"{BASE}/fr/a/3", html="z")])
    assert [i.url for i in read_raw_items(partition)] == [f"{BASE}/fr/a/3"]
    assert [r.text for r in iter_responses(partition)] == ["z"]


def test_devsite_pages_are_the_days_articles_under_the_base_url(world: World) -> None:
    articles = world.articles_for_day(SITE, DAY)
    pages = devsite_pages(world, SITE, DAY, BASE + "/")
    assert articles and len(pages) == len(articles)
    assert [p.url for p in pages] == [BASE + a.path for a in articles]
    assert [p.publication_slug for p in pages] == [a.publication_slug for a in articles]
    assert all(a.title in html.unescape(p.html) for p, a in zip(pages, articles, strict=True))
