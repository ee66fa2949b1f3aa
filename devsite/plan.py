"""A day of an edition without the article bodies: who publishes what, under which title,
id, time and publisher URL. Cheap enough to compute for every page that only lists titles
(home, tickers, feeds, the publishers' path index); bodies are built on demand by
``devsite.articles``.

Titles are v1's: generated in (publication, position) order and retried while taken that
day. A wire copy's slot still draws its v1 title first (kept out of the page), so the
unique articles around it keep v1's titles exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote

from devsite import dates, textgen, wire
from devsite.catalog import PublicationSpec, SiteSpec, site_spec
from devsite.reference import pinned_article
from devsite.schedule import Volume, articles_before, daily_count
from devsite.seeds import stable_int, stable_rng

_MAX_TITLE_ATTEMPTS = 200  # v1 never needs more than a few; scale=100 days may


@dataclass(frozen=True)
class Stub:
    site: str
    slug: str
    aggregator_id: int
    day: date
    position: int  # within the publication's day
    title: str  # as shown (Eastern digits for the publications that use them)
    source_url: str
    published_at: datetime
    copy: wire.Copy | None = None  # this slot carries a wire story
    pinned: bool = False


@dataclass(frozen=True)
class DayPlan:
    stubs: tuple[Stub, ...]  # sorted by (publication slug, id), like articles_for_day
    by_slug: dict[str, tuple[Stub, ...]]

    def stub(self, slug: str, position: int) -> Stub | None:
        found = self.by_slug.get(slug, ())
        return found[position] if 0 <= position < len(found) else None


# Bounded: ~100 stubs a day at scale 1 (a few KB); scale=100 days are 100 times bigger.
@lru_cache(maxsize=512)
def day_plan(site_name: str, day: date, volume: Volume) -> DayPlan:
    site = site_spec(site_name)
    vocab = textgen.vocabulary(site.language, site.country)
    titles: set[str] = set()
    rows: list[tuple[PublicationSpec, int, int, str | None, wire.Copy | None, bool]] = []
    for pub in sorted(site.publications, key=lambda p: p.slug):
        first = pub.first_id + articles_before(site_name, pub.slug, day, volume)
        copies = wire.placements(site_name, pub.slug, day, volume)
        for position in range(daily_count(site_name, pub.slug, day, volume)):
            aggregator_id = first + position
            pinned = pinned_article(site_name, day, pub.slug, position)
            if pinned is not None:
                title = pinned.title
            else:
                title = _v1_title(vocab, titles, site_name, pub.slug, aggregator_id, day.year)
            titles.add(title)
            copy = copies.get(position)
            rows.append((pub, position, aggregator_id, None if copy else title, copy, pinned is not None))
    stubs = []
    for pub, position, aggregator_id, title, copy, pinned in rows:
        if copy is not None:
            title = _copy_title(copy, titles)
            titles.add(title)
        assert title is not None
        stubs.append(_stub(site, pub, day, position, aggregator_id, title, copy, pinned, volume))
    by_slug: dict[str, list[Stub]] = {}
    for stub in stubs:
        by_slug.setdefault(stub.slug, []).append(stub)
    return DayPlan(tuple(stubs), {slug: tuple(found) for slug, found in by_slug.items()})


def _v1_title(
    vocab: textgen.Vocabulary, taken: set[str], site: str, slug: str, aggregator_id: int, year: int
) -> str:
    title = textgen.title(vocab, stable_rng("article", site, slug, aggregator_id), year)
    # Titles repeat across days, as on the real site, but not within one day.
    attempt = 0
    while title in taken and attempt < _MAX_TITLE_ATTEMPTS:
        attempt += 1
        title = textgen.title(vocab, stable_rng("title", site, slug, aggregator_id, attempt), year)
    return title


def _copy_title(copy: wire.Copy, taken: set[str]) -> str:
    attempt = 0
    title = wire.copy_title(copy.story, copy.copy)
    while title in taken:
        attempt += 1
        title = wire.copy_title(copy.story, copy.copy, attempt)
    return title


def _stub(
    site: SiteSpec,
    pub: PublicationSpec,
    day: date,
    position: int,
    aggregator_id: int,
    title: str,
    copy: wire.Copy | None,
    pinned: bool,
    volume: Volume,
) -> Stub:
    shown = textgen.eastern_digits(title) if pub.digits == "eastern" else title
    count = daily_count(site.name, pub.slug, day, volume)
    moment = dates.published_at(site.timezone, day, position, count, site.name, pub.slug, aggregator_id)
    if pinned:
        source_url = pinned_article(site.name, day, pub.slug, position).source_url  # type: ignore[union-attr]
    else:
        source_url = _source_url(pub, title, day, aggregator_id, site.name)
    return Stub(site.name, pub.slug, aggregator_id, day, position, shown, source_url, moment, copy, pinned)


def _source_url(pub: PublicationSpec, title: str, day: date, aggregator_id: int, site: str) -> str:
    return pub.source_url.format(
        title_slug=textgen.slugify(title),
        title_slug_ar=quote(textgen.slugify_words(title)),
        yyyy=f"{day.year:04d}",
        mm=f"{day.month:02d}",
        dd=f"{day.day:02d}",
        m=str(day.month),
        d=str(day.day),
        # v1's publisher number (random, may repeat), kept for maghress-fr's URLs
        n=100000 + stable_int("source", site, pub.slug, aggregator_id) % 900000,
        pid=publisher_id(site, pub.slug, aggregator_id),
    )


def publisher_id(site: str, slug: str, aggregator_id: int) -> int:
    """The publisher's own article number: rises with the aggregator's id, never repeats."""
    base, step = publisher_id_base(site, slug)
    return base + aggregator_id * step


def publisher_id_base(site: str, slug: str) -> tuple[int, int]:
    base = 100000 + stable_int("pid", site, slug) % 700000
    step = 1 + stable_int("pid-step", site, slug) % 4  # the publisher also posts what the aggregator skips
    return base, step
