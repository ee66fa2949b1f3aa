"""Real articles pinned at fixed places in the generated stream (``data/pinned/*.json``).

A pinned article replaces the generated one at (site, date, publication, position in
that day), keeping the id the schedule gives it. The Maghress reference page of
2011-02-09 is pinned this way so tests can follow a real text end to end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class PinnedArticle:
    title: str
    source_url: str
    blocks: tuple[tuple[str, str], ...]
    author: str | None = None  # the byline on the publisher's page


@cache
def _pinned() -> dict[tuple[str, date, str, int], PinnedArticle]:
    found = {}
    folder = resources.files("devsite").joinpath("data", "pinned")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".json"):
            continue
        raw = json.loads(entry.read_text(encoding="utf-8"))
        key = (raw["site"], date.fromisoformat(raw["date"]), raw["publication"], raw["position"])
        found[key] = PinnedArticle(
            title=raw["title"],
            source_url=raw["source_url"],
            blocks=tuple((kind, text) for kind, text in raw["blocks"]),
            author=raw.get("author"),
        )
    return found


def pinned_article(site: str, day: date, slug: str, position: int) -> PinnedArticle | None:
    return _pinned().get((site, day, slug, position))


def pinned_days(site: str) -> list[tuple[date, str, int]]:
    return sorted((day, slug, position) for s, day, slug, position in _pinned() if s == site)
