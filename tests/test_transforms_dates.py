"""transforms.dates: publication lines split on the pattern; dates parsed exactly or not at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.profiles import SiteProfile, load_profile_file
from transforms.dates import parse_date, parse_publication_line, split_publication_line

PROFILES = Path(__file__).resolve().parents[1] / "profiles"


@pytest.fixture(scope="module")
def profile() -> SiteProfile:
    return load_profile_file(PROFILES / "maghress-fr.yaml")


@pytest.mark.parametrize(
    ("line", "name", "published"),
    [
        ("Publié dans Les ECO le 09 - 02 - 2011", "Les ECO", date(2011, 2, 9)),
        ("Publié dans Aujourd'hui le Maroc le 09 - 02 - 2011", "Aujourd'hui le Maroc", date(2011, 2, 9)),
        ("Publié dans Le Matin le 29 - 04 - 2024", "Le Matin", date(2024, 4, 29)),
        ("Publié dans Le Soir échos le 1 - 5 - 2024", "Le Soir échos", date(2024, 5, 1)),
        ("Publié dans Libération le lecteur le 09-02-2011", "Libération le lecteur", date(2011, 2, 9)),
        ("  Publié\u00a0dans  L’Economiste   le\n09 - 02 - 2011 ", "L’Economiste", date(2011, 2, 9)),
        ("Publié dans Les ECO le 31 - 02 - 2011", "Les ECO", None),  # no 31 February
        ("Publié dans Les ECO le 09 - 13 - 2011", "Les ECO", None),
        ("Publié dans Les ECO", None, None),
        ("Publié dans le 09 - 02 - 2011", None, None),  # no publication name
        ("Les ECO, 09/02/2011", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_publication_line(profile: SiteProfile, line, name, published) -> None:
    assert parse_publication_line(line, profile) == (name, published)


def test_split_publication_line_keeps_the_date_text(profile: SiteProfile) -> None:
    line = "Publié dans Aujourd'hui le Maroc le 09 - 02 - 2011"
    assert split_publication_line(line, profile) == ("Aujourd'hui le Maroc", "09 - 02 - 2011")


FORMATS = ["%d - %m - %Y", "%d-%m-%Y"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the aggregators' own formats
        ("09 - 02 - 2011", date(2011, 2, 9)),
        ("09-02-2011", date(2011, 2, 9)),
        ("9-2-2011", date(2011, 2, 9)),
        ("09 -02- 2011", date(2011, 2, 9)),
        ("09/02/2011", date(2011, 2, 9)),  # day first, as everywhere in the family
        ("٠٩ - ٠٢ - ٢٠١١", date(2011, 2, 9)),  # Arabic-Indic digits
        ("2011-02-09", date(2011, 2, 9)),
        # French long dates
        ("mardi 29 avril 2024", date(2024, 4, 29)),
        ("Mardi 29 Avril 2024", date(2024, 4, 29)),
        ("29 avr. 2024 à 14h30", date(2024, 4, 29)),
        ("le 1er mai 2024", date(2024, 5, 1)),
        ("le 1ᵉʳ mai 2024", date(2024, 5, 1)),
        ("1er juillet 2024", date(2024, 7, 1)),
        ("3 févr. 2024", date(2024, 2, 3)),
        ("15 août 2023", date(2023, 8, 15)),
        ("15 aout 2023", date(2023, 8, 15)),
        ("lundi, 2 décembre 2024 - 10:03", date(2024, 12, 2)),
        ("29 février 2024", date(2024, 2, 29)),
        # other languages of the family
        ("April 29, 2024", date(2024, 4, 29)),
        ("الثلاثاء 29 أبريل 2024", date(2024, 4, 29)),
        ("29 يوليوز 2024", date(2024, 7, 29)),
        # ISO instants land on the site's local day (Casablanca is UTC+1 here)
        ("2024-04-29T23:30:00Z", date(2024, 4, 30)),
        ("2024-04-29T10:00:00+01:00", date(2024, 4, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, FORMATS, ["fr"], zone=ZoneInfo("Africa/Casablanca")) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31 - 02 - 2011",  # impossible
        "29 - 02 - 2023",
        "29 février 2023",
        "31 avril 2024",
        "00 - 00 - 0000",
        "13-13-2011",
        "2024-02-30",
        "32 mai 2024",
        "09 - 02 - 0201",  # a typo, not a date of the press era
        # incomplete or relative: never resolved against today
        "29 avril",
        "avril 2024",
        "hier",
        "aujourd'hui",
        "il y a 3 jours",
        "mardi",
        "",
        None,
        "Maroc Numeric : Sur les traces de la France",
    ],
)
def test_parse_date_rejects(text: str | None) -> None:
    assert parse_date(text, FORMATS, ["fr"]) is None


def test_parse_date_is_independent_of_today() -> None:
    # The same text on any day gives the same answer: no relative parsing anywhere.
    assert parse_date("mardi 29 avril 2024", [], ["fr"]) == date(2024, 4, 29)
    assert parse_date("demain", [], ["fr"]) is None
