"""Locating a past day (spiders.discovery.locate, the listing search, the interpolated id search):
exactly the day's articles at any distance from today, in requests that grow with the logarithm
of the distance; the warehouse's ids of a neighbouring day cut discovery to a handful per
publication; a day before the first article is an empty day that says so; a page that fails
mid-search fails the day with its URL. In-process (spider_harness), against devsite's ground truth."""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import cache

import pytest
from spider_harness import make_spider, run, start_requests

from devsite import World
from devsite.app import HostApp, Response
from devsite.catalog import site_spec
from spiders.discovery.locate import Locator
from spiders.runner import request_counts

DAY = date(2011, 2, 9)
DISTANCES = (1, 365, 4 * 365 + 1, 3652)


@cache
def _world(distance: int, scale: float = 1.0) -> World:
    return World(today=DAY + timedelta(days=distance), scale=scale)


def _crawl(site: str, strategies: list[str], world: World, day: date = DAY, app=None, **kwargs):
    app = app or HostApp(world, site_spec(site).aggregator.name)
    spider = make_spider(site, day, strategies, **kwargs)
    return spider, run(app, start_requests(spider), limit=20000)


def _check_exact(world: World, site: str, crawl, day: date = DAY) -> None:
    expected = {a.canonical_url for a in world.articles_for_day(site, day)}
    found = [item.url for item in crawl.items]
    assert len(found) == len(set(found)), "an article reported twice"
    missing, extra = expected - set(found), set(found) - expected
    assert not missing and not extra, f"missing {sorted(missing)[:3]}, from other days {sorted(extra)[:3]}"
    assert expected and all(item.error is None for item in crawl.items)


def _discovery(crawl) -> int:
    """Requests that were not the day's article pages (each item is one article request)."""
    return len(crawl.requests) - len(crawl.items)


def _neighbours(world: World, site: str, sides=("below", "above")) -> dict:
    """What the warehouse holds once the days around DAY are loaded: the ids the crawl stage passes."""
    found: dict = {}
    for side, day in (("below", DAY - timedelta(days=1)), ("above", DAY + timedelta(days=1))):
        if side not in sides:
            continue
        for article in world.articles_for_day(site, day):
            current = found.setdefault(article.publication_slug, {}).get(side)
            better = current is None or (
                article.aggregator_id > current[0] if side == "below" else article.aggregator_id < current[0]
            )
            if better:
                found[article.publication_slug][side] = [article.aggregator_id, day.isoformat()]
    return found


# -- exactly the day, whatever its distance --------------------------------------------------------


@pytest.mark.parametrize("distance", DISTANCES)
@pytest.mark.parametrize(
    ("site", "strategy"),
    [
        ("maghress-fr", "listing"),  # French
        ("sauress-ar", "listing"),  # Arabic, Eastern digits
        ("masress-en", "rss"),  # /en/: feeds far too short, completed from the located listing
        ("maghress-ar", "rss"),
        ("djazairess-fr", "id_probe"),
        ("masress-ar", "id_probe"),  # Arabic, Eastern digits, dated by each page
    ],
)
def test_exactly_the_day_at_any_distance(site, strategy, distance):
    world = _world(distance)
    spider, crawl = _crawl(site, [strategy], world)
    _check_exact(world, site, crawl)
    assert spider.discovery_failures == [] and crawl.failures == []
    # never a walk over the distance: a few dozen requests per publication at most (id probing
    # pays up to max_consecutive_misses for a guess that lands below a publication's first id)
    per_publication = 40 if strategy == "id_probe" else 30
    assert _discovery(crawl) <= 1 + per_publication * len(world.publications(site))


@pytest.mark.parametrize(("site", "strategy"), [("maghress-fr", "listing"), ("djazairess-fr", "id_probe")])
def test_discovery_grows_with_the_logarithm_of_the_distance(site, strategy):
    costs = {}
    for distance in (30, 3000):
        world = _world(distance, 5.0)
        spider, crawl = _crawl(site, [strategy], world)
        _check_exact(world, site, crawl)
        costs[distance] = _discovery(crawl)
    # a hundred times further back: not even twice the discovery requests
    assert costs[3000] < 2 * costs[30], costs


