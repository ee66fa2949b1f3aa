"""What the coverage grid reads from the warehouse: the latest run of each (site, day) of a
range, the days a run is processing right now, and the ledger's last day. Read only."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from warehouse.ledger import latest_runs
from warehouse.models import CrawlRun, PartitionLock

# Another process has the DuckDB file open (a load, a lock's heartbeat): wait that long.
OPEN_WAIT_SECONDS = 10.0


@dataclass
class LedgerWindow:
    """The ledger over a range: latest run and live lock holder by (site, day)."""

    runs: dict[tuple[str, date], dict[str, Any]] = field(default_factory=dict)
    running: dict[tuple[str, date], str] = field(default_factory=dict)

    @property
    def sites(self) -> set[str]:
        return {site for site, _ in self.runs}


def read_window(
    engine: Engine, first: date, last: date, sites: list[str] | None = None, *, ignore_run: str | None = None
) -> LedgerWindow:
    """The ledger of ``first`` … ``last`` (``sites``: only those), in one read transaction.

    ``running``: the days whose lock is held by a live lease, except by ``ignore_run`` (the
    run refreshing the picture holds its own day's lock while it does).
    """
    return _retrying(lambda: _read(engine, first, last, sites, ignore_run))


def last_day(engine: Engine) -> date | None:
    """The latest logical date in the ledger (None when it is empty)."""
    query = select(func.max(CrawlRun.__table__.c.logical_date))
    return _retrying(lambda: _scalar(engine, query))


def _read(
    engine: Engine, first: date, last: date, sites: list[str] | None, ignore_run: str | None
) -> LedgerWindow:
    runs = CrawlRun.__table__
    in_window = [runs.c.logical_date >= first, runs.c.logical_date <= last]
    locks = PartitionLock.__table__
    held = select(locks.c.site, locks.c.logical_date, locks.c.run_id).where(
        locks.c.logical_date >= first, locks.c.logical_date <= last
    )
    if sites is not None:
        in_window.append(runs.c.site.in_(sites))
        held = held.where(locks.c.site.in_(sites))
    latest = latest_runs(*in_window)
    window = LedgerWindow()
    with engine.begin() as conn:
        for row in conn.execute(latest).mappings():
            window.runs[(row["site"], row["logical_date"])] = dict(row)
        now = _now(conn)
        held = held.where(locks.c.expires_at > now)
        if ignore_run is not None:
            held = held.where(locks.c.run_id != ignore_run)
        for site, day, run_id in conn.execute(held):
            window.running[(site, day)] = run_id
    return window


def _now(conn: Connection) -> datetime:
    # Leases are measured by the database's clock, the same for every host (as warehouse.locks).
    moment = conn.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one()
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _scalar(engine: Engine, query):
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _retrying(call):
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    pause = 0.05
    while True:
        try:
            return call()
        except DBAPIError as exc:
            locked = "Could not set lock on file" in str(exc) or "Conflicting lock is held" in str(exc)
            if not locked or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


__all__ = ["LedgerWindow", "last_day", "read_window"]
