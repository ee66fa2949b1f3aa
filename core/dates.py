"""Publication lines and dates.

"Publié dans <publication> le DD - MM - YYYY" is split with the profile's
pattern, never on the first "le" (publications are called "Aujourd'hui le
Maroc"; Arabic ones contain "يوم"). Dates are parsed by the profile's strptime
formats first, then by our own tables (numbers in any order the family uses,
French, English and Arabic month names in their Egyptian, Maghreb and Levantine
series, Eastern Arabic digits: ``core.date_words``; RFC 2822 and ISO instants)
and only then by dateparser. Nothing here reads the clock: a text that names
no full day, month and year is None, never "some day relative to today"; a
date that is possible but implausible for the partition is judged by
``check_published``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache

from core.date_words import DAY_MONTH_YEAR, DIGITS, MONTH_DAY_YEAR, MONTH_NUMBERS, fold
from core.profiles import SiteProfile
from core.text import clean_text

# A press date outside this range is a typo or a parsing accident, not news.
MIN_YEAR = 1900
MAX_YEAR = 2100
# The earliest publication date an aggregator article may plausibly carry
# (the family's archives start in the 2000s; the web press in the mid-1990s).
PUBLISHED_FLOOR = date(1990, 1, 1)
# A page dated the day after the partition's day is a time-zone edge (a
# publisher in another zone, a page published just after midnight): allowed.
FUTURE_TOLERANCE = timedelta(days=1)

# Formats tried after the profile's own: what metadata and the generic
# extractor produce.
_ISO_FORMATS = ("%Y-%m-%d",)

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# "Mon, 29 Apr 2024 14:30:00 +0300" (RSS, HTTP, e-mail).
_RFC_2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")

# Numbers: year-month-day, or day-month-year (the convention of every site in the family).
_NUMERIC_YMD = re.compile(r"(?<![\d.,])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.,]*\d)")
_NUMERIC_DMY = re.compile(r"(?<![\d.,])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?![\d.,]*\d)")

# A time of day written next to the date: "à 14h30", "14:30", "10h", "2:30 PM", "الساعة 14:30".
_TIME = re.compile(
    r"(?<![\d:])(?P<hour>\d{1,2})\s*(?:(?P<sep>[:hH])\s*(?P<minute>\d{2})(?::(?P<second>\d{2}))?|[hH](?!\w))"
    r"(?![\d:])\s*(?P<ampm>[ap]\.?\s?m\.?(?!\w)|ص(?!\w)|م(?!\w))?",
    re.IGNORECASE,
)
_SEPARATOR_SPACES = re.compile(r"\s*([-/.])\s*")


def _squeeze(text: str) -> str:
    return _SEPARATOR_SPACES.sub(r"\1", text)


def _checked(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # 31 February, month 13, day 0
        return None


@dataclass(frozen=True)
class Published:
    """When a page says it was published: the local calendar day and, if a time is written, the instant."""

    day: date  # in the site's time zone
    at_utc: datetime | None = None  # only when the text gives a time of day; never made up

    @property
    def local_time(self) -> time | None:
        return None if self.at_utc is None else self.at_utc.time()


def _local(day: date, clock: time | None, zone: tzinfo | None) -> Published:
    if clock is None or zone is None:
        return Published(day)
    moment = datetime.combine(day, clock, tzinfo=zone)
    return Published(day, moment.astimezone(UTC))


def _instant(moment: datetime, zone: tzinfo | None) -> Published | None:
    """An instant as written (with or without its own offset) on the site's calendar."""
    if moment.tzinfo is None:
        checked = _checked(moment.year, moment.month, moment.day)
        return None if checked is None else _local(checked, moment.time(), zone)
    at_utc = moment.astimezone(UTC)
    local = moment.astimezone(zone) if zone is not None else moment
    checked = _checked(local.year, local.month, local.day)
    return None if checked is None else Published(checked, at_utc)


def _time_in(text: str) -> time | None:
    for match in _TIME.finditer(text):
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        second = int(match["second"] or 0)
        ampm = (match["ampm"] or "").lower().replace(".", "").replace(" ", "")
        if ampm in ("pm", "م") and hour < 12:
            hour += 12
        elif ampm in ("am", "ص") and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    return None


