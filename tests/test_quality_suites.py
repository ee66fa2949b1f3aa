"""The suites as data (``quality.suites``): checks, levels, regexes, the volume plan."""

from __future__ import annotations

import re

import pytest
from test_quality_support import BASE_URL, ROOT, SITE, site_profile

from quality.suites import raw_items_checks, staged_articles_checks


@pytest.fixture(scope="module")
def profile():
    return site_profile()


@pytest.fixture(scope="module")
def served_profile():
    """The profile as the pipeline sees it against devsite: only that host may be crawled."""
    return site_profile(BASE_URL)


def test_checks_cover_the_required_fields_and_levels(profile):
    checks = {c.description: c for c in staged_articles_checks(profile)}
    assert len(checks) == len(staged_articles_checks(profile))  # descriptions key the results
    for column in ("url", "canonical_url", "title", "body", "published_date", "publication_name"):
        assert checks[f"expect_column_values_to_not_be_null({column})"].level == "row"
    assert checks["expect_column_values_to_be_unique(canonical_url)"].level == "batch"
    regex = checks["expect_column_values_to_match_regex(url_path)"]
    assert regex.kwargs["regex"] == profile.urls.article
    assert checks["expect_column_value_lengths_to_be_between(title)"].kwargs["min_value"] == (
        profile.quality.min_title_chars
    )
    assert checks["expect_column_values_to_be_between(word_count)"].kwargs["max_value"] == (
        profile.quality.max_body_words
    )


def test_raw_items_checks_judge_the_batch_only(served_profile):
    checks = {c.description: c for c in raw_items_checks(served_profile)}
    assert all(name.startswith("raw_items.") for name in checks)  # told apart in the warehouse
    assert {c.level for c in checks.values()} == {"batch", "volume"}
    hosts = checks["raw_items.expect_column_values_to_be_in_set(url_host)"]
    assert hosts.kwargs["value_set"] == {"$PARAMETER": "allowed_hosts"}  # the crawl's, see below
    status = checks["raw_items.expect_column_values_to_be_in_set(fetch_status)"]
    assert status.kwargs["value_set"] == [200]
    assert status.kwargs["mostly"] == pytest.approx(1 - served_profile.quality.max_quarantined_share)
    assert checks["raw_items.expect_table_row_count_to_be_between()"].level == "volume"


def test_boilerplate_regexes_come_from_the_family_wording(profile):
    from core.boilerplate import load_wording
    from quality.suites import boilerplate_regexes

    wording = load_wording()
    BOILERPLATE_PHRASES, BOILERPLATE_PREFIXES, BOILERPLATE_LABELS = (  # noqa: N806
        wording.phrases,
        wording.prefixes,
        wording.labels,
    )

    regexes = [re.compile(r) for r in boilerplate_regexes(profile.languages)]

    def found(text: str) -> bool:
        return any(r.search(text) for r in regexes)

    for phrases in BOILERPLATE_PHRASES.values():  # every language: tickers mix them
        for phrase in phrases:
            assert found(f"Un paragraphe.\n\n{phrase.upper().replace(chr(39), '’')} !"), phrase
    for phrase in BOILERPLATE_PREFIXES["fr"]:
        assert found(f"Un paragraphe.\n\n{phrase.capitalize()} : un autre article")
    for phrase in BOILERPLATE_LABELS["fr"]:
        assert found(f"Un paragraphe.\n\n{phrase.capitalize()}")
    # Prose that merely contains the short words stays.
    assert not found("Lire aussitôt le rapport.\n\nLa publicité mensongère est punie.")
    assert not found("Les Echos quotidien : Si vous deviez fixer des priorités ?")


def test_volume_plan_needs_three_days_of_history(profile):
    from quality.suites import volume_plan

    q = profile.quality
    assert volume_plan(None, q).min_rows == 0 and not volume_plan(None, q).verdict_possible
    assert "2 day(s) of history" in volume_plan([80, 90], q).note
    plan = volume_plan([80, 90, 85, 36, 39], q)
    assert plan.verdict_possible and plan.median == 80
    assert plan.min_rows == 24  # ceil(0.3 x 80)


def test_every_profile_builds_both_suites():
    from core.profiles import load_profiles
    from quality.suites import RAW, STAGED, boilerplate_regexes, build_suite, canonical_url_regex

    profiles = load_profiles(ROOT / "profiles")
    assert SITE in profiles
    for profile in profiles.values():
        for pattern in [*boilerplate_regexes(profile.languages), canonical_url_regex(profile)]:
            re.compile(pattern)
        assert re.match(
            canonical_url_regex(profile), f"https://{profile.canonical_host}{_example_path(profile)}"
        )
        for which in (RAW, STAGED):
            suite = build_suite(profile, which)
            assert suite.name == f"{profile.site}.{which}"
            assert len(suite.expectations) == len(
                (raw_items_checks if which == RAW else staged_articles_checks)(profile)
            )


def _example_path(profile) -> str:
    prefix = profile.urls.listing.split("{publication}")[0]
    return f"{prefix}lesecos/12345"
