"""core.dates: publication lines split on the pattern; dates parsed exactly or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.dates import (
    Published,
    check_published,
    parse_date,
    parse_publication_line,
    parse_published,
    split_publication_line,
)
from core.profiles import SiteProfile, load_profile_file

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


# --- the table: French, Arabic and English dates, local day and UTC instant ------------

CASA, ALGIERS, TUNIS = "Africa/Casablanca", "Africa/Algiers", "Africa/Tunis"
RIYADH, ADEN, CAIRO, KHARTOUM = "Asia/Riyadh", "Asia/Aden", "Africa/Cairo", "Africa/Khartoum"
D = date


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# (text, page language, site time zone, local day, UTC instant when a time is written)
DATE_TABLE = [
    # French: the aggregators' own line, numbers in the family's order
    ("09 - 02 - 2011", "fr", CASA, D(2011, 2, 9), None),
    ("9-2-2011", "fr", CASA, D(2011, 2, 9), None),
    ("09/02/2011", "fr", CASA, D(2011, 2, 9), None),
    ("09.02.2011", "fr", ALGIERS, D(2011, 2, 9), None),
    ("2011-02-09", "fr", TUNIS, D(2011, 2, 9), None),
    ("2011/02/09", "fr", TUNIS, D(2011, 2, 9), None),
    ("29/04/2024 14:30", "fr", CASA, D(2024, 4, 29), utc(2024, 4, 29, 13, 30)),
    ("29 - 04 - 2024 à 08h05", "fr", ALGIERS, D(2024, 4, 29), utc(2024, 4, 29, 7, 5)),
    # French: long dates
    ("mardi 29 avril 2024", "fr", CASA, D(2024, 4, 29), None),
    ("Mardi 29 Avril 2024", "fr", CASA, D(2024, 4, 29), None),
    ("MARDI 29 AVRIL 2024", "fr", CASA, D(2024, 4, 29), None),
    ("29 avr. 2024 à 14h30", "fr", CASA, D(2024, 4, 29), utc(2024, 4, 29, 13, 30)),
    ("29 avr 2024", "fr", TUNIS, D(2024, 4, 29), None),
    ("le 1er mai 2024", "fr", CASA, D(2024, 5, 1), None),
    ("le 1ᵉʳ mai 2024", "fr", CASA, D(2024, 5, 1), None),
    ("1er juillet 2024", "fr", ALGIERS, D(2024, 7, 1), None),
    ("3 févr. 2024", "fr", CASA, D(2024, 2, 3), None),
    ("3 fevr 2024", "fr", CASA, D(2024, 2, 3), None),
    ("15 août 2023", "fr", TUNIS, D(2023, 8, 15), None),
    ("15 aout 2023", "fr", TUNIS, D(2023, 8, 15), None),
    ("lundi, 2 décembre 2024 - 10:03", "fr", CASA, D(2024, 12, 2), utc(2024, 12, 2, 9, 3)),
    ("29 février 2024", "fr", CASA, D(2024, 2, 29), None),
    ("1 janvier 2000", "fr", ALGIERS, D(2000, 1, 1), None),
    ("31 décembre 1999", "fr", ALGIERS, D(1999, 12, 31), None),
    ("12 sept. 2023", "fr", TUNIS, D(2023, 9, 12), None),
    ("12 septembre 2023", "fr", TUNIS, D(2023, 9, 12), None),
    ("7 juil. 2022", "fr", CASA, D(2022, 7, 7), None),
    ("Publié le 14 mars 2023 à 09h05", "fr", CASA, D(2023, 3, 14), utc(2023, 3, 14, 8, 5)),
    ("vendredi 5 janvier 2024, 18h", "fr", TUNIS, D(2024, 1, 5), utc(2024, 1, 5, 17, 0)),
    ("mercredi 10 octobre 2018", "fr", ALGIERS, D(2018, 10, 10), None),
    ("10 oct. 2018", "fr", ALGIERS, D(2018, 10, 10), None),
    ("20 nov 2019", "fr", CASA, D(2019, 11, 20), None),
    ("25 déc. 2020", "fr", CASA, D(2020, 12, 25), None),
    ("le 2 juin 2021", "fr", TUNIS, D(2021, 6, 2), None),
    ("samedi 08 mai 2021", "fr", CASA, D(2021, 5, 8), None),
    ("Mis à jour le 30 janv. 2022 à 23h45", "fr", ALGIERS, D(2022, 1, 30), utc(2022, 1, 30, 22, 45)),
    # Arabic: the aggregators' own line in Eastern Arabic digits
    ("٠٩ - ٠٢ - ٢٠١١", "ar", CASA, D(2011, 2, 9), None),
    ("٢٩ - ٠٤ - ٢٠٢٤", "ar", RIYADH, D(2024, 4, 29), None),
    ("۲۹ - ۰۴ - ۲۰۲۴", "ar", ADEN, D(2024, 4, 29), None),  # Persian forms of the digits
    ("2024/04/29", "ar", CAIRO, D(2024, 4, 29), None),
    ("29/04/2024م", "ar", KHARTOUM, D(2024, 4, 29), None),
    ("29-04-2024 الساعة 14:30", "ar", RIYADH, D(2024, 4, 29), utc(2024, 4, 29, 11, 30)),
    # Arabic: Egyptian/Gulf month names, with and without hamza
    ("الثلاثاء 29 أبريل 2024", "ar", CAIRO, D(2024, 4, 29), None),
    ("29 ابريل 2024", "ar", CAIRO, D(2024, 4, 29), None),
    ("29 إبريل 2024", "ar", CAIRO, D(2024, 4, 29), None),
    ("٢٩ أبريل ٢٠٢٤", "ar", RIYADH, D(2024, 4, 29), None),
    ("29 أبريل، 2024", "ar", RIYADH, D(2024, 4, 29), None),
    ("1 يناير 2024", "ar", RIYADH, D(2024, 1, 1), None),
    ("14 فبراير 2024", "ar", RIYADH, D(2024, 2, 14), None),
    ("3 مارس 2024", "ar", ADEN, D(2024, 3, 3), None),
    ("الأحد ٥ مايو ٢٠٢٤", "ar", ADEN, D(2024, 5, 5), None),
    ("7 يونيو 2024", "ar", CAIRO, D(2024, 6, 7), None),
    ("7 يونيه 2024", "ar", CAIRO, D(2024, 6, 7), None),
    ("9 يوليو 2024", "ar", CAIRO, D(2024, 7, 9), None),
    ("9 يوليه 2024", "ar", CAIRO, D(2024, 7, 9), None),
    ("15 أغسطس 2024", "ar", KHARTOUM, D(2024, 8, 15), None),
    ("15 اغسطس 2024", "ar", KHARTOUM, D(2024, 8, 15), None),
    ("21 سبتمبر 2024", "ar", KHARTOUM, D(2024, 9, 21), None),
    ("6 أكتوبر 2024", "ar", CAIRO, D(2024, 10, 6), None),
    ("6 اكتوبر 2024", "ar", CAIRO, D(2024, 10, 6), None),
    ("11 نوفمبر 2024", "ar", RIYADH, D(2024, 11, 11), None),
    ("25 ديسمبر 2024", "ar", RIYADH, D(2024, 12, 25), None),
    ("25 ديسمبر 2024م", "ar", RIYADH, D(2024, 12, 25), None),
    # Arabic: Maghreb names (Algeria, Tunisia) and Morocco's
    ("1 جانفي 2024", "ar", ALGIERS, D(2024, 1, 1), None),
    ("14 فيفري 2024", "ar", ALGIERS, D(2024, 2, 14), None),
    ("29 أفريل 2024", "ar", TUNIS, D(2024, 4, 29), None),
    ("29 افريل 2024", "ar", TUNIS, D(2024, 4, 29), None),
    ("1 ماي 2024", "ar", CASA, D(2024, 5, 1), None),
    ("5 جوان 2024", "ar", ALGIERS, D(2024, 6, 5), None),
    ("5 جويلية 2024", "ar", ALGIERS, D(2024, 7, 5), None),
    ("15 أوت 2024", "ar", TUNIS, D(2024, 8, 15), None),
    ("15 اوت 2024", "ar", TUNIS, D(2024, 8, 15), None),
    ("29 يوليوز 2024", "ar", CASA, D(2024, 7, 29), None),
    ("20 غشت 2024", "ar", CASA, D(2024, 8, 20), None),
    ("10 شتنبر 2024", "ar", CASA, D(2024, 9, 10), None),
    ("6 نونبر 2024", "ar", CASA, D(2024, 11, 6), None),
    ("18 دجنبر 2024", "ar", CASA, D(2024, 12, 18), None),
    # Arabic: Levantine names, alone or paired with the Egyptian one
    ("1 كانون الثاني 2024", "ar", ADEN, D(2024, 1, 1), None),
    ("14 شباط 2024", "ar", ADEN, D(2024, 2, 14), None),
    ("8 آذار 2024", "ar", ADEN, D(2024, 3, 8), None),
    ("8 اذار 2024", "ar", ADEN, D(2024, 3, 8), None),
    ("29 نيسان 2024", "ar", RIYADH, D(2024, 4, 29), None),
    ("1 أيار 2024", "ar", RIYADH, D(2024, 5, 1), None),
    ("5 حزيران 2024", "ar", RIYADH, D(2024, 6, 5), None),
    ("14 تموز 2024", "ar", RIYADH, D(2024, 7, 14), None),
    ("6 آب 2024", "ar", RIYADH, D(2024, 8, 6), None),
    ("11 أيلول 2024", "ar", RIYADH, D(2024, 9, 11), None),
    ("6 تشرين الأول 2024", "ar", RIYADH, D(2024, 10, 6), None),
    ("6 تشرين الاول 2024", "ar", RIYADH, D(2024, 10, 6), None),
    ("11 تشرين الثاني 2024", "ar", RIYADH, D(2024, 11, 11), None),
    ("25 كانون الأول 2024", "ar", RIYADH, D(2024, 12, 25), None),
    ("29 نيسان/أبريل 2024", "ar", RIYADH, D(2024, 4, 29), None),
    ("29 نيسان (أبريل) 2024", "ar", RIYADH, D(2024, 4, 29), None),
    ("٢٩ نيسان ٢٠٢٤", "ar", RIYADH, D(2024, 4, 29), None),
    # Arabic: with a time of day (ص = morning, م = evening)
    ("الاثنين 29 أبريل 2024 - 10:03 ص", "ar", CAIRO, D(2024, 4, 29), utc(2024, 4, 29, 7, 3)),
    ("السبت 4 مايو 2024 - 3:15 م", "ar", ADEN, D(2024, 5, 4), utc(2024, 5, 4, 12, 15)),
    ("الخميس 2 مايو 2024 الساعة 20:00", "ar", KHARTOUM, D(2024, 5, 2), utc(2024, 5, 2, 18, 0)),
    # English
    ("April 29, 2024", "en", RIYADH, D(2024, 4, 29), None),
    ("April 29 2024", "en", RIYADH, D(2024, 4, 29), None),
    ("Apr. 29, 2024", "en", RIYADH, D(2024, 4, 29), None),
    ("Apr 29, 2024", "en", CAIRO, D(2024, 4, 29), None),
    ("April 29th, 2024", "en", CAIRO, D(2024, 4, 29), None),
    ("Monday, April 29, 2024", "en", CAIRO, D(2024, 4, 29), None),
    ("29 April 2024", "en", CAIRO, D(2024, 4, 29), None),
    ("29th April 2024", "en", CAIRO, D(2024, 4, 29), None),
    ("29 Apr 2024", "en", RIYADH, D(2024, 4, 29), None),
    ("29-Apr-2024", "en", RIYADH, D(2024, 4, 29), None),
    ("1st May 2024", "en", RIYADH, D(2024, 5, 1), None),
    ("2nd June 2024", "en", RIYADH, D(2024, 6, 2), None),
    ("3rd July 2024", "en", RIYADH, D(2024, 7, 3), None),
    ("15 August 2023", "en", CAIRO, D(2023, 8, 15), None),
    ("Aug 15, 2023", "en", CAIRO, D(2023, 8, 15), None),
    ("July 4, 2021", "en", CAIRO, D(2021, 7, 4), None),
    ("February 29, 2024", "en", CAIRO, D(2024, 2, 29), None),
    ("September 11, 2001", "en", RIYADH, D(2001, 9, 11), None),
    ("Sept. 11, 2001", "en", RIYADH, D(2001, 9, 11), None),
    ("14/05/2024", "en", RIYADH, D(2024, 5, 14), None),
    ("05/14/2024", "en", RIYADH, D(2024, 5, 14), None),  # month first only when day first is impossible
    ("December 25, 2023 at 9:45 PM", "en", ADEN, D(2023, 12, 25), utc(2023, 12, 25, 18, 45)),
    ("Jan 1, 2020 12:00 AM", "en", RIYADH, D(2020, 1, 1), utc(2019, 12, 31, 21, 0)),
    # English: instants with their own offset land on the site's local day
    ("Mon, 29 Apr 2024 14:30:00 +0300", "en", RIYADH, D(2024, 4, 29), utc(2024, 4, 29, 11, 30)),
    ("Mon, 29 Apr 2024 23:30:00 +0000", "en", RIYADH, D(2024, 4, 30), utc(2024, 4, 29, 23, 30)),
    ("Sun, 28 Apr 2024 22:00:00 GMT", "en", CAIRO, D(2024, 4, 29), utc(2024, 4, 28, 22, 0)),
    ("29 Apr 2024 14:30:00 +0100", "en", CASA, D(2024, 4, 29), utc(2024, 4, 29, 13, 30)),
    ("2024-04-29T23:30:00Z", "fr", CASA, D(2024, 4, 30), utc(2024, 4, 29, 23, 30)),
    ("2024-04-29T10:00:00+01:00", "fr", CASA, D(2024, 4, 29), utc(2024, 4, 29, 9, 0)),
    ("2024-04-29 08:15", "en", KHARTOUM, D(2024, 4, 29), utc(2024, 4, 29, 6, 15)),
    ("2024-04-29T22:30:00+00:00", "ar", ADEN, D(2024, 4, 30), utc(2024, 4, 29, 22, 30)),
]

DATE_REJECTS = [
    # impossible
    ("31 - 02 - 2011", "fr"),
    ("29 février 2023", "fr"),
    ("31 avril 2024", "fr"),
    ("32 mai 2024", "fr"),
    ("13-13-2011", "fr"),
    ("31 فبراير 2024", "ar"),
    ("30 شباط 2024", "ar"),
    ("٣١ - ٠٤ - ٢٠٢٤", "ar"),
    ("February 30, 2024", "en"),
    ("Feb 29, 2023", "en"),
    ("13/13/2024", "en"),
    # incomplete or relative: never resolved against today
    ("29 avril", "fr"),
    ("avril 2024", "fr"),
    ("il y a 3 jours", "fr"),
    ("29 أبريل", "ar"),
    ("أمس", "ar"),
    ("منذ 3 أيام", "ar"),
    ("April 2024", "en"),
    ("29 April", "en"),
    ("yesterday", "en"),
    ("3 days ago", "en"),
]


@pytest.mark.parametrize(
    ("text", "language", "zone", "day", "at_utc"), DATE_TABLE, ids=[case[0] for case in DATE_TABLE]
)
def test_date_table(text: str, language: str, zone: str, day: date, at_utc: datetime | None) -> None:
    found = parse_published(text, FORMATS, [language], zone=ZoneInfo(zone))
    assert found == Published(day, at_utc)
    assert parse_date(text, FORMATS, [language], zone=ZoneInfo(zone)) == day


@pytest.mark.parametrize(("text", "language"), DATE_REJECTS, ids=[case[0] for case in DATE_REJECTS])
def test_date_table_rejects(text: str, language: str) -> None:
    assert parse_published(text, FORMATS, [language], zone=ZoneInfo(RIYADH)) is None


def test_the_table_is_big_enough() -> None:
    languages = [case[1] for case in DATE_TABLE] + [case[1] for case in DATE_REJECTS]
    assert len(languages) >= 100
    assert all(languages.count(language) >= 30 for language in ("fr", "ar", "en"))


@pytest.mark.parametrize(
    ("published", "reason"),
    [
        (date(2024, 5, 1), None),
        (date(2024, 5, 2), None),  # one day of time-zone slack
        (date(2024, 4, 1), None),  # old articles are listed too
        (date(1990, 1, 1), None),
        (date(2024, 5, 3), "published date 2024-05-03 is after the partition's day 2024-05-01"),
        (date(2031, 5, 1), "published date 2031-05-01 is after the partition's day 2024-05-01"),
        (date(1989, 12, 31), "published date 1989-12-31 is before 1990-01-01"),
    ],
)
def test_check_published_against_the_partition_day(published: date, reason: str | None) -> None:
    assert check_published(published, date(2024, 5, 1)) == reason
