"""The maghress-fr spider against devsite: exactly the day's articles, all archived."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import SITE, make_settings
from warcio.archiveiterator import ArchiveIterator

from core.errors import CrawlError
from core.partitions import Partition
from core.rawzone import read_raw_items
from devsite import Faults, World
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
