"""warehouse/search.py on both warehouses, over articles the loader loaded: French inflections,
Arabic with and without the definite article, phrases, exclusions, filters, ranking, snippets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from search_corpus import AR, ARABIC, FR, FRENCH, FRENCH_LATER, LATER, load_corpus, url_of
from sqlalchemy import Engine
from test_warehouse_support import DAY, T2, counts_for, partition, write_partition

from warehouse.fingerprint import fingerprints
from warehouse.loader import load_partition
from warehouse.search import EmptyQuery, SearchRequest, search

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


@pytest.fixture
def loaded(engine: Engine, data_dir: Path) -> Engine:
    load_corpus(engine, data_dir)
    return engine


def found(engine: Engine, text: str, **options) -> list[str]:
    """The hits' canonical URLs, best first."""
    return [hit.canonical_url for hit in search(engine, SearchRequest(text, **options))]


def urls(*rows: dict) -> list[str]:
    return [url_of(row) for row in rows]


def test_a_french_query_finds_the_inflections_and_ranks_a_title_match_first(loaded: Engine) -> None:
    everywhere = urls(FRENCH["body"], FRENCH["undated"], FRENCH_LATER["later"])
    for text in ("gouvernement", "gouvernements", "Gouvernements"):
        hits = found(loaded, text)
        assert hits[0] == url_of(FRENCH["title"]), text  # in the title (and the body)
        assert sorted(hits[1:]) == sorted(everywhere), text  # "gouvernement" or "gouvernements"
    # the same words, but not French: the Arabic articles' configuration finds nothing
    assert found(loaded, "gouvernement", lang="ar") == []
    assert len(found(loaded, "gouvernement", lang="fr")) == 4


def test_an_arabic_query_finds_the_word_with_and_without_the_definite_article(loaded: Engine) -> None:
    expected = urls(ARABIC["article"], ARABIC["bare"], ARABIC["proclitic"])  # الحكومة حكومة للحكومة
    for text in ("الحكومة", "حكومة", "للحكومة"):
        hits = found(loaded, text)
        assert hits[0] == url_of(ARABIC["article"]), text  # in its title
        assert sorted(hits) == sorted(expected), text
        assert found(loaded, text, lang="ar") == hits
    assert found(loaded, "الحكومة", lang="fr") == []


def test_hamza_spellings_match_on_postgresql_only(loaded: Engine) -> None:
    """PostgreSQL's arabic stemmer writes أ as ا; the DuckDB scan matches a word as spelt (its
    documented limit, warehouse/search_terms.py)."""
    hamza, plain = url_of(ARABIC["hamza"]), url_of(ARABIC["plain_alef"])
    if loaded.dialect.name == "postgresql":
        assert sorted(found(loaded, "أكد")) == sorted(found(loaded, "اكد")) == sorted([hamza, plain])
    else:
        assert (found(loaded, "أكد"), found(loaded, "اكد")) == ([hamza], [plain])


def test_phrases_exclusions_and_alternatives_read_as_websearch_to_tsquery(loaded: Engine) -> None:
    phrase = url_of(FRENCH["phrase"])
    assert found(loaded, '"ministre de l\'intérieur"') == [phrase]  # stopwords inside keep their place
    assert found(loaded, '"intérieur ministre"') == []  # the words in that order
    assert found(loaded, "ministre intérieur réunion") == [phrase]  # every word
    assert found(loaded, "ministre agadir") == []
    assert sorted(found(loaded, "gouvernement -rabat")) == sorted(
        urls(FRENCH["title"], FRENCH["undated"], FRENCH_LATER["later"])  # not "Marché de Rabat"
    )
    assert sorted(found(loaded, "agadir or rabat")) == sorted(
        urls(FRENCH["body"], FRENCH["other"], FRENCH["phrase"])
    )
    assert found(loaded, "le la de") == []  # stopwords only: nothing to look for, as PostgreSQL


