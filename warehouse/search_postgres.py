"""Full-text search on PostgreSQL: ``articles.search_vector`` (migration 0008) and its GIN index.

``websearch_to_tsquery`` reads the query (quotes, ``-word``, ``or``); each article is matched in
its own language's configuration, as its vector was built, unless ``lang`` picks one. Without
``lang`` the condition is one ``@@`` per configuration, each behind its language, so that the
planner can still OR the index scans together. Ranked by ``ts_rank_cd`` (title weight A = 1.0,
body B = 0.4; divided by 1 + log(document length)); snippet by ``ts_headline``, for the page of
hits only.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from warehouse.search_request import HIT_END, HIT_START, SearchHit, SearchRequest, config_of
from warehouse.search_terms import CONFIG_OF_LANGUAGE

# The configuration of an article's vector: as migration 0008 builds it.
ARTICLE_CONFIG = (
    "CASE a.language "
    + " ".join(f"WHEN '{lang}' THEN '{config}'::regconfig" for lang, config in CONFIG_OF_LANGUAGE.items())
    + " ELSE 'simple'::regconfig END"
)
HEADLINE_OPTIONS = f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=35, MinWords=15, MaxFragments=1"
RANK_NORMALIZATION = 1  # rank / (1 + log(length)): a long body does not win by length alone


def _tsquery(config: str) -> str:
    # ``config`` is one of CONFIGS (never user text): safe to inline, and inlined the planner
    # sees a constant query it can match against the GIN index.
    return f"websearch_to_tsquery('{config}'::regconfig, :q)"


def _match(request: SearchRequest) -> tuple[str, str]:
    """(the WHERE condition, the article's tsquery for ranking and headline)."""
    if request.lang:
        query = _tsquery(config_of(request.lang))
        return f"a.search_vector @@ {query}", query
    known = ", ".join(f"'{lang}'" for lang in CONFIG_OF_LANGUAGE)
    guards = [
        f"(a.language = '{lang}' AND a.search_vector @@ {_tsquery(config)})"
        for lang, config in CONFIG_OF_LANGUAGE.items()
    ]
    guards.append(
        f"((a.language IS NULL OR a.language NOT IN ({known})) AND a.search_vector @@ {_tsquery('simple')})"
    )
    return "(" + " OR ".join(guards) + ")", f"websearch_to_tsquery({ARTICLE_CONFIG}, :q)"


def search_sql(request: SearchRequest) -> tuple[str, dict[str, object]]:
    """The query giving the hits: site, canonical URL, title, publication, day, language, score,
    snippet."""
    match, query = _match(request)
    where = [match]
    params: dict[str, object] = {"q": request.text, "limit": request.limit, "options": HEADLINE_OPTIONS}
    if request.site:
        where.append("a.site = :site")
        params["site"] = request.site
    if request.lang:
        where.append("a.language = :lang")
        params["lang"] = request.lang
    if request.day_from:
        where.append("COALESCE(a.published_date, a.logical_date) >= :day_from")
        params["day_from"] = request.day_from
    if request.day_to:
        where.append("COALESCE(a.published_date, a.logical_date) <= :day_to")
        params["day_to"] = request.day_to
    config = config_of(request.lang) if request.lang else None
    headline_config = f"'{config}'::regconfig" if config else "hits.config"
    sql = f"""
        SELECT hits.site, hits.canonical_url, hits.title, hits.publication, hits.day, hits.language,
               hits.score, ts_headline({headline_config}, COALESCE(hits.body, ''), hits.tsq, :options)
        FROM (
            SELECT a.site, a.canonical_url, a.title, a.body, a.language,
                   COALESCE(a.publication_name, a.publication_slug) AS publication,
                   COALESCE(a.published_date, a.logical_date) AS day,
                   {ARTICLE_CONFIG} AS config, {query} AS tsq,
                   ts_rank_cd(a.search_vector, {query}, {RANK_NORMALIZATION}) AS score
            FROM articles a
            WHERE {" AND ".join(where)}
            ORDER BY score DESC, day DESC, a.site, a.canonical_url
            LIMIT :limit
        ) hits
        ORDER BY hits.score DESC, hits.day DESC, hits.site, hits.canonical_url
    """
    return sql, params


def search_postgres(engine: Engine, request: SearchRequest) -> list[SearchHit]:
    sql, params = search_sql(request)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    return [
        SearchHit(site, url, title, publication, day, language, float(score), snippet)
        for site, url, title, publication, day, language, score, snippet in rows
    ]
