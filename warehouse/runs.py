"""Rows of the run ledger (``crawl_runs``) and of ``validation_results``, written on the
caller's connection: the load writes them in its own transaction."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete

from core.records import CrawlCost, LedgerCounts
from warehouse.models import CrawlRun, ValidationResult
from warehouse.upsert import insert_rows, upsert


def utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, so neither database applies its session zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def write_run(conn: Connection, row: dict[str, Any]) -> None:
    """Insert or replace one ``crawl_runs`` row (same site, day and run id: replaced)."""
    upsert(conn, CrawlRun.__table__, [row], key=("site", "logical_date", "run_id"), changed=[])


def run_row(
    site: str,
    day: date,
    run_id: str,
    counts: LedgerCounts,
    *,
    status: str,
    stage: str,
    failed_stage: str | None,
    error: str | None,
    started_at: datetime,
    finished_at: datetime,
    quality_overridden: bool = False,
    cost: CrawlCost | None = None,
) -> dict[str, Any]:
    return {
        "site": site,
        "logical_date": day,
        "run_id": run_id,
        "status": status,
        "stage_reached": stage,
        "failed_stage": failed_stage,
        **counts.as_dict(),
        "error": error,
        "started_at": utc(started_at),
        "finished_at": utc(finished_at),
        "quality_overridden": quality_overridden,
        "requests": cost.requests if cost else None,
        "discovery_requests": cost.discovery_requests if cost else None,
    }


def _observed_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def write_validation_results(
    conn: Connection, site: str, day: date, run_id: str, results: list[dict[str, Any]]
) -> int:
    """Replace run ``run_id``'s validation results for (site, day).

    Each result: ``expectation``, ``column`` (None for table-level ones),
    ``success``, ``observed`` (stored as text; non-strings as JSON).
    """
    table = ValidationResult.__table__
    rows = [
        {
            "site": site,
            "logical_date": day,
            "run_id": run_id,
            "seq": seq,
            "expectation": result["expectation"],
            "column": result.get("column"),
            "success": bool(result["success"]),
            "observed_value": _observed_text(result.get("observed", result.get("observed_value"))),
        }
        for seq, result in enumerate(results)
    ]
    conn.execute(
        delete(table).where(table.c.site == site, table.c.logical_date == day, table.c.run_id == run_id)
    )
    return insert_rows(conn, table, rows)
