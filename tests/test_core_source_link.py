"""core/source_link.py: the "read at the source" link found by the page's structure, the
profile's wording a hint; furniture (share buttons, ads, side boxes, menus) never taken."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from core.source_link import find_source_link, selected_elements, site_of
from devsite.model import Faults
from devsite.world import World

PAGE_URL = "https://www.maghress.com/fr/lesecos/12345"
HINT_FR = "xpath://a[contains(normalize-space(.), 'Cliquez ici pour lire')]/@href"
HINT_AR = "xpath://a[contains(normalize-space(.), 'انقر هنا لقراءة')]/@href"
BODY = "span.articlecontent"
SOURCE = "https://www.leseco.ma/maroc/12345-maroc-numeric.html"

FURNITURE = """
<header><a href="https://partner.example.com/" target="_blank">Partenaire</a></header>
<nav><a href="/fr/">Accueil</a><a href="https://www.hespress.com/" target="_blank">Hespress</a></nav>
"""
SIDE = """
<div class="share"><a href="https://www.facebook.com/sharer.php?u=x" rel="nofollow" target="_blank">
  Partager sur Facebook</a><a href="https://twitter.com/intent/tweet?url=x" target="_blank">Twitter</a></div>
<div class="ad ad-partner"><a href="https://ads.example.net/click" rel="sponsored nofollow" target="_blank">
  Lire l'article</a></div>
