"""Publication lines and dates.

"Publié dans <publication> le DD - MM - YYYY" is split with the profile's
pattern, never on the first "le" (publications are called "Aujourd'hui le
Maroc"). Dates are parsed by the profile's strptime formats first, then by a
month-name table (French, English, Arabic) and only then by dateparser. Nothing
here reads the clock: a text that names no full day, month and year is None,
never "some day relative to today".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from functools import lru_cache

from pipeline.profiles import SiteProfile
from transforms.text import clean_text

# A press date outside this range is a typo or a parsing accident, not news.
MIN_YEAR = 1900
MAX_YEAR = 2100

# Formats tried after the profile's own: what metadata and the generic
# extractor produce.
_ISO_FORMATS = ("%Y-%m-%d",)

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Month names and their usual abbreviations, lower-cased, accents as written
# and without. Arabic covers the Maghreb (from the French), Egyptian (from the
# English) and Levantine (Syriac) series, since the sister sites use all three.
MONTHS: dict[str, dict[str, int]] = {
    "fr": {
        "janvier": 1, "janv": 1, "jan": 1,
        "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2,
        "mars": 3, "mar": 3,
        "avril": 4, "avr": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7, "juil": 7,
        "août": 8, "aout": 8,
        "septembre": 9, "sept": 9, "sep": 9,
        "octobre": 10, "oct": 10,
        "novembre": 11, "nov": 11,
        "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
    },
    "en": {
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
        "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
        "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
        "december": 12, "dec": 12,
    },
    "ar": {
        "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "ماي": 5, "مايو": 5,
        "يونيو": 6, "يونيه": 6, "يوليوز": 7, "يوليو": 7, "يوليه": 7, "غشت": 8, "أغسطس": 8, "اغسطس": 8,
        "شتنبر": 9, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10, "نونبر": 11, "نوفمبر": 11,
        "دجنبر": 12, "ديسمبر": 12,
        "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
        "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
    },
}  # fmt: skip

_ALL_MONTHS: dict[str, int] = {name: n for table in MONTHS.values() for name, n in table.items()}


def _month_alternation(names: Iterable[str]) -> str:
    # Longest first, so "juillet" wins over "juil" and "sept" over "sep".
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


# "mardi 29 avril 2024", "29 avr. 2024 à 14h30", "le 1er mai 2024",
# "الثلاثاء 29 أبريل 2024": weekday and time are ignored, day/month/year required.
_DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:er|re|e|ème|eme|ᵉʳ|ᵉ|st|nd|rd|th)?\.?\s+"
    r"(?:(?:de|of)\s+)?(?P<month>" + _month_alternation(_ALL_MONTHS) + r")(?!\w)\.?,?\s+"
    r"(?:de\s+)?(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
# "April 29, 2024" (English order).
_MONTH_DAY_YEAR = re.compile(
    r"(?<!\w)(?P<month>" + _month_alternation(MONTHS["en"]) + r")\.?\s+"
    r"(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _squeeze(text: str) -> str:
    return _SEPARATOR_SPACES.sub(r"\1", text)


_SEPARATOR_SPACES = re.compile(r"\s*([-/.])\s*")


def _checked(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31 February, month 13, day 0
        return None


def _by_formats(text: str, formats: Iterable[str]) -> date | None:
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return _checked(parsed.year, parsed.month, parsed.day)
    return None


def _by_month_names(text: str) -> date | None | bool:
    """The date, None when a day-month-year is written but cannot exist, False when none is written."""
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = pattern.search(text)
        if match:
            month = _ALL_MONTHS[match["month"].lower()]
            return _checked(int(match["year"]), month, int(match["day"]))
    return False


def _by_numbers(text: str) -> date | None | bool:
    """Day-month-year (the convention of every site in the family) or year-month-day in digits.

    None when the numbers cannot be a date (31-02-2011), False when the text is not all numbers.
    """
    match = _NUMERIC_DMY.match(text)
    if match:
        return _checked(int(match[3]), int(match[2]), int(match[1]))
    match = _NUMERIC_YMD.match(text)
    if match:
        return _checked(int(match[1]), int(match[2]), int(match[3]))
    return False


_NUMERIC_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_NUMERIC_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def _by_iso_datetime(text: str, zone: tzinfo | None) -> date | None:
    if not _ISO_DATETIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    # An instant with an offset belongs to the day it was in the site's zone.
    if moment.tzinfo is not None and zone is not None:
        moment = moment.astimezone(zone)
    return _checked(moment.year, moment.month, moment.day)


@lru_cache(maxsize=1)
def _dateparser():
    import dateparser  # slow to import; needed only for texts the table cannot read

    return dateparser


def _by_dateparser(text: str, languages: Sequence[str]) -> date | None:
    settings = {
        # Only absolute dates, with day, month and year all written out:
        # "hier", "il y a 3 jours", "29 avril" would otherwise be resolved
        # against today's date.
        "PARSERS": ["absolute-time"],
        "STRICT_PARSING": True,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = _dateparser().parse(text, languages=list(languages) or None, settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; unreadable is None
        return None
    return _checked(parsed.year, parsed.month, parsed.day) if parsed else None


def parse_date(
    text: str | None,
    formats: Sequence[str] = (),
    languages: Sequence[str] = ("fr",),
    *,
    zone: tzinfo | None = None,
    use_dateparser: bool = True,
) -> date | None:
    """The calendar date written in ``text``, or None when there is none or it cannot exist.

    Tries, in order: the strptime ``formats`` (spaces around "-" and "/" made
    irrelevant), ISO dates, ISO date-times (converted to ``zone`` when they
    carry an offset), day-month-year with month names, then dateparser
    restricted to absolute dates in ``languages``.
    """
    text = clean_text(text).translate(_DIGITS)
    if not text:
        return None
    # "09 - 02 - 2011" and "09-02-2011" are the same date whatever the format says.
    squeezed = _squeeze(text)
    all_formats = dict.fromkeys([*formats, *(_squeeze(f) for f in formats), *_ISO_FORMATS])
    for candidate in dict.fromkeys((text, squeezed)):
        found = _by_formats(candidate, all_formats)
        if found:
            return found
    # Below, a text that clearly writes a date but an impossible one is None
    # at once: no later, looser parser gets to "correct" it.
    found = _by_numbers(squeezed)
    if found is not False:
        return found
    if _ISO_DATETIME.match(text):
        return _by_iso_datetime(text, zone)
    found = _by_month_names(text)
    if found is not False:
        return found
    # Without a four-digit year a text cannot name a full date; skip the slow path.
    if not use_dateparser or not re.search(r"\d{4}", text):
        return None
    return _by_dateparser(text, languages)


# --- publication line ----------------------------------------------------------


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def split_publication_line(text: str | None, profile: SiteProfile) -> tuple[str, str] | None:
    """(publication name, date text) by the profile's pattern, or None when the line does not match."""
    line = clean_text(text)
    if not line:
        return None
    match = _compiled(profile.publication_line.pattern).search(line)
    if not match:
        return None
    name = clean_text(match["publication"]) or None
    date_text = clean_text(match["date"])
    return (name, date_text) if name else None


def parse_publication_line(text: str | None, profile: SiteProfile) -> tuple[str | None, date | None]:
    """(publication name, date): "Publié dans Aujourd'hui le Maroc le 09 - 02 - 2011" → ("Aujourd'hui le
    Maroc", 2011-02-09).

    (None, None) when the line does not match the pattern; (name, None) when
    the date part cannot be a real date.
    """
    parts = split_publication_line(text, profile)
    if parts is None:
        return None, None
    name, date_text = parts
    return name, parse_date(date_text, profile.date_formats, profile.languages, zone=profile.zone)
