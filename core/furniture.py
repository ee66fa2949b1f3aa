"""Page furniture by markup: the elements that hold menus, share rows, ads, side boxes,
tickers, headers and footers rather than an article. Shared by the source-link finder and
the blocked-page check (what a page says outside its furniture)."""

from __future__ import annotations

import re
from functools import lru_cache

FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu", "button"})
FURNITURE_WORDS = frozenset(
    {
        "ad", "ads", "advert", "advertisement", "adsbygoogle", "banner", "sponsor", "sponsored",
        "promo", "partner", "partners", "share", "sharing", "social", "related", "menu", "nav",
        "navbar", "navigation", "sidebar", "footer", "header", "widget", "comment", "comments",
        "breadcrumb", "breadcrumbs", "ticker", "tags", "pagination", "newsletter", "outbrain",
        "taboola",
    }
)  # fmt: skip
_WORDS = re.compile(r"[a-z]+")


def is_furniture(element) -> bool:
    """The element itself (not its ancestors) is furniture: by its tag, or a word of its
    class, id or role ("ad-partner", "share-row", "related_articles")."""
    if element.tag in FURNITURE_TAGS:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('role') or ''}"
    return names != "  " and _names_furniture(names)


@lru_cache(maxsize=4096)  # a site's pages repeat the same few class names
def _names_furniture(names: str) -> bool:
    return bool(FURNITURE_WORDS.intersection(_WORDS.findall(names.lower())))
