"""transforms.publications: slugs and names → one canonical publication; unknown ones kept, flagged."""

from __future__ import annotations

import pytest
import yaml

from transforms.publications import (
    PublicationRegistry,
    name_key,
    new_publication_key,
    registry,
    resolve_publication,
)


def test_the_data_file_loads_and_every_entry_is_complete() -> None:
    publications = registry().publications
    assert len(publications) > 50
    for key, publication in publications.items():
        assert publication.key == key
        assert publication.name and publication.country and publication.language, key
        assert publication.home_url and publication.home_url.startswith("https://"), key
        assert publication.slugs, key


@pytest.mark.parametrize(
    "name", ["Les ECO", "Les Echos quotidien", "LesEco.ma", "LES ECO", "Les Éco", "les-eco"]
)
def test_aliases_map_to_one_publication(name: str) -> None:
    match = resolve_publication("maghress", None, name)
    assert (match.key, match.is_new, match.matched_by) == ("leseco-ma", False, "alias")
    assert match.publication.name == "Les ECO"
    assert match.publication.country == "MA"
    assert match.publication.language == "fr"
    assert match.publication.home_url == "https://www.leseco.ma"


def test_the_slug_wins_over_the_name() -> None:
    # A publication line may name the paper loosely; the aggregator's slug is its listing.
    match = resolve_publication("maghress", "lesecos", "Les Echos quotidien (édition du soir)")
    assert (match.key, match.matched_by, match.is_new) == ("leseco-ma", "slug", False)


def test_names_are_matched_within_the_aggregator_and_its_country() -> None:
    assert resolve_publication("maghress", None, "الصباح").key == "assabah-ma"
    assert resolve_publication("turess", None, "الصباح").key == "assabah-tn"
    assert resolve_publication("djazairess", None, "المساء").key == "elmassa-dz"
    assert resolve_publication("maghress", None, "المساء").key == "almassae-ma"
    # listed by sauress though based elsewhere
    assert resolve_publication("sauress", None, "Al Arabiya News").key == "alarabiya-ae"


def test_an_unknown_publication_is_kept_and_flagged_for_review() -> None:
    match = resolve_publication("maghress", "nouveau-journal", "Le Nouveau Journal", "fr")
    assert match.is_new and match.matched_by == "new"
    assert match.key == "maghress:nouveau-journal"
    assert match.publication.country == "MA"
    assert match.publication.language == "fr"
    assert match.publication.name == "Le Nouveau Journal"
    # without slug, the key comes from the name; without either it still exists
    assert resolve_publication("turess", None, "Journal X").key == "turess:journalx"
    assert resolve_publication("turess", None, None).key == "turess:unknown"
    assert new_publication_key("sudaress", "alrakoba2", None) == "sudaress:alrakoba2"


def test_every_devsite_publication_is_known_by_slug_and_by_name() -> None:
    from devsite.catalog import SITES

    for site in SITES.values():
        for publication in site.publications:
            by_slug = resolve_publication(site.aggregator.name, publication.slug, publication.name)
            by_name = resolve_publication(site.aggregator.name, None, publication.name)
            assert not by_slug.is_new, (site.name, publication.slug)
            assert by_name.key == by_slug.key, (site.name, publication.name)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Les ECO", "les eco"),
        ("L’Economiste", "L'Économiste"),
        ("Libération", "LIBERATION"),
        ("الإتحاد الإشتراكي", "الاتحاد الاشتراكي"),  # hamza seats
        ("Aujourd'hui le Maroc", "Aujourdhui  le  Maroc"),
    ],
)
def test_name_key_folds_spelling(left: str, right: str) -> None:
    assert name_key(left) == name_key(right) != ""


MINIMAL = {
    "aggregators": {"maghress": {"country": "MA"}},
    "publications": {
        "a-ma": {
            "name": "A",
            "country": "MA",
            "language": "fr",
            "home_url": "https://a.ma",
            "slugs": ["maghress/a"],
        }
    },
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"publications": {"A B": {"name": "x", "country": "MA", "language": "fr"}}}, "keys are lower case"),
        ({"publications": {"b": {"name": "B", "country": "Morocco", "language": "fr"}}}, "country must be"),
        (
            {"publications": {"b": {"name": "B", "country": "MA", "language": "fr", "slogan": 1}}},
            "unknown keys",
        ),
        ({"publications": {"b": {"country": "MA", "language": "fr"}}}, "missing 'name'"),
        (
            {"publications": {"b": {"name": "B", "country": "MA", "language": "fr", "slugs": ["nowhere/b"]}}},
            "not '<known aggregator>/<slug>'",
        ),
    ],
)
def test_a_broken_data_file_names_the_problem(change: dict, message: str) -> None:
    data = {**MINIMAL, **change}
    with pytest.raises(ValueError, match=message):
        PublicationRegistry(data, source="test.yaml")


def test_clashing_slugs_and_names_are_refused() -> None:
    clash_slug = {"name": "B", "country": "MA", "language": "fr", "slugs": ["maghress/a"]}
    with pytest.raises(ValueError, match="already belongs to 'a-ma'"):
        PublicationRegistry({**MINIMAL, "publications": {**MINIMAL["publications"], "b-ma": clash_slug}})
    clash_name = {"name": "B", "country": "MA", "language": "fr", "aliases": ["a"]}
    with pytest.raises(ValueError, match="already names 'a-ma'"):
        PublicationRegistry({**MINIMAL, "publications": {**MINIMAL["publications"], "b-ma": clash_name}})


def test_the_shipped_file_is_plain_yaml_with_the_documented_keys() -> None:
    from importlib import resources

    text = resources.files("transforms").joinpath("data", "publications.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert set(data) == {"aggregators", "publications"}
    for spec in data["publications"].values():
        assert set(spec) <= {"name", "country", "language", "home_url", "slugs", "aliases"}
