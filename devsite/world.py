"""The devsite's ground truth: which articles exist, with which content, as of ``today``.

Content depends only on (site, day) and the volume (``scale``, ``Faults.thin_days``): each
day is planned once (``devsite.plan``) and its articles built on demand
(``devsite.articles``), both cached for the process. ``today`` hides what is not published
yet; the other faults only set flags on articles.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from devsite import schedule
from devsite.articles import build
from devsite.catalog import SITES, SiteSpec, site_spec
from devsite.model import ExpectedArticle, Faults, Publication
from devsite.plan import DayPlan, Stub, day_plan
from devsite.schedule import Volume
from devsite.seeds import stable_fraction, stable_int

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
    """Immutable: pages rendered from a World are cached for its lifetime.

    ``scale`` multiplies every day's article count (benchmarks: ``scale=100`` gives
    ~10,000 articles a day on maghress-fr); ids stay gap-free.
    """

    __slots__ = ("_today", "_faults", "_scale", "_volume")

    def __init__(self, today: date, faults: Faults | None = None, scale: float = 1.0) -> None:
        self._today = today
        self._faults = faults if faults is not None else Faults()
        self._scale = float(scale)
        self._volume = Volume(self._scale, tuple(sorted(self._faults.thin_days.items())))

    def __repr__(self) -> str:
        scale = f", scale={self._scale!r}" if self._scale != 1.0 else ""
        return f"World(today={self._today!r}, faults={self._faults!r}{scale})"

    def __getstate__(self) -> tuple[date, Faults, float]:
        return (self._today, self._faults, self._scale)

    def __setstate__(self, state: tuple[date, Faults, float]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    @property
    def today(self) -> date:
        return self._today

    @property
    def faults(self) -> Faults:
        return self._faults

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def volume(self) -> Volume:
        return self._volume

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
        if day > self._today or day < schedule.EPOCH:
            return []
        return [self._with_faults(build(stub)) for stub in self.plan(site, day).stubs]

    def article(self, site: str, slug: str, aggregator_id: int) -> ExpectedArticle | None:
        """The article behind ``/<prefix>/<slug>/<id>``; None when the site answers 404 for it."""
        stub = self.stub(site, slug, aggregator_id)
        return None if stub is None else self._with_faults(build(stub))

    def stub(self, site: str, slug: str, aggregator_id: int) -> Stub | None:
        """The article's title, time and URLs without building its body (for lists of titles)."""
        pub = site_spec(site).publication(slug)
        if pub is None:
            return None
        found = schedule.locate(site, slug, aggregator_id - pub.first_id, self._today, self._volume)
        if found is None:
            return None
        day, index = found
        return self.plan(site, day).stub(slug, index)

    def plan(self, site: str, day: date) -> DayPlan:
        """A day's articles as stubs, whatever ``today`` is (callers hide the future)."""
        return day_plan(site, day, self._volume)

    def published_count(self, site: str, slug: str) -> int:
        """Articles of the publication published on or before ``today``."""
        return schedule.articles_before(site, slug, self._today + timedelta(days=1), self._volume)

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

    def newest(self, site: str, slug: str, limit: int) -> list[ExpectedArticle]:
        """The publication's ``limit`` newest articles up to ``today``, newest first (feeds)."""
        pub = site_spec(site).publication(slug)
        if pub is None:
            return []
        newest = pub.first_id + self.published_count(site, slug) - 1
        ids = range(newest, max(newest - limit, pub.first_id - 1), -1)
        return [a for a in (self.article(site, slug, i) for i in ids) if a is not None]

    def latest_stubs(self, site: str, limit: int) -> list[Stub]:
        """The newest articles across publications (today's first, latest time first), as stubs."""
        found: list[Stub] = []
        day = self._today
        while len(found) < limit and day >= schedule.EPOCH:
            stubs = self.plan(site, day).stubs
            found.extend(sorted(stubs, key=lambda s: (s.published_at, s.aggregator_id), reverse=True))
            day -= timedelta(days=1)
        return found[:limit]

    def latest(self, site: str, limit: int) -> list[ExpectedArticle]:
        """The newest articles across publications (today's first), for home pages and feeds."""
        return [self._with_faults(build(stub)) for stub in self.latest_stubs(site, limit)]

    def _with_faults(self, article: ExpectedArticle) -> ExpectedArticle:
        faults = self._faults
        flags = {
            name: True
            for name, share in (
                ("broken", faults.broken_share),
                ("slow", faults.slow_share),
                ("truncated", faults.truncated_share),
                ("wrong_charset", faults.wrong_charset_share),
                ("shared_source", faults.shared_source_share),
                ("other_source_wording", faults.source_wording_share),
            )
            if share and _draw(name, article) < share
        }
        if faults.blocked_share and _draw("blocked", article) < faults.blocked_share:
            kinds = faults.blocked_kinds  # which wall: the same every run
            flags["blocked"] = kinds[stable_int("wall", article.site, article.aggregator_id) % len(kinds)]
        return dataclasses.replace(article, **flags) if flags else article


def _draw(purpose: str, article: ExpectedArticle) -> float:
    return stable_fraction(purpose, article.site, article.publication_slug, article.aggregator_id)
