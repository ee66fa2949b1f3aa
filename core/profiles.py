"""Site profiles: everything pressetl knows about one aggregator site, as YAML.

Profiles are validated by a schema when loaded. A missing or misspelt key stops
the program with the file and the key named, never a silent default.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UrlPatterns(_Strict):
    home: str = Field(description="path of the page that links every publication listing")
    listing: str = Field(description="path of a publication listing, with {publication}")
    listing_page: str | None = Field(
        default=None,
        description="path of page {page} of a publication listing, with {publication} and {page}: "
        "the day is then located by jumping to page numbers instead of walking every page",
    )
    article: str = Field(description="regex on the URL path; named groups publication and id")
    publication_link: str = Field(description="regex on a path that is a publication listing")
    article_path: str | None = Field(
        default=None, description="path of an article, with {publication} and {id} (id probing)"
    )
    feed: str | None = Field(default=None, description="path of a publication's RSS feed, with {publication}")

    @field_validator("article", "publication_link")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class Selectors(_Strict):
    """CSS selectors (parsel syntax, ``::text`` and ``::attr()`` allowed).

    A value starting with ``xpath:`` is an XPath expression instead.
    """

    title: str
    publication_line: str
    body: str
    source_link: str
    thumbnail: str | None = None
    listing_item: str
    listing_link: str
    listing_date: str
    next_page: str
    home_publication_links: str


class PublicationLine(_Strict):
    """How "Publié dans <publication> le DD - MM - YYYY" is split.

    Split on the whole pattern, not the first word: a publication name may itself
    contain "le" ("Aujourd'hui le Maroc").
    """

    pattern: str

    @field_validator("pattern")
    @classmethod
    def _has_groups(cls, value: str) -> str:
        groups = re.compile(value).groupindex
        missing = {"publication", "date"} - set(groups)
        if missing:
            raise ValueError(f"needs named groups {sorted(missing)}")
        return value


class Discovery(_Strict):
    """How a day's articles are found; several strategies are combined (union of URLs)."""

    strategies: list[Literal["listing", "rss", "id_probe"]] = Field(default=["listing"], min_length=1)
    publications: list[str] = Field(
        default_factory=list, description="publication slugs; empty means read them off the home page"
    )
    # pages walked for the day itself, from its first page on (locating the day is not counted)
    max_listing_pages: int = Field(default=500, ge=1)
    # pages read (listing) or ids asked (id probing) to locate the day, per publication; the
    # search is logarithmic: 64 covers any history
    max_search_requests: int = Field(default=64, ge=1)
    # id probing: from the last id seen per publication (kept in the warehouse) upward
    max_consecutive_misses: int = Field(default=10, ge=1)


class SourceFollow(_Strict):
    """Follow "Cliquez ici pour lire l'article depuis sa source" to the publisher's page."""

    enabled: bool = False
    allowed_hosts: list[str] = Field(default_factory=list, description="publisher hosts that may be fetched")


class Crawl(_Strict):
    concurrent_requests_per_host: int = Field(default=4, ge=1)
    download_delay: float = Field(default=0.25, ge=0)
    autothrottle: bool = True
    download_timeout: float = Field(default=30, gt=0)
    max_size_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    retry_times: int = Field(default=3, ge=0)


class QualityThresholds(_Strict):
    min_title_chars: int = 5
    max_title_chars: int = 400
    min_body_words: int = 30
    max_body_words: int = 20000
    max_quarantined_share: float = Field(default=0.2, ge=0, le=1)
    # per language: Arabic and English sentences carry fewer/more words than French
    min_body_words_by_language: dict[str, int] = Field(default_factory=dict)
    max_fallback_share: float = Field(default=0.2, ge=0, le=1, description="above it: layout drift")
    max_blocked_share: float = Field(
        default=0.5, ge=0, le=1, description="above it: blocked by the site (walls, not articles)"
    )
    volume_history_days: int = Field(default=14, ge=1)
    volume_min_ratio: float = Field(
        default=0.3, ge=0, le=1, description="a day below this share of the recent median is an anomaly"
    )


class SiteProfile(_Strict):
    site: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    aggregator: str
    display_name: str
    enabled: bool = True
    base_url: str
    hosts: list[str] = Field(min_length=1, description="hosts the spider may request")
    canonical_host: str
    languages: list[str] = Field(min_length=1)
    timezone: str
    urls: UrlPatterns
    selectors: Selectors
    publication_line: PublicationLine
    date_formats: list[str] = Field(min_length=1, description="strptime formats of the date group")
    discovery: Discovery = Discovery()
    source_follow: SourceFollow = SourceFollow()
    crawl: Crawl = Crawl()
    quality: QualityThresholds = QualityThresholds()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _strategies_have_their_urls(self) -> SiteProfile:
        """What field types cannot say: a discovery strategy needs its URL pattern."""
        needs = {"rss": ("feed", self.urls.feed), "id_probe": ("article_path", self.urls.article_path)}
        for strategy in self.discovery.strategies:
            if strategy in needs and not needs[strategy][1]:
                raise ValueError(
                    f"discovery.strategies has {strategy} but urls.{needs[strategy][0]} is missing"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def language(self) -> str:
        """The page language declared by the profile (the first one)."""
        return self.languages[0]

    def with_base_url(self, base_url: str) -> SiteProfile:
        """The same site served elsewhere (devsite): only that host may be requested."""
        host = urlsplit(base_url).hostname or ""
        port = urlsplit(base_url).port
        allowed = f"{host}:{port}" if port else host
        return self.model_copy(update={"base_url": base_url.rstrip("/"), "hosts": [allowed]})


def _describe(exc: ValidationError, path: Path) -> str:
    problems = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "<top level>"
        if err["type"] == "missing":
            problems.append(f"missing key '{key}'")
        elif err["type"] == "extra_forbidden":
            problems.append(f"unknown key '{key}' (misspelt?)")
        else:
            problems.append(f"key '{key}': {err['msg']}")
    return f"{path}: " + "; ".join(problems)


def load_profile_file(path: Path) -> SiteProfile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a mapping of keys, got {type(data).__name__}")
    try:
        profile = SiteProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_describe(exc, path)) from None
    if profile.site != path.stem:
        raise ProfileError(f"{path}: key 'site' is {profile.site!r}, file name says {path.stem!r}")
    return profile


def load_profiles(profiles_dir: Path) -> dict[str, SiteProfile]:
    """Every ``*.yaml`` profile in the directory, by site name."""
    if not profiles_dir.is_dir():
        raise ProfileError(f"{profiles_dir}: profiles directory does not exist")
    profiles = {}
    for path in sorted(profiles_dir.glob("*.yaml")):
        profile = load_profile_file(path)
        profiles[profile.site] = profile
    return profiles


def load_profile(profiles_dir: Path, site: str, base_url: str | None = None) -> SiteProfile:
    path = profiles_dir / f"{site}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in profiles_dir.glob("*.yaml"))) or "none"
        raise ProfileError(f"unknown site {site!r}: no {path} (known sites: {known})")
    profile = load_profile_file(path)
    return profile.with_base_url(base_url) if base_url else profile
