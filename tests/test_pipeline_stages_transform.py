"""The transform stage on raw partitions written from devsite's pages (no crawl, no server):
exact duplicates, story signatures (a day's files do not depend on the other days), the
manifest, flat memory."""

from __future__ import annotations

import gc
import importlib
import shutil
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import make_settings

from core.partitions import read_json
from core.records import ARTICLE_SCHEMA
from core.settings import Settings
from devsite.partitions import Page, devsite_pages, write_partition
from devsite.world import World
from pipeline.stages.common import partition_for
from pipeline.stages.signatures import read_signatures
from pipeline.stages.transform import minhash_path, transform
from transforms.language import preload
from transforms.near_duplicates import signature

SITE = "maghress-fr"
BASE = "https://www.maghress.com"
PAGES = Path(__file__).resolve().parent / "pages"
D1 = date(2024, 5, 1)
DAYS = [D1 + timedelta(days=n) for n in range(5)]


@pytest.fixture(scope="module")
def world():
    return World(today=date(2024, 5, 20))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", None)


def stage(settings: Settings, day: date, pages: list[Page], run_id: str = "run") -> dict:
    write_partition(partition_for(settings, SITE, day), pages)
    return transform(settings, SITE, day, run_id)


def staged(settings: Settings, day: date) -> list[dict]:
    return pq.read_table(partition_for(settings, SITE, day).staged_articles).to_pylist()


def manifest(settings: Settings, day: date) -> dict:
    return read_json(partition_for(settings, SITE, day).transform_manifest)


# --- story signatures ----------------------------------------------------------------------


def test_staged_rows_leave_clusters_to_the_warehouse_and_every_body_is_signed(
    settings: Settings, world
) -> None:
    for day in DAYS[:2]:
        summary = stage(settings, day, devsite_pages(world, SITE, day, BASE))
        assert summary["staged"] == len(world.articles_for_day(SITE, day))
    rows = staged(settings, DAYS[1])
    assert {(row["cluster_id"], row["is_representative"]) for row in rows} == {(None, None)}
    signed = pq.read_table(minhash_path(partition_for(settings, SITE, DAYS[1]))).to_pylist()
    bodies = {row["canonical_url"]: row for row in rows if signature(row["body"]) is not None}
    assert len(bodies) >= 0.9 * len(rows)
    assert [s["canonical_url"] for s in signed] == list(bodies)  # in the order staged
    for entry in signed:
        row = bodies[entry["canonical_url"]]
        assert entry["published_date"] == (row["published_date"] or DAYS[1])
        assert np.array_equal(np.frombuffer(entry["signature"], np.uint32), signature(row["body"]))
    report = manifest(settings, DAYS[1])
    assert (report["signed"], summary["signed"]) == (len(signed), len(signed))
    assert report["window_days"] == [] and report["near_duplicates"] == 0  # not the transform's any more


def test_a_days_staged_files_do_not_depend_on_the_other_days(tmp_path: Path, world) -> None:
    days = DAYS[:3]
    alone = make_settings(tmp_path / "alone", None)
    stage(alone, days[1], devsite_pages(world, SITE, days[1], BASE))
    backwards = make_settings(tmp_path / "backwards", None)
    for day in [days[2], days[1], days[0], days[2], days[1]]:
        stage(backwards, day, devsite_pages(world, SITE, day, BASE))
    # the same rows, but for the WARC record ids (new UUIDs in each raw zone), and the same signatures
    assert _without_record_ids(staged(alone, days[1])) == _without_record_ids(staged(backwards, days[1]))
    for settings in (alone, backwards):
        assert pq.read_table(minhash_path(partition_for(settings, SITE, days[1]))).equals(
            pq.read_table(minhash_path(partition_for(alone, SITE, days[1])))
        )


def _without_record_ids(rows: list[dict]) -> list[dict]:
    return [{key: value for key, value in row.items() if key != "warc_record_id"} for row in rows]


