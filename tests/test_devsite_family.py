"""devsite v2: the whole aggregator family, Arabic and English editions, date styles."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from parsel import Selector
from test_devsite_support import EASTERN, clean, fetch, markup_kinds, page_blocks

from devsite import World, serve
from devsite.app import HostApp

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 9)  # a Wednesday: a working day everywhere
ROOT = Path(__file__).resolve().parents[1]
SITES = [
    "maghress-fr", "maghress-ar", "djazairess-fr", "djazairess-ar", "turess-fr", "turess-ar",
    "sauress-ar", "sauress-en", "yemeress-ar", "masress-ar", "masress-en", "sudaress-ar",
]  # fmt: skip
TIMEZONES = {
    "maghress": "Africa/Casablanca", "djazairess": "Africa/Algiers", "turess": "Africa/Tunis",
    "sauress": "Asia/Riyadh", "yemeress": "Asia/Aden", "masress": "Africa/Cairo",
    "sudaress": "Africa/Khartoum",
}  # fmt: skip
ARABIC = [s for s in SITES if s.endswith("-ar")]
# The publication line read back, per language: split on the pattern, never on the first word.
LINES = {
    "fr": re.compile(r"^Publié dans (?P<publication>.+?) le (?P<date>\d{2} - \d{2} - \d{4})$"),
    "en": re.compile(r"^Published in (?P<publication>.+?) on (?P<date>\d{2} - \d{2} - \d{4})$"),
    "ar": re.compile(
        r"^نشر في (?P<publication>.+?) يوم (?P<date>[\d٠-٩]{1,2}(?: - [\d٠-٩]{2} - | \S+ )[\d٠-٩]{4})$"
    ),
}
SOURCE_LINKS = {
    "fr": "Cliquez ici pour lire l'article depuis sa source.",
    "ar": "انقر هنا لقراءة الخبر من مصدره",
    "en": "Click here to read the article from its source.",
}
MONTHS = {
    name: number
    for names in (
        "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
        "جانفي فيفري مارس أفريل ماي جوان جويلية أوت سبتمبر أكتوبر نوفمبر ديسمبر",
    )
    for number, name in enumerate(names.split(), start=1)
}


def parse_shown_date(text: str) -> date:
    """What a spider must do with every date style the family shows."""
    text = text.translate(EASTERN)
    numeric = re.fullmatch(r"(\d{2}) - (\d{2}) - (\d{4})", text)
    if numeric:
        return date(int(numeric[3]), int(numeric[2]), int(numeric[1]))
    day, month, year = text.split(" ")
    return date(int(year), MONTHS[month], int(day))


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="module")
def server(world):
    with serve(world) as running:
        yield running


def test_the_family(world):
    assert world.site_names() == SITES
    for site in SITES:
        spec = world.site(site)
        language = site.rsplit("-", 1)[1]
        assert spec.language == language
        assert spec.direction == ("rtl" if language == "ar" else "ltr")
        assert spec.prefix == ("" if language == "ar" else f"/{language}")
        assert spec.aggregator.real_host == f"www.{spec.aggregator.name}.com"
        assert spec.timezone == TIMEZONES[spec.aggregator.name]
        publications = world.publications(site)
        assert 5 <= len(publications) <= 10
        assert len({p.slug for p in publications}) == len(publications)
        for pub in publications:
            assert re.fullmatch(r"[a-z0-9_-]+", pub.slug) and pub.home_url.startswith("https://")
            if language == "ar":
                assert re.search(r"[\u0600-\u06ff]", pub.name), pub.name  # Arabic names in Arabic


def test_canonical_url_schemes(world):
    expected = {
        "djazairess-fr": r"https://www\.djazairess\.com/fr/[a-z0-9_-]+/\d+",
        "djazairess-ar": r"https://www\.djazairess\.com/[a-z0-9_-]+/\d+",
        "sauress-en": r"https://www\.sauress\.com/en/[a-z0-9_-]+/\d+",
        "masress-ar": r"https://www\.masress\.com/[a-z0-9_-]+/\d+",
    }
    for site, pattern in expected.items():
        for article in world.articles_for_day(site, DAY):
            assert re.fullmatch(pattern, article.canonical_url), article.canonical_url
            assert article.canonical_url.endswith(article.path)
            assert article.thumbnail_url.startswith(
                f"https://images2.{world.site(site).aggregator.name}.com/"
            )


def test_volumes_tens_to_a_hundred_a_working_day(world):
    for site in SITES:
        spec = world.site(site)
        weekdays, weekends = [], []
        for offset in range(7):  # a whole week, whatever the site's weekend
            day = date(2011, 2, 4) + timedelta(days=offset)
            n = len(world.articles_for_day(site, day))
            (weekends if day.weekday() in spec.weekend_days else weekdays).append(n)
        assert all(25 <= n <= 160 for n in weekdays), (site, weekdays)
        assert max(weekends) < min(weekdays), site


@pytest.mark.parametrize("site", SITES)
def test_every_site_serves_home_listing_article_feed_and_robots(server, world, site):
    base, spec = server.base_url_for(site), world.site(site)
    articles = world.articles_for_day(site, DAY)

    status, headers, body = fetch(base + spec.home_path)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    home = Selector(text=body.decode("utf-8"))
    assert home.xpath("/html/@lang").get() == spec.language
    assert home.xpath("/html/@dir").get() == spec.direction
    assert home.css("ul.publications a::attr(href)").getall() == [
        spec.listing_path(p.slug) for p in world.publications(site)
    ]

    slug = articles[0].publication_slug
    status, _, body = fetch(base + spec.listing_path(slug))
    assert status == 200
    listing = Selector(text=body.decode("utf-8"))
    newest = world.listing(site, slug, 1)
    assert listing.css("a.article-link::attr(href)").getall() == [a.path for a in newest.articles]
    assert listing.css("span.article-date::text").getall() == [a.date_text for a in newest.articles]

    article = articles[0]
    status, _, body = fetch(base + article.path)
    assert status == 200
    page = Selector(text=body.decode("utf-8"))
    assert clean(page.css("span.articletitle")[0]) == article.title
    assert page.css("link[rel=canonical]::attr(href)").get() == article.canonical_url
    source = page.css("p.source a")
    assert source.attrib["href"] == article.source_url
    assert clean(source[0]) == SOURCE_LINKS[spec.language]

    status, headers, _ = fetch(base + spec.feed_path(slug))
    assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"

    status, _, body = fetch(base + "/robots.txt")
    assert status == 200 and f"Disallow: {spec.search_path}" in body.decode().splitlines()
    assert fetch(base + spec.listing_path("nosuchpaper"))[0] == 404


@pytest.mark.parametrize("site", [s for s in SITES if s != "maghress-fr"])
def test_every_article_of_a_day_reads_back_with_its_publication_line(world, site):
    """Through the app (no sockets): title, body, and the publication line split on the pattern."""
    spec = world.site(site)
    app = HostApp(world, spec.aggregator.name)
    line = LINES[spec.language]
    for article in world.articles_for_day(site, DAY):
        page = Selector(text=app.respond(article.path).body.decode("utf-8"))
        assert page.xpath("/html/@dir").get() == spec.direction
        assert clean(page.css("span.articletitle")[0]) == article.title
        assert page_blocks(page, "span.articlecontent") == markup_kinds(article.blocks)
        match = line.match(clean(page.css("span.articlenewspaper")[0]))
        assert match, clean(page.css("span.articlenewspaper")[0])
        assert match["publication"] == article.publication_name
        assert match["date"] == article.date_text
        assert parse_shown_date(article.date_text) == article.published_date
        assert page.css("span.articlenewspaper a::attr(href)").get() == spec.listing_path(
            article.publication_slug
        )


def test_names_that_contain_the_separator(world):
    """ "اليوم" (Saudi), "اليوم السابع", "Le Soir d'Algérie", "Le Temps": the split must use the pattern."""
    names = {p.name for site in SITES for p in world.publications(site)}
    with_yawm = {n for n in names if "يوم" in n}
    assert {"اليوم", "اليوم السابع", "المصري اليوم", "الشروق اليومي"} <= with_yawm
    assert {"Le Soir d'Algérie", "Le Temps", "Aujourd'hui le Maroc"} <= names
    app = HostApp(world, "sauress")
    article = next(a for a in world.articles_for_day("sauress-ar", DAY) if a.publication_name == "اليوم")
    text = clean(
        Selector(text=app.respond(article.path).body.decode("utf-8")).css("span.articlenewspaper")[0]
    )
    assert text == f"نشر في اليوم يوم {article.date_text}"
    assert LINES["ar"].match(text)["publication"] == "اليوم"


def test_arabic_date_styles_and_digits(world):
    shown = [a.date_text for site in ARABIC for a in world.articles_for_day(site, DAY)]
    styles = Counter()
    for text in shown:
        latin = text.translate(EASTERN)
        style = "numeric" if " - " in text else ("maghreb" if "فيفري" in text else "months")
        styles[style] += 1
        styles["eastern" if latin != text else "latin"] += 1
        assert parse_shown_date(text) == DAY
    assert {"numeric", "months", "maghreb", "eastern", "latin"} <= set(styles), styles
    assert "9 فبراير 2011" in shown and "9 فيفري 2011" in shown and "٩ فبراير ٢٠١١" in shown
    assert "09 - 02 - 2011" in shown and "٠٩ - ٠٢ - ٢٠١١" in shown
    # Maghreb month names only where they are used: Algeria and Tunisia.
    for site in ARABIC:
        if any("فيفري" in a.date_text for a in world.articles_for_day(site, DAY)):
            assert site.startswith(("djazairess", "turess")), site
    # A publication writes all its dates one way, and its digits everywhere.
    eastern = [a for site in ARABIC for a in world.articles_for_day(site, DAY) if "٢٠١١" in a.date_text]
    assert eastern and all(not re.search(r"[0-9]", a.body) for a in eastern)


def test_french_and_english_editions_keep_the_numeric_date(world):
    for site in SITES:
        if not site.endswith("-ar"):
            assert {a.date_text for a in world.articles_for_day(site, DAY)} == {"09 - 02 - 2011"}


def test_times_follow_ids_in_the_sites_time_zone(world):
    for site in SITES:
        zone = ZoneInfo(world.site(site).timezone)
        by_pub: dict[str, list] = {}
        for article in world.articles_for_day(site, DAY):
            assert article.published_at.tzinfo == zone
            assert article.published_at.date() == DAY
            by_pub.setdefault(article.publication_slug, []).append(article)
        for articles in by_pub.values():
            times = [a.published_at for a in articles]
            assert times == sorted(times) and len(set(times)) == len(times)


def test_editions_share_their_aggregators_host(server):
    assert server.base_url_for("maghress-fr") == server.base_url_for("maghress-ar") == server.base_url
    assert server.base_url_for("sauress-ar") == server.base_url_for("sauress-en") != server.base_url
    assert len(set(server.urls.values())) == 7
    status, _, body = fetch(server.base_url_for("sauress-en") + "/")
    assert status == 200 and 'lang="ar"' in body.decode("utf-8")
    editions = Selector(text=body.decode("utf-8")).css("ul.editions a::attr(href)").getall()
    assert editions == ["/", "/en/"]


def test_pages_of_the_family_identical_across_processes():
    paths = {
        "masress": ("/", "/ahram", "/en/ahramonline/rss"),
        "djazairess": ("/fr/elwatan?page=2", "/elkhabar"),
        "sauress": ("/en/",),
    }
    script = (
        "import hashlib, datetime, json, sys\n"
        "from devsite import World\nfrom devsite.app import HostApp\n"
        "w = World(today=datetime.date(2011, 2, 11))\n"
        f"for agg, paths in {paths!r}.items():\n"
        "    app = HostApp(w, agg)\n"
        "    for p in paths:\n"
        "        print(agg, p, hashlib.sha256(app.respond(p).body).hexdigest())\n"
        "a = w.articles_for_day('sudaress-ar', datetime.date(2011, 2, 9))\n"
        "print('truth', hashlib.sha256(repr(a).encode()).hexdigest())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    here = World(today=TODAY)
    for line in outputs.pop().splitlines():
        if line.startswith("truth"):
            truth = here.articles_for_day("sudaress-ar", DAY)
            assert hashlib.sha256(repr(truth).encode()).hexdigest() == line.split()[1]
            continue
        agg, path, digest = line.split()
        assert hashlib.sha256(HostApp(here, agg).respond(path).body).hexdigest() == digest
