"""transforms.extract: the reference Maghress page read by the profile, drift, broken and odd pages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.profiles import SiteProfile, load_profile_file
from transforms.blocks import Block, ExtractedPage
from transforms.extract import extract_with_profile
from transforms.generic import extract_generic

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "pages"
URL = "http://127.0.0.1:8123/fr/lesecos/1234"
TITLE = "Maroc Numeric : Sur les traces de la France"
SOURCE = "https://www.leseco.ma/maroc-numeric-sur-les-traces-de-la-france.html"
SUBHEADINGS = [
    "Multipolaire",
    "Programme de démarrage",
    "Le modèle français",
    "«Le cluster a vocation de fédérer les acteurs» : Mehdi Kettani, Président de Maroc Numeric Cluster",
]
# Boilerplate around the article on the real page: none of it may reach title or body.
BOILERPLATE = [
    "Merci d'avoir signalé",
    "Cette image sera automatiquement bloquée",
    "Cliquez ici",
    "Partager",
    "WhatsApp",
    "Publicité",
    "Bank Al-Maghrib lance une capsule vidéo",  # ticker, French
    "Morocco, Spain strengthen cooperation",  # ticker, English
    "Pedro Sánchez decide seguir",  # ticker, Spanish
    "Articles similaires",
    "le bilan d'étape",  # related articles
    "Tous droits réservés",  # footer
    "googletag",  # scripts
    "Rechercher",  # search form
]


def reference_blocks() -> list[str]:
    """The body of the real page, one block per line: between the publication line and "Cliquez ici"."""
    lines = [
        line.strip() for line in (PAGES / "maghress-fr-article-page.txt").read_text("utf-8").splitlines()
    ]
    start = next(i for i, line in enumerate(lines) if line.startswith("Publié dans")) + 1
    end = next(i for i, line in enumerate(lines) if line.startswith("Cliquez ici"))
    return [line for line in lines[start:end] if line]


@pytest.fixture(scope="module")
def profile() -> SiteProfile:
    return load_profile_file(ROOT / "profiles" / "maghress-fr.yaml")


def page(name: str) -> str:
    return (PAGES / name).read_text("utf-8")


def assert_no_boilerplate(extracted: ExtractedPage) -> None:
    text = "\n".join([extracted.title or "", *(b.text for b in extracted.blocks)])
    for phrase in BOILERPLATE:
        assert phrase not in text, phrase


# --- the reference page, old layout ----------------------------------------------


@pytest.fixture(scope="module")
def reference(profile: SiteProfile) -> ExtractedPage:
    return extract_with_profile(page("maghress-fr-article.html"), URL, profile)


def test_reference_page_title_and_publication(reference: ExtractedPage) -> None:
    assert reference.extraction == "selectors"
    assert reference.error is None
    assert reference.title == TITLE
    assert reference.publication_line == "Publié dans Les ECO le 09 - 02 - 2011"
    assert reference.publication_name == "Les ECO"
    assert reference.date_text == "09 - 02 - 2011"
    assert reference.language_declared == "fr"


def test_reference_page_body_is_the_real_text_in_order(reference: ExtractedPage) -> None:
    assert [b.text for b in reference.blocks] == reference_blocks()
    assert [b.text for b in reference.blocks if b.kind == "subheading"] == SUBHEADINGS


def test_reference_page_interview_blocks(reference: ExtractedPage) -> None:
    kinds = [b.kind for b in reference.blocks]
    last_subheading = len(kinds) - 1 - kinds[::-1].index("subheading")
    interview = kinds[last_subheading + 1 :]
    # p.question twice, then a paragraph that is wholly <strong>; each followed by its answer
    assert interview == ["question", "answer"] * 3
    assert reference.blocks[-2].text.startswith("À terme, voulez-vous")


def test_reference_page_has_no_boilerplate(reference: ExtractedPage) -> None:
    assert_no_boilerplate(reference)


def test_reference_page_links(reference: ExtractedPage) -> None:
    assert reference.source_url == SOURCE
    assert reference.thumbnail_url == "https://images2.maghress.com/lesecos/1234/thumb"


def test_extracted_page_is_frozen(reference: ExtractedPage) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        reference.title = "x"  # type: ignore[misc]


# --- broken and drifted pages ---------------------------------------------------


def test_page_without_title_keeps_body_and_says_why(profile: SiteProfile) -> None:
    extracted = extract_with_profile(page("maghress-fr-article-no-title.html"), URL, profile)
    assert extracted.extraction == "selectors"
    assert extracted.title is None
    assert extracted.error == "no title (span.articletitle)"
    assert [b.text for b in extracted.blocks] == reference_blocks()
    assert extracted.publication_name == "Les ECO"


def test_page_without_body_keeps_title_and_says_why(profile: SiteProfile) -> None:
    html = page("maghress-fr-article.html").replace('class="articlecontent"', 'class="gone"')
    extracted = extract_with_profile(html, URL, profile)
    assert extracted.extraction == "selectors"
    assert extracted.title == TITLE
    assert extracted.blocks == ()
    assert extracted.error == "no body (span.articlecontent)"


def test_drift_page_falls_back_and_still_finds_the_body(profile: SiteProfile) -> None:
    extracted = extract_with_profile(page("maghress-fr-article-drift.html"), URL, profile)
    assert extracted.extraction == "fallback"
    assert "no title (span.articletitle) and no body (span.articlecontent)" in extracted.error
    assert extracted.title == TITLE
    assert [b.text for b in extracted.blocks] == reference_blocks()
    assert [b.text for b in extracted.blocks if b.kind == "subheading"] == SUBHEADINGS
    # the publication line is found by the profile's pattern wherever it moved
    assert extracted.publication_name == "Les ECO"
    assert extracted.date_text == "09 - 02 - 2011"
    assert extracted.source_url == SOURCE
    assert_no_boilerplate(extracted)


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>x</title></head><body><div id='header'><ul class='menu'></ul></div></body>",
        "<html><body><script>var a = 1;</script></body></html>",
        "not html at all",
        "<html",
    ],
)
def test_page_with_nothing_usable_fails_with_the_reason(profile: SiteProfile, html: str) -> None:
    extracted = extract_with_profile(html, URL, profile)
    assert extracted.extraction == "failed"
    assert extracted.error.startswith("no title (span.articletitle) and no body (span.articlecontent)")
    assert extracted.blocks == ()


@pytest.mark.parametrize("html", ["", "   \n"])
def test_empty_page(profile: SiteProfile, html: str) -> None:
    assert extract_with_profile(html, URL, profile) == ExtractedPage(extraction="failed", error="empty page")


# --- body markup ----------------------------------------------------------------


def body_of(profile: SiteProfile, inner: str) -> list[Block]:
    html = f'<html><body><span class="articletitle">Un titre</span>{inner}</body></html>'
    return list(extract_with_profile(html, URL, profile).blocks)


def test_br_separated_text_becomes_paragraphs(profile: SiteProfile) -> None:
    inner = (
        '<span class="articlecontent">Premier paragraphe, avec <a href="/x">un lien</a>.<br><br>'
        "Deuxième\n  paragraphe.<br>Troisième&nbsp;paragraphe.<br><br><br></span>"
    )
    assert body_of(profile, inner) == [
        Block("paragraph", "Premier paragraphe, avec un lien."),
        Block("paragraph", "Deuxième paragraphe."),
        Block("paragraph", "Troisième paragraphe."),
    ]


def test_headings_and_text_around_blocks(profile: SiteProfile) -> None:
    inner = (
        '<span class="articlecontent">Chapeau sans balise.<h2>Deux</h2><p>Texte.</p>'
        "<h4>Quatre</h4>Queue de texte.<ul><li>Point un</li><li>Point deux</li></ul></span>"
    )
    assert body_of(profile, inner) == [
        Block("paragraph", "Chapeau sans balise."),
        Block("subheading", "Deux"),
        Block("paragraph", "Texte."),
        Block("subheading", "Quatre"),
        Block("paragraph", "Queue de texte."),
        Block("paragraph", "Point un"),
        Block("paragraph", "Point deux"),
    ]


def test_question_answer_until_next_subheading(profile: SiteProfile) -> None:
    inner = (
        '<span class="articlecontent"><p><b>Pourquoi ?</b></p><p>Parce que.</p><p>Et aussi.</p>'
        "<h3>Suite</h3><p>Texte normal.</p><p><strong>Gras</strong> puis normal.</p></span>"
    )
    assert [b.kind for b in body_of(profile, inner)] == [
        "question", "answer", "answer", "subheading", "paragraph", "paragraph",
    ]  # fmt: skip


def test_scripts_ads_and_link_lists_inside_the_body_are_dropped(profile: SiteProfile) -> None:
    inner = (
        '<span class="articlecontent"><p>Vrai texte.</p><script>document.write("x")</script>'
        '<div class="ad">Publicité</div><div><a href="/1">Titre un</a> <a href="/2">Titre deux</a></div>'
        "<p>Lire aussi : <a href='/3'>autre chose</a></p><!-- commentaire --><p>Fin.</p></span>"
    )
    assert [b.text for b in body_of(profile, inner)] == ["Vrai texte.", "Fin."]


def test_nested_matches_are_not_read_twice(profile: SiteProfile) -> None:
    nested = profile.model_copy(
        update={"selectors": profile.selectors.model_copy(update={"body": "div.c, div.c p"})}
    )
    html = '<span class="articletitle">T</span><div class="c"><p>Un.</p><p>Deux.</p></div>'
    assert [b.text for b in extract_with_profile(html, URL, nested).blocks] == ["Un.", "Deux."]


def test_relative_links_are_resolved_against_the_page(profile: SiteProfile) -> None:
    html = page("maghress-fr-article.html").replace(
        'src="https://images2.maghress.com/lesecos/1234/thumb"', 'src="/images/lesecos/1234/thumb"'
    )
    extracted = extract_with_profile(html, URL, profile)
    assert extracted.thumbnail_url == "http://127.0.0.1:8123/images/lesecos/1234/thumb"


# --- generic extractor ------------------------------------------------------------


def test_generic_extractor_on_a_publisher_page() -> None:
    extracted = extract_generic(page("publisher-article.html"), "https://www.leseco.ma/maroc-numeric.html")
    assert extracted.title == TITLE
    assert extracted.publication_name == "Les ECO"
    assert extracted.date_text == "2011-02-09"
    assert extracted.author == "Amine Benali"
    assert extracted.language_declared == "fr"
    texts = [b.text for b in extracted.blocks]
    assert texts[0].startswith("Après un an et quelques mois")
    assert texts[-1].startswith("Le reste du travail du cluster")
    assert Block("subheading", "Multipolaire") in extracted.blocks
    body = "\n".join(texts)
    for furniture in ["cookies", "Accueil", "À lire aussi", "le bilan d'étape", "Très bonne initiative",
                      "Partager", "Tous droits réservés", TITLE]:  # fmt: skip
        assert furniture not in body, furniture


def test_generic_extractor_on_nothing() -> None:
    assert extract_generic("").extraction == "failed"
    assert extract_generic("<html><body></body></html>").extraction == "failed"


# --- robustness -------------------------------------------------------------------


HTML_PIECES = [
    '<span class="articletitle">', '<span class="articlecontent">', "</span>", "<p>", "</p>", "<br>",
    "<h3>", "<strong>", "<a href='x'>", "</a>", "<script>", "Publié dans X le 1 - 2 - 2011", "texte",
    "&nbsp;", "&#0;", "\x00", "\ud800", "<!--", "<?xml version='1.0' encoding='utf-8'?>",
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(HTML_PIECES), max_size=30).map("".join)))
def test_any_input_gives_a_page_never_an_exception(html: str) -> None:
    profile = load_profile_file(ROOT / "profiles" / "maghress-fr.yaml")
    extracted = extract_with_profile(html, URL, profile)
    assert extracted.extraction in {"selectors", "fallback", "failed", "blocked"}
    complete = extracted.extraction == "selectors" and bool(extracted.title) and bool(extracted.blocks)
    assert (extracted.error is None) == complete


# --- selectors: the fast path gives what the translated XPath gives ----------------


@pytest.mark.parametrize(
    "selector",
    [
        "span.articletitle",
        "span.articlecontent",
        "span.articlenewspaper",
        "img.articleimage::attr(src)",
        "a.share-facebook::attr(href)",
        "div.share",
        "li.article-item",
        "span.nothing",
        "img.articleimage::attr(nothing)",
    ],
)
@pytest.mark.parametrize(
    "name", ["maghress-fr-article.html", "maghress-ar-article.html", "sauress-en-article.html"]
)
def test_tag_class_selectors_match_parsel(selector: str, name: str) -> None:
    from parsel import Selector

    from transforms.blocks import parse_html
    from transforms.extract import select_nodes

    html = page(name)
    ours = select_nodes(parse_html(html), selector)
    theirs = Selector(text=html).css(selector)
    assert [n if isinstance(n, str) else etree_text(n) for n in ours] == [
        r.root if isinstance(r.root, str) else etree_text(r.root) for r in theirs
    ]


def etree_text(element) -> str:
    from lxml import etree

    return etree.tostring(element, encoding="unicode", with_tail=False)