def test_a_rerun_gives_the_same_files(settings: Settings, world) -> None:
    pages = devsite_pages(world, SITE, D1, BASE)
    first = stage(settings, D1, pages, "run-1")
    table = pq.read_table(partition_for(settings, SITE, D1).staged_articles)
    signatures = pq.read_table(minhash_path(partition_for(settings, SITE, D1)))
    assert transform(settings, SITE, D1, "run-2") | {"run_id": "run-1"} == first
    assert pq.read_table(partition_for(settings, SITE, D1).staged_articles).equals(table)
    assert pq.read_table(minhash_path(partition_for(settings, SITE, D1))).equals(signatures)
    assert table.schema.equals(ARTICLE_SCHEMA)


def test_a_day_staged_without_signatures_is_signed_from_its_text_at_load(settings: Settings, world) -> None:
    stage(settings, D1, devsite_pages(world, SITE, D1, BASE))
    part = partition_for(settings, SITE, D1)
    part.validated_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(part.staged_articles, part.validated_articles)  # as the quality gate passes it
    from_file = list(read_signatures(part))
    assert from_file
    minhash_path(part).unlink()  # staged by an older transform
    assert list(read_signatures(part)) == from_file


# --- exact duplicates, failures, versions --------------------------------------------------


def test_exact_duplicates_failures_and_changed_content(settings: Settings, world) -> None:
    pages = devsite_pages(world, SITE, D1, BASE)
    first, second, third = pages[0], pages[1], pages[2]
    later = datetime(2024, 5, 1, 23, 0, tzinfo=UTC)
    body_start = '<span class="articlecontent">\n<p>'
    assert body_start in first.html
    edited = first.html.replace(body_start, body_start + "Mise à jour : ", 1)
    extra = [
        # the same article again, by another spelling of its URL, re-fetched with an edited text
        Page(
            url=f"http://maghress.com{first.url[len(BASE) :]}/?utm_source=rss",
            html=edited,
            publication_slug=first.publication_slug,
            fetched_at=later,
        ),
        # an older fetch of another article: the first fetch (above in the list) is the latest
        Page(url=second.url + "#comments", html=second.html, publication_slug=second.publication_slug),
        # the same text under another URL: a copy, not a new article
        Page(
            url=f"{BASE}/fr/{third.publication_slug}/999999",
            html=third.html,
            publication_slug=third.publication_slug,
        ),
        # a fetch that failed
        Page(url=f"{BASE}/fr/lesecos/888888", html=None, publication_slug="lesecos"),
    ]
    summary = stage(settings, D1, pages + extra)
    assert summary["discovered"] == len(pages) + 4
    assert summary["duplicates"] == 3
    assert summary["failed"] == 1
    assert summary["staged"] == len(pages)  # the failed fetch is counted, not staged
    assert summary["discovered"] == summary["staged"] + summary["duplicates"] + summary["failed"]
    rows = {row["canonical_url"]: row for row in staged(settings, D1)}
    changed = rows[BASE + first.url[len(BASE) :]]
    assert changed["body"].startswith("Mise à jour : ")  # the new version is kept, never dropped
    assert changed["fetched_at"] == later
    assert f"{BASE}/fr/{third.publication_slug}/999999" not in rows
    assert f"{BASE}/fr/lesecos/888888" not in rows
    report = manifest(settings, D1)
    assert report["duplicate_contents"] == [f"{BASE}/fr/{third.publication_slug}/999999"]
    assert sorted(report["duplicate_urls"]) == sorted([BASE + first.url[len(BASE) :], second.url])


def test_unknown_publications_are_staged_and_listed_for_review(settings: Settings, world) -> None:
    page = devsite_pages(world, SITE, D1, BASE)[0]
    article = world.articles_for_day(SITE, D1)[0]
    html = page.html.replace(f">{article.publication_name}</a>", ">Le Nouveau Journal</a>")
    url = f"{BASE}/fr/nouveaujournal/77"
    stage(settings, D1, [Page(url=url, html=html, publication_slug="nouveaujournal")])
    (row,) = staged(settings, D1)
    assert (row["publication_key"], row["publication_is_new"]) == ("maghress:nouveaujournal", True)
    assert row["publication_name"] == "Le Nouveau Journal"
    (new,) = manifest(settings, D1)["new_publications"]
    assert new == {
        "publication_key": "maghress:nouveaujournal",
        "slug": "nouveaujournal",
        "name": "Le Nouveau Journal",
        "first_url": url,
    }


