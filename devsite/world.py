"""The devsite's ground truth: which articles exist, with which content, as of ``today``.

Content depends only on (site, day): it is generated once per day and cached for the
process. ``today`` hides what is not published yet; ``faults`` only flips ``broken``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from devsite import schedule, textgen
from devsite.catalog import SITES, SiteSpec, site_spec
from devsite.model import ExpectedArticle, Faults, Publication
from devsite.reference import pinned_article
from devsite.seeds import stable_fraction, stable_int, stable_rng

PAGE_SIZE = 20


@dataclass(frozen=True)
class Listing:
    """One page of a publication listing, newest first."""

    site: str
    slug: str
    page: int
    articles: tuple[ExpectedArticle, ...]
    has_next: bool


class World:
    """Immutable: pages rendered from a World are cached for its lifetime."""

    __slots__ = ("_today", "_faults")

    def __init__(self, today: date, faults: Faults | None = None) -> None:
        self._today = today
        self._faults = faults if faults is not None else Faults()

    def __repr__(self) -> str:
        return f"World(today={self._today!r}, faults={self._faults!r})"

    @property
    def today(self) -> date:
        return self._today

    @property
    def faults(self) -> Faults:
        return self._faults

    def site_names(self) -> list[str]:
        return list(SITES)

    def site(self, site: str) -> SiteSpec:
        return site_spec(site)

    def publications(self, site: str) -> list[Publication]:
        return [pub.public for pub in site_spec(site).publications]

    def articles_for_day(self, site: str, day: date) -> list[ExpectedArticle]:
        """Every article the site publishes on ``day``, sorted by (publication_slug, aggregator_id).

        Empty for a day after ``today``: the site has not published it yet.
        """
        if day > self._today:
            return []
        return [self._with_faults(article) for article in _day_articles(site, day)]

    def article(self, site: str, slug: str, aggregator_id: int) -> ExpectedArticle | None:
        """The article behind ``/<prefix>/<slug>/<id>``; None when the site answers 404 for it."""
        spec = site_spec(site)
        pub = spec.publication(slug)
        if pub is None:
            return None
        found = schedule.locate(site, slug, aggregator_id - pub.first_id, self._today)
        if found is None:
            return None
        day, index = found
        return self._with_faults(_publication_day(site, slug, day)[index])

    def published_count(self, site: str, slug: str) -> int:
        """Articles of the publication published on or before ``today``."""
        return schedule.articles_before(site, slug, self._today + timedelta(days=1))

    def listing(self, site: str, slug: str, page: int) -> Listing | None:
        """Page ``page`` (from 1) of a publication's listing; None for an unknown slug or past the end."""
        pub = site_spec(site).publication(slug)
        if pub is None or page < 1:
            return None
        total = self.published_count(site, slug)
        start = (page - 1) * PAGE_SIZE
        if start >= total and page > 1:
            return None
        newest = pub.first_id + total - 1
        ids = range(newest - start, max(newest - start - PAGE_SIZE, pub.first_id - 1), -1)
        articles = tuple(a for a in (self.article(site, slug, i) for i in ids) if a is not None)
        return Listing(site, slug, page, articles, has_next=start + PAGE_SIZE < total)

    def latest(self, site: str, limit: int) -> list[ExpectedArticle]:
        """The newest articles across publications (today's first), for home pages and tickers."""
        found: list[ExpectedArticle] = []
        day = self._today
        while len(found) < limit and day >= schedule.EPOCH:
            todays = self.articles_for_day(site, day)
            found.extend(sorted(todays, key=lambda a: (-a.aggregator_id, a.publication_slug)))
            day -= timedelta(days=1)
        return found[:limit]

    def _with_faults(self, article: ExpectedArticle) -> ExpectedArticle:
        share = self._faults.broken_share
        if share and _draw("broken", article) < share:
            return dataclasses.replace(article, broken=True)
        return article


@lru_cache(maxsize=1024)
def _publication_day(site: str, slug: str, day: date) -> tuple[ExpectedArticle, ...]:
    return tuple(a for a in _day_articles(site, day) if a.publication_slug == slug)


# Bounded: a day holds ~100 articles (~200 KB); backfills walk many days.
@lru_cache(maxsize=256)
def _day_articles(site: str, day: date) -> tuple[ExpectedArticle, ...]:
    spec = site_spec(site)
    vocab = textgen.vocabulary(spec.language)
    titles: set[str] = set()
    out = []
    for pub in sorted(spec.publications, key=lambda p: p.slug):
        first = pub.first_id + schedule.articles_before(site, pub.slug, day)
        for position in range(schedule.daily_count(site, pub.slug, day)):
            aggregator_id = first + position
            pinned = pinned_article(site, day, pub.slug, position)
            if pinned is not None:
                title, blocks, source_url = pinned.title, pinned.blocks, pinned.source_url
            else:
                rng = stable_rng("article", site, pub.slug, aggregator_id)
                title = textgen.title(vocab, rng, day.year)
                # Titles repeat across days, as on the real site, but not within one day.
                attempt = 0
                while title in titles:
                    attempt += 1
                    retry = stable_rng("title", site, pub.slug, aggregator_id, attempt)
                    title = textgen.title(vocab, retry, day.year)
                blocks = textgen.blocks(vocab, rng, day.year)
                source_url = _source_url(pub.source_url, title, day, site, pub.slug, aggregator_id)
            titles.add(title)
            path = spec.article_path(pub.slug, aggregator_id)
            out.append(
                ExpectedArticle(
                    site=site,
                    publication_slug=pub.slug,
                    publication_name=pub.name,
                    aggregator_id=aggregator_id,
                    path=path,
                    canonical_url=spec.aggregator.real_base_url + path,
                    title=title,
                    published_date=day,
                    blocks=blocks,
                    source_url=source_url,
                    thumbnail_url=f"https://{spec.aggregator.image_host}/{pub.slug}/{aggregator_id}/thumb",
                    language=spec.language,
                )
            )
    return tuple(out)


def _draw(purpose: str, article: ExpectedArticle) -> float:
    return stable_fraction(purpose, article.site, article.publication_slug, article.aggregator_id)


def _source_url(template: str, title: str, day: date, *seed: object) -> str:
    return template.format(
        title_slug=textgen.slugify(title),
        yyyy=f"{day.year:04d}",
        mm=f"{day.month:02d}",
        dd=f"{day.day:02d}",
        n=100000 + stable_int("source", *seed) % 900000,
    )
