"""What must hold after a day's runs were killed and run again (``fault_harness``), read from
the final state only (no tests here):

- ``Outcomes``: every article URL the raw zone discovered is in exactly one of the warehouse's
  articles, its quarantine (with reasons) or its page failures (with a reason); none missing;
- ``ledger_problems``: the day's latest run succeeded and its counts are those outcomes;
- ``ground_truth_problems``: what devsite says about each article (``World``) is what happened;
- ``snapshot`` / ``differences``: the warehouse against the same day never killed, on the
  columns that name no run, file or moment.

Articles are keyed by their path (``/fr/lematin/37103``): the same in the raw zone (fetched from
devsite's port), the warehouse (canonical, the real host) and devsite's ground truth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fault_harness import Scenario
from sqlalchemy import select

from core.outcomes import read_discovered
from core.partitions import Partition
from core.profiles import load_profile
from core.rawzone import iter_responses, read_raw_items
from core.settings import REPO_ROOT

# A rate limit that outlasted every retry: the night's bad luck, not the article's; a re-run
# fetches it. Such articles are accounted for (failed, with the reason) but not compared.
TRANSIENT_REASONS = ("HTTP 429",)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _engine(url: str):
    from warehouse.engine import make_engine

    return make_engine(url)


def _rows(warehouse_url: str, query) -> list[dict[str, Any]]:
    engine = _engine(warehouse_url)
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
    finally:
        engine.dispose()  # a DuckDB file takes one process at a time


def _table(name: str):
    from warehouse.models import Base

    return Base.metadata.tables[name]


# -- every URL's outcome -----------------------------------------------------------------------


@dataclass
class Outcomes:
    """A day's final state, URL by URL (paths): what the crawl discovered, what the warehouse's
    tables hold, and the per-URL record (``url_outcomes``) that must agree with them."""

    discovered: set[str]  # the crawl's list (discovered.jsonl)
    fetched: dict[str, str]  # the raw items: path -> the fetch's error ("" when it succeeded)
    loaded: dict[str, dict[str, Any]]  # articles: path -> row (title, body, body_source)
    quarantined: dict[str, str]  # quarantined_articles: path -> reasons
    failed: dict[str, str]  # page_failures of article pages: path -> reason
    recorded: dict[str, tuple[str, str | None]]  # url_outcomes: path -> (outcome, reason)
    repeated: list[str] = field(default_factory=list)  # twice in one list or table
    archived: set[str] = field(default_factory=set)  # article pages in any WARC file of any run

    @property
    def duplicates(self) -> dict[str, str]:
        """path -> why (the article it repeats): a duplicate is in no table but the record."""
        return {p: why or "" for p, (outcome, why) in self.recorded.items() if outcome == "duplicate"}

    def buckets(self, path: str) -> list[str]:
        found = [
            ("loaded", self.loaded),
            ("quarantined", self.quarantined),
            ("failed", self.failed),
            ("duplicate", self.duplicates),
        ]
        return [name for name, bucket in found if path in bucket]

    @property
    def lost(self) -> list[str]:
        """Discovered, and in no outcome: not loaded, quarantined, failed or a duplicate (or the
        per-URL record says ``unaccounted``)."""
        unaccounted = {p for p, (outcome, _) in self.recorded.items() if outcome == "unaccounted"}
        return sorted(p for p in self.discovered if not self.buckets(p) or p in unaccounted)

    @property
    def ambiguous(self) -> dict[str, list[str]]:
        return {p: b for p in sorted(self.discovered) if len(b := self.buckets(p)) > 1}

    @property
    def disagreeing(self) -> dict[str, str]:
        """Where the per-URL record says another thing than the tables (or says nothing)."""
        found = {}
        for path in sorted({*self.discovered, *self.recorded, *self.loaded, *self.quarantined, *self.failed}):
            outcome, _ = self.recorded.get(path, ("no record", None))
            tables = [b for b in self.buckets(path) if b != "duplicate"]
            if outcome == "duplicate" and not tables:
                continue
            if tables != [outcome]:
                found[path] = f"url_outcomes says {outcome}, the tables {tables or 'nothing'}"
        return found

    @property
    def unexplained(self) -> list[str]:
        """Quarantined, failed or a duplicate without a reason."""
        buckets = (self.quarantined, self.failed, self.duplicates)
        return sorted(p for bucket in buckets for p, why in bucket.items() if not why)

    @property
    def strays(self) -> list[str]:
        """An outcome for the day of a URL its crawl did not discover, or fetched and not listed."""
        seen = {*self.loaded, *self.quarantined, *self.failed, *self.recorded, *self.fetched}
        return sorted(seen - self.discovered)

    @property
    def forgotten(self) -> list[str]:
        """Article pages some run fetched (its WARC file) that the last crawl did not report."""
        return sorted(self.archived - self.discovered)

    @property
    def transient(self) -> list[str]:
        return sorted(p for p, why in self.failed.items() if why in TRANSIENT_REASONS)

    def problems(self) -> list[str]:
        found = [f"lost (discovered, in no outcome): {p}" for p in self.lost]
        found += [f"in several outcomes {b}: {p}" for p, b in self.ambiguous.items()]
        found += [f"{why}: {p}" for p, why in self.disagreeing.items()]
        found += [f"no reason given: {p}" for p in self.unexplained]
        found += [f"an outcome for a URL the crawl did not discover: {p}" for p in self.strays]
        found += [f"twice in one list or table: {p}" for p in self.repeated]
        found += [f"archived by a run, not discovered by the last: {p}" for p in self.forgotten]
        return found

    def figures(self) -> dict[str, int]:
        return {
            "discovered": len(self.discovered),
            "loaded": len(self.loaded),
            "quarantined": len(self.quarantined),
            "failed": len(self.failed),
            "duplicates": len(self.duplicates),
            "lost": len(self.lost),
        }


def read_outcomes(data_dir: Path, warehouse_url: str, site: str, day: date) -> Outcomes:
    partition = Partition(site, day, data_dir)
    repeated: list[str] = []
    listed = read_discovered(partition.discovered_urls) if partition.discovered_urls.is_file() else []
    discovered = set(_by_path(({"url": url} for url in listed), "url", "url", repeated))
    items = read_raw_items(partition) if partition.raw_items.is_file() else []
    fetched = _by_path(({"url": i.url, "error": i.error or ""} for i in items), "url", "error", repeated)
    tables = {n: _table(n) for n in ("articles", "quarantined_articles", "page_failures", "url_outcomes")}

    def of_day(name: str, *columns: str, where=()) -> list[dict[str, Any]]:
        table = tables[name]
        query = select(*(table.c[c] for c in columns))
        return _rows(warehouse_url, query.where(table.c.site == site, table.c.logical_date == day, *where))

    loaded = _by_path(
        of_day("articles", "canonical_url", "title", "body", "body_source"), "canonical_url", None, repeated
    )
    quarantined = _by_path(of_day("quarantined_articles", "url", "reasons"), "url", "reasons", repeated)
    article_failures = (tables["page_failures"].c.kind == "article",)
    failed = _by_path(
        of_day("page_failures", "url", "reason", where=article_failures), "url", "reason", repeated
    )
    recorded = {
        path: (row["outcome"], row["reason"])
        for path, row in _by_path(
            of_day("url_outcomes", "url", "outcome", "reason"), "url", None, repeated
        ).items()
    }
    article = re.compile(load_profile(REPO_ROOT / "profiles", site).urls.article)
    archived = {path_of(r.url) for r in iter_responses(partition) if article.match(urlsplit(r.url).path)}
    return Outcomes(discovered, fetched, loaded, quarantined, failed, recorded, repeated, archived)


def _by_path(rows: Iterable[dict[str, Any]], url: str, value: str | None, repeated: list[str]) -> dict:
    """``{path: row[value] (the row when None)}``; a path met twice goes to ``repeated``."""
    found: dict[str, Any] = {}
    for row in rows:
        path = path_of(row[url])
        if path in found:
            repeated.append(path)
        found[path] = row if value is None else row[value]
    return found


# -- the ledger --------------------------------------------------------------------------------


def run_rows(warehouse_url: str, run_id: str) -> list[dict[str, Any]]:
    """The ledger's rows of one run (every one, not only each day's latest)."""
    runs = _table("crawl_runs")
    return _rows(warehouse_url, select(runs).where(runs.c.run_id == run_id))


def ledger_problems(outcomes: Outcomes, warehouse_url: str, site: str, day: date) -> list[str]:
    from warehouse.ledger import ledger

    engine = _engine(warehouse_url)
    try:
        rows = ledger(engine, site=site, day=day)
    finally:
        engine.dispose()
    if len(rows) != 1:
        return [f"ledger: {len(rows)} latest rows for {site} {day}"]
    (row,) = rows
    found = []
    if row["status"] != "succeeded" or not row["reconciles"]:
        found.append(f"ledger: latest run {row['run_id']} {row['status']}, reconciles={row['reconciles']}")
    locks = _table("partition_locks")
    held = _rows(warehouse_url, select(locks).where(locks.c.site == site, locks.c.logical_date == day))
    if held:  # the run that succeeded released the day; a killed run's lease would have expired
        found.append(f"the day is still locked after its last run: {held}")
    counted = {k: row[k] for k in ("discovered", "loaded", "quarantined", "failed", "duplicates")}
    seen = {k: v for k, v in outcomes.figures().items() if k in counted}
    if counted != seen:
        found.append(f"ledger counts {counted} are not the per-URL outcomes {seen}")
    return found


# -- devsite's ground truth --------------------------------------------------------------------


def ground_truth_problems(scenario: Scenario, outcomes: Outcomes) -> list[str]:
    """Every article of the day discovered; what could not be fetched failed with its reason;
    what could be is loaded (as devsite wrote it, unless drifted: then the generic extractor
    read it) or quarantined with a reason (the broken ones must be)."""
    faults = scenario.faults
    expected = {a.path: a for a in scenario.world().articles_for_day(scenario.site, scenario.day)}
    found = [f"not discovered: {p}" for p in sorted(set(expected) - outcomes.discovered)]
    found += [
        f"discovered, not an article of the day: {p}"
        for p in sorted(set(outcomes.discovered) - set(expected))
    ]
    drifted = faults.drifted(scenario.site)
    for path, article in sorted(expected.items()):
        forced = faults.status_by_path.get(path)
        if forced is not None or article.truncated:
            reason = outcomes.failed.get(path)
            want = f"HTTP {forced}" if forced is not None else "ResponseDataLossError"
            if reason != want and reason not in TRANSIENT_REASONS:  # its last try was refused
                found.append(f"cannot be fetched ({want}), but: {outcomes.buckets(path) or 'nowhere'} {path}")
            continue
        if path in outcomes.transient:
            continue
        if article.broken:
            if not outcomes.quarantined.get(path):
                found.append(f"broken, not quarantined: {outcomes.buckets(path) or 'nowhere'} {path}")
            continue
        row = outcomes.loaded.get(path)
        if row is None:
            if not outcomes.quarantined.get(path):
                found.append(f"fetchable, neither loaded nor quarantined: {outcomes.buckets(path)} {path}")
            continue
        if article.shared_source and row["body_source"] == "publisher":
            found.append(f"its source link is the publisher's home, taken for its text: {path}")
        # the publisher's page is the generic extractor's (bench_extract_quality measures it)
        body = article.body if row["body_source"] != "publisher" else row["body"]
        if not drifted and (row["title"], row["body"]) != (article.title, body):
            found.append(f"loaded, but not as devsite wrote it: {path}")
    return found


# -- the warehouse against a day never killed --------------------------------------------------

# Per table: columns that name a run, a file of the raw zone or a moment (differ by design).
PER_RUN = {
    "sites": (),
    "publications": (),
    "articles": (
        "url",
        "warc_file",
        "warc_record_id",
        "fetched_at",
        "first_loaded_at",
        "last_loaded_at",
        "run_id",
    ),
    "article_versions": ("warc_file", "warc_record_id", "fetched_at", "loaded_at", "run_id"),
    "story_signatures": (),
    "story_links": (),
    "story_clusters": (),
    # rows are numbered in the order the crawl met the URLs: the order of a concurrent crawl
    "quarantined_articles": ("seq", "warc_file", "warc_record_id", "quarantined_at", "run_id"),
    "page_failures": ("seq", "failed_at", "run_id"),
    "url_outcomes": ("seq", "run_id"),
}
# as fetched (devsite's port); a duplicate's reason names the URL it repeats
_URL_COLUMNS = {"quarantined_articles": ("url",), "page_failures": ("url",), "url_outcomes": ("url",)}
_ARTICLE_KEY = {
    "articles": "canonical_url",
    "article_versions": "canonical_url",
    "story_signatures": "canonical_url",
    "quarantined_articles": "url",
    "page_failures": "url",
    "url_outcomes": "url",
}
_LEDGER = (
    "status",
    "stage_reached",
    "failed_stage",
    "discovered",
    "fetched",
    "failed",
    "duplicates",
    "quarantined",
    "loaded",
    "error",
    "quality_overridden",
)


def snapshot(warehouse_url: str, site: str, day: date, skip: Iterable[str] = ()) -> dict[str, set[tuple]]:
    """The warehouse's rows of (site, day) on their stable columns, as sets, with the latest run's
    ledger row and validation results; articles at the paths in ``skip`` left out, and with
    them the tables they change as a whole (clusters, links, ledger counts)."""
    from warehouse.ledger import ledger

    skip = set(skip)
    shot: dict[str, set[tuple]] = {}
    for name, per_run in PER_RUN.items():
        if skip and name in ("story_links", "story_clusters"):
            continue
        table = _table(name)
        columns = [c for c in table.columns if c.name not in per_run]
        where = [table.c.site == site]
        if "logical_date" in table.c:
            where.append(table.c.logical_date == day)
        rows = set()
        for row in _rows(warehouse_url, select(*columns).where(*where)):
            for column in _URL_COLUMNS.get(name, ()):
                row[column] = path_of(row[column])
            key = _ARTICLE_KEY.get(name)
            if key and path_of(row[key]) in skip:
                continue
            rows.add(tuple((k, _hashable(v)) for k, v in row.items()))
        shot[name] = rows
    engine = _engine(warehouse_url)
    try:
        latest = ledger(engine, site=site, day=day)
    finally:
        engine.dispose()
    if latest and not skip:
        shot["crawl_runs (latest)"] = {tuple((k, latest[0][k]) for k in _LEDGER)}
    if latest:
        results = _table("validation_results")
        query = select(results.c.seq, results.c.expectation, results.c.column, results.c.success)
        if not skip:
            query = query.add_columns(results.c.observed_value)
        query = query.where(results.c.run_id == latest[0]["run_id"], results.c.site == site)
        rows = _rows(warehouse_url, query)
        for row in rows:
            if row.get("observed_value"):
                row["observed_value"] = _without_samples(row["observed_value"])
        shot["validation_results (latest)"] = {tuple(r.items()) for r in rows}
    return shot


def _without_samples(observed: str) -> str:
    """An expectation's observed value without its sample of values: the first few in the
    crawl's order, which a concurrent crawl does not keep."""
    try:
        value = json.loads(observed)
    except ValueError:
        return observed
    if isinstance(value, dict):
        value.pop("sample", None)
    return json.dumps(value, sort_keys=True)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def differences(reference: dict[str, set[tuple]], other: dict[str, set[tuple]], sample: int = 3) -> dict:
    """Per table that differs: rows only in ``reference`` and only in ``other`` (a few of each)."""
    found = {}
    for name in sorted(set(reference) | set(other)):
        a, b = reference.get(name, set()), other.get(name, set())
        if a != b:
            found[name] = {
                "only in the reference": sorted(a - b, key=repr)[:sample],
                "only here": sorted(b - a, key=repr)[:sample],
                "counts": (len(a), len(b)),
            }
    return found
