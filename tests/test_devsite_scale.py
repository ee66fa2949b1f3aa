"""devsite v2: scale for benchmarks, and v1's maghress-fr content kept as it was."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from devsite import World
from devsite.schedule import Volume, daily_count

TODAY = date(2011, 2, 11)
DAY = date(2011, 2, 9)
SITE = "maghress-fr"
# sha256 over "<path> <digest of v1's (title, blocks, source_url, ...)>" lines of every maghress-fr
# article of 5-11 February 2011 that is not a wire copy, computed with devsite v1.
V1_DIGEST = "c3ab1f56e31c03f14f79460497a098fd5d383a89c0f07e44e62d750eebd9ccde"


def _v1_fields(article) -> str:
    fields = (
        article.title,
        article.blocks,
        article.source_url,
        article.published_date,
        article.publication_name,
        article.thumbnail_url,
        article.canonical_url,
    )
    return hashlib.sha256(repr(fields).encode()).hexdigest()[:16]


def test_maghress_fr_reads_as_in_v1_apart_from_wire_copies():
    world = World(today=TODAY)
    lines, copies = [], 0
    for offset in range(7):
        day = date(2011, 2, 5) + timedelta(days=offset)
        wire_slots = {(s.slug, s.aggregator_id) for s in world.plan(SITE, day).stubs if s.copy is not None}
        copies += len(wire_slots)
        for article in world.articles_for_day(SITE, day):
            if (article.publication_slug, article.aggregator_id) not in wire_slots:
                lines.append(f"{article.path} {_v1_fields(article)}")
    assert len(lines) == 437 and copies > 0
    assert hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest() == V1_DIGEST


def test_scale_multiplies_every_day_and_keeps_ids_gap_free():
    small, big = World(today=TODAY), World(today=TODAY, scale=10)
    for day in (DAY, DAY - timedelta(days=4)):  # a weekday and a Saturday
        for pub in small.publications(SITE):
            usual = daily_count(SITE, pub.slug, day)
            assert daily_count(SITE, pub.slug, day, big.volume) == int(usual * 10 + 0.5)
    articles = big.articles_for_day(SITE, DAY)
    assert (
        9 * len(small.articles_for_day(SITE, DAY))
        < len(articles)
        < 11 * len(small.articles_for_day(SITE, DAY))
    )
    assert len({a.title for a in articles}) == len(articles)
    for pub in big.publications(SITE):
        ids = [
            a.aggregator_id
            for day in (DAY - timedelta(days=1), DAY)
            for a in big.articles_for_day(SITE, day)
            if a.publication_slug == pub.slug
        ]
        assert ids == list(range(ids[0], ids[0] + len(ids)))
        last = big.article(SITE, pub.slug, ids[-1])
        assert last is not None and last.published_date == DAY
    assert big.listing(SITE, "lesecos", 1).articles[0].published_date == TODAY
    assert 0.1 < sum(a.story_id is not None for a in articles) / len(articles) < 0.2


def test_a_scale_100_day_is_about_ten_thousand_articles():
    volume = World(today=TODAY, scale=100).volume
    assert volume == Volume(scale=100.0)
    total = sum(daily_count(SITE, pub.slug, DAY, volume) for pub in World(today=TODAY).publications(SITE))
    assert 7_000 <= total <= 13_000
    plan = World(today=TODAY, scale=100).plan(SITE, DAY)  # titles and URLs only: cheap
    assert len(plan.stubs) == total and len({s.title for s in plan.stubs}) == total
