"""Per-URL outcomes: what became of every article URL a crawl discovered.

The ledger's counts are tallied from these, URL by URL, so a URL that some stage dropped
can never make a day reconcile: it stays ``unaccounted``.

- the crawl lists every URL it discovered (``discovered.jsonl``), fetched or not;
- the transform says of each one whether it was ``staged``, ``failed`` (with the fetch's
  reason), a ``duplicate`` (of which article) or ``unaccounted`` (discovered, but the crawl
  recorded nothing for it), in ``outcomes.jsonl``;
- the load settles each staged URL: ``loaded``, ``quarantined`` (the gate's reasons), a
  ``duplicate`` of a row loaded before it, or ``unaccounted`` (staged, then lost), and
  writes them all to the warehouse's ``url_outcomes`` with the ledger row.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.partitions import atomic_path
from core.records import LedgerCounts

Outcome = Literal["staged", "loaded", "duplicate", "quarantined", "failed", "unaccounted"]
# What the ledger counts each final outcome as (``staged`` is never final).
FINAL = ("loaded", "duplicate", "quarantined", "failed", "unaccounted")


class UrlOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str  # as discovered and fetched
    outcome: Outcome
    reason: str | None = None  # why it was not loaded; None for loaded and staged


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    """JSON Lines published atomically; how many lines."""
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")
            count += 1
    return count


def _read_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        yield from (line for line in lines if line.strip())


def write_outcomes(path: Path, outcomes: Iterable[UrlOutcome]) -> int:
    return _write_lines(path, (o.model_dump_json(exclude_none=True) for o in outcomes))


def read_outcomes(path: Path) -> Iterator[UrlOutcome]:
    return (UrlOutcome.model_validate_json(line) for line in _read_lines(path))


def write_discovered(path: Path, urls: Iterable[str]) -> int:
    """The crawl's list of discovered URLs."""
    return _write_lines(path, (json.dumps({"url": url}, ensure_ascii=False) for url in urls))


def read_discovered(path: Path) -> Iterator[str]:
    return (json.loads(line)["url"] for line in _read_lines(path))


def tally(outcomes: Iterable[UrlOutcome]) -> LedgerCounts:
    """The ledger's counts from final outcomes.

    Every URL is discovered; ``unaccounted`` ones are in no other count, so the
    counts reconcile exactly when there are none.
    """
    by = Counter(o.outcome for o in outcomes)
    stray = set(by) - set(FINAL)
    if stray:
        raise ValueError(f"outcomes not final: {sorted(stray)}")
    discovered = sum(by.values())
    return LedgerCounts(
        discovered=discovered,
        fetched=discovered - by["failed"] - by["unaccounted"],
        failed=by["failed"],
        duplicates=by["duplicate"],
        quarantined=by["quarantined"],
        loaded=by["loaded"],
    )