# strptime is slow (~20 µs a try); numeric formats, the family's own, are matched by an
# equivalent regular expression instead (same fields, same ranges, spaces as ``\s+``).
_NUMERIC_DIRECTIVES = {
    "d": r"(?P<day>3[01]|[12]\d|0[1-9]|[1-9])",
    "m": r"(?P<month>1[0-2]|0[1-9]|[1-9])",
    "Y": r"(?P<year>\d{4})",
    "H": r"(?P<hour>2[0-3]|[01]\d|\d)",
    "M": r"(?P<minute>[0-5]\d|\d)",
    "S": r"(?P<second>6[01]|[0-5]\d|\d)",
}


@lru_cache(maxsize=64)
def _format_pattern(fmt: str) -> re.Pattern[str] | None:
    """A regex equivalent to a strptime format made of numeric directives only; None otherwise."""
    parts, i = [], 0
    seen = set()
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            directive = fmt[i + 1 : i + 2]
            if directive not in _NUMERIC_DIRECTIVES or directive in seen:
                return None
            seen.add(directive)
            parts.append(_NUMERIC_DIRECTIVES[directive])
            i += 2
        elif char.isspace():
            parts.append(r"\s+")
            while i < len(fmt) and fmt[i].isspace():
                i += 1
        else:
            parts.append(re.escape(char))
            i += 1
    if not {"d", "m", "Y"} <= seen:
        return None
    return re.compile("".join(parts))


def _by_pattern(text: str, pattern: re.Pattern[str]) -> datetime | None:
    match = pattern.fullmatch(text)
    if not match:
        return None
    fields = match.groupdict()
    try:
        return datetime(
            int(fields["year"]),
            int(fields["month"]),
            int(fields["day"]),
            int(fields.get("hour") or 0),
            int(fields.get("minute") or 0),
            int(fields.get("second") or 0),
        )
    except ValueError:  # 31 February: the format does not match, as with strptime
        return None


def _by_formats(text: str, formats: Iterable[str]) -> tuple[datetime, bool] | None | bool:
    """(parsed, whether the format has a time of day); None when a format matches an impossible
    date, False when none matches."""
    for fmt in formats:
        pattern = _format_pattern(fmt)
        if pattern is not None:
            parsed = _by_pattern(text, pattern)
            if parsed is None:
                continue
        else:
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
        if not _checked(parsed.year, parsed.month, parsed.day):
            return None
        return parsed, "%H" in fmt or "%I" in fmt
    return False


def _by_month_names(text: str) -> date | None | bool:
    """The date, None when a day-month-year is written but cannot exist, False when none is written."""
    folded = fold(text)
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        match = pattern.search(folded)
        if match:
            month = MONTH_NUMBERS[re.sub(r"\s+", " ", match["month"])]
            return _checked(int(match["year"]), month, int(match["day"]))
    return False


def _by_numbers(text: str, languages: Sequence[str]) -> date | None | bool:
    """Year-month-day or day-month-year in digits; month-day-year only on English pages, and only
    when day-first cannot be a date ("04/29/2024").

    None when the numbers cannot be a date (31-02-2011), False when the text holds no such numbers.
    """
    match = _NUMERIC_YMD.search(text)
    if match:
        return _checked(int(match[1]), int(match[2]), int(match[3]))
    match = _NUMERIC_DMY.search(text)
    if match:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        found = _checked(year, second, first)
        if found is None and "en" in languages and second > 12:
            found = _checked(year, first, second)
        return found
    return False


@lru_cache(maxsize=1)
def _dateparser():
    import dateparser  # slow to import; needed only for texts the tables cannot read

    return dateparser


def _by_dateparser(text: str, languages: Sequence[str]) -> datetime | None:
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
    return parsed if parsed and _checked(parsed.year, parsed.month, parsed.day) else None


