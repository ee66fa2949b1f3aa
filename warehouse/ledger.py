"""The run ledger: what each run of each (site, day) did, and whether it adds up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from core.records import CrawlCost, LedgerCounts
from core.text import one_line
from warehouse.models import Article, CrawlRun
from warehouse.runs import run_row, write_run, write_validation_results

MAX_ERROR_CHARS = 500
COUNT_FIELDS = tuple(LedgerCounts().as_dict())


def record_failed_run(
    engine: Engine,
    site: str,
    day: date,
    run_id: str,
    stage: str,
    error: object,
    counts: LedgerCounts,
    started_at: datetime,
    *,
    finished_at: datetime | None = None,
    results: list[dict[str, Any]] | None = None,
    cost: CrawlCost | None = None,
) -> None:
    """Record that run ``run_id`` of (site, day) failed in ``stage`` (replaces that run's row),
    with the quality gate's ``results`` when it was the gate that stopped it: one transaction."""
    row = run_row(
        site,
        day,
        run_id,
        counts,
        status="failed",
        stage=stage,
        failed_stage=stage,
        error=one_line(error, MAX_ERROR_CHARS),
        started_at=started_at,
        finished_at=finished_at or datetime.now(UTC),
        cost=cost,
    )
    with engine.begin() as conn:
        write_run(conn, row)
        if results is not None:
            write_validation_results(conn, site, day, run_id, results)


def latest_first(runs) -> tuple:
    """The order that makes a day's latest run its first: started last, then finished last
    (a run still going sorts after), then the greatest run id."""
    return (runs.c.started_at.desc(), runs.c.finished_at.desc().nulls_last(), runs.c.run_id.desc())


def latest_runs(*conditions):
    """The query of the latest run of each (site, day) among the ``crawl_runs`` rows meeting
    ``conditions`` (on ``CrawlRun.__table__``'s columns); its columns are the table's."""
    runs = CrawlRun.__table__
    rank = func.row_number().over(
        partition_by=(runs.c.site, runs.c.logical_date), order_by=latest_first(runs)
    )
    ranked = select(runs, rank.label("rank"))
    ranked = (ranked.where(*conditions) if conditions else ranked).subquery()
    return select(*(ranked.c[c.name] for c in runs.columns)).where(ranked.c.rank == 1)


def ledger(engine: Engine, site: str | None = None, day: date | None = None) -> list[dict[str, Any]]:
    """The latest run of each (site, day), oldest day first, with ``reconciles``."""
    runs = CrawlRun.__table__
    conditions = [runs.c.site == site] if site is not None else []
    if day is not None:
        conditions.append(runs.c.logical_date == day)
    latest = latest_runs(*conditions).subquery()
    query = select(latest).order_by(latest.c.logical_date, latest.c.site)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["reconciles"] = LedgerCounts(**{k: row[k] for k in COUNT_FIELDS}).reconciles
    return rows


def recent_volumes(engine: Engine, site: str, before: date, days: int, *, count: str = "loaded") -> list[int]:
    """Articles loaded per day for ``site`` over the ``days`` days before ``before``, oldest first.

    Each day counts its latest successful run; days without one are left out (a
    day that was never loaded is no evidence of a small day). The quality gate
    compares a new day with these. ``count``: another ledger count instead of
    ``loaded`` (``discovered``, to compare with a crawl's raw items).
    """
    if count not in COUNT_FIELDS:
        raise ValueError(f"count must be one of {COUNT_FIELDS}, not {count!r}")
    runs = CrawlRun.__table__
    rank = (
        func.row_number()
        .over(
            partition_by=runs.c.logical_date,
            order_by=latest_first(runs),
        )
        .label("rank")
    )
    ranked = (
        select(runs.c.logical_date, runs.c[count].label("volume"), rank)
        .where(
            runs.c.site == site,
            runs.c.status == "succeeded",
            runs.c.logical_date >= before - timedelta(days=days),
            runs.c.logical_date < before,
        )
        .subquery()
    )
    query = select(ranked.c.volume).where(ranked.c.rank == 1).order_by(ranked.c.logical_date)
    with engine.connect() as conn:
        return [int(n) for n in conn.execute(query).scalars()]


def last_ids(engine: Engine, site: str) -> dict[str, int]:
    """The highest aggregator id loaded per publication slug of ``site`` (id-probing starts above)."""
    articles = Article.__table__
    query = (
        select(articles.c.publication_slug, func.max(articles.c.aggregator_id))
        .where(
            articles.c.site == site,
            articles.c.publication_slug.is_not(None),
            articles.c.aggregator_id.is_not(None),
        )
        .group_by(articles.c.publication_slug)
    )
    with engine.connect() as conn:
        return {slug: int(top) for slug, top in conn.execute(query)}


def neighbour_ids(engine: Engine, site: str, day: date) -> dict[str, dict[str, tuple[int, date]]]:
    """Per publication slug of ``site``, what the warehouse knows around ``day``: ``below``, the
    highest aggregator id published before the day, and ``above``, the lowest published after it,
    each with its published date. Locating the day starts from them (read only)."""
    articles = Article.__table__
    known = (
        articles.c.site == site,
        articles.c.publication_slug.is_not(None),
        articles.c.aggregator_id.is_not(None),
        articles.c.published_date.is_not(None),
    )
    found: dict[str, dict[str, tuple[int, date]]] = {}
    for side, where, order in (
        ("below", articles.c.published_date < day, articles.c.aggregator_id.desc()),
        ("above", articles.c.published_date > day, articles.c.aggregator_id.asc()),
    ):
        rank = func.row_number().over(partition_by=articles.c.publication_slug, order_by=order).label("rank")
        ranked = (
            select(articles.c.publication_slug, articles.c.aggregator_id, articles.c.published_date, rank)
            .where(*known, where)
            .subquery()
        )
        query = select(ranked.c.publication_slug, ranked.c.aggregator_id, ranked.c.published_date).where(
            ranked.c.rank == 1
        )
        with engine.connect() as conn:
            for slug, aggregator_id, published in conn.execute(query):
                found.setdefault(slug, {})[side] = (int(aggregator_id), published)
    return found


def record_validation_results(
    engine: Engine, site: str, day: date, run_id: str, results: list[dict[str, Any]]
) -> int:
    """``write_validation_results`` in a transaction of its own."""
    with engine.begin() as conn:
        return write_validation_results(conn, site, day, run_id, results)


__all__ = [
    "last_ids",
    "ledger",
    "neighbour_ids",
    "recent_volumes",
    "record_failed_run",
    "record_validation_results",
]