def test_filters_on_site_language_and_day(loaded: Engine) -> None:
    assert found(loaded, "gouvernement", site=AR) == []
    assert len(found(loaded, "gouvernement", site=FR)) == 4
    # the day is the published date, else the logical date ("undated" was loaded for DAY)
    assert sorted(found(loaded, "gouvernement", day_from=DAY, day_to=DAY)) == sorted(
        urls(FRENCH["title"], FRENCH["body"], FRENCH["undated"])
    )
    assert found(loaded, "gouvernement", day_from=LATER) == [url_of(FRENCH_LATER["later"])]
    assert found(loaded, "gouvernement", day_to=date(2011, 2, 8)) == []


def test_hits_carry_what_the_listing_shows_and_the_limit_keeps_the_best(loaded: Engine) -> None:
    [best] = search(loaded, SearchRequest("الحكومة", limit=1))
    row = ARABIC["article"]
    assert (best.site, best.canonical_url, best.title, best.publication, best.day, best.language) == (
        AR,
        url_of(row),
        row["title"],
        row["publication_name"],
        DAY,
        "ar",
    )
    assert best.score > 0
    assert "<b>الحكومة</b>" in best.snippet and "أعلنت" in best.snippet
    scores = [hit.score for hit in search(loaded, SearchRequest("gouvernement"))]
    assert scores == sorted(scores, reverse=True)
    [french] = search(loaded, SearchRequest("gouvernements", limit=1))
    assert "<b>gouvernement</b>" in french.snippet  # the body's word, marked


def test_no_match_is_an_empty_list_and_an_empty_query_an_error(loaded: Engine) -> None:
    assert found(loaded, "introuvable") == []
    for text in ("", "   ", "!!! ?"):
        with pytest.raises(EmptyQuery):
            search(loaded, SearchRequest(text))
    with pytest.raises(ValueError, match="limit"):
        search(loaded, SearchRequest("gouvernement", limit=0))


def test_a_reload_keeps_the_search_in_step_and_writes_nothing_when_unchanged(
    loaded: Engine, data_dir: Path
) -> None:
    before = fingerprints(loaded)
    part = partition(data_dir, DAY, FR)
    load_partition(loaded, part, "run-again", counts_for(len(FRENCH), duplicates=0), T2)
    tables = {
        name: fp for name, fp in fingerprints(loaded).items() if name not in ("crawl_runs", "url_outcomes")
    }
    assert tables == {name: fp for name, fp in before.items() if name in tables}

    changed = {**FRENCH, "other": {**FRENCH["other"], "body": "Le gouverneur inaugure la saison à Agadir."}}
    write_partition(part, list(changed.values()))
    load_partition(loaded, part, "run-changed", counts_for(len(changed), duplicates=0), T2)
    assert found(loaded, "gouverneur") == [url_of(FRENCH["other"])]
    assert found(loaded, "hôtels") == []
    if loaded.dialect.name == "postgresql":  # the vector followed the body: generated, not written
        with loaded.connect() as conn:
            vector = conn.execute(
                sa.text("SELECT search_vector::text FROM articles WHERE canonical_url = :u"),
                {"u": url_of(FRENCH["other"])},
            ).scalar_one()
        assert "'gouverneur':" in vector and "hôtel" not in vector


@pytest.mark.parametrize("lang", [None, "fr"])
def test_postgresql_can_answer_from_the_gin_index(loaded: Engine, lang: str | None) -> None:
    if loaded.dialect.name != "postgresql":
        pytest.skip("DuckDB scans (warehouse/search_scan.py): there is no index to use")
    from warehouse.search_postgres import search_sql

    sql, params = search_sql(SearchRequest("gouvernement", lang=lang))
    with loaded.connect() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a tiny table: make the planner say
        plan = "\n".join(conn.execute(sa.text(f"EXPLAIN {sql}"), params).scalars())
    assert "ix_articles_search_vector" in plan, plan
    assert "Seq Scan" not in plan, plan
