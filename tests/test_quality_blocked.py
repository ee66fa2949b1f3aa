"""Blocked pages end to end against devsite: walls answered with 200 fail as
``blocked (<kind>)`` URL by URL, are never loaded, and a day of mostly walls stops at the
gate as "blocked by <site>", not as layout drift."""

from __future__ import annotations

from collections import Counter
from datetime import date
from urllib.parse import urlsplit

from conftest import SITE, make_settings
from sqlalchemy import text

from core.manifests import transform_manifest, validation_manifest
from core.partitions import Partition
from devsite import Faults, World
from pipeline.runner import run_partition
from warehouse.engine import make_engine

DAY = date(2011, 2, 9)
TODAY = date(2011, 2, 11)


def _rows(url: str, sql: str) -> list[dict]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(text(sql)).mappings()]
    finally:
        engine.dispose()


def test_a_few_walls_fail_by_url_and_the_rest_loads(tmp_path, served) -> None:
    world = World(today=TODAY, faults=Faults(blocked_share=0.25))
    walls = {a.path: a.blocked for a in world.articles_for_day(SITE, DAY) if a.blocked}
    assert len(set(walls.values())) >= 3, walls  # several kinds in one day
    settings = make_settings(tmp_path / "data", served(world))

    result = run_partition(settings, SITE, DAY, "walls")

    assert result.status == "succeeded", result.error
    outcomes = _rows(settings.warehouse_url, "SELECT url, outcome, reason FROM url_outcomes")
    blocked = {urlsplit(o["url"]).path: o for o in outcomes if "blocked (" in (o["reason"] or "")}
    assert {path: o["outcome"] for path, o in blocked.items()} == dict.fromkeys(walls, "failed")
    for path, outcome in blocked.items():
        assert outcome["reason"].startswith(f"blocked ({walls[path]}): "), outcome
    loaded = {urlsplit(row["url"]).path for row in _rows(settings.warehouse_url, "SELECT url FROM articles")}
    assert loaded and not loaded & set(walls)
    manifest = transform_manifest(Partition(SITE, DAY, settings.data_dir))
    assert manifest.blocked == dict(sorted(Counter(walls.values()).items()))
    (run,) = _rows(settings.warehouse_url, "SELECT * FROM crawl_runs WHERE run_id = 'walls'")
    assert run["failed"] >= len(walls)
    assert run["discovered"] == run["loaded"] + run["duplicates"] + run["quarantined"] + run["failed"]


def test_a_day_of_mostly_walls_is_blocked_by_the_site_not_layout_drift(tmp_path, served) -> None:
    world = World(today=TODAY, faults=Faults(blocked_share=0.9, blocked_kinds=("challenge",)))
    settings = make_settings(tmp_path / "data", served(world))

    result = run_partition(settings, SITE, DAY, "walled")

    assert (result.status, result.failed_stage) == ("failed", "validate")
    assert result.error.startswith(f"blocked by {SITE} on {DAY.isoformat()}: "), result.error
    assert "pages fetched were not the article" in result.error and "challenge" in result.error
    assert "layout drift" not in result.error
    manifest = validation_manifest(Partition(SITE, DAY, settings.data_dir))
    assert manifest.blocked.kinds["challenge"] == manifest.blocked.pages > 0.8 * manifest.blocked.fetched
    assert "blocked" in manifest.blocked_by and "drift" not in manifest.blocked_by
    assert _rows(settings.warehouse_url, "SELECT * FROM articles") == []
