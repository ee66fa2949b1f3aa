"""What the blocked-page fault serves instead of an article, with status 200: the walls real
sites put in front of crawlers, each in its own kind of markup.

- challenge: a JavaScript browser check on its own page (the CDN's, not the site's layout);
- consent: a cookie-consent wall on its own page;
- login: the site's layout with a login form where the article was;
- not_found: the site's "page not found", answered with 200 (a soft 404);
- empty: the site's layout with an empty article box.

The wording is per language (``data/walls.json``); the ground truth says which article got
which wall (``ExpectedArticle.blocked``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from devsite.catalog import SiteSpec
from devsite.markup import attr, text
from devsite.model import WALLS, ExpectedArticle
from devsite.render import DEFAULT_OFFSITE, not_found_page, page
from devsite.seeds import stable_int


def wall_page(site: SiteSpec, article: ExpectedArticle, offsite: str = DEFAULT_OFFSITE) -> str:
    words = _words(site.language)
    kind = article.blocked
    if kind == "challenge":
        ray = f"{stable_int('ray', article.path):016x}"
        return f"""<!DOCTYPE html><html lang="{site.language}"><head><meta charset="utf-8">
<title>{text(words["challenge_title"])}</title><meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h1>{text(site.display_name)}</h1><p>{text(words["challenge_text"])}</p>
<noscript><div>{text(words["challenge_noscript"])}</div></noscript></div></div>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray={ray}"></script>
<div class="footer">Ray ID: {ray}</div></body></html>"""
    if kind == "consent":
        return f"""<!DOCTYPE html><html lang="{site.language}"><head><meta charset="utf-8">
<title>{text(site.display_name)}</title></head><body>
<div id="consent-wall"><h2>{text(words["consent_title"])}</h2><p>{text(words["consent_text"])}</p>
<button class="accept">{text(words["consent_accept"])}</button>
<button class="reject">{text(words["consent_reject"])}</button></div></body></html>"""
    if kind == "login":
        content = f"""<div class="article login-wall"><h1>{text(words["login_title"])}</h1>
<form class="login" action="{attr(site.home_path)}login" method="post">
<input type="email" name="email"><input type="password" name="password">
<input type="submit" value="{attr(words["login_button"])}"></form></div>"""
        return page(site, site.display_name, content, offsite=offsite)
    if kind == "not_found":
        return not_found_page(site, offsite)
    if kind == "empty":
        return page(site, site.display_name, '<div class="article"></div>', offsite=offsite)
    raise ValueError(f"unknown wall {kind!r} (known: {', '.join(WALLS)})")


@cache
def _words(language: str) -> dict[str, str]:
    data = json.loads(resources.files("devsite").joinpath("data", "walls.json").read_text(encoding="utf-8"))
    return data[language]
