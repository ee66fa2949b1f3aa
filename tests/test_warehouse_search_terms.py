"""warehouse/search_terms.py: how the DuckDB scan reads a query and what a word's key is."""

from __future__ import annotations

import pytest
import regex

from warehouse.search_terms import EmptyQuery, Item, item_match, needles, parse_query, word_key


def test_queries_read_as_websearch_to_tsquery() -> None:
    query = parse_query('gouvernement "ministre de l\'intérieur" -rabat or casablanca')
    assert query.groups == (
        (Item(("gouvernement",)),),
        (Item(("ministre", "de", "l", "intérieur")),),
        (Item(("rabat",), negated=True), Item(("casablanca",))),
    )
    assert parse_query("or a or b or").groups == ((Item(("a",)), Item(("b",))),)
    assert parse_query("porte-parole").groups == ((Item(("porte", "parole")),),)  # one phrase
    assert parse_query("الحُكومة").groups == ((Item(("الحكومة",)),),)  # diacritics dropped
    for empty in ("", "  ", "!!", '""', "-"):
        with pytest.raises(EmptyQuery):
            parse_query(empty)


def test_keys_are_stems_cut_back_to_a_prefix_of_the_word() -> None:
    assert word_key("gouvernements", "french") == word_key("gouvernement", "french") == "gouvern"
    assert word_key("nationaux", "french") == "nationa"  # stem "national": what both share
    assert word_key("le", "french") is None  # a stopword
    assert word_key("le", "simple") == "le"
    for word in ("الحكومة", "حكومة", "للحكومة", "والحكومة", "بالحكومة"):
        assert word_key(word, "arabic") == "حكوم", word
    assert word_key("وزير", "arabic") == "وزير"  # the stemmer's "زير" is not a prefix: as spelt


def test_a_match_finds_the_words_it_stands_for_and_no_others() -> None:
    def hits(word: str, config: str, text: str) -> list[str]:
        match = item_match(Item((word,)), config)
        assert match is not None and match.needle in text or not regex.search(match.pattern, text)
        return [m["hit"] for m in regex.finditer(match.pattern, text)]

    assert hits("gouvernement", "french", "Gouvernements, gouvernement; ingouvernable") == [
        "Gouvernements",
        "gouvernement",
    ]
    assert hits("port", "french", "Le port et le rapport") == ["port"]  # keys start a word
    assert hits("الحكومة", "arabic", "الحكومة وحكومة للحكومة والحكومة حكومي") == [
        "الحكومة",
        "وحكومة",
        "للحكومة",
        "والحكومة",
        "حكومي",
    ]
    assert hits("rabat", "simple", "Rabat rabats rabat.") == ["Rabat", "rabat"]  # whole words
    assert needles("gouvern") == ("gouvern", "Gouvern", "GOUVERN")
    assert needles("حكوم") == ("حكوم",)
