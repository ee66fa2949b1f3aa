"""Publications: the aggregator's slug or the publication line's name → one canonical publication.

The data lives in ``transforms/data/publications.yaml`` (format described at its
top). ``resolve_publication`` never drops an article: a publication that is in
neither the slugs nor the aliases gets a key derived from its slug, is marked
new, and waits for review.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

DATA_FILE = "publications.yaml"
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Publication:
    key: str
    name: str
    country: str | None
    language: str | None
    home_url: str | None
    aliases: tuple[str, ...] = ()
    slugs: tuple[str, ...] = ()  # "<aggregator>/<slug>"


@dataclass(frozen=True)
class PublicationMatch:
    """What an article's publication resolved to, and how."""

    key: str
    publication: Publication
    is_new: bool  # in no slug and no alias: added for review
    matched_by: str  # slug | alias | new


def name_key(name: str | None) -> str:
    """A publication name for matching: no case, accents, hamza seats, spaces or punctuation.

    "Les ECO", "LES Éco" and "les-eco" are one key; "LesEco.ma" is another (an alias says so).
    """
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", bare.casefold())


def new_publication_key(aggregator: str, slug: str | None, name: str | None) -> str:
    """The key of a publication nobody has described yet: from the aggregator's slug (or the name)."""
    base = slug or name_key(name) or "unknown"
    return f"{aggregator}:{base}"


class PublicationRegistry:
    """Lookups over the publications data: by (aggregator, slug), then by name among the
    publications the aggregator lists, then by name within the aggregator's country."""

    def __init__(self, data: Mapping[str, Any], source: str = "<data>") -> None:
        self.source = source
        self.countries: dict[str, str] = {}
        self.publications: dict[str, Publication] = {}
        self._by_slug: dict[tuple[str, str], Publication] = {}
        self._by_name: dict[tuple[str, str], Publication] = {}  # (country, name key)
        self._listed_name: dict[tuple[str, str], Publication] = {}  # (aggregator, name key)
        self._load(data)

    def _fail(self, message: str) -> None:
        raise ValueError(f"{self.source}: {message}")

    def _load(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping) or set(data) != {"aggregators", "publications"}:
            self._fail("expected exactly the keys 'aggregators' and 'publications'")
        for aggregator, spec in (data["aggregators"] or {}).items():
            country = (spec or {}).get("country")
            if not isinstance(country, str) or not _COUNTRY.match(country):
                self._fail(f"aggregator {aggregator!r}: country must be an ISO 3166 code, got {country!r}")
            self.countries[aggregator] = country
        for key, spec in (data["publications"] or {}).items():
            self._add(str(key), spec or {})

    def _add(self, key: str, spec: Mapping[str, Any]) -> None:
        where = f"publication {key!r}"
        if not _KEY.match(key):
            self._fail(f"{where}: keys are lower case [a-z0-9-]")
        unknown = set(spec) - {"name", "country", "language", "home_url", "slugs", "aliases"}
        if unknown:
            self._fail(f"{where}: unknown keys {sorted(unknown)} (misspelt?)")
        name, country, language = spec.get("name"), spec.get("country"), spec.get("language")
        if not isinstance(name, str) or not name.strip():
            self._fail(f"{where}: missing 'name'")
        if not isinstance(country, str) or not _COUNTRY.match(country):
            self._fail(f"{where}: country must be an ISO 3166 code, got {country!r}")
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            self._fail(f"{where}: language must be an ISO 639-1 code, got {language!r}")
        publication = Publication(
            key=key,
            name=name,
            country=country,
            language=language,
            home_url=spec.get("home_url"),
            aliases=tuple(spec.get("aliases") or ()),
            slugs=tuple(spec.get("slugs") or ()),
        )
        self.publications[key] = publication
        for entry in publication.slugs:
            aggregator, sep, slug = entry.partition("/")
            if not sep or not slug or aggregator not in self.countries:
                self._fail(f"{where}: slug {entry!r} is not '<known aggregator>/<slug>'")
            other = self._by_slug.setdefault((aggregator, slug), publication)
            if other is not publication:
                self._fail(f"{where}: slug {entry!r} already belongs to {other.key!r}")
        aggregators = {entry.partition("/")[0] for entry in publication.slugs}
        for alias in (name, *publication.aliases):
            match_key = name_key(alias)
            if not match_key:
                continue
            other = self._by_name.setdefault((country, match_key), publication)
            if other is not publication:
                self._fail(f"{where}: name {alias!r} already names {other.key!r} in {country}")
            for aggregator in aggregators:
                other = self._listed_name.setdefault((aggregator, match_key), publication)
                if other is not publication:
                    self._fail(f"{where}: name {alias!r} already names {other.key!r} on {aggregator}")

    def country_of(self, aggregator: str) -> str | None:
        return self.countries.get(aggregator)

    def resolve(
        self, aggregator: str, slug: str | None, name: str | None, language: str | None = None
    ) -> PublicationMatch:
        """The publication of an article listed under ``slug`` and signed ``name`` on ``aggregator``."""
        if slug:
            found = self._by_slug.get((aggregator, slug))
            if found is not None:
                return PublicationMatch(found.key, found, is_new=False, matched_by="slug")
        country = self.countries.get(aggregator)
        match_key = name_key(name)
        if match_key:
            # Names are matched among the publications this aggregator lists, then
            # among its country's: "الصباح" on turess is not Morocco's Assabah.
            found = self._listed_name.get((aggregator, match_key))
            if found is None and country:
                found = self._by_name.get((country, match_key))
            if found is not None:
                return PublicationMatch(found.key, found, is_new=False, matched_by="alias")
        key = new_publication_key(aggregator, slug, name)
        publication = Publication(
            key=key,
            name=name or slug or key,
            country=country,
            language=language,
            home_url=None,
            slugs=(f"{aggregator}/{slug}",) if slug else (),
        )
        return PublicationMatch(key, publication, is_new=True, matched_by="new")


@cache
def registry() -> PublicationRegistry:
    """The shipped data file, read once per process."""
    text = resources.files("transforms").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return PublicationRegistry(yaml.safe_load(text), source=f"transforms/data/{DATA_FILE}")


def resolve_publication(
    aggregator: str, slug: str | None, name: str | None, language: str | None = None
) -> PublicationMatch:
    return registry().resolve(aggregator, slug, name, language)
