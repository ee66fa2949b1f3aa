"""Full-text search over the articles' titles and bodies, ranked, with a snippet.

One entry, ``search``, and two ways of answering it, by dialect:

- PostgreSQL (``warehouse.search_postgres``): the ``search_vector`` tsvector of migration 0008
  and its GIN index; ``websearch_to_tsquery``, ``ts_rank_cd``, ``ts_headline``.
- DuckDB (``warehouse.search_scan``): DuckDB's ``fts`` extension is downloaded on first use,
  which an offline warehouse cannot do, so the texts are scanned: Snowball stems as word
  prefixes, ranked by BM25 (``warehouse.search_terms`` says what matches).

Both read the query as ``websearch_to_tsquery`` does (``"a phrase"``, ``-word``, ``or``), match
each article in its own language's configuration (or in ``lang``'s, which then also filters),
weigh a match in the title higher than one in the body, and filter on the article's day: its
published date, else its logical date (as ``v_articles_per_publication_day``). Scores rank the
hits of one search; they are not comparable across dialects.
"""

from __future__ import annotations

from sqlalchemy import Engine

from warehouse.search_postgres import search_postgres
from warehouse.search_request import DEFAULT_LIMIT, HIT_END, HIT_START, SearchHit, SearchRequest, config_of
from warehouse.search_scan import search_scan
from warehouse.search_terms import EmptyQuery, parse_query

__all__ = [
    "DEFAULT_LIMIT",
    "HIT_END",
    "HIT_START",
    "EmptyQuery",
    "SearchHit",
    "SearchRequest",
    "config_of",
    "search",
]


def search(engine: Engine, request: SearchRequest) -> list[SearchHit]:
    """The best ``request.limit`` articles for ``request.text``, best first; ``EmptyQuery`` when
    the text holds no word, ``ValueError`` for a limit below 1."""
    if request.limit < 1:
        raise ValueError(f"limit must be at least 1, not {request.limit}")
    query = parse_query(request.text)  # EmptyQuery before any SQL, on both dialects
    if engine.dialect.name == "postgresql":
        return search_postgres(engine, request)
    return search_scan(engine, request, query)
