"""What a search asks (``SearchRequest``) and what it finds (``SearchHit``), on either dialect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from warehouse.search_terms import CONFIG_OF_LANGUAGE

DEFAULT_LIMIT = 20
# Around each match in a snippet: ts_headline's own default markers, on both dialects.
HIT_START, HIT_END = "<b>", "</b>"


@dataclass(frozen=True)
class SearchRequest:
    text: str
    site: str | None = None
    lang: str | None = None  # ISO 639-1, as in articles.language: matched in its configuration
    day_from: date | None = None  # the article's day: published date, else logical date
    day_to: date | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class SearchHit:
    site: str
    canonical_url: str
    title: str | None
    publication: str | None
    day: date
    language: str | None
    score: float
    snippet: str  # the body around the first match, each match between HIT_START and HIT_END


def config_of(language: str | None) -> str:
    """The text-search configuration an article in ``language`` is matched in."""
    return CONFIG_OF_LANGUAGE.get(language or "", "simple")