def test_requests_per_article_meet_the_goals_at_scale_5():
    world = _world(1, 5.0)
    _, yesterday = _crawl("maghress-fr", ["listing"], world)
    _check_exact(world, "maghress-fr", yesterday)
    assert len(yesterday.requests) / len(yesterday.items) <= 1.3
    world = _world(4 * 365 + 1, 5.0)
    _, four_years = _crawl("maghress-fr", ["listing"], world)
    _check_exact(world, "maghress-fr", four_years)
    assert len(four_years.requests) / len(four_years.items) <= 2.5


# -- the warehouse's neighbouring days ---------------------------------------------------------------


@pytest.mark.parametrize(("site", "strategy"), [("maghress-fr", "listing"), ("maghress-ar", "rss")])
def test_a_collected_neighbouring_day_cuts_the_listing_search_to_a_handful(site, strategy):
    world = _world(4 * 365 + 1, 5.0)
    _, alone = _crawl(site, [strategy], world)
    spider, helped = _crawl(site, [strategy], world, neighbours=_neighbours(world, site, ("below",)))
    _check_exact(world, site, helped)
    assert spider.crawl_day.neighbours  # typed from the crawl stage's JSON
    searched = [r for r in helped.requests if "search" in r.meta.get("roles", ())]
    publications = len(world.publications(site))
    assert len(searched) <= 2 * publications  # beyond the first page: one or two pages each
    assert _discovery(helped) < _discovery(alone)
    assert len(helped.requests) / len(helped.items) <= 1.3


def test_ids_of_both_neighbouring_days_leave_nothing_to_search_for_id_probing():
    site, world = "djazairess-fr", _world(4 * 365 + 1, 5.0)
    spider, crawl = _crawl(site, ["id_probe"], world, neighbours=_neighbours(world, site))
    _check_exact(world, site, crawl)
    assert _discovery(crawl) == 1  # the home page: every probe is an article of the day
    assert crawl.urls("listing") == []


def test_the_id_of_the_day_before_starts_the_scan_right_above_it():
    site, world = "djazairess-fr", _world(365, 5.0)
    spider, crawl = _crawl(site, ["id_probe"], world, neighbours=_neighbours(world, site, ("below",)))
    _check_exact(world, site, crawl)
    # past each publication's last article of the day: at most a window of ids (max_consecutive_misses)
    assert _discovery(crawl) <= 1 + 10 * len(world.publications(site))


# -- the edges -------------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["listing", "rss", "id_probe"])
def test_a_day_before_the_first_article_is_an_empty_day_that_says_so(strategy):
    site, world, day = "maghress-fr", _world(1), date(2009, 6, 1)  # devsite starts on 2010-01-01
    spider, crawl = _crawl(site, [strategy], world, day=day)
    assert crawl.items == [] and spider.discovery_failures == []
    publications = [p.slug for p in world.publications(site)]
    # the listings end, or the ids start, after the day: each publication says so
    assert sorted(spider.crawl_day.before_history) == sorted(publications)
    assert all(oldest >= date(2010, 1, 1) for oldest in spider.crawl_day.before_history.values())
    # it ends, without walking the history (id probing: misses below the first id cost most)
    assert len(crawl.requests) <= 1 + (100 if strategy == "id_probe" else 40) * len(publications)


class _FailingSearchPage(HostApp):
    """devsite, except that the first listing page asked for by number answers 503."""

    failed: str | None = None

    def respond(self, target: str) -> Response:
        if "?page=" in target and self.failed in (None, target):
            self.failed = target
            return Response(503, "text/html; charset=utf-8", b"<h1>503</h1>")
        return super().respond(target)


