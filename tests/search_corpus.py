"""A small French and Arabic corpus for the search tests, loaded by the real loader (no tests here).

French (maghress-fr, 2011-02-09 unless said): inflections of "gouvernement", a phrase with
stopwords inside, a title match against body matches. Arabic (maghress-ar): "الحكومة" with and
without the definite article and behind the preposition لل, a hamza spelling.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from test_warehouse_support import DAY, T0, T1, article, counts_for, partition, write_partition

from warehouse.loader import load_partition

FR, AR = "maghress-fr", "maghress-ar"
LATER = date(2011, 2, 10)


def _fr(n: int, title: str, body: str, **changes) -> dict:
    return article(n, title=title, body=body, **changes)


def _ar(n: int, title: str, body: str, **changes) -> dict:
    url = f"https://www.maghress.com/hespress/{5000 + n}"
    return article(n, site=AR, title=title, body=body, language="ar", url=url, canonical_url=url, **changes)


FRENCH = {
    "title": _fr(0, "Le gouvernement présente son plan", "Le plan du gouvernement vise les régions du Sud."),
    "body": _fr(1, "Marché de Rabat", "Les commerçants attendent les aides promises par les gouvernements."),
    "other": _fr(2, "Saison touristique", "La saison commence à Agadir avec des hôtels pleins."),
    "phrase": _fr(3, "Sécurité routière", "Le ministre de l'Intérieur a présidé la réunion à Rabat."),
    "undated": _fr(4, "Bilan", "Un gouvernement de transition est annoncé.", published_date=None),
}
FRENCH_LATER = {
    "later": _fr(
        5, "Réforme", "Les gouvernements successifs ont promis la réforme.", day=LATER, published_date=LATER
    ),
}
ARABIC = {
    "article": _ar(10, "الحكومة تعلن خطة جديدة", "أعلنت الحكومة اليوم عن خطة للتنمية في الجهات"),
    "bare": _ar(11, "اجتماع في الرباط", "قالت مصادر إن حكومة الوحدة ستجتمع غدا"),
    "proclitic": _ar(12, "دعم الفلاحين", "قدم البنك دعما للحكومة من أجل الفلاحين"),
    "other": _ar(13, "المدرسة", "افتتحت المدرسة الجديدة أبوابها للتلاميذ"),
    "hamza": _ar(14, "تصريح", "أكد الوزير أن المشروع سينطلق"),
    "plain_alef": _ar(15, "خبر", "اكد المدير ان العمل مستمر"),
}


def url_of(row: dict) -> str:
    return row["canonical_url"]


def load_corpus(engine: Engine, data_dir: Path) -> None:
    """Every corpus article in the warehouse, one load per site and day, as the load stage does."""
    for site, day, rows in ((FR, DAY, FRENCH), (FR, LATER, FRENCH_LATER), (AR, DAY, ARABIC)):
        part = partition(data_dir, day, site)
        write_partition(part, list(rows.values()))
        load_partition(
            engine, part, f"run-{site}-{day}", counts_for(len(rows), duplicates=0), T0, finished_at=T1
        )
