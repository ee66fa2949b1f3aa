"""The static description of the aggregators, their language editions and publications.

It lives in ``data/sites.json`` and ``data/ui.json`` so that a sister site is added as
data: one more aggregator host, one more edition on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from devsite.model import Publication

LAYOUTS = ("wordpress", "drupal", "joomla", "newsroom", "legacy")  # publisher sites' looks
DATE_STYLES = ("numeric", "months", "maghreb")
DIGITS = ("latin", "eastern")
# Paths an edition serves itself: a publication slug must not shadow them.
_RESERVED_SLUGS = {"fr", "en", "ar", "rss", "static", "search", "recherche", "admin", "robots.txt"}


@dataclass(frozen=True)
class AggregatorSpec:
    name: str
    display_name: str
    real_host: str
    image_host: str
    display_names: tuple[tuple[str, str], ...] = ()  # (language, name) where it differs

    @property
    def real_base_url(self) -> str:
        return f"https://{self.real_host}"

    def name_in(self, language: str) -> str:
        return dict(self.display_names).get(language, self.display_name)


@dataclass(frozen=True)
class PublicationSpec:
    slug: str
    name: str
    home_url: str
    first_id: int
    daily_min: int  # articles on a working day
    daily_max: int
    source_url: str  # template: {title_slug} {title_slug_ar} {yyyy} {mm} {dd} {m} {d} {n} {pid}
    layout: str = "wordpress"
    date_style: str = "numeric"
    digits: str = "latin"
    agency: bool = False

    @property
    def public(self) -> Publication:
        return Publication(self.slug, self.name, self.home_url)

    @property
    def source_host(self) -> str:
        return urlsplit(self.source_url).netloc


@dataclass(frozen=True)
class SiteSpec:
    """One language edition of an aggregator, served under ``prefix`` on the aggregator's host."""

    name: str
    aggregator: AggregatorSpec
    language: str
    direction: str
    prefix: str  # "/fr", "/en", or "" for the Arabic edition at the root
    timezone: str
    weekend_days: tuple[int, ...]
    weekend_factor: float
    publications: tuple[PublicationSpec, ...]
    country: str = "ma"
    ui_overrides: tuple[tuple[str, str], ...] = ()

    _by_slug: dict[str, PublicationSpec] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {pub.slug: pub for pub in self.publications})

    def publication(self, slug: str) -> PublicationSpec | None:
        return self._by_slug.get(slug)

    @property
    def display_name(self) -> str:
        return self.aggregator.name_in(self.language)

    @property
    def home_path(self) -> str:
        return f"{self.prefix}/"

    def listing_path(self, slug: str, page: int = 1) -> str:
        path = f"{self.prefix}/{slug}"
        return path if page == 1 else f"{path}?page={page}"

    def article_path(self, slug: str, aggregator_id: int) -> str:
        return f"{self.prefix}/{slug}/{aggregator_id}"

    def feed_path(self, slug: str | None = None) -> str:
        """A publication's RSS feed, or the whole edition's with no slug."""
        return f"{self.prefix}/{slug}/rss" if slug else f"{self.prefix}/rss"

    @property
    def search_path(self) -> str:
        return f"{self.prefix}/{self.ui['search_slug']}"

    @property
    def ui(self) -> dict[str, str]:
        return _site_ui(self.language, self.ui_overrides, self.display_name)

    @property
    def agency(self) -> PublicationSpec | None:
        return next((pub for pub in self.publications if pub.agency), None)


@cache
def _site_ui(language: str, overrides: tuple[tuple[str, str], ...], aggregator: str) -> dict[str, str]:
    labels = {**ui_text(language), **dict(overrides)}
    # Only "{aggregator}" is filled here; {publication}, {date}, {page} are the renderer's.
    return {key: value.replace("{aggregator}", aggregator) for key, value in labels.items()}


def _read_json(name: str) -> Any:
    return json.loads(resources.files("devsite").joinpath("data", name).read_text(encoding="utf-8"))


