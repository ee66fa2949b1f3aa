"""What the parts of one crawl share (spiders.crawl_day), and failures: every failed URL kept with
its status and reason; a site that is down fails its own crawl in one line naming the site, the URL
and the error, while another site's crawl goes on."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import make_settings
from scrapy import Request
from scrapy.http import HtmlResponse
from spider_harness import http_failure, make_spider
from sqlalchemy import create_engine, text
from twisted.internet.error import ConnectionRefusedError, TCPTimedOutError
from twisted.python.failure import Failure

from core.partitions import Partition
from devsite import Faults, World, serve
from pipeline.runner import run_partition
from spiders.crawl_day import describe_failure

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 10)
DOWN, UP = "turess-fr", "sudaress-ar"


def test_a_site_that_is_down_fails_alone_and_says_where_in_one_line(tmp_path):
    with serve(World(today=TODAY, faults=Faults(down=True))) as down, serve(World(today=TODAY)) as up:
        settings = make_settings(tmp_path / "data", None)
        settings = settings.with_base_url(DOWN, down.base_url_for(DOWN)).with_base_url(
            UP, up.base_url_for(UP)
        )
        failed = run_partition(settings, DOWN, DAY, "night")
        succeeded = run_partition(settings, UP, DAY, "night")

    assert failed.status == "failed" and failed.failed_stage == "crawl"
    home = f"{down.base_url_for(DOWN)}/fr/"
    assert DOWN in failed.error and str(DAY) in failed.error and home in failed.error
    assert "HTTP 503" in failed.error and "\n" not in failed.error

    assert succeeded.status == "succeeded", succeeded.error
    assert succeeded.counts["discovered"] > 0

    partition = Partition(DOWN, DAY, settings.data_dir)
    failures = [json.loads(line) for line in partition.failures.read_text().splitlines()]
    assert {"url": home, "kind": "home", "status": 503} in [
        {k: f[k] for k in ("url", "kind", "status")} for f in failures
    ]

    engine = create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT site, status, failed_stage, error FROM crawl_runs WHERE run_id = 'night'")
        ).all()
    engine.dispose()
    by_site = {row.site: row for row in rows}
    assert by_site[DOWN].status == "failed" and by_site[DOWN].failed_stage == "crawl"
    assert home in by_site[DOWN].error
    assert by_site[UP].status == "succeeded"


def test_failed_feeds_and_articles_are_kept_with_status_and_reason_and_reach_the_ledger(tmp_path):
    site = "maghress-ar"  # discovers by RSS
    world = World(today=TODAY)
    slug = world.publications(site)[0].slug
    article = next(a for a in world.articles_for_day(site, DAY) if a.publication_slug != slug)
    faults = Faults(status_by_path={f"/{slug}/rss": 500, article.path: 404})
    with serve(World(today=TODAY, faults=faults)) as server:
        settings = make_settings(tmp_path / "data", None).with_base_url(site, server.base_url_for(site))
        result = run_partition(settings, site, DAY, "faulty")
    # the broken feed is recorded and its publication's listing walked instead: the day is complete
    assert result.status == "succeeded", result.error
    assert result.counts["discovered"] == len(world.articles_for_day(site, DAY))
    assert result.counts["failed"] == 1
    partition = Partition(site, DAY, settings.data_dir)
    failures = [json.loads(line) for line in partition.failures.read_text().splitlines()]
    kinds = {(f["kind"], f["status"], f["reason"]) for f in failures}
    assert ("feed", 500, "HTTP 500") in kinds and ("article", 404, "HTTP 404") in kinds

    engine = create_engine(settings.warehouse_url)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT kind, status, url FROM page_failures WHERE site = :s"), {"s": site}
        ).all()
        (run,) = conn.execute(
            text("SELECT failed, discovered FROM crawl_runs WHERE site = :s"), {"s": site}
        ).all()
    engine.dispose()
    assert {(row.kind, row.status) for row in stored} >= {("feed", 500), ("article", 404)}
    assert run.failed == 1 and run.discovered == result.counts["discovered"]


# -- in-process ------------------------------------------------------------------------------------


def _failure(exc: Exception, url: str = "https://www.maghress.com/fr/", **meta) -> Failure:
    failure = Failure(exc)
    failure.request = Request(url, meta=meta)
    return failure


@pytest.mark.parametrize(
    ("exc", "described"),
    [
        (TCPTimedOutError(), (None, "TCPTimedOutError: TCP connection timed out.")),
        (ConnectionRefusedError(), (None, "ConnectionRefusedError: Connection was refused by other side.")),
        (ValueError("first line\nsecond line"), (None, "ValueError: first line")),  # one line
        (ValueError(), (None, "ValueError")),
    ],
)
def test_a_failure_is_described_in_one_line(exc, described):
    assert describe_failure(_failure(exc)) == described


def test_an_http_error_is_described_by_its_status():
    request = Request("https://www.maghress.com/fr/")
    failure = http_failure(HtmlResponse(request.url, status=503, body=b"", request=request))
    assert describe_failure(failure) == (503, "HTTP 503")


def test_a_failed_discovery_page_makes_the_day_incomplete():
    spider = make_spider("maghress-fr", DAY)
    url = "https://www.maghress.com/fr/lesecos"
    [failure] = spider.crawl_day.discovery_page_failed(_failure(TCPTimedOutError(), url, kind="listing"))
    assert (failure.site, failure.logical_date, failure.url) == ("maghress-fr", DAY, url)
    assert (failure.kind, failure.status) == ("listing", None)
    assert failure.reason.startswith("TCPTimedOutError")
    assert spider.discovery_failures == [url]


def test_each_article_url_is_claimed_once():
    crawl = make_spider("maghress-fr", DAY).crawl_day
    assert crawl.claim("https://www.maghress.com/fr/lesecos/1")
    assert not crawl.claim("https://www.maghress.com/fr/lesecos/1")
    assert crawl.claim("https://www.maghress.com/fr/lesecos/2")


@pytest.mark.parametrize(
    ("link", "rebased"),
    [
        ("http://127.0.0.1:8000/fr/lesecos/1", "http://127.0.0.1:8000/fr/lesecos/1"),  # already there
        ("https://www.maghress.com/fr/lesecos/1", "http://127.0.0.1:8000/fr/lesecos/1"),
        ("https://maghress.com/fr/lesecos/1?x=1", "http://127.0.0.1:8000/fr/lesecos/1?x=1"),
        ("https://www.djazairess.com/fr/elwatan/1", None),  # another aggregator
        ("http://127.0.0.1:8001/fr/lesecos/1", None),  # another server on the same machine
    ],
)
def test_links_to_the_real_host_are_rebased_where_the_profile_points(link, rebased):
    crawl = make_spider("maghress-fr", DAY, base_url="http://127.0.0.1:8000").crawl_day
    assert crawl.on_site_url(link) == rebased
