"""The static description of the aggregators, their language editions and publications.

It lives in ``data/sites.json`` and ``data/ui.json`` so that a sister site (djazairess,
turess, ...) is added as data: one more aggregator host, one more edition on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from devsite.model import Publication


@dataclass(frozen=True)
class AggregatorSpec:
    name: str
    display_name: str
    real_host: str
    image_host: str

    @property
    def real_base_url(self) -> str:
        return f"https://{self.real_host}"


@dataclass(frozen=True)
class PublicationSpec:
    slug: str
    name: str
    home_url: str
    first_id: int
    daily_min: int  # articles on a working day
    daily_max: int
    source_url: str  # template: {title_slug} {yyyy} {mm} {dd} {n}

    @property
    def public(self) -> Publication:
        return Publication(self.slug, self.name, self.home_url)


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

    _by_slug: dict[str, PublicationSpec] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {pub.slug: pub for pub in self.publications})

    def publication(self, slug: str) -> PublicationSpec | None:
        return self._by_slug.get(slug)

    @property
    def home_path(self) -> str:
        return f"{self.prefix}/"

    def listing_path(self, slug: str, page: int = 1) -> str:
        path = f"{self.prefix}/{slug}"
        return path if page == 1 else f"{path}?page={page}"

    def article_path(self, slug: str, aggregator_id: int) -> str:
        return f"{self.prefix}/{slug}/{aggregator_id}"

    @property
    def search_path(self) -> str:
        return f"{self.prefix}/recherche"

    @property
    def ui(self) -> dict[str, str]:
        return ui_text(self.language)


def _read_json(name: str) -> Any:
    return json.loads(resources.files("devsite").joinpath("data", name).read_text(encoding="utf-8"))


def _load_sites() -> dict[str, SiteSpec]:
    raw = _read_json("sites.json")
    aggregators = {
        name: AggregatorSpec(name, spec["display_name"], spec["real_host"], spec["image_host"])
        for name, spec in raw["aggregators"].items()
    }
    sites = {}
    for name, spec in raw["sites"].items():
        publications = tuple(
            PublicationSpec(
                slug=pub["slug"],
                name=pub["name"],
                home_url=pub["home_url"],
                first_id=pub["first_id"],
                daily_min=pub["daily"][0],
                daily_max=pub["daily"][1],
                source_url=pub["source_url"],
            )
            for pub in spec["publications"]
        )
        sites[name] = SiteSpec(
            name=name,
            aggregator=aggregators[spec["aggregator"]],
            language=spec["language"],
            direction=spec["direction"],
            prefix=spec["prefix"],
            timezone=spec["timezone"],
            weekend_days=tuple(spec["weekend_days"]),
            weekend_factor=spec["weekend_factor"],
            publications=publications,
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
        for pub in site.publications:
            if not 0 <= pub.daily_min <= pub.daily_max:
                raise ValueError(f"site {site.name}: publication {pub.slug}: bad daily range")


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
def ui_text(language: str) -> dict[str, str]:
    return _read_json("ui.json")[language]
