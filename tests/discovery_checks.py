"""Shared by the discovery strategies' end-to-end tests: a profile with other strategies, and the
check that a crawl collected exactly the day's articles against devsite's ground truth."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml
from conftest import make_settings

from core.partitions import Partition
from core.rawzone import read_raw_items
from core.settings import REPO_ROOT
from pipeline.stages import crawl


def strategy_settings(tmp_path: Path, server, site: str, strategies: list[str] | None = None):
    settings = make_settings(tmp_path / "data", None).with_base_url(site, server.base_url_for(site))
    if strategies is None:
        return settings
    profiles = tmp_path / "profiles"
    shutil.copytree(REPO_ROOT / "profiles", profiles)
    path = profiles / f"{site}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["discovery"]["strategies"] = strategies
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return replace(settings, profiles_dir=profiles)


def check_exact(settings, server, world, site: str, day: date, run_id: str) -> list:
    summary = crawl(settings, site, day, run_id)
    base = server.base_url_for(site)
    expected = {a.path for a in world.articles_for_day(site, day)}
    items = list(read_raw_items(Partition(site, day, settings.data_dir)))
    found = [item.url.removeprefix(base) for item in items]
    assert len(found) == len(set(found))  # each article once
    missing, extra = expected - set(found), set(found) - expected
    assert not missing and not extra, f"missing {sorted(missing)[:5]}, from other days {sorted(extra)[:5]}"
    assert summary["failed"] == 0 and summary["discovered"] == len(expected) > 0
    return items


def crawl_manifest(settings, site: str, day: date) -> dict:
    return json.loads(Partition(site, day, settings.data_dir).crawl_manifest.read_text())
