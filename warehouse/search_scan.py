"""Full-text search on DuckDB without an index: one scan of the articles, ranked by BM25.

DuckDB's ``fts`` extension is fetched from the network on first use (``INSTALL fts``), and no
wheel ships it for the DuckDB in the lock, so an offline warehouse has none. Instead, one query:

1. every article in the filters (site, language, day) is looked at once: for each item of the
   query (a word or a phrase, ``warehouse.search_terms``), a plain substring test (``contains``,
   a few GB/s) skips the texts that cannot match, and only the others run the item's regular
   expression, counting its matches in the title and in the body;
2. BM25 over those counts (k1 = 1.2, b = 0.75; a title match weighs 2.5 body matches, as
   PostgreSQL's A/B weights do; document length: ``word_count``; IDF over the filtered articles);
3. the best ``limit`` keys, whose texts alone are then read back for their snippets.

The cost is one pass over the texts in the filters, so ``--site``, ``--lang`` and days narrow it;
bench/bench_search.py measures it.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from warehouse.search_request import SearchHit, SearchRequest, config_of
from warehouse.search_snippet import snippet
from warehouse.search_terms import CONFIG_OF_LANGUAGE, CONFIGS, Item, Query, item_match, needles

K1, B = 1.2, 0.75
TITLE_WEIGHT = 2.5  # PostgreSQL's default weights: A (title) 1.0, B (body) 0.4
ARTICLE_CONFIG = (
    "CASE language "
    + " ".join(f"WHEN '{lang}' THEN '{config}'" for lang, config in CONFIG_OF_LANGUAGE.items())
    + " ELSE 'simple' END"
)


class _Params(dict):
    """Bind parameters, one name per distinct value."""

    def bind(self, value: object) -> str:
        for name, known in self.items():
            if known == value and type(known) is type(value):
                return f":{name}"
        name = f"p{len(self)}"
        self[name] = value
        return f":{name}"


def _by_config(configs: tuple[str, ...], expressions: dict[str, str], column: str) -> str:
    """One expression per configuration, chosen by the article's (one alone when they agree)."""
    if len(set(expressions.values())) == 1:
        return expressions[configs[0]]
    branches = " ".join(f"WHEN '{c}' THEN {expressions[c]}" for c in configs[:-1])
    return f"(CASE {column} {branches} ELSE {expressions[configs[-1]]} END)"


def _count(params: _Params, item: Item, config: str, column: str) -> str:
    match = item_match(item, config)
    if match is None:
        return "0"
    cheap = " OR ".join(f"contains({column}, {params.bind(n)})" for n in needles(match.needle))
    pattern = params.bind(match.pattern)
    return f"CASE WHEN {cheap} THEN len(regexp_extract_all({column}, {pattern})) ELSE 0 END"


def _matches(query: Query, config: str) -> str:
    """Whether a scope row (columns t<i>, b<i>) satisfies ``query`` in ``config``."""
    index = {item: i for i, item in enumerate(query.items)}
    groups = []
    for group in query.groups:
        alternatives = [
            f"(s.t{index[item]} + s.b{index[item]}) {'=' if item.negated else '>'} 0"
            for item in group
            if item_match(item, config) is not None  # a stopword there is dropped, as PostgreSQL does
        ]
        if alternatives:
            groups.append("(" + " OR ".join(alternatives) + ")")
    return "(" + " AND ".join(groups) + ")" if groups else "false"


def _filters(request: SearchRequest, params: _Params) -> str:
    where = ["true"]
    if request.site:
        where.append(f"site = {params.bind(request.site)}")
    if request.lang:
        where.append(f"language = {params.bind(request.lang)}")
    if request.day_from:
        where.append(f"COALESCE(published_date, logical_date) >= {params.bind(request.day_from)}")
    if request.day_to:
        where.append(f"COALESCE(published_date, logical_date) <= {params.bind(request.day_to)}")
    return " AND ".join(where)


def ranking_sql(request: SearchRequest, query: Query) -> tuple[str, dict[str, object]]:
    """The query giving (rowid, score) of the best ``request.limit`` hits."""
    params = _Params()
    configs = (config_of(request.lang),) if request.lang else CONFIGS
    items = query.items
    counts = []
    for i, item in enumerate(items):
        for prefix, column in (("t", "title"), ("b", "body")):
            per_config = {c: _count(params, item, c, column) for c in configs}
            counts.append(f"{_by_config(configs, per_config, 'config')} AS {prefix}{i}")
    where = _filters(request, params)
    positive = [i for i, item in enumerate(items) if not item.negated]
    frequencies = "".join(f", count_if(t{i} + b{i} > 0) AS df{i}" for i in positive)
    terms = [
        f"ln(1 + (n - df{i} + 0.5) / (df{i} + 0.5)) * ({TITLE_WEIGHT} * s.t{i} + s.b{i}) * {K1 + 1} "
        f"/ ({TITLE_WEIGHT} * s.t{i} + s.b{i} + {K1} * (1 - {B} + {B} * s.length / avg_length))"
        for i in positive
    ]
    matched = _by_config(configs, {c: _matches(query, c) for c in configs}, "s.config")
    sql = f"""
        WITH scope AS MATERIALIZED (
            SELECT row_id, site, canonical_url, COALESCE(published_date, logical_date) AS day,
                   GREATEST(COALESCE(word_count, 0), 1) AS length, config, {", ".join(counts)}
            FROM (SELECT *, rowid AS row_id, {ARTICLE_CONFIG} AS config FROM articles WHERE {where})
        ), stats AS (
            SELECT count(*) AS n, avg(length) AS avg_length{frequencies} FROM scope
        )
        SELECT s.row_id, {" + ".join(terms) or "0.0"} AS score
        FROM scope s CROSS JOIN stats
        WHERE {matched}
        ORDER BY score DESC, s.day DESC, s.site, s.canonical_url
        LIMIT {params.bind(request.limit)}
    """
    return sql, dict(params)


def search_scan(engine: Engine, request: SearchRequest, query: Query) -> list[SearchHit]:
    sql, params = ranking_sql(request, query)
    with engine.connect() as conn:  # one transaction: the rowids stay those of the ranking
        ranked = conn.execute(text(sql), params).all()
        if not ranked:
            return []
        # By rowid: DuckDB fetches those rows alone (by key, it would read every body again).
        details = text(
            "SELECT rowid, site, canonical_url, title, body, COALESCE(publication_name, publication_slug), "
            "COALESCE(published_date, logical_date), language FROM articles WHERE rowid = ANY(:ids)"
        )
        rows = {r[0]: r[1:] for r in conn.execute(details, {"ids": [row_id for row_id, _ in ranked]})}
    hits = []
    for row_id, score in ranked:
        site, url, title, body, publication, day, language = rows[row_id]
        patterns = [
            m.pattern
            for item in query.items
            if not item.negated and (m := item_match(item, config_of(request.lang or language)))
        ]
        found = snippet(body, patterns)
        hits.append(SearchHit(site, url, title, publication, day, language, float(score), found))
    return hits