@lru_cache(maxsize=64)
def _all_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats, their spaceless variants ("%d-%m-%Y" for "%d - %m - %Y") and ISO dates."""
    return tuple(dict.fromkeys([*formats, *(_squeeze(f) for f in formats), *_ISO_FORMATS]))


def parse_published(
    text: str | None,
    formats: Sequence[str] = (),
    languages: Sequence[str] = ("fr",),
    *,
    zone: tzinfo | None = None,
    use_dateparser: bool = True,
) -> Published | None:
    """The local day (and the UTC instant, if a time of day is written) of ``text``; None when the
    text names no full date or one that cannot exist.

    Tries, in order: the strptime ``formats`` (spaces around "-" and "/" made
    irrelevant), RFC 2822 and ISO instants (an instant with an offset lands on
    the day it was in ``zone``), digits (year first, else day first), day,
    month and year with month names, then dateparser restricted to absolute
    dates in ``languages``. A local time without an offset is taken in ``zone``.
    """
    text = clean_text(text).translate(DIGITS)
    if not text:
        return None
    # "09 - 02 - 2011" and "09-02-2011" are the same date whatever the format says.
    squeezed = _squeeze(text)
    all_formats = _all_formats(tuple(formats))
    for candidate in dict.fromkeys((text, squeezed)):
        parsed = _by_formats(candidate, all_formats)
        if parsed is None:
            return None
        if parsed:
            moment, has_time = parsed
            return _local(moment.date(), moment.time() if has_time else None, zone)
    # Below, a text that clearly writes a date but an impossible one is None
    # at once: no later, looser parser gets to "correct" it.
    if _ISO_DATETIME.match(text):
        try:
            return _instant(datetime.fromisoformat(text.replace("Z", "+00:00")), zone)
        except ValueError:
            return None
    if _RFC_2822.match(text):
        try:
            return _instant(parsedate_to_datetime(text), zone)
        except (TypeError, ValueError, IndexError):
            pass  # not RFC 2822 after all: the tables may still read it
    found = _by_numbers(squeezed, languages)
    if found is False:
        found = _by_month_names(text)
    if found is not False:
        return None if found is None else _local(found, _time_in(text), zone)
    # Without a four-digit year a text cannot name a full date; skip the slow path.
    if not use_dateparser or not re.search(r"\d{4}", text):
        return None
    parsed = _by_dateparser(text, languages)
    if parsed is None:
        return None
    return _local(parsed.date(), _time_in(text), zone)


def parse_date(
    text: str | None,
    formats: Sequence[str] = (),
    languages: Sequence[str] = ("fr",),
    *,
    zone: tzinfo | None = None,
    use_dateparser: bool = True,
) -> date | None:
    """The calendar date written in ``text`` (local to ``zone``), or None when there is none or it
    cannot exist. See ``parse_published``."""
    found = parse_published(text, formats, languages, zone=zone, use_dateparser=use_dateparser)
    return None if found is None else found.day


def check_published(published: date, logical_day: date) -> str | None:
    """Why a possible date cannot be this article's publication date, or None when it can be.

    Judged against the partition's logical day, never the wall clock: a page
    dated after the day being collected (beyond one day of time-zone slack) or
    before the press went online is a parsing accident or a page error.
    """
    if published > logical_day + FUTURE_TOLERANCE:
        return (
            f"published date {published.isoformat()} is after the partition's day {logical_day.isoformat()}"
        )
    if published < PUBLISHED_FLOOR:
        return f"published date {published.isoformat()} is before {PUBLISHED_FLOOR.isoformat()}"
    return None


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


# The earliest time zone (Kiribati, UTC+14): a day it has not reached has begun nowhere.
_EARLIEST_OFFSET = timedelta(hours=14)


def future_day_error(day: date, now: datetime | None = None) -> str | None:
    """Why ``day`` cannot be crawled yet (it has begun nowhere on Earth), or None if it can."""
    now = now or datetime.now(UTC)
    latest = (now.astimezone(UTC) + _EARLIEST_OFFSET).date()
    if day > latest:
        return f"{day} is in the future (today is {now.astimezone(UTC).date()} UTC): nothing to crawl yet"
    return None
