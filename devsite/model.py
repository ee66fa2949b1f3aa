"""The values devsite hands to its callers: publications, expected articles, faults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NoReturn

Blocks = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Publication:
    slug: str
    name: str
    home_url: str  # the publisher's own site, not its listing on the aggregator


@dataclass(frozen=True)
class ExpectedArticle:
    """Ground truth for one article: what a correct crawl and transform must produce.

    ``blocks`` is the aggregator's copy; ``full_blocks`` the publisher's own page behind
    ``source_url`` (longer for the articles the aggregator cut short, else the same).
    """

    site: str
    publication_slug: str
    publication_name: str
    aggregator_id: int
    path: str
    canonical_url: str
    title: str
    published_date: date
    blocks: Blocks
    source_url: str
    thumbnail_url: str
    language: str
    broken: bool = False
    # v2 -------------------------------------------------------------------------------
    date_text: str = ""  # the date exactly as the page shows it ("09 - 02 - 2011", "٩ فبراير ٢٠١١")
    published_at: datetime | None = None  # aware, in the site's time zone (feeds, publisher pages)
    full_blocks: Blocks = ()  # empty when built by hand: then the same as ``blocks``
    author: str | None = None  # the byline on the publisher's page; None when it shows none
    story_id: str | None = None  # shared by every copy of one wire story; None for unique articles
    slow: bool = False  # Faults.slow_share: the aggregator answers after Faults.slow_seconds
    truncated: bool = False  # Faults.truncated_share: the body stops short, then the connection closes
    wrong_charset: bool = False  # Faults.wrong_charset_share: header and body disagree on the charset
    shared_source: bool = False  # Faults.shared_source_share: the source link is the publisher's home
    other_source_wording: bool = False  # Faults.source_wording_share: the link says it otherwise
    blocked: str = ""  # Faults.blocked_share: the wall served instead (devsite.walls), "" if none

    def __post_init__(self) -> None:
        if not self.full_blocks:
            object.__setattr__(self, "full_blocks", self.blocks)

    @property
    def body(self) -> str:
        return "\n\n".join(text for _, text in self.blocks)

    @property
    def full_body(self) -> str:
        return "\n\n".join(text for _, text in self.full_blocks)

    @property
    def subheadings(self) -> tuple[str, ...]:
        return tuple(text for kind, text in self.blocks if kind == "subheading")

    @property
    def is_excerpt(self) -> bool:
        """The aggregator shows only the beginning of the publisher's text."""
        return len(self.full_blocks) > len(self.blocks)


class _ReadOnlyDict(dict):
    """A dict that refuses changes but still pickles (MappingProxyType does not), so a World can
    be handed to another process."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Faults are immutable; build a new Faults instead")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return (_ReadOnlyDict, (dict(self),))


def _share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")


# The walls the blocked-page fault serves (devsite.walls renders them).
WALLS = ("challenge", "consent", "login", "not_found", "empty")


@dataclass(frozen=True)
class Faults:
    """What should go wrong. Faults change pages, never the ground truth, except for the flags
    they set on articles (``broken``, ``slow``, ``truncated``, ``wrong_charset``) and ``thin_days``,
    which removes articles on purpose (a quiet or half-broken day for the volume check).

    The ``*_share`` faults pick articles deterministically: the same articles every run.
    """

    broken_share: float = 0.0
    drift: bool = False  # every site's article pages in the drifted layout
    down: bool = False  # every aggregator host answers 503
    status_by_path: Mapping[str, int] = field(default_factory=dict)
    slow_share: float = 0.0
    slow_seconds: float = 5.0
    truncated_share: float = 0.0
    wrong_charset_share: float = 0.0
    # articles whose "read at the source" link points at the publisher's home page, which many
    # articles then share (as aggregators do when the original URL was lost)
    shared_source_share: float = 0.0
    # articles whose source link uses another wording than the profile's phrase (and sometimes
    # no rel/target): only the page's structure says it is the source link
    source_wording_share: float = 0.0
    # articles answered 200 with a wall instead (devsite.walls: challenge, consent, login,
    # not_found, empty), the kind picked among ``blocked_kinds``
    blocked_share: float = 0.0
    blocked_kinds: tuple[str, ...] = WALLS
    rate_limit: int = 0  # every Nth request to an aggregator host gets 429 + Retry-After: 1; 0: never
    drift_sites: frozenset[str] = frozenset()  # drift for these sites only
    thin_days: Mapping[date, float] = field(default_factory=dict)  # day -> share of its articles kept

    def __post_init__(self) -> None:
        for name in (
            "broken_share",
            "slow_share",
            "truncated_share",
            "wrong_charset_share",
            "shared_source_share",
            "source_wording_share",
            "blocked_share",
        ):
            _share(name, getattr(self, name))
        if not self.blocked_kinds or set(self.blocked_kinds) - set(WALLS):
            raise ValueError(f"blocked_kinds must be some of {WALLS}, got {self.blocked_kinds}")
        if self.slow_seconds < 0:
            raise ValueError(f"slow_seconds must be >= 0, got {self.slow_seconds}")
        if self.rate_limit < 0:
            raise ValueError(f"rate_limit must be >= 0, got {self.rate_limit}")
        for day, factor in self.thin_days.items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"thin_days keys must be dates, got {day!r}")
            _share(f"thin_days[{day}]", factor)
        # Read-only copies: the server caches pages on the assumption that faults never change.
        object.__setattr__(self, "status_by_path", _ReadOnlyDict(self.status_by_path))
        object.__setattr__(self, "thin_days", _ReadOnlyDict(self.thin_days))
        sites: Iterable[str] = (self.drift_sites,) if isinstance(self.drift_sites, str) else self.drift_sites
        object.__setattr__(self, "drift_sites", frozenset(sites))

    def __hash__(self) -> int:
        return hash(
            (
                self.broken_share,
                self.drift,
                self.down,
                tuple(sorted(self.status_by_path.items())),
                self.slow_share,
                self.slow_seconds,
                self.truncated_share,
                self.wrong_charset_share,
                self.shared_source_share,
                self.source_wording_share,
                self.blocked_share,
                self.blocked_kinds,
                self.rate_limit,
                self.drift_sites,
                tuple(sorted(self.thin_days.items())),
            )
        )

    def drifted(self, site: str) -> bool:
        return self.drift or site in self.drift_sites
