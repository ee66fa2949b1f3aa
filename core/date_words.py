"""The words and digits dates are written with, in the family's languages.

French, English and Arabic month names with their usual abbreviations (the
Arabic ones in their Egyptian and Gulf, Maghreb and Levantine series), Eastern
Arabic digits, the folding that makes Arabic spelling variants one, and the
patterns of a day, month and year written with a month name. Tables only:
``core.dates`` does the parsing, and adding a month spelling is an edit here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Arabic-Indic (U+0660…) and Eastern Arabic-Indic (Persian, U+06F0…) digits,
# and the Arabic decimal/thousands separators and comma.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬،", "01234567890123456789.,,")

# Month names and their usual abbreviations, lower-cased, accents as written
# and without. Arabic keys are written as on the pages; they are matched after
# ``_fold_arabic`` (hamza on alef, alef maqsura, diacritics, tatweel), so
# "أبريل", "ابريل" and "إبريل" are one key.
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
        # Egyptian / Gulf (from the English names)
        "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
        "يوليو": 7, "يوليه": 7, "أغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
        # Maghreb: Algeria and Tunisia (from the French)
        "جانفي": 1, "فيفري": 2, "أفريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "جويلة": 7, "أوت": 8,
        # Morocco
        "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
        # Levant and Iraq (Syriac names)
        "كانون الثاني": 1, "كانون ثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5,
        "حزيران": 6, "تموز": 7, "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين أول": 10,
        "تشرين الثاني": 11, "تشرين ثاني": 11, "كانون الأول": 12, "كانون أول": 12,
    },
}  # fmt: skip

# Short vowels, tanwin, shadda, sukun, dagger alef; tatweel.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans("أإآٱى", "ااااي")


def _fold_arabic(text: str) -> str:
    """Spelling variants of Arabic month names made one (lengths may change: match on the result)."""
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


def fold(text: str) -> str:
    """Lower case, Arabic variants folded: the form month names are looked up and matched in."""
    return _fold_arabic(text.lower())


# Every name of every language, folded → its month. The patterns below match folded text.
MONTH_NUMBERS: dict[str, int] = {fold(name): n for table in MONTHS.values() for name, n in table.items()}


def _month_alternation(names: Iterable[str]) -> str:
    # Longest first, so "juillet" wins over "juil" and "كانون الثاني" over nothing shorter.
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))


_MONTH = "(?:" + _month_alternation(MONTH_NUMBERS) + ")"
_EN_MONTH = "(?:" + _month_alternation({fold(n) for n in MONTHS["en"]}) + ")"
# "نيسان/أبريل", "نيسان (أبريل)", "April/Avril": a second name for the same month.
_SECOND_MONTH = r"(?:\s*[/(]\s*" + _MONTH + r"\s*\)?)?"

# "mardi 29 avril 2024", "29 avr. 2024 à 14h30", "le 1er mai 2024", "29-Apr-2024",
# "الثلاثاء 29 أبريل 2024", "29 نيسان/أبريل 2024م": weekday ignored, day/month/year required.
DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:er|re|e|ème|eme|ᵉʳ|ᵉ|st|nd|rd|th)?\.?[\s-]+"
    r"(?:(?:de|of)\s+)?(?P<month>" + _MONTH + r")(?!\w)" + _SECOND_MONTH + r"\.?,?[\s-]+"
    r"(?:de\s+)?(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
# "April 29, 2024", "Monday, Apr. 29th 2024" (English order).
MONTH_DAY_YEAR = re.compile(
    r"(?<!\w)(?P<month>" + _EN_MONTH + r")\.?\s+"
    r"(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
