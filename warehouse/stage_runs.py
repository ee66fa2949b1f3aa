"""The stage-run ledger (``stage_runs``): one row per attempt of a stage of a (site, day),
written in a short transaction of its own after the stage returned, and read back for
`pressetl metrics`."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, insert, select

from warehouse.locks import _retrying
from warehouse.models import StageRun
from warehouse.runs import utc

COLUMNS = tuple(c.name for c in StageRun.__table__.columns)


def record_stage_run(engine: Engine, row: dict[str, Any]) -> None:
    """Insert one ``stage_runs`` row (its keys: ``COLUMNS``). A DuckDB file another process has
    open is waited for a little (``warehouse.locks``), as the lock's own writes are."""
    table = StageRun.__table__
    row = {**row, "started_at": utc(row["started_at"]), "finished_at": utc(row["finished_at"])}

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(insert(table).values(**row))

    _retrying(write, "record the stage run of", row["site"], row["logical_date"])


def stage_runs(
    engine: Engine, site: str | None = None, first: date | None = None, last: date | None = None
) -> list[dict[str, Any]]:
    """Stage runs, by day, then site, then when they started (every attempt, failed ones too)."""
    table = StageRun.__table__
    query = select(table)
    if site is not None:
        query = query.where(table.c.site == site)
    if first is not None:
        query = query.where(table.c.logical_date >= first)
    if last is not None:
        query = query.where(table.c.logical_date <= last)
    query = query.order_by(table.c.logical_date, table.c.site, table.c.started_at, table.c.stage)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


__all__ = ["COLUMNS", "record_stage_run", "stage_runs"]
