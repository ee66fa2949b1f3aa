"""core.date_words: month names of every language and series, Eastern digits, Arabic spelling folds."""

from __future__ import annotations

import pytest

from core.date_words import DAY_MONTH_YEAR, DIGITS, MONTH_DAY_YEAR, MONTH_NUMBERS, MONTHS, fold


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_every_language_names_all_twelve_months(language: str) -> None:
    assert set(MONTHS[language].values()) == set(range(1, 13))


@pytest.mark.parametrize(
    ("spellings", "month"),
    [
        (["أبريل", "ابريل", "إبريل", "أفريل", "نيسان"], 4),  # Egyptian, Maghreb, Levantine; hamza or not
        (["يوليو", "يوليوز", "جويلية", "تموز"], 7),
        (["كانون الثاني", "كانون ثاني", "يناير", "جانفي"], 1),
        (["Février", "fevrier", "FÉV"], 2),
    ],
)
def test_spelling_variants_fold_to_one_month(spellings: list[str], month: int) -> None:
    assert {MONTH_NUMBERS[fold(s)] for s in spellings} == {month}


def test_folding_drops_diacritics_and_tatweel() -> None:
    assert fold("أَبْرِيل") == fold("ابريل") == fold("أبـريل")


def test_eastern_digits_and_separators_become_ascii() -> None:
    assert "٠٩ - ٠٢ - ٢٠١١".translate(DIGITS) == "09 - 02 - 2011"
    assert "۱۴۰۲٫۵".translate(DIGITS) == "1402.5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mardi 29 avril 2024 à 14h30", ("29", "avril", "2024")),
        ("le 1er juillet 2024", ("1", "juillet", "2024")),  # the longest name, not "juil"
        ("29-Apr-2024", ("29", "apr", "2024")),
        ("الثلاثاء 29 أبريل 2024", ("29", fold("أبريل"), "2024")),
        ("29 نيسان/أبريل 2024م", ("29", "نيسان", "2024")),  # a second name for the same month
        ("9 كانون الثاني 2011", ("9", "كانون الثاني", "2011")),
    ],
)
def test_day_month_year_matches_folded_text(text: str, expected: tuple[str, str, str]) -> None:
    match = DAY_MONTH_YEAR.search(fold(text))
    assert match is not None
    assert (match["day"], match["month"], match["year"]) == expected


def test_month_day_year_is_english_order_only() -> None:
    match = MONTH_DAY_YEAR.search(fold("Monday, Apr. 29th 2024"))
    assert match is not None and (match["month"], match["day"], match["year"]) == ("apr", "29", "2024")
    assert MONTH_DAY_YEAR.search(fold("avril 29, 2024")) is None
    assert DAY_MONTH_YEAR.search(fold("29 avril")) is None  # no year: no date
