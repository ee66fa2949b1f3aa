"""transforms/blocked.py: a 2xx page that is not the article is recognised by kind, never
extracted as an article and never taken for layout drift; real articles are never walls."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.errors import BoilerplateError
from core.profiles import load_profile_file
from core.records import RawItem
from devsite.article_page import article_page
from devsite.model import WALLS, Faults
from devsite.walls import wall_page
from devsite.world import World
from transforms.article import build_article, draft_article
from transforms.blocked import blocked_page, load_markers
from transforms.blocks import parse_html
from transforms.extract import extract_with_profile
from transforms.generic import extract_generic

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8123"
DAY = date(2024, 5, 2)
FAMILY = sorted(path.stem for path in (ROOT / "profiles").glob("*.yaml"))

# Walls as the wild serves them, not devsite's: the markup of a few real vendors' pages.
CLOUDFLARE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>
<body><div class="main-wrapper" role="main"><div class="main-content"><noscript>
<div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div>
</noscript></div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'www.example.ma'};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1';
})();</script></body></html>"""
DATADOME = """<html><head><title>hespress.com</title></head><body style="margin:0">
<p id="cmsg">Please enable JS and disable any ad blocker</p>
<script src="https://ct.captcha-delivery.com/c.js"></script></body></html>"""
CONSENT_AR = """<html lang="ar"><head><title>الموقع</title></head><body><div class="cmp">
<h2>قبل المتابعة</h2><p>نستخدم ملفات تعريف الارتباط لتحسين تجربتك.</p>
<button>موافق</button></div></body></html>"""
SOFT_404_FR = """<html lang="fr"><head><title>Erreur 404 - Le Site</title></head><body>
<nav><a href="/">Accueil</a> <a href="/politique">Politique</a> <a href="/sport">Sport</a></nav>
<div class="content"><h1>Oups ! Page introuvable</h1><p>Retournez à l'accueil.</p></div>
<footer>Tous droits réservés. Mentions légales. Contact. Publicité.</footer></body></html>"""
LOGIN_EN = """<html><body><header><form><input type="password" name="p"></form></header>
<main><h1>Subscribers only</h1><form action="/login"><input name="u"><input type="password" name="p">
</form></main></body></html>"""


def profile(site: str = "maghress-fr"):
    return load_profile_file(ROOT / "profiles" / f"{site}.yaml").with_base_url(BASE)


def raw(site: str, path: str = "/fr/lesecos/1234") -> RawItem:
    return RawItem(site=site, logical_date=DAY, url=BASE + path, fetched_at=datetime.now(UTC))


@pytest.mark.parametrize(
    ("html", "kind"),
    [(CLOUDFLARE, "challenge"), (DATADOME, "challenge"), (CONSENT_AR, "consent"), (SOFT_404_FR, "not_found")],
    ids=["cloudflare", "datadome", "consent-ar", "soft-404-fr"],
)
def test_real_walls_are_recognised_by_their_markers(html: str, kind: str) -> None:
    found = blocked_page(html, parse_html(html))
    assert found is not None and found.kind == kind, found
    page = extract_with_profile(html, BASE + "/fr/lesecos/1234", profile())
    assert (page.extraction, page.blocked) == ("blocked", kind)
    assert page.error.startswith(f"blocked ({kind}): ")
    assert page.title is None and not page.blocks


def test_a_password_field_outside_the_header_is_a_login_wall_a_header_login_form_is_not() -> None:
    found = blocked_page(LOGIN_EN, parse_html(LOGIN_EN))
    assert found is not None and found.kind == "login"
    wall = '<form action="/login"><input name="u"><input type="password" name="p">'
    header_only = LOGIN_EN.replace(wall, "")
    header_only = header_only.replace("<h1>Subscribers only</h1>", "<h1>Bienvenue</h1>")
    assert blocked_page(header_only, parse_html(header_only)) is None


def test_the_generic_extractor_does_not_read_a_wall_as_an_article() -> None:
    """trafilatura takes "Enable JavaScript and cookies to continue" for a short article."""
    page = extract_generic(CLOUDFLARE, "https://www.example.ma/x")
    assert (page.extraction, page.blocked) == ("blocked", "challenge")
    assert not page.blocks


@pytest.mark.parametrize("site", FAMILY)
@pytest.mark.parametrize("kind", WALLS)
def test_devsite_walls_fail_as_blocked_on_every_site(site: str, kind: str) -> None:
    world = World(date(2024, 5, 10), Faults(blocked_share=1.0, blocked_kinds=(kind,)))
    article = world.articles_for_day(site, DAY)[0]
    assert article.blocked == kind
    draft = draft_article(raw(site, article.path), wall_page(world.site(site), article), profile(site))
    assert draft.blocked == kind, draft.row["error"]
    assert draft.row["extraction"] == "blocked" and draft.row["title"] is None and draft.row["body"] is None
    assert draft.row["error"].startswith(f"blocked ({kind}): ")


def test_real_articles_and_drifted_pages_are_never_walls() -> None:
    """A drifted page goes to the generic extractor (drift, not a wall); a broken article page
    that kept its byline stays a failed extraction (quarantined), not an empty template."""
    world = World(date(2024, 5, 10), Faults(drift=True, broken_share=0.3))
    site = world.site("maghress-fr")
    kinds = set()
    for article in world.articles_for_day("maghress-fr", DAY):
        row = build_article(raw("maghress-fr", article.path), article_page(world, site, article), profile())
        kinds.add(row["extraction"])
        assert row["extraction"] != "blocked", (article.path, row["error"])
    assert kinds == {"fallback", "failed"}


def test_an_article_that_mentions_a_wall_or_embeds_a_captcha_is_an_article() -> None:
    world = World(date(2024, 5, 10), Faults())
    site = world.site("maghress-fr")
    article = world.articles_for_day("maghress-fr", DAY)[0]
    html = article_page(world, site, article).replace(
        '<span class="articlecontent">',
        '<span class="articlecontent"><p>Page introuvable : « Access denied », dit le ministre.</p>'
        '<div class="g-recaptcha" data-sitekey="x"></div>',
        1,
    )
    row = build_article(raw("maghress-fr", article.path), html, profile())
    assert row["extraction"] == "selectors" and row["body"], row["error"]


def test_a_misspelt_markers_file_is_refused_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "blocked.yaml"
    bad.write_text("kinds: {paywall: {text: [x]}}\nempty_words: 40\n", encoding="utf-8")
    with pytest.raises(BoilerplateError, match="unknown kinds \\['paywall'\\]"):
        load_markers(bad)
    bad.write_text("kinds: {}\nempty_word: 40\n", encoding="utf-8")
    with pytest.raises(BoilerplateError, match="empty_word"):
        load_markers(bad)


def test_a_hostile_page_nested_deeper_than_pythons_recursion_limit_is_judged() -> None:
    # 1500 levels: past the interpreter's 1000, within what libxml2 keeps (it cuts at ~2000)
    html = "<html><body>" + "<div>" * 1500 + "Just a moment..." + "</div>" * 1500 + "</body></html>"
    found = blocked_page(html, parse_html(html))
    assert found is not None and found.kind == "challenge"
