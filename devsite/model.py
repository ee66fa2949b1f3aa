"""The values devsite hands to its callers: publications, expected articles, faults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NoReturn


@dataclass(frozen=True)
class Publication:
    slug: str
    name: str
    home_url: str  # the publisher's own site, not its listing on the aggregator


@dataclass(frozen=True)
class ExpectedArticle:
    """Ground truth for one article: what a correct crawl and transform must produce."""

    site: str
    publication_slug: str
    publication_name: str
    aggregator_id: int
    path: str
    canonical_url: str
    title: str
    published_date: date
    blocks: tuple[tuple[str, str], ...]
    source_url: str
    thumbnail_url: str
    language: str
    broken: bool = False

    @property
    def body(self) -> str:
        return "\n\n".join(text for _, text in self.blocks)

    @property
    def subheadings(self) -> tuple[str, ...]:
        return tuple(text for kind, text in self.blocks if kind == "subheading")


class _ReadOnlyDict(dict):
    """A dict that refuses changes but still pickles (MappingProxyType does not), so a World can
    be handed to another process."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("Faults are immutable; build a new Faults instead")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict[str, int]]]:
        return (_ReadOnlyDict, (dict(self),))


@dataclass(frozen=True)
class Faults:
    """What should go wrong. Faults change pages, never the ground truth (except ``broken``)."""

    broken_share: float = 0.0
    drift: bool = False
    down: bool = False
    status_by_path: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.broken_share <= 1.0:
            raise ValueError(f"broken_share must be within [0, 1], got {self.broken_share}")
        # A read-only copy: the server caches pages on the assumption that faults never change.
        object.__setattr__(self, "status_by_path", _ReadOnlyDict(self.status_by_path))

    def __hash__(self) -> int:
        return hash((self.broken_share, self.drift, self.down, tuple(sorted(self.status_by_path.items()))))