<aside><a href="https://www.lematin.ma/" rel="nofollow" target="_blank">Le Matin, depuis sa source</a></aside>
<div class="related"><a href="https://www.le360.ma/x" target="_blank">Lire la suite</a></div>
<footer><a href="https://www.example.org/" rel="nofollow" target="_blank">Source : nous</a></footer>
"""


def page(source: str, *, body_link: str = "", side: str = SIDE, lang: str = "fr") -> etree._Element:
    html = f"""<html lang="{lang}"><body>{FURNITURE}
    <div class="article"><h1><span class="articletitle">Titre</span></h1>
    <span class="articlecontent"><p>Premier paragraphe {body_link}.</p><p>Deuxième.</p></span>
    {source}</div>{side}</body></html>"""
    return etree.fromstring(html, etree.HTMLParser())


def find(root, hint: str | None = HINT_FR, body: str | None = BODY) -> str | None:
    return find_source_link(root, PAGE_URL, hint=hint, content=selected_elements(root, body))


@pytest.mark.parametrize(
    "link",
    [
        # the profile's phrase
        f'<p class="source"><a href="{SOURCE}" rel="nofollow" target="_blank">'
        "Cliquez ici pour lire l'article depuis sa source.</a></p>",
        # other French wordings, with and without rel/target
        f'<p><a href="{SOURCE}">Source : Les ECO</a></p>',
        f'<p><a href="{SOURCE}">Lire l’intégralité sur Les ECO</a></p>',
        f'<div class="source-box"><a href="{SOURCE}" target="_blank">Les ECO</a></div>',
        # a relative-looking link the aggregator redirects through
        '<p><a href="/out?url=https%3A%2F%2Fwww.leseco.ma%2Fmaroc%2F12345-maroc-numeric.html">Voir</a></p>',
    ],
    ids=["profile-phrase", "source-colon", "integralite-no-attrs", "name-only-blank", "redirect"],
)
def test_the_source_link_is_found_whatever_it_says(link: str) -> None:
    assert find(page(link)) == SOURCE


@pytest.mark.parametrize(
    "wording",
    [
        "انقر هنا لقراءة الخبر من مصدره",  # the profile's phrase
        "اضغط هنا للاطلاع على تفاصيل الخبر من مصدره",
        "المصدر: هسبريس",
        "رابط الخبر الأصلي",
        "اقرأ المقال من مَصْدَرِه",  # with diacritics
    ],
)
def test_arabic_wordings_other_than_the_profiles_phrase(wording: str) -> None:
    root = page(f'<p><a href="{SOURCE}">{wording}</a></p>', lang="ar")
    assert find(root, hint=HINT_AR) == SOURCE


def test_an_unknown_wording_is_found_by_structure_alone() -> None:
    """No wording the family knows: the external link after the content, opened in a new tab."""
    root = page(f'<p><a href="{SOURCE}" rel="nofollow" target="_blank">إضغط هنا</a></p>', lang="ar")
    assert find(root, hint=HINT_AR) == SOURCE
    # without the content's position (a drifted layout), an unknown wording is not enough
    assert find(root, hint=HINT_AR, body=None) is None


def test_a_page_with_no_source_link_gives_none() -> None:
    """External links everywhere (header, menu, share row, ads, aside, related box, footer, one
    inside the prose), none of them the source."""
    body_link = '<a href="https://fr.wikipedia.org/wiki/Maroc" target="_blank">Maroc</a>'
    assert find(page("", body_link=body_link)) is None
    assert find(page(""), hint=None, body=None) is None


def test_the_profiles_selector_is_a_hint_that_wins_among_candidates() -> None:
    other = "https://www.lematin.ma/other.html"
    root = page(
        f'<p><a href="{other}" target="_blank">Source : Le Matin</a></p>'
        f'<p><a href="{SOURCE}">Cliquez ici pour lire</a></p>'
    )
    assert find(root) == SOURCE


def test_the_first_of_equal_candidates_is_taken() -> None:
    second = "https://www.lematin.ma/second.html"
    root = page(f'<p><a href="{SOURCE}">Source : A</a> <a href="{second}">Source : B</a></p>')
    assert find(root, hint=None) == SOURCE


def test_links_to_the_aggregator_itself_or_social_hosts_are_never_the_source() -> None:
    root = page(
        '<p><a href="https://fr.maghress.com/fr/autre/1">Cliquez ici pour lire</a></p>'
        '<p><a href="https://x.com/maghress" target="_blank">Source : X</a></p>'
        '<p><a href="javascript:void(0)">Source</a></p>'
    )
    assert find(root) is None


def test_a_link_before_the_content_loses_to_one_after_it() -> None:
    root = etree.fromstring(
        f"""<html><body><div class="article">
        <p><a href="https://www.lematin.ma/before.html" target="_blank">Les ECO</a></p>
        <span class="articlecontent"><p>Texte.</p></span>
        <p><a href="{SOURCE}" target="_blank">Les ECO</a></p></div></body></html>""",
        etree.HTMLParser(),
    )
    assert find(root) == SOURCE


def test_site_of_keeps_country_second_levels_and_ips() -> None:
    assert site_of("www.maghress.com") == "maghress.com"
    assert site_of("fr.maghress.com") == "maghress.com"
    assert site_of("www.ahram.org.eg") == "ahram.org.eg"
    assert site_of("WWW.APS.DZ.") == "aps.dz"
    assert site_of("127.0.0.1") == "127.0.0.1"
    assert site_of("localhost") == "localhost"


def test_a_misspelt_wording_file_is_refused_naming_the_key(tmp_path: Path) -> None:
    from core.errors import BoilerplateError
    from core.source_link import load_source_wording

    bad = tmp_path / "source_link.yaml"
    bad.write_text("wordings: {fr: [source]}\nnot_source_hosts: []\n", encoding="utf-8")
    with pytest.raises(BoilerplateError, match="wordings"):
        load_source_wording(bad)


def test_devsite_source_wording_fault_changes_the_page_not_the_truth() -> None:
    from devsite.article_page import article_page

    world = World(date(2024, 5, 10), Faults(source_wording_share=1.0))
    site = world.site("maghress-ar")
    articles = world.articles_for_day("maghress-ar", date(2024, 5, 2))
    html = article_page(world, site, articles[0])
    assert articles[0].other_source_wording
    assert "انقر هنا لقراءة" not in html and articles[0].source_url in html