def _publication(raw: dict[str, Any]) -> PublicationSpec:
    return PublicationSpec(
        slug=raw["slug"],
        name=raw["name"],
        home_url=raw["home_url"],
        first_id=raw["first_id"],
        daily_min=raw["daily"][0],
        daily_max=raw["daily"][1],
        source_url=raw["source_url"],
        layout=raw.get("layout", "wordpress"),
        date_style=raw.get("date_style", "numeric"),
        digits=raw.get("digits", "latin"),
        agency=raw.get("agency", False),
    )


def _load_sites() -> dict[str, SiteSpec]:
    raw = _read_json("sites.json")
    aggregators = {
        name: AggregatorSpec(
            name,
            spec["display_name"],
            spec["real_host"],
            spec["image_host"],
            tuple(sorted(spec.get("display_names", {}).items())),
        )
        for name, spec in raw["aggregators"].items()
    }
    sites = {}
    for name, spec in raw["sites"].items():
        sites[name] = SiteSpec(
            name=name,
            aggregator=aggregators[spec["aggregator"]],
            language=spec["language"],
            direction=spec["direction"],
            prefix=spec["prefix"],
            timezone=spec["timezone"],
            weekend_days=tuple(spec["weekend_days"]),
            weekend_factor=spec["weekend_factor"],
            publications=tuple(_publication(pub) for pub in spec["publications"]),
            country=spec.get("country", "ma"),
            ui_overrides=tuple(sorted(spec.get("ui", {}).items())),
        )
    _check(sites)
    return sites


def _check(sites: dict[str, SiteSpec]) -> None:
    # Mistakes in the data file would otherwise surface as confusing 404s or id clashes.
    prefixes: dict[tuple[str, str], str] = {}
    for site in sites.values():
        key = (site.aggregator.name, site.prefix)
        if key in prefixes:
            raise ValueError(f"sites {prefixes[key]} and {site.name} share prefix {site.prefix!r}")
        prefixes[key] = site.name
        slugs = [pub.slug for pub in site.publications]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"site {site.name}: duplicate publication slug")
        if site.agency is None:
            raise ValueError(f"site {site.name}: no agency publication (wire stories need one)")
        for pub in site.publications:
            where = f"site {site.name}: publication {pub.slug}"
            if not 0 <= pub.daily_min <= pub.daily_max:
                raise ValueError(f"{where}: bad daily range")
            if pub.slug in _RESERVED_SLUGS:
                raise ValueError(f"{where}: slug shadows an edition path")
            if pub.layout not in LAYOUTS or pub.date_style not in DATE_STYLES or pub.digits not in DIGITS:
                raise ValueError(f"{where}: unknown layout, date_style or digits")
            if not pub.source_url.startswith("https://") or not pub.source_host:
                raise ValueError(f"{where}: source_url must be an https URL template")


SITES: dict[str, SiteSpec] = _load_sites()


def site_spec(name: str) -> SiteSpec:
    try:
        return SITES[name]
    except KeyError:
        raise KeyError(f"unknown devsite site {name!r} (known: {', '.join(SITES)})") from None


def aggregator_names() -> list[str]:
    return list(dict.fromkeys(site.aggregator.name for site in SITES.values()))


def sites_on(aggregator: str) -> list[SiteSpec]:
    """The editions served by one aggregator host, longest prefix first (for routing)."""
    return sorted(
        (site for site in SITES.values() if site.aggregator.name == aggregator),
        key=lambda site: -len(site.prefix),
    )


@cache
def publisher_hosts() -> dict[str, list[tuple[SiteSpec, PublicationSpec]]]:
    """Publisher host -> the publications whose articles it serves (one host may carry several
    editions: APS in French and Arabic on www.aps.dz)."""
    hosts: dict[str, list[tuple[SiteSpec, PublicationSpec]]] = {}
    for site in SITES.values():
        for pub in site.publications:
            hosts.setdefault(pub.source_host, []).append((site, pub))
    return dict(sorted(hosts.items()))


@cache
def source_wordings(language: str) -> list[dict[str, Any]]:
    """Other wordings of the source link (the source-wording fault), ``data/source_wordings.json``."""
    return _read_json("source_wordings.json")[language]


@cache
def ui_text(language: str) -> dict[str, str]:
    return _read_json("ui.json")[language]
