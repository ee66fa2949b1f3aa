"""The whole aggregator family as profiles: twelve YAML files, one format, and a thirteenth site
added with nothing but a YAML file."""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import replace
from datetime import date

import pyarrow.parquet as pq
import pytest
from conftest import SITE, make_settings

from core.partitions import Partition
from core.profiles import ProfileError, load_profile_file, load_profiles
from core.rawzone import read_raw_items
from core.settings import REPO_ROOT
from pipeline.stages import crawl, transform

PROFILES = REPO_ROOT / "profiles"
FAMILY = {
    "maghress-fr": ("www.maghress.com", "fr", "Africa/Casablanca"),
    "maghress-ar": ("www.maghress.com", "ar", "Africa/Casablanca"),
    "djazairess-fr": ("www.djazairess.com", "fr", "Africa/Algiers"),
    "djazairess-ar": ("www.djazairess.com", "ar", "Africa/Algiers"),
    "turess-fr": ("www.turess.com", "fr", "Africa/Tunis"),
    "turess-ar": ("www.turess.com", "ar", "Africa/Tunis"),
    "sauress-ar": ("www.sauress.com", "ar", "Asia/Riyadh"),
    "sauress-en": ("www.sauress.com", "en", "Asia/Riyadh"),
    "yemeress-ar": ("www.yemeress.com", "ar", "Asia/Aden"),
    "masress-ar": ("www.masress.com", "ar", "Africa/Cairo"),
    "masress-en": ("www.masress.com", "en", "Africa/Cairo"),
    "sudaress-ar": ("www.sudaress.com", "ar", "Africa/Khartoum"),
}
PREFIX = {"fr": "/fr", "en": "/en", "ar": ""}


def test_all_twelve_sites_load_with_their_real_hosts_and_url_schemes():
    profiles = load_profiles(PROFILES)
    assert set(FAMILY) <= set(profiles)
    for site, (host, language, zone) in FAMILY.items():
        profile = profiles[site]
        bare = host.removeprefix("www.")
        assert profile.base_url == f"https://{host}"
        assert profile.canonical_host == host and set(profile.hosts) == {host, bare}
        assert profile.languages == [language] and profile.timezone == zone
        prefix = PREFIX[language]
        assert profile.urls.home == f"{prefix}/"
        assert profile.urls.listing == f"{prefix}/{{publication}}"
        assert profile.urls.article_path == f"{prefix}/{{publication}}/{{id}}"
        assert profile.urls.feed == f"{prefix}/{{publication}}/rss"
        assert not profile.source_follow.enabled  # off unless asked for
        assert all("." in h and "/" not in h for h in profile.source_follow.allowed_hosts)


def test_every_discovery_strategy_is_used_by_some_profile():
    used = {s for p in load_profiles(PROFILES).values() for s in p.discovery.strategies}
    assert used == {"listing", "rss", "id_probe"}


@pytest.mark.parametrize(
    ("site", "line", "expected"),
    [
        (
            "maghress-fr",
            "Publié dans Aujourd'hui le Maroc le 09 - 02 - 2011",
            ("Aujourd'hui le Maroc", "2011-02-09"),
        ),
        ("maghress-ar", "نشر في هسبريس يوم 09 - 02 - 2011", ("هسبريس", "2011-02-09")),
        ("djazairess-ar", "نشر في الخبر يوم 9 فيفري 2011", ("الخبر", "2011-02-09")),
        ("masress-ar", "نشر في المصري اليوم يوم ٩ فبراير ٢٠١١", ("المصري اليوم", "2011-02-09")),
        ("sauress-ar", "نشر في عكاظ يوم ٠٩ - ٠٢ - ٢٠١١", ("عكاظ", "2011-02-09")),
        ("masress-en", "Published in Daily News Egypt on 09 - 02 - 2011", ("Daily News Egypt", "2011-02-09")),
        ("yemeress-ar", "نشر في 26 سبتمبر يوم 1 مارس 2011", ("26 سبتمبر", "2011-03-01")),
    ],
)
def test_publication_lines_split_on_the_pattern_in_every_language(site, line, expected):
    from core.dates import parse_publication_line

    profile = load_profile_file(PROFILES / f"{site}.yaml")
    name, published = parse_publication_line(line, profile)
    assert (name, published.isoformat()) == expected


def test_a_misspelt_key_in_a_family_profile_names_the_file_and_key(tmp_path):
    text = (PROFILES / "sudaress-ar.yaml").read_text(encoding="utf-8").replace("strategies:", "strategys:")
    path = tmp_path / "sudaress-ar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert str(path) in str(err.value) and "unknown key 'discovery.strategys'" in str(err.value)


# -- a thirteenth site: only a YAML file ------------------------------------------------------------

NEW_SITE = "maghrebnews-fr"
NEW_PROFILE = """\
# A sister site nobody wrote Python for. devsite serves its pages on the Maghress French layout.
site: maghrebnews-fr
aggregator: maghrebnews
display_name: Maghreb News (français)
base_url: https://www.maghrebnews.example
hosts: [www.maghrebnews.example, maghrebnews.example]
canonical_host: www.maghrebnews.example
languages: [fr]
timezone: Africa/Casablanca
urls:
  home: /fr/
  listing: /fr/{publication}
  article: '^/fr/(?P<publication>[a-z0-9_-]+)/(?P<id>\\d+)/?$'
  publication_link: '^/fr/(?P<publication>[a-z0-9_-]+)/?$'
  article_path: /fr/{publication}/{id}
selectors:
  title: span.articletitle
  publication_line: span.articlenewspaper
  body: span.articlecontent
  source_link: "xpath://a[contains(normalize-space(.), 'Cliquez ici pour lire')]/@href"
  listing_item: li.article-item
  listing_link: "a.article-link::attr(href)"
  listing_date: "span.article-date::text"
  next_page: "a.next::attr(href)"
  home_publication_links: "ul.publications a::attr(href)"
publication_line:
  pattern: '^Publié dans\\s+(?P<publication>.+?)\\s+le\\s+(?P<date>\\d{1,2} - \\d{1,2} - \\d{4})$'
date_formats: ["%d - %m - %Y"]
discovery:
  strategies: [listing]
"""


def test_a_thirteenth_site_needs_only_a_yaml_file(tmp_path, devsite_url, world):
    profiles_dir = tmp_path / "profiles"
    shutil.copytree(PROFILES, profiles_dir)
    (profiles_dir / f"{NEW_SITE}.yaml").write_text(textwrap.dedent(NEW_PROFILE), encoding="utf-8")
    assert NEW_SITE in load_profiles(profiles_dir)

    day = date(2011, 2, 9)
    settings = make_settings(tmp_path / "data", None)
    settings = replace(settings, profiles_dir=profiles_dir).with_base_url(NEW_SITE, devsite_url)
    summary = crawl(settings, NEW_SITE, day, "new")
    expected = {a.path: a for a in world.articles_for_day(SITE, day)}
    partition = Partition(NEW_SITE, day, settings.data_dir)
    items = list(read_raw_items(partition))
    assert {item.url.removeprefix(devsite_url) for item in items} == set(expected)
    assert summary["discovered"] == summary["fetched"] == len(expected)

    transform(settings, NEW_SITE, day, "new")
    rows = pq.read_table(partition.staged_articles).to_pylist()
    assert len(rows) == len(expected)
    by_path = {row["canonical_url"].removeprefix("https://www.maghrebnews.example"): row for row in rows}
    for path, article in expected.items():
        assert by_path[path]["title"] == article.title
        assert by_path[path]["published_date"] == article.published_date
        assert by_path[path]["extraction"] == "selectors"
