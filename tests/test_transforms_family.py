"""The family's Arabic and English pages (fixtures saved from devsite, with the ground truth next to
them), read by each site's profile, in the classic layout and drifted: fields right, no furniture.

The fixtures were written by ``devsite.article_page.article_page`` for 2024-05-02 (``World(
date(2024, 5, 10))``, and ``Faults(drift=True)`` for ``*-drift.html``); ``*.json`` is the
``ExpectedArticle`` each page was rendered from. They are files, not calls, so that a change in
devsite's text generation does not silently change what these tests check.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from core.profiles import SiteProfile, load_profile_file
from core.records import ARTICLE_SCHEMA, RawItem
from transforms.article import build_article

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
SITES = ["maghress-ar", "djazairess-ar", "masress-ar", "sauress-en"]
LAYOUTS = ["article", "article-drift"]
# Page furniture, by class: none of its text may reach title or body.
FURNITURE = ["ticker", "report-image", "share", "source", "related", "sponsored", "ad", "menu", "editions"]


def expected(site: str) -> dict:
    return json.loads((PAGES / f"{site}-article.json").read_text("utf-8"))


def profile_of(site: str) -> SiteProfile:
    return load_profile_file(ROOT / "profiles" / f"{site}.yaml")


def row_of(site: str, layout: str) -> dict:
    truth = expected(site)
    html = (PAGES / f"{site}-{layout}.html").read_text("utf-8")
    profile = profile_of(site)
    raw = RawItem(
        site=site,
        logical_date=date(2024, 5, 2),
        url=f"http://127.0.0.1:8123{truth['url_path']}",
        publication_slug=truth["publication_slug"],
        fetched_at=datetime(2024, 5, 3, 1, 0, tzinfo=UTC),
    )
    return build_article(raw, html, profile.with_base_url("http://127.0.0.1:8123"))


def furniture(site: str, layout: str) -> list[str]:
    """Texts of the page's furniture (ticker headlines, widgets, share and source links, lists)."""
    root = etree.HTML((PAGES / f"{site}-{layout}.html").read_bytes())
    texts = set()
    for name in FURNITURE:
        for element in root.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"):
            for text in element.itertext():
                if len(text.strip()) >= 4:
                    texts.add(text.strip())
    return sorted(texts)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("site", SITES)
def test_family_pages_give_the_ground_truth(site: str, layout: str) -> None:
    truth = expected(site)
    row = row_of(site, layout)
    assert list(row) == ARTICLE_SCHEMA.names
    assert row["canonical_url"] == truth["canonical_url"]
    assert row["title"] == truth["title"]
    assert row["body"] == "\n\n".join(text for _, text in truth["blocks"])
    assert row["subheadings"] == [text for kind, text in truth["blocks"] if kind == "subheading"]
    assert row["publication_name"] == truth["publication_name"]
    assert row["published_date"] == date.fromisoformat(truth["published_date"])
    assert row["source_url"] == truth["source_url"]
    assert (row["language"], row["language_status"]) == (truth["language"], "detected")
    assert row["publication_is_new"] is False
    assert row["publication_key"]
    assert row["extraction"] == ("selectors" if layout == "article" else "fallback")
    if layout == "article":
        assert row["error"] is None
        assert row["thumbnail_url"] == truth["thumbnail_url"]
    assert row["reading_time_minutes"] > 0
    assert row["body_source"] == "aggregator"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("site", [*SITES, "maghress-fr"])
def test_no_furniture_reaches_title_or_body(site: str, layout: str) -> None:
    if site == "maghress-fr":
        html_name = "maghress-fr-article.html" if layout == "article" else "maghress-fr-article-drift.html"
        raw = RawItem(
            site=site,
            logical_date=date(2011, 2, 9),
            url="http://127.0.0.1:8123/fr/lesecos/1234",
            fetched_at=datetime(2011, 2, 10, tzinfo=UTC),
        )
        profile = profile_of(site).with_base_url("http://127.0.0.1:8123")
        row = build_article(raw, (PAGES / html_name).read_text("utf-8"), profile)
        pieces = ["Merci d'avoir signalé", "Cliquez ici", "Partager", "Articles similaires", "Publicité"]
    else:
        row = row_of(site, layout)
        pieces = furniture(site, layout)
        assert len(pieces) > 10, "the fixture has lost its furniture"
    text = f"{row['title']}\n{row['body']}"
    for piece in pieces:
        assert piece not in text, piece


def test_eastern_arabic_digits_and_month_names_in_the_publication_line() -> None:
    truth = expected("masress-ar")
    assert truth["date_text"] == "٢ مايو ٢٠٢٤"  # what the page shows
    assert row_of("masress-ar", "article")["published_date"] == date(2024, 5, 2)