def test_the_publishers_fuller_text_replaces_an_excerpt(settings: Settings) -> None:
    full = (PAGES / "maghress-fr-article.html").read_text("utf-8")
    # the aggregator shows only the beginning of the first paragraph
    lines = full.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if 'class="articlecontent"' in line)
    share = next(i for i, line in enumerate(lines) if 'class="share"' in line)
    opening = lines[first][: lines[first].index(". ") + 1]
    excerpt = "".join(lines[:first]) + opening + " […]</p></span>\n" + "".join(lines[share:])
    publisher = (PAGES / "publisher-article.html").read_text("utf-8")
    url = f"{BASE}/fr/lesecos/1234"
    source = "https://www.leseco.ma/maroc-numeric-sur-les-traces-de-la-france.html"
    day = date(2011, 2, 9)
    stage(
        settings,
        day,
        [
            Page(
                url=url,
                html=excerpt,
                publication_slug="lesecos",
                publisher_url=source,
                publisher_html=publisher,
            )
        ],
    )
    (row,) = staged(settings, day)
    assert row["body_source"] == "publisher"
    assert row["body"].startswith("Après un an et quelques mois")
    assert "Le reste du travail du cluster" in row["body"]
    assert row["author"] == "Amine Benali"
    assert "Multipolaire" in row["subheadings"]

    # the full aggregator text is kept when the publisher's says no more
    stage(
        settings,
        day,
        [
            Page(
                url=url, html=full, publication_slug="lesecos", publisher_url=source, publisher_html=publisher
            )
        ],
    )
    (row,) = staged(settings, day)
    assert row["body_source"] == "aggregator"
    assert row["body"].endswith("que quand on ne l'est pas.")


# --- memory -----------------------------------------------------------------------------


def _articles(world, count: int) -> list[Page]:
    pages: list[Page] = []
    day = D1
    while len(pages) < count:
        pages += devsite_pages(world, SITE, day, BASE)
        day += timedelta(days=1)
    return pages[:count]


def _peak(settings: Settings, day: date, pages: list[Page]) -> int:
    write_partition(partition_for(settings, SITE, day), pages)
    gc.collect()
    tracemalloc.start()
    try:
        transform(settings, SITE, day, "memory")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_pages_of_the_day(settings: Settings, world, monkeypatch) -> None:
    # Rows are held a batch at a time: with batches far smaller than the day, what grows
    # with the day is only what the stage keeps per article.
    monkeypatch.setattr(importlib.import_module("pipeline.stages.transform"), "BATCH_ROWS", 40)
    small, large = 120, 480
    pages = _articles(world, large)
    page_bytes = sum(len(page.html.encode()) for page in pages) / len(pages)
    preload()
    transform_day = DAYS[-1] + timedelta(days=3)
    # Warm every cache (parsers, detectors, the shingle hashes' powers, sized by the longest
    # batch) with the larger day: cached, bounded tables are not growth with the day.
    _peak(settings, transform_day, pages)
    peak_small = _peak(settings, transform_day, pages[:small])
    peak_large = _peak(settings, transform_day, pages)
    per_article = (peak_large - peak_small) / (large - small)
    # What grows is the exact-duplicate keys (clusters are the warehouse's: no story index here):
    # well under a kilobyte an article, against ~9 KB of HTML and ~5 KB of text a held page would cost.
    assert per_article < 2_000, f"{per_article:.0f} bytes more per article (pages: {page_bytes:.0f} bytes)"
    assert peak_large < peak_small + 0.15 * page_bytes * (large - small)


def test_a_url_that_cannot_be_canonicalised_is_counted_and_named(
    settings: Settings, world, monkeypatch
) -> None:
    """canonical_url is total by design; if a bug makes it raise, the day goes on and the
    manifest counts and names the URL instead of hiding it."""
    import pipeline.stages.raw_articles as raw_articles

    pages = devsite_pages(world, SITE, D1, BASE)[:5]
    broken = pages[2].url
    real = raw_articles.canonical_url

    def canonical(url, profile):
        if url == broken:
            raise ValueError("no host")
        return real(url, profile)

    monkeypatch.setattr(raw_articles, "canonical_url", canonical)
    summary = stage(settings, D1, pages)
    assert summary["staged"] == len(pages)  # nothing lost
    report = manifest(settings, D1)
    assert report["canonicalisation_failures"] == 1
    assert report["canonicalisation_failure_urls"] == [broken]
