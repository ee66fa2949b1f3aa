"""transforms.language: offline detection with the declared language as a prior; says when unsure."""

from __future__ import annotations

from datetime import date

import pytest

from transforms.language import (
    MIN_WORDS,
    detect_language,
    language_shares,
    normalise_language,
)

FR = (
    "Après un an et quelques mois de la présentation du Plan Maroc Numeric 2013, le ministre de "
    "l'Industrie a annoncé, lundi dernier dans les locaux de son département à Rabat, le lancement de "
    "l'Association Maroc Numeric Cluster, structure qui se veut fédératrice des connaissances et des "
    "fonds de financement."
)
EN = (
    "The minister announced on Monday the launch of a new cluster that brings together research "
    "laboratories, universities, telecom operators and small businesses, in order to promote innovation "
    "within Moroccan companies. It will be financed by a fund fed by the three operators."
)
ES = (
    "El presidente del Gobierno anunció el lunes que seguirá en el cargo tras cinco días de reflexión, "
    "después de que un juzgado abriera diligencias contra su esposa por presunto tráfico de influencias "
    "y corrupción en los negocios."
)
AR = (
    "أعلن وزير الصناعة والتجارة والتكنولوجيات الحديثة يوم الاثنين في مقر وزارته بالرباط عن إطلاق جمعية "
    "المغرب الرقمي كلاستر، وهي بنية تهدف إلى تجميع المعارف والخبرات وصناديق التمويل في هذا القطاع الحيوي "
    "الذي يعول عليه المغرب لخلق فرص الشغل."
)


@pytest.mark.parametrize(("text", "language"), [(FR, "fr"), (EN, "en"), (ES, "es"), (AR, "ar")])
def test_each_language_is_detected_confidently(text: str, language: str) -> None:
    result = detect_language(text, language)
    assert (result.language, result.status) == (language, "detected")
    assert result.confidence >= 0.9
    assert result.note is None


def test_a_long_text_is_detected_even_against_the_declared_language() -> None:
    result = detect_language(EN, "fr")
    assert (result.language, result.status, result.detected) == ("en", "detected", "en")
    assert result.note == "language: detected en (1.00), page declares fr"


@pytest.mark.parametrize("declared", ["fr", "ar", "en"])
def test_too_short_keeps_the_declared_language(declared: str) -> None:
    result = detect_language("Le ministre a annoncé le lancement du cluster numérique.", declared)
    assert (result.language, result.status, result.confidence) == (declared, "too_short", None)
    assert detect_language(None, declared).status == "too_short"
    assert detect_language("", declared).status == "too_short"


def test_the_threshold_is_twenty_words() -> None:
    words = FR.split()
    assert detect_language(" ".join(words[: MIN_WORDS - 1]), "fr").status == "too_short"
    assert detect_language(" ".join(words[:MIN_WORDS]), "fr").status == "detected"


def test_a_mixed_latin_text_says_so() -> None:
    blocks = [FR, EN, FR, EN]
    result = detect_language("\n\n".join(blocks), "fr", blocks)
    assert result.status == "mixed"
    assert result.language == "fr"  # the page's language: no guess
    assert result.detected in {"fr", "en"}
    shares = language_shares(blocks)
    assert set(shares) == {"fr", "en"} and min(shares.values()) > 0.3


def test_a_mixed_arabic_and_french_text_says_so() -> None:
    result = detect_language(f"{AR}\n\n{FR}", "ar")
    assert (result.status, result.language) == ("mixed", "ar")


def test_a_quotation_does_not_make_a_text_mixed() -> None:
    blocks = [
        FR,
        FR.replace("2013", "2014"),
        FR.replace("lundi", "mardi"),
        FR.replace("Rabat", "Fès"),
        "«Yes we can», dit-il.",
    ]
    result = detect_language("\n\n".join(blocks), "fr", blocks)
    assert (result.language, result.status) == ("fr", "detected")


def test_an_ambiguous_text_falls_back_on_the_declared_language() -> None:
    # Names, figures and loanwords: no language says much about itself here.
    text = " ".join(["Casablanca Rabat Tanger 2024 OCP BMCE Maroc Telecom Inwi Orange 5G Cluster"] * 3)
    for declared in ("fr", "en"):
        result = detect_language(text, declared)
        assert result.status in {"declared", "detected"}
        if result.status == "declared":
            assert result.language == declared


@pytest.mark.parametrize(
    ("code", "normal"),
    [("fr-FR", "fr"), ("ar_MA", "ar"), ("EN", "en"), ("", None), (None, None), ("x-123", None)],
)
def test_normalise_language(code: str | None, normal: str | None) -> None:
    assert normalise_language(code) == normal


def test_devsite_articles_are_detected_in_their_site_language() -> None:
    from devsite.world import World

    world = World(date(2024, 5, 10))
    for site in world.site_names():
        spec = world.site(site)
        for article in world.articles_for_day(site, date(2024, 5, 2))[:25]:
            texts = [text for _, text in article.blocks]
            result = detect_language(article.body, spec.language, texts)
            assert result.language == spec.language, (site, article.path, result)
            assert result.status in {"detected", "too_short"}, (site, article.path, result)


def test_a_fairly_confident_detection_needs_the_function_words_to_agree(monkeypatch) -> None:
    import transforms.language as language

    unsure = [{"fr": 0.75, "en": 0.2, "es": 0.05}]
    monkeypatch.setattr(language, "_lingua_confidences", lambda samples: unsure * len(samples))
    french = detect_language(FR + " " + FR, "fr")
    assert (french.language, french.status) == ("fr", "detected")
    # the same doubt on a text whose function words say nothing (names, figures): no guess
    names = " ".join(["Casablanca Rabat Tanger 2024 OCP BMCE Maroc Telecom Inwi Orange Cluster"] * 3)
    assert detect_language(names, "fr").status == "declared"
