"""Near-duplicate stories through the whole pipeline (transform → validate → load): ten days of
devsite processed in order, newest first, shuffled, and shuffled two at a time by two processes
against PostgreSQL give the same warehouse, and its clusters are devsite's wire stories."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from conftest import make_settings, new_pg_database

from devsite.partitions import devsite_pages, write_partition
from devsite.world import World
from pipeline.runner import StageOptions, run_partition
from pipeline.stages.common import partition_for
from warehouse.engine import make_engine
from warehouse.models import Base

SITE = "maghress-fr"
BASE = "https://www.maghress.com"
TODAY = date(2024, 5, 30)
DAYS = [date(2024, 5, 1) + timedelta(days=n) for n in range(10)]
# What a run may change without changing the data: when and where it fetched and loaded.
RUN_COLUMNS = {
    "fetched_at",
    "first_loaded_at",
    "last_loaded_at",
    "run_id",
    "warc_file",
    "warc_record_id",
    "url",
}
COMPARED = ("articles", "story_signatures", "story_links", "story_clusters")


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="module")
def raw_zone(tmp_path_factory, world: World) -> Path:
    """The ten days' raw zone, written once (no crawl): each run copies it."""
    data_dir = tmp_path_factory.mktemp("raw") / "data"
    settings = make_settings(data_dir, None, migrate=False)
    for day in DAYS:
        write_partition(partition_for(settings, SITE, day), devsite_pages(world, SITE, day, BASE))
    return data_dir


@pytest.fixture
def pg_warehouse() -> Iterator[str]:
    """A database of this test's own on the local server (the session's is shared with others)."""
    with new_pg_database("pressetl_stories") as url:
        yield url


def _copy(raw_zone: Path, target: Path) -> Path:
    shutil.copytree(raw_zone / "raw", target / "raw")
    return target


def run_days(data_dir: str, warehouse_url: str | None, days: list[date], name: str) -> list[str]:
    """Every stage of each day in turn, from the raw zone (a reprocess); the failures."""
    settings = make_settings(Path(data_dir), None, warehouse_url, migrate=False)
    failures = []
    for day in days:
        result = run_partition(settings, SITE, day, f"{name}-{day}", StageOptions(reprocess=True))
        if result.status != "succeeded":
            failures.append(f"{day}: {result.failed_stage}: {result.error}")
    return failures


def _normal(value: Any) -> Any:
    if isinstance(value, float):
        return float(np.float32(value))  # REAL: DuckDB gives the float32, PostgreSQL its shortest text
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def snapshot(warehouse_url: str) -> dict[str, list[tuple]]:
    """The compared tables, but for the run's own columns, as sorted rows."""
    engine = make_engine(warehouse_url)
    try:
        out = {}
        with engine.connect() as conn:
            for name in COMPARED:
                table = Base.metadata.tables[name]
                columns = [c for c in table.columns if c.name not in RUN_COLUMNS]
                out[name] = sorted(
                    tuple(_normal(v) for v in row) for row in conn.execute(sa.select(*columns))
                )
        return out
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def in_order(tmp_path_factory, raw_zone: Path) -> dict[str, list[tuple]]:
    data_dir = _copy(raw_zone, tmp_path_factory.mktemp("in-order") / "data")
    settings = make_settings(data_dir, None)
    assert run_days(str(data_dir), settings.warehouse_url, DAYS, "nightly") == []
    return snapshot(settings.warehouse_url)


def test_the_clusters_are_devsites_wire_stories(in_order: dict[str, list[tuple]], world: World) -> None:
    names = [c.name for c in Base.metadata.tables["articles"].columns if c.name not in RUN_COLUMNS]
    rows = [dict(zip(names, row, strict=True)) for row in in_order["articles"]]
    loaded = {row["canonical_url"]: row for row in rows}
    truth = {a.canonical_url: a for day in DAYS for a in world.articles_for_day(SITE, day)}
    assert set(loaded) == set(truth)
    copies: dict[str, list] = defaultdict(list)
    for article in truth.values():
        if article.story_id:
            copies[article.story_id].append(article)
    assert len(copies) >= 20, "devsite must publish wire stories on these days"
    for story, found in copies.items():  # recall: every story's copies in one cluster
        first = min(found, key=lambda a: (a.published_date, a.canonical_url))
        for copy in found:
            row = loaded[copy.canonical_url]
            assert (row["cluster_id"], row["is_representative"]) == (first.canonical_url, copy is first), (
                story
            )
    members: dict[str, set] = defaultdict(set)
    for url, row in loaded.items():
        if row["cluster_id"] is not None:
            members[row["cluster_id"]].add(truth[url].story_id or url)
    assert all(len(found) == 1 for found in members.values())  # precision: nothing unrelated merged
    assert sum(row["cluster_id"] is not None for row in rows) >= 0.95 * len(rows)  # every text compared
    sizes = {cluster: 0 for cluster in members}
    for row in rows:
        if row["cluster_id"]:
            sizes[row["cluster_id"]] += 1
    clusters = {row[1]: row for row in in_order["story_clusters"]}
    assert {cluster: row[5] for cluster, row in clusters.items()} == sizes  # members
    assert len(in_order["story_links"]) >= sum(len(found) - 1 for found in copies.values())


def test_days_in_any_order_and_two_at_a_time_give_the_same_warehouse(
    tmp_path: Path, raw_zone: Path, in_order: dict[str, list[tuple]], pg_warehouse: str
) -> None:
    newest_first = _copy(raw_zone, tmp_path / "newest-first")
    settings = make_settings(newest_first, None)
    assert run_days(str(newest_first), settings.warehouse_url, DAYS[::-1], "backwards") == []
    assert snapshot(settings.warehouse_url) == in_order

    shuffled = random.Random(20240501).sample(DAYS, len(DAYS))
    one_by_one = _copy(raw_zone, tmp_path / "shuffled")
    settings = make_settings(one_by_one, None)
    assert run_days(str(one_by_one), settings.warehouse_url, shuffled, "shuffled") == []
    assert snapshot(settings.warehouse_url) == in_order

    # Two workers (processes, as Celery's), neighbouring days at once, on PostgreSQL.
    two_at_a_time = _copy(raw_zone, tmp_path / "two-at-a-time")
    make_settings(two_at_a_time, None, pg_warehouse)  # migrates it, as `pressetl db upgrade` would
    halves = [shuffled[0::2], shuffled[1::2]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        failures = pool.starmap(
            run_days,
            [(str(two_at_a_time), pg_warehouse, days, f"worker{n}") for n, days in enumerate(halves)],
        )
    assert failures == [[], []]
    assert snapshot(pg_warehouse) == in_order
