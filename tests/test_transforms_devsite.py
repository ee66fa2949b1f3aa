"""build_article on devsite's article pages reproduces devsite's ground truth, field by field.

devsite renders each article from an ``ExpectedArticle`` in the classic layout,
drifted, or broken; a correct transform gets back exactly what went in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.profiles import load_profile_file
from core.records import RawItem
from transforms.article import build_article

article_page = pytest.importorskip("devsite.article_page").article_page
World = pytest.importorskip("devsite.world").World
Faults = pytest.importorskip("devsite.model").Faults

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8123"
DAY = date(2024, 5, 2)
SITE = "maghress-fr"


FAMILY = sorted(path.stem for path in (ROOT / "profiles").glob("*.yaml"))


@pytest.mark.parametrize(
    ("site", "drift"),
    [(SITE, False), (SITE, True), *((site, False) for site in FAMILY if site != SITE)],
    ids=lambda value: value if isinstance(value, str) else ("drift" if value else "classic"),
)
def test_rows_match_devsite_ground_truth(site: str, drift: bool) -> None:
    profile = load_profile_file(ROOT / "profiles" / f"{site}.yaml").with_base_url(BASE)
    world = World(date(2024, 5, 10), Faults(drift=drift, broken_share=0.1))
    articles = world.articles_for_day(site, DAY)
    assert articles, "devsite published nothing that day"
    assert any(a.broken for a in articles) and not all(a.broken for a in articles)

    for expected in articles:
        html = article_page(world, world.site(site), expected)
        raw = RawItem(site=site, logical_date=DAY, url=BASE + expected.path, fetched_at=datetime.now(UTC))
        row = build_article(raw, html, profile)
        where = expected.path
        assert row["canonical_url"] == expected.canonical_url, where
        assert (row["publication_slug"], row["aggregator_id"]) == (
            expected.publication_slug,
            expected.aggregator_id,
        ), where
        assert row["publication_name"] == expected.publication_name, where
        assert row["published_date"] == expected.published_date, where
        assert row["source_url"] == expected.source_url, where
        assert row["publication_is_new"] is False, where
        if expected.broken:
            assert row["extraction"] == "failed", where
            assert row["title"] is None and row["body"] is None, where
            continue
        assert row["extraction"] == ("fallback" if drift else "selectors"), where
        assert row["title"] == expected.title, where
        assert row["body"] == expected.body, where
        assert tuple(row["subheadings"]) == expected.subheadings, where
        assert row["language"] == expected.language, where
        assert row["language_status"] in {"detected", "too_short"}, where
        assert row["word_count"] > 0 and row["reading_time_minutes"] > 0, where
        if not drift:
            assert row["error"] is None, where
            assert row["thumbnail_url"] == expected.thumbnail_url, where


@pytest.mark.parametrize("site", FAMILY)
def test_source_links_worded_otherwise_are_found_on_every_site(site: str) -> None:
    """devsite's source-wording fault: every article's link says it in another way (the
    publication's name, "المصدر: …", "Source : …"), some without rel/target."""
    profile = load_profile_file(ROOT / "profiles" / f"{site}.yaml").with_base_url(BASE)
    world = World(date(2024, 5, 10), Faults(source_wording_share=1.0))
    articles = world.articles_for_day(site, DAY)
    assert articles and all(a.other_source_wording for a in articles)
    for expected in articles:
        html = article_page(world, world.site(site), expected)
        raw = RawItem(site=site, logical_date=DAY, url=BASE + expected.path, fetched_at=datetime.now(UTC))
        assert build_article(raw, html, profile)["source_url"] == expected.source_url, expected.path
