"""For a logical day, every discovery strategy collects exactly the articles the site published that
day in its own time zone (none missing, none from neighbouring days), on several sites and days,
against devsite's ground truth."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import make_settings

from core.partitions import Partition
from core.rawzone import read_raw_items
from core.settings import REPO_ROOT
from devsite import Faults, World, serve
from pipeline.stages import crawl, load, transform, validate

TODAY = date(2011, 2, 11)


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


def _settings(tmp_path: Path, server, site: str, strategies: list[str] | None = None):
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


def _check_exact(settings, server, world, site: str, day: date, run_id: str) -> list:
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


def _manifest(settings, site: str, day: date) -> dict:
    return json.loads(Partition(site, day, settings.data_dir).crawl_manifest.read_text())


@pytest.mark.parametrize(
    ("site", "day"),
    [
        ("djazairess-ar", date(2011, 2, 9)),  # Maghreb month names on some publications
        ("sauress-ar", date(2011, 2, 4)),  # Eastern Arabic digits; a Saudi weekend day (Friday)
        ("masress-en", date(2011, 2, 10)),  # the day before "today"
    ],
)
def test_listing_walk_back(tmp_path, server, world, site, day):
    settings = _settings(tmp_path, server, site, ["listing"])
    items = _check_exact(settings, server, world, site, day, "listing")
    assert {item.discovered_by for item in items} == {"listing"}


@pytest.mark.parametrize(
    ("site", "day"),
    [
        ("maghress-ar", date(2011, 2, 10)),  # yesterday: the feeds reach back past it
        ("sauress-en", date(2011, 2, 10)),  # UTC+3: late-evening items are stamped the day before in UTC
        ("turess-fr", date(2011, 2, 7)),  # older than the feeds reach: completed from the listing
    ],
)
def test_rss_feeds(tmp_path, server, world, site, day):
    settings = _settings(tmp_path, server, site, ["rss"])
    items = _check_exact(settings, server, world, site, day, "rss")
    by = {item.discovered_by for item in items}
    manifest = _manifest(settings, site, day)
    if day == TODAY - timedelta(days=1):
        assert "rss" in by
        # discovery pages: the home page and one feed per publication, plus a listing walk only
        # for publications whose 50-item feed does not reach back past the day
        assert manifest["pages_fetched"] < len(items) + 3 * len(world.publications(site)) + 5
    else:
        assert "listing" in by  # the feeds end before the day: the listings were walked


@pytest.mark.parametrize(
    ("site", "day"),
    [
        ("djazairess-fr", date(2011, 2, 9)),
        ("turess-ar", date(2011, 2, 6)),  # Maghreb month names
        ("masress-ar", date(2011, 2, 10)),  # Eastern Arabic digits, Egyptian month names
    ],
)
def test_id_probing_anchored_on_the_listing_without_a_warehouse(tmp_path, server, world, site, day):
    settings = _settings(tmp_path, server, site, ["id_probe"])
    items = _check_exact(settings, server, world, site, day, "probe")
    assert {item.discovered_by for item in items} == {"id_probe"}
    # a logarithmic search per publication, not a walk over every id since the anchor
    manifest = _manifest(settings, site, day)
    assert manifest["pages_fetched"] < len(items) + 25 * len(world.publications(site))


def test_id_probing_starts_from_the_last_ids_in_the_warehouse(tmp_path, server, world):
    site, first, second = "djazairess-fr", date(2011, 2, 9), date(2011, 2, 10)
    settings = _settings(tmp_path, server, site, ["id_probe"])
    for day, run_id in ((first, "d1"), (second, "d2")):
        if day == second:
            server.clear_request_logs()
        _check_exact(settings, server, world, site, day, run_id)
        if day == first:  # load the first day: the warehouse now knows the last id per publication
            transform(settings, site, day, run_id)
            validate(settings, site, day, run_id)
            load(settings, site, day, run_id)
    requested = server.request_log(site)
    prefix = "/fr/"
    listings = [t for t in requested if t.startswith(prefix) and t.count("/") == 2 and t != prefix]
    assert not listings  # anchored on the warehouse: no listing page needed
    probed = [t for t in requested if t.count("/") == 3]
    expected = len(world.articles_for_day(site, second))
    publications = len(world.publications(site))
    # one anchor per publication, the day's ids, and max_consecutive_misses past the newest
    assert len(probed) <= expected + publications * (1 + 10 + 10)


def test_id_probing_reads_dates_through_charset_lies_and_keeps_cut_pages_as_failures(tmp_path):
    site, day = "masress-ar", date(2011, 2, 9)
    world = World(today=TODAY, faults=Faults(wrong_charset_share=0.25, truncated_share=0.1))
    with serve(world) as server:
        settings = _settings(tmp_path, server, site, ["id_probe"])
        summary = crawl(settings, site, day, "faulty")
    base = server.base_url_for(site)
    articles = world.articles_for_day(site, day)
    partition = Partition(site, day, settings.data_dir)
    items = {item.url.removeprefix(base): item for item in read_raw_items(partition)}
    expected = {a.path for a in articles}
    assert expected <= set(items)  # nothing missing: wrong charsets are read, cut pages kept as failed
    assert any(a.wrong_charset for a in articles if not a.truncated)
    failed = {path for path, item in items.items() if item.error}
    assert {a.path for a in articles if a.truncated} <= failed
    assert summary["failed"] == len(failed)
    # a page that failed at the day's edge cannot be dated: it is reported for the day, as failed
    for path in set(items) - expected:
        assert path in failed
        slug, number = path.strip("/").split("/")
        neighbour = world.article(site, slug, int(number))
        assert neighbour.truncated and abs((neighbour.published_date - day).days) == 1
