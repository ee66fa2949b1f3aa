"""A backfill through the real crawl stage (child process, devsite served on free ports): a day a
year back collected exactly, with and without the day before in the warehouse; the warehouse's
ids of the neighbouring day (warehouse.ledger.neighbour_ids) reach the spider and cut discovery;
the manifest splits discovery requests from article requests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import make_settings
from discovery_checks import check_exact, crawl_manifest

from devsite import World, serve
from pipeline.stages import crawl, load, transform, validate
from pipeline.stages.common import site_profile
from pipeline.stages.crawl import neighbours_known
from warehouse.engine import make_engine
from warehouse.ledger import neighbour_ids

SITE, DAY = "maghress-fr", date(2011, 2, 9)
WORLD = World(today=DAY + timedelta(days=400))


@pytest.fixture(scope="module")
def server():
    with serve(WORLD) as running:
        yield running


def _settings(tmp_path, server, name):
    return make_settings(tmp_path / name, None).with_base_url(SITE, server.base_url_for(SITE))


def test_a_backfilled_day_is_the_same_with_or_without_its_neighbour_and_costs_less_with_it(tmp_path, server):
    alone = _settings(tmp_path, server, "alone")
    assert neighbours_known(alone, site_profile(alone, SITE), DAY) == {}  # an empty warehouse
    items_alone = check_exact(alone, server, WORLD, SITE, DAY, "alone")
    manifest_alone = crawl_manifest(alone, SITE, DAY)

    helped = _settings(tmp_path, server, "helped")
    before = DAY - timedelta(days=1)
    for stage in (crawl, transform, validate, load):
        stage(helped, SITE, before, "before")
    engine = make_engine(helped.warehouse_url)
    try:
        known = neighbour_ids(engine, SITE, DAY)
    finally:
        engine.dispose()
    last_of_day_before = {}
    for article in WORLD.articles_for_day(SITE, before):
        slug = article.publication_slug
        last_of_day_before[slug] = max(last_of_day_before.get(slug, 0), article.aggregator_id)
    assert {slug: sides["below"] for slug, sides in known.items()} == {
        slug: (top, before) for slug, top in last_of_day_before.items()
    }
    assert all("above" not in sides for sides in known.values())  # nothing later is loaded

    items_helped = check_exact(helped, server, WORLD, SITE, DAY, "helped")
    assert {i.url.split("/fr/")[1] for i in items_helped} == {i.url.split("/fr/")[1] for i in items_alone}
    manifest = crawl_manifest(helped, SITE, DAY)
    articles = len(WORLD.articles_for_day(SITE, DAY))
    for counts in (manifest, manifest_alone):
        assert counts["article_requests"] == articles
        assert counts["discovery_requests"] + counts["article_requests"] == counts["pages_fetched"]
    assert manifest["discovery_requests"] < manifest_alone["discovery_requests"]
    assert (manifest["discovery_requests"] + articles) / articles <= 1.3
