"""Layout drift: the profile's selectors match nothing; the spider notices and counts it, and the
transform's generic fallback marks every row ``extraction=fallback`` for the quality gate."""

from __future__ import annotations

import json
from datetime import date

import pyarrow.parquet as pq
from conftest import SITE, make_settings

from core.partitions import Partition
from devsite import Faults, World
from pipeline.stages import crawl, transform

DAY = date(2011, 2, 9)


def test_drifted_pages_are_counted_by_the_spider_and_become_fallback_rows(tmp_path, served):
    world = World(today=date(2011, 2, 11), faults=Faults(drift=True))
    settings = make_settings(tmp_path / "data", served(world))
    summary = crawl(settings, SITE, DAY, "drift")
    expected = {a.canonical_url: a for a in world.articles_for_day(SITE, DAY)}
    assert summary["discovered"] == len(expected) and summary["failed"] == 0

    partition = Partition(SITE, DAY, settings.data_dir)
    manifest = json.loads(partition.crawl_manifest.read_text())
    assert manifest["selector_misses"] == len(expected)
    assert "layout drift?" in (partition.raw_dir / "logs" / "drift.log").read_text()

    transform(settings, SITE, DAY, "drift")
    rows = pq.read_table(partition.staged_articles).to_pylist()
    assert rows and {row["extraction"] for row in rows} == {"fallback"}
    for row in rows:
        article = expected[row["canonical_url"]]
        assert row["title"] == article.title
        assert row["published_date"] == article.published_date


def test_the_classic_layout_counts_no_selector_misses(settings):
    crawl(settings, SITE, DAY, "classic")
    manifest = json.loads(Partition(SITE, DAY, settings.data_dir).crawl_manifest.read_text())
    assert manifest["selector_misses"] == 0
