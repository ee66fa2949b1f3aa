"""transforms.article: one page → one row with exactly the ARTICLE_SCHEMA columns, never an exception."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.profiles import SiteProfile, load_profile_file
from core.records import ARTICLE_SCHEMA, RawItem
from transforms.article import build_article

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
FETCHED_AT = datetime(2011, 2, 10, 1, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def profile() -> SiteProfile:
    return load_profile_file(ROOT / "profiles" / "maghress-fr.yaml").with_base_url("http://127.0.0.1:8123")


def raw_item(url: str = "http://127.0.0.1:8123/fr/lesecos/1234", **changes) -> RawItem:
    fields = {
        "site": "maghress-fr",
        "logical_date": date(2011, 2, 9),
        "url": url,
        "publication_slug": "lesecos",
        "status": 200,
        "warc_file": "warc/maghress-fr-2011-02-09.warc.gz",
        "warc_record_id": "<urn:uuid:4c1b5e3a-0000-0000-0000-000000000001>",
        "fetched_at": FETCHED_AT,
    }
    return RawItem(**(fields | changes))


def page(name: str) -> str:
    return (PAGES / name).read_text("utf-8")


def as_table(*rows: dict) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=ARTICLE_SCHEMA)


def test_reference_row(profile: SiteProfile) -> None:
    row = build_article(raw_item(), page("maghress-fr-article.html"), profile)
    assert list(row) == ARTICLE_SCHEMA.names
    assert row["site"] == "maghress-fr"
    assert row["logical_date"] == date(2011, 2, 9)
    assert row["url"] == "http://127.0.0.1:8123/fr/lesecos/1234"
    assert row["canonical_url"] == "https://www.maghress.com/fr/lesecos/1234"
    assert row["publication_slug"] == "lesecos"
    assert row["publication_name"] == "Les ECO"
    assert row["aggregator_id"] == 1234
    assert row["title"] == "Maroc Numeric : Sur les traces de la France"
    assert row["body"].startswith("Après un an et quelques mois")
    assert "\n\nMultipolaire\n\nLe premier, relatif aux services mobiles" in row["body"]
    assert row["body"].endswith("que quand on ne l'est pas.")
    assert row["subheadings"][:3] == ["Multipolaire", "Programme de démarrage", "Le modèle français"]
    assert row["published_date"] == date(2011, 2, 9)
    assert row["language"] == "fr"
    assert row["source_url"] == "https://www.leseco.ma/maroc-numeric-sur-les-traces-de-la-france.html"
    assert row["thumbnail_url"] == "https://images2.maghress.com/lesecos/1234/thumb"
    assert len(row["content_hash"]) == 64
    assert 800 < row["word_count"] < 900
    assert row["extraction"] == "selectors"
    assert row["error"] is None
    assert row["warc_file"] == "warc/maghress-fr-2011-02-09.warc.gz"
    assert row["warc_record_id"] == "<urn:uuid:4c1b5e3a-0000-0000-0000-000000000001>"
    assert row["fetched_at"] == FETCHED_AT
    assert as_table(row).num_rows == 1


def test_drift_page_gives_the_same_article(profile: SiteProfile) -> None:
    selectors = build_article(raw_item(), page("maghress-fr-article.html"), profile)
    fallback = build_article(raw_item(), page("maghress-fr-article-drift.html"), profile)
    assert fallback["extraction"] == "fallback"
    assert fallback["error"].startswith("layout changed:")
    for column in ("title", "body", "subheadings", "publication_name", "published_date", "content_hash"):
        assert fallback[column] == selectors[column], column


def test_missing_title_row_is_kept_for_quarantine(profile: SiteProfile) -> None:
    row = build_article(raw_item(), page("maghress-fr-article-no-title.html"), profile)
    assert row["title"] is None
    assert row["body"]
    assert row["content_hash"] is None
    assert row["extraction"] == "selectors"
    assert row["error"] == "no title (span.articletitle)"
    as_table(row)


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("le 09 - 02 - 2011", "le 31 - 02 - 2011", "no valid date in '31 - 02 - 2011'"),
        (
            "Publié dans",
            "Paru dans",
            "publication line not recognised: 'Paru dans Les ECO le 09 - 02 - 2011'",
        ),
        ('class="articlenewspaper"', 'class="x"', "no publication line (span.articlenewspaper)"),
    ],
)
def test_publication_line_problems_are_named(profile: SiteProfile, old: str, new: str, error: str) -> None:
    row = build_article(raw_item(), page("maghress-fr-article.html").replace(old, new, 1), profile)
    assert row["published_date"] is None
    assert row["error"] == error
    assert row["extraction"] == "selectors"


def test_url_outside_the_article_pattern(profile: SiteProfile) -> None:
    row = build_article(
        raw_item("http://127.0.0.1:8123/fr/lesecos"), page("maghress-fr-article.html"), profile
    )
    assert row["aggregator_id"] is None
    assert row["publication_slug"] == "lesecos"  # from the raw item
    assert "not an article URL" in row["error"]


def test_failed_fetch(profile: SiteProfile) -> None:
    row = build_article(raw_item(status=None, error="timeout after 30 s"), "", profile)
    assert row["extraction"] == "failed"
    assert row["error"] == "fetch failed: timeout after 30 s"
    assert row["canonical_url"] == "https://www.maghress.com/fr/lesecos/1234"
    as_table(row)


def test_garbage_page(profile: SiteProfile) -> None:
    row = build_article(raw_item(), "\x00\x01<<<>>>", profile)
    assert row["extraction"] == "failed"
    assert row["error"] == "no title (span.articletitle) and no body (span.articlecontent)"
    assert row["content_hash"] is None
    assert row["word_count"] == 0
    as_table(row)


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=400)))
def test_never_raises_and_always_fits_the_schema(html: str | None) -> None:
    profile = load_profile_file(ROOT / "profiles" / "maghress-fr.yaml")
    row = build_article(raw_item(), html, profile)
    assert list(row) == ARTICLE_SCHEMA.names
    assert row["extraction"] in {"selectors", "fallback", "failed", "blocked"}
    assert row["error"] is None or "\n" not in row["error"]
    as_table(row)
