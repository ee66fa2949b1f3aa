"""What the warehouse knows of one day, per site: its latest run, its latest successful load
and who holds it now. ``pipeline.freshness`` words it into the morning's freshness check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select, text

from warehouse.ledger import ledger
from warehouse.locks import LockRow
from warehouse.models import CrawlRun, PartitionLock
from warehouse.runs import utc


@dataclass(frozen=True)
class DayState:
    """One (site, day): rows of ``crawl_runs`` as dicts (None when there is none)."""

    site: str
    day: date
    latest: dict[str, Any] | None  # the latest run, whatever became of it
    loaded: dict[str, Any] | None  # the latest run that loaded the day
    lock: LockRow | None  # the run processing it now (its lease may have lapsed)


def day_states(engine: Engine, sites: list[str], day: date) -> tuple[dict[str, DayState], datetime]:
    """The state of ``day`` for each of ``sites``, and the database's clock (leases are read by it).

    A day stays loaded when a later run of it fails (a reprocess): the load that succeeded is
    still in the warehouse, its rows replaced only by another successful one.
    """
    latest = {row["site"]: row for row in ledger(engine, day=day) if row["site"] in sites}
    runs = CrawlRun.__table__
    rank = (
        func.row_number()
        .over(partition_by=runs.c.site, order_by=(runs.c.started_at.desc(), runs.c.run_id.desc()))
        .label("rank")
    )
    ranked = (
        select(runs, rank)
        .where(runs.c.logical_date == day, runs.c.status == "succeeded", runs.c.site.in_(sites))
        .subquery()
    )
    locks = PartitionLock.__table__
    with engine.connect() as conn:
        loaded = {
            row["site"]: dict(row)
            for row in conn.execute(
                select(*(ranked.c[c.name] for c in runs.columns)).where(ranked.c.rank == 1)
            ).mappings()
        }
        held = {
            row.site: LockRow(
                row.site, day, row.run_id, row.holder, _utc(row.acquired_at), _utc(row.expires_at)
            )
            for row in conn.execute(select(locks).where(locks.c.logical_date == day, locks.c.site.in_(sites)))
        }
        now = _utc(conn.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one())
    states = {site: DayState(site, day, latest.get(site), loaded.get(site), held.get(site)) for site in sites}
    return states, now


def _utc(moment: datetime) -> datetime:
    return utc(moment).astimezone(UTC)


__all__ = ["DayState", "day_states"]
