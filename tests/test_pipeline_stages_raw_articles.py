"""pipeline.stages.raw_articles: which raw item is read for each article, and its pages from the WARC
(with the publisher's page, in whatever order the archive holds them)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.partitions import Partition
from core.profiles import SiteProfile, load_profile_file
from core.records import RawItem
from devsite.partitions import Page, write_partition
from pipeline.stages import raw_articles
from pipeline.stages.raw_articles import article_pages, read_raw_item, scan_raw_items

ROOT = Path(__file__).resolve().parents[1]
SITE = "maghress-fr"
DAY = date(2024, 5, 1)
BASE = "https://www.maghress.com"
T0 = datetime(2024, 5, 1, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def profile() -> SiteProfile:
    return load_profile_file(ROOT / "profiles" / f"{SITE}.yaml")


@pytest.fixture
def partition(tmp_path: Path) -> Partition:
    return Partition(SITE, DAY, tmp_path)


def archive(partition: Partition, responses: list[tuple[str, str, int]]) -> dict[str, str]:
    """(url, html, status) archived in this order; url → record id."""
    partition.warc_dir.mkdir(parents=True, exist_ok=True)
    ids = {}
    with (partition.warc_dir / "run.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, html, status in responses:
            body = html.encode()
            headers = StatusAndHeaders(
                f"{status} X", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)
            ids[url] = record.rec_headers.get_header("WARC-Record-ID")
    return ids


def write_items(partition: Partition, items: list[RawItem]) -> None:
    partition.raw_items.write_text("".join(i.model_dump_json() + "\n" for i in items), encoding="utf-8")


def item(url: str, record: str | None, source: str | None = None, **fields) -> RawItem:
    return RawItem(
        site=SITE,
        logical_date=DAY,
        url=url,
        fetched_at=fields.pop("fetched_at", T0),
        status=200 if record else None,
        error=None if record else "timeout",
        warc_file="run.warc.gz" if record else None,
        warc_record_id=record,
        source_warc_record_id=source,
        **fields,
    )


def pages_of(partition: Partition, profile: SiteProfile) -> list[tuple[str, str, str | None]]:
    found = scan_raw_items(partition, profile)
    return [
        (i.url, page, publisher)
        for i, page, publisher in article_pages(partition, found.wanted, found.publisher_of)
    ]


def test_a_url_fetched_several_times_is_read_once_from_its_latest_successful_fetch(
    partition: Partition, profile: SiteProfile
) -> None:
    url = f"{BASE}/fr/lesecos/1"
    write_partition(
        partition,
        [
            Page(url=url, html="<p>premier</p>", fetched_at=T0),
            Page(
                url=url.replace("https://www.", "http://"),
                html="<p>dernier</p>",
                fetched_at=T0 + timedelta(hours=2),
            ),
            Page(
                url=url + "#commentaires", html=None, fetched_at=T0 + timedelta(hours=3)
            ),  # failed: never chosen
            Page(url=url, html="<p>entre-deux</p>", fetched_at=T0 + timedelta(hours=1)),
            Page(url=f"{BASE}/fr/lesecos/2", html=None),
        ],
    )
    found = scan_raw_items(partition, profile)
    assert (found.discovered, found.failed_fetch) == (5, 1)
    assert found.url_duplicates == [url, url, url]
    assert found.canonicalisation_failures == []
    (offset,) = found.wanted.values()
    assert read_raw_item(partition, offset).fetched_at == T0 + timedelta(hours=2)
    assert pages_of(partition, profile) == [(url.replace("https://www.", "http://"), "<p>dernier</p>", None)]


def test_each_article_comes_with_its_publisher_page_whatever_the_archive_order(
    partition: Partition, profile: SiteProfile
) -> None:
    a, b, c = (f"{BASE}/fr/lesecos/{n}" for n in (1, 2, 3))
    ids = archive(
        partition,
        [
            ("https://pub.example/b", "<p>éditeur b</p>", 200),  # before its article
            (a, "<p>a</p>", 200),
            (b, "<p>b</p>", 200),
            (c, "<p>c</p>", 200),
            ("https://pub.example/a", "<p>éditeur a</p>", 200),  # after another article
            ("https://pub.example/c", "gone", 404),  # an error page is no publisher page
        ],
    )
    write_items(
        partition,
        [
            item(a, ids[a], ids["https://pub.example/a"]),
            item(b, ids[b], ids["https://pub.example/b"]),
            item(c, ids[c], ids["https://pub.example/c"]),
        ],
    )
    assert sorted(pages_of(partition, profile)) == [
        (a, "<p>a</p>", "<p>éditeur a</p>"),
        (b, "<p>b</p>", "<p>éditeur b</p>"),
        (c, "<p>c</p>", None),
    ]


def test_an_article_whose_publisher_page_was_never_archived_comes_without_it(
    partition: Partition, profile: SiteProfile
) -> None:
    a = f"{BASE}/fr/lesecos/1"
    ids = archive(partition, [(a, "<p>a</p>", 200)])
    write_items(partition, [item(a, ids[a], "<urn:uuid:never-archived>")])
    found = scan_raw_items(partition, profile)
    assert found.publisher_of == {"<urn:uuid:never-archived>": ids[a]}  # looked for, never found
    assert pages_of(partition, profile) == [(a, "<p>a</p>", None)]


def test_records_missing_from_the_archive_are_left_in_wanted(
    partition: Partition, profile: SiteProfile
) -> None:
    a, b = f"{BASE}/fr/lesecos/1", f"{BASE}/fr/lesecos/2"
    ids = archive(partition, [(a, "<p>a</p>", 200)])
    write_items(partition, [item(a, ids[a]), item(b, "<urn:uuid:lost>")])
    found = scan_raw_items(partition, profile)
    pages = list(article_pages(partition, found.wanted, found.publisher_of))
    assert [(i.url, page) for i, page, _ in pages] == [(a, "<p>a</p>")]
    assert [read_raw_item(partition, offset).url for offset in found.wanted.values()] == [b]


def test_an_article_page_is_never_another_articles_publisher_page(
    partition: Partition, profile: SiteProfile
) -> None:
    a, b = f"{BASE}/fr/lesecos/1", f"{BASE}/fr/lesecos/2"
    ids = archive(partition, [(a, "<p>a</p>", 200), (b, "<p>b</p>", 200)])
    write_items(partition, [item(a, ids[a], ids[b]), item(b, ids[b])])
    found = scan_raw_items(partition, profile)
    assert found.publisher_of == {}
    assert sorted(pages_of(partition, profile)) == [(a, "<p>a</p>", None), (b, "<p>b</p>", None)]


def test_articles_waiting_for_their_publisher_page_are_bounded(
    partition: Partition, profile: SiteProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(raw_articles, "_MAX_WAITING", 1)
    a, b = f"{BASE}/fr/lesecos/1", f"{BASE}/fr/lesecos/2"
    ids = archive(
        partition,
        [
            (a, "<p>a</p>", 200),
            (b, "<p>b</p>", 200),  # two waiting: the oldest goes on without its publisher page
            ("https://pub.example/a", "<p>éditeur a</p>", 200),
            ("https://pub.example/b", "<p>éditeur b</p>", 200),
        ],
    )
    write_items(
        partition,
        [item(a, ids[a], ids["https://pub.example/a"]), item(b, ids[b], ids["https://pub.example/b"])],
    )
    assert pages_of(partition, profile) == [(a, "<p>a</p>", None), (b, "<p>b</p>", "<p>éditeur b</p>")]
