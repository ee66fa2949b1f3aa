"""transforms.text: cleaning is idempotent and leaves no odd whitespace; boilerplate is recognised."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.text import clean_text
from transforms.text import is_boilerplate, word_count

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
NBSPS = "\u00a0\u202f\u2007"

# Text that looks like what pages contain: letters with accents, Arabic,
# typographic punctuation, every kind of space, invisibles, entities.
page_alphabet = st.sampled_from(
    list("abcdeéèàçÉ’'«»:;?!&#;0123456789 \t\n\r")
    + list("مرحبا")
    + list(NBSPS + INVISIBLE)
    + ["e\u0301", "&amp;", "&nbsp;", "&eacute;", "&#8203;", "&amp;eacute;", "&laquo;", "&#x202F;"]
)
page_text = st.lists(page_alphabet, max_size=60).map("".join)
any_text = st.text(max_size=200)


@given(st.one_of(page_text, any_text))
@example("&a&#8203;mp;lt;")  # an entity that only appears once the zero-width space is gone
@example("e\u200b\u0301")  # a combining accent that meets its letter once the invisible goes
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@given(st.one_of(page_text, any_text))
def test_cleaning_leaves_no_double_space_nbsp_or_invisible(text: str) -> None:
    cleaned = clean_text(text)
    assert "  " not in cleaned
    assert cleaned == cleaned.strip()
    assert not any(c in cleaned for c in NBSPS + INVISIBLE + "\t\n\r")
    cleaned.encode("utf-8")  # no lone surrogates: Parquet and hashing need UTF-8


@given(st.lists(st.sampled_from(["l’article", "« liveurs »", "d’affaires", "»", "«", "’"]), min_size=1))
def test_cleaning_keeps_typographic_apostrophes_and_guillemets(parts: list[str]) -> None:
    text = " ".join(parts)
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Maroc Numeric&nbsp;: Sur les traces", "Maroc Numeric : Sur les traces"),
        ("les zones R&amp;D concentrées", "les zones R&D concentrées"),
        ("R&D et AT&T", "R&D et AT&T"),  # bare ampersands are not entities
        ("&amp;eacute;t&eacute;", "été"),  # double-escaped by a CMS
        ("Que risquent les «\u202fliveurs\u202f»\u00a0?", "Que risquent les « liveurs » ?"),
        ("coïn\u200bcidera", "coïncidera"),
        ("cre\u0301e\u0301", "créé"),  # NFD → NFC
        ("  deux\n\n lignes\t ", "deux lignes"),
        ("l’aspect « communication »", "l’aspect « communication »"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text_examples(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "Merci d'avoir signalé!",
        "Merci d’avoir signalé! Cette image sera automatiquement bloquée après qu'elle soit signalée.",
        "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
        "Cliquez ici pour lire l'article depuis sa source.",
        "CLIQUEZ ICI POUR LIRE L’ARTICLE DEPUIS SA SOURCE",
        "Partager Facebook Twitter WhatsApp",
        "Partager",
        "Facebook Twitter",
        "Lire aussi : Maroc Numeric, le bilan",
        "Publicité",
        "Click here to read the article from its source.",
    ],
)
def test_boilerplate_is_recognised(text: str) -> None:
    assert is_boilerplate(text)


@pytest.mark.parametrize(
    "text",
    [
        "Facebook",  # a subheading of an article about Facebook
        "Publicité mensongère : l'ANRT sanctionne un opérateur",
        "Lire aussitôt le rapport, conseille le ministre.",
        "Le cluster marocain mettra en commun les efforts des laboratoires de recherche.",
        "Une plateforme web, une sorte de Facebook des développeurs et des innovateurs.",
        "",
    ],
)
def test_article_text_is_not_boilerplate(text: str) -> None:
    assert not is_boilerplate(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("Maroc Numeric : Sur les traces de la France", 8),
        ("l'article d’affaires PME-PMI 320.000 « liveurs » ?", 5),
        ("نشر في هسبريس", 3),
    ],
)
def test_word_count(text: str, words: int) -> None:
    assert word_count(text) == words


@given(st.one_of(page_text, any_text))
def test_word_count_is_the_tokens_with_a_letter_or_digit(text: str) -> None:
    import re

    assert word_count(text) == sum(1 for token in text.split() if re.search(r"\w", token))


def test_furniture_run_into_a_long_paragraph_is_found_at_its_edges() -> None:
    prose = "Le cluster marocain mettra en commun les efforts des laboratoires de recherche. " * 12
    assert is_boilerplate(prose + "Cliquez ici pour lire l'article depuis sa source.")
    assert is_boilerplate("Merci d'avoir signalé! " + prose)
    assert not is_boilerplate(prose)
