"""devsite v2: near-duplicate wire stories, labelled by ``story_id``."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import date, timedelta

import pytest
from test_devsite_support import jaccard, shingles

from devsite import World

TODAY = date(2011, 3, 1)
FIRST, LAST = date(2011, 2, 1), date(2011, 2, 21)  # three weeks
CREDITS = {"maghress-fr": "MAP", "djazairess-ar": "واج", "sauress-en": "SPA", "masress-ar": "أ ش أ"}


@pytest.fixture(scope="module")
def world() -> World:
    return World(today=TODAY)


@pytest.fixture(scope="module")
def period(world):
    """Every site's articles over the period and the two days after (so clusters are whole)."""
    days = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 3)]
    return {
        site: [a for day in days for a in world.articles_for_day(site, day)] for site in world.site_names()
    }


def clusters_of(articles) -> dict[str, list]:
    found = defaultdict(list)
    for article in articles:
        if article.story_id is not None:
            found[article.story_id].append(article)
    return found


def born(story_id: str) -> date:
    stamp = story_id.split(":")[1]
    return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))


def test_clusters_are_2_to_5_publications_of_one_edition_within_3_days(period):
    for site, articles in period.items():
        clusters = {sid: c for sid, c in clusters_of(articles).items() if FIRST <= born(sid) <= LAST}
        assert len(clusters) > 10, site
        for story_id, copies in clusters.items():
            assert story_id.startswith(f"{site}:")
            assert 2 <= len(copies) <= 5, (story_id, len(copies))
            assert len({a.publication_slug for a in copies}) == len(copies)  # one copy per publication
            days = sorted(a.published_date for a in copies)
            assert born(story_id) <= days[0] and (days[-1] - born(story_id)).days <= 2
            assert len({a.title for a in copies}) >= 2  # other wordings


def test_one_in_seven_or_so_articles_is_a_wire_copy(period):
    for site, articles in period.items():
        within = [a for a in articles if FIRST + timedelta(days=2) <= a.published_date <= LAST]
        share = sum(a.story_id is not None for a in within) / len(within)
        assert 0.10 <= share <= 0.20, (site, share)


def test_agencies_run_their_own_dispatches(world, period):
    for site, articles in period.items():
        agency = world.site(site).agency.slug
        clusters = clusters_of(articles).values()
        with_agency = [c for c in clusters if any(a.publication_slug == agency for a in c)]
        assert len(with_agency) / len(clusters) > 0.4, site


class Similarity:
    """Shingle Jaccard of title and body, shingles computed once per article."""

    def __init__(self) -> None:
        self._sets: dict[str, set] = {}

    def __call__(self, a, b) -> float:
        return jaccard(self._shingles(a), self._shingles(b))

    def _shingles(self, article) -> set:
        if article.canonical_url not in self._sets:
            self._sets[article.canonical_url] = shingles(article.title + " " + article.body)
        return self._sets[article.canonical_url]


def test_copies_are_near_duplicates_and_unrelated_articles_are_not(period):
    for site, articles in period.items():
        similarity = Similarity()
        clusters = list(clusters_of(articles).values())
        within = [similarity(a, b) for copies in clusters for a, b in itertools.combinations(copies, 2)]
        assert min(within) > 0.3, site
        assert statistics.median(within) > 0.6, site
        assert sum(j > 0.5 for j in within) / len(within) > 0.85, site

        unique = [a for a in articles if a.story_id is None][::5][:120]
        across = [similarity(a, b) for a, b in itertools.combinations(unique, 2)]
        if site == "maghress-fr":
            # v1's French text, kept as it was: a few pairs share several stock sentences.
            assert max(across) < 0.3 and sorted(across)[int(len(across) * 0.99)] < 0.22
        else:
            assert max(across) < 0.2, (site, max(across))
        # and copies of different stories are unrelated too
        firsts = [copies[0] for copies in clusters[:60]]
        assert max(similarity(a, b) for a, b in itertools.combinations(firsts, 2)) < 0.3, site


def test_copies_are_edited_like_real_republications(period):
    for site, credit in CREDITS.items():
        copies = [a for a in period[site] if a.story_id is not None]
        credited = [a for a in copies if credit in a.body]
        assert 0.2 < len(credited) / len(copies) < 0.95, site  # the credit kept by some, dropped by others
        bodies = defaultdict(set)
        for article in copies:
            bodies[article.story_id].add(article.body)
        assert sum(len(b) > 1 for b in bodies.values()) / len(bodies) > 0.9  # rarely word for word


def test_titles_stay_unique_within_a_day(period):
    for site, articles in period.items():
        by_day = defaultdict(list)
        for article in articles:
            by_day[article.published_date].append(article.title)
        for titles in by_day.values():
            assert len(set(titles)) == len(titles), site


def test_stories_do_not_depend_on_the_clock(world):
    later = World(today=date(2011, 6, 1))
    for site in ("maghress-fr", "yemeress-ar"):
        day = date(2011, 2, 15)
        assert [a.story_id for a in later.articles_for_day(site, day)] == [
            a.story_id for a in world.articles_for_day(site, day)
        ]
