"""An article page's own date (spiders.discovery.page_date): from the publication line the profile
selects, by its pattern when the layout drifted, through pages that lie about their charset."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from parsel import Selector

from core.profiles import load_profile
from core.settings import REPO_ROOT
from spiders.discovery.page_date import decode_html, page_date

PAGES = Path(__file__).resolve().parent / "pages"


def _profile(site: str):
    return load_profile(REPO_ROOT / "profiles", site)


def _page(html: str) -> Selector:
    return Selector(text=html, type="html")


@pytest.mark.parametrize(
    ("site", "name", "published"),
    [
        ("maghress-fr", "maghress-fr-article.html", date(2011, 2, 9)),
        ("maghress-fr", "maghress-fr-article-drift.html", date(2011, 2, 9)),  # found by its pattern
        ("masress-ar", "masress-ar-article.html", date(2024, 5, 2)),  # Eastern Arabic digits
        ("masress-ar", "masress-ar-article-drift.html", date(2024, 5, 2)),
    ],
)
def test_the_publication_line_dates_the_page(site, name, published):
    assert page_date(_page((PAGES / name).read_text("utf-8")), _profile(site)) == published


def test_a_page_without_a_publication_line_has_no_date():
    html = "<html><body><h1>Titre</h1><p>Aucune ligne de publication ici.</p></body></html>"
    assert page_date(_page(html), _profile("maghress-fr")) is None


def test_a_line_buried_in_a_long_container_is_not_a_publication_line():
    """Only a short element can be the line: a paragraph quoting one is text, not the page's date."""
    quoted = "Publié dans Les ECO le 09 - 02 - 2011"
    html = f"<html><body><div>{quoted} {'mot ' * 200}</div></body></html>"
    assert page_date(_page(html), _profile("maghress-fr")) is None
    assert page_date(_page(f"<html><body><div>{quoted}</div></body></html>"), _profile("maghress-fr"))


def test_utf8_bytes_are_read_as_utf8_whatever_the_header_claims():
    html = (PAGES / "masress-ar-article.html").read_text("utf-8")
    text = decode_html(html.encode("utf-8"), "text/html; charset=iso-8859-1")
    assert text == html
    assert page_date(_page(text), _profile("masress-ar")) == date(2024, 5, 2)


def test_a_legacy_code_page_is_read_by_the_pages_own_meta_charset():
    html = (PAGES / "masress-ar-article.html").read_text("utf-8")
    legacy = html.replace('<meta charset="utf-8">', '<meta charset="windows-1256">')
    body = legacy.encode("windows-1256", errors="xmlcharrefreplace")
    wrong = Selector(text=body.decode("utf-8", errors="replace"), type="html")
    assert page_date(wrong, _profile("masress-ar")) is None  # read as the header says: garbled
    text = decode_html(body, "text/html; charset=utf-8")
    assert page_date(_page(text), _profile("masress-ar")) == date(2024, 5, 2)