def test_a_listing_page_that_fails_mid_search_fails_the_day_with_its_url():
    site, world = "maghress-fr", _world(365)
    app = _FailingSearchPage(world, "maghress")
    spider, crawl = _crawl(site, ["listing"], world, app=app)
    failed = [f for f in crawl.failures if f.kind == "listing"]
    assert [f.status for f in failed] == [503]
    assert spider.discovery_failures == [failed[0].url] and "?page=" in failed[0].url
    assert app.failed and failed[0].url.endswith(app.failed)


def test_a_search_that_cannot_end_names_site_day_publication_and_url():
    site, world = "maghress-fr", _world(4 * 365 + 1)
    spider, crawl = _crawl(site, ["listing"], world, discovery={"max_search_requests": 1})
    assert spider.discovery_failures
    failure = next(f for f in crawl.failures if f.url == spider.discovery_failures[0])
    assert failure.reason.startswith(f"{site} {DAY}: publication ")
    assert "cannot locate the day: not located after discovery.max_search_requests=1" in failure.reason


# -- the search itself, and the manifest's request counts ---------------------------------------------


def _history(rng: random.Random, days: int) -> dict[int, date]:
    ids, next_id, day = {}, 1000, date(2000, 1, 1)
    for _ in range(days):
        for _ in range(rng.randint(5, 60) if day.weekday() < 5 else rng.randint(0, 15)):
            ids[next_id] = day
            next_id += 1
        day += timedelta(days=1)
    return ids


@pytest.mark.parametrize("seed", range(5))
def test_the_locator_finds_the_boundary_in_few_guesses(seed):
    rng = random.Random(seed)
    ids = _history(rng, 4000)
    newest = max(ids)
    for distance in (1, 30, 400, 3000):
        target = ids[newest] - timedelta(days=distance)
        locator = Locator(target)
        for key in range(newest - 19, newest + 1):  # a first listing page
            locator.observe(key, ids[key])
        while not locator.located:
            key = locator.propose()
            assert locator.requests <= 40, "not logarithmic"
            if key in ids:
                locator.observe(key, ids[key])
            else:
                locator.observe_before_all(key)
        boundary = locator.hi
        assert ids[boundary] >= target and ids.get(boundary - 1, date.min) < target


def test_request_counts_split_discovery_from_articles():
    stats = {
        "pressetl/requests/robots": 1,
        "pressetl/requests/home": 1,
        "pressetl/requests/listing": 9,
        "pressetl/requests/probe": 30,
        "pressetl/requests/probe_article": 25,
        "pressetl/requests/article": 5,
        "pressetl/requests/publisher": 4,
    }
    assert request_counts(stats) == {"discovery_requests": 16, "article_requests": 30, "source_requests": 4}


class _UnevenPages(HostApp):
    """devsite, except that pages asked for by number carry one entry fewer than the first."""

    def respond(self, target: str) -> Response:
        answer = super().respond(target)
        if "?page=" not in target or answer.status != 200:
            return answer
        body = answer.body.decode("utf-8")
        start = body.find('<li class="article-item">')
        end = body.find("</li>", start) + len("</li>")
        return Response(answer.status, answer.content_type, (body[:start] + body[end:]).encode("utf-8"))


def test_listing_pages_of_uneven_sizes_are_walked_from_the_first_page_rather_than_guessed():
    site, world = "maghress-fr", _world(30)
    app = _UnevenPages(world, "maghress")
    spider, crawl = _crawl(site, ["listing"], world, app=app)
    assert spider.discovery_failures == []
    found = {item.url for item in crawl.items}
    # what the uneven listing still shows of the day: nothing guessed wrong, nothing from other days
    assert found <= {a.canonical_url for a in world.articles_for_day(site, DAY)}
    walked = [r for r in crawl.requests if r.meta.get("kind") == "listing" and "walk" in r.meta["roles"]]
    assert len(walked) > len(world.publications(site))  # walked page after page
