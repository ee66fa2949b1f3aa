"""Dates and times as the pages show them.

The aggregator writes a publication's dates in one style (``09 - 02 - 2011``, ``9 فبراير 2011``,
``9 فيفري 2011``), in Latin or Eastern Arabic digits; feeds use RFC 822 with the site's UTC
offset. Times of day are spread over the working day so a publication's ids and times rise
together.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from functools import cache
from zoneinfo import ZoneInfo

from devsite.seeds import stable_fraction
from devsite.textgen import eastern_digits

# Egypt, the Gulf and (officially) Morocco use these names ...
MONTHS_AR = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
# ... Algeria and Tunisia these (from the French month names).
MONTHS_MAGHREB = (
    "جانفي", "فيفري", "مارس", "أفريل", "ماي", "جوان",
    "جويلية", "أوت", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_DAY_START = 6 * 60 + 30  # the first article of a day goes up around 06:30 local time
_DAY_SPAN = 16 * 60  # the last one before 22:30


def numeric(day: date) -> str:
    """v1's style, the French and English editions' only one."""
    return f"{day.day:02d} - {day.month:02d} - {day.year}"


def date_text(day: date, style: str = "numeric", digits: str = "latin") -> str:
    if style == "numeric":
        text = numeric(day)
    elif style == "months":
        text = f"{day.day} {MONTHS_AR[day.month - 1]} {day.year}"
    elif style == "maghreb":
        text = f"{day.day} {MONTHS_MAGHREB[day.month - 1]} {day.year}"
    else:
        raise ValueError(f"unknown date style {style!r}")
    return eastern_digits(text) if digits == "eastern" else text


def long_date(day: date, language: str) -> str:
    """How a publisher's own page writes a date: "9 février 2011", "9 فبراير 2011", "February 9, 2011"."""
    if language == "fr":
        return f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}"
    if language == "en":
        return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {MONTHS_AR[day.month - 1]} {day.year}"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def published_at(timezone: str, day: date, position: int, count: int, *seed: object) -> datetime:
    """The local time of the ``position``-th of ``count`` articles of a publication's day."""
    slot = _DAY_SPAN / max(count, 1)
    minutes = _DAY_START + (position + 0.8 * stable_fraction("time", *seed)) * slot
    moment = datetime.combine(day, time()) + timedelta(minutes=int(minutes))
    return moment.replace(tzinfo=_zone(timezone))


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)
