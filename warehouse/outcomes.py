"""Settle what became of each discovered URL, and keep it: ``url_outcomes``.

The transform said of each URL whether it was staged, failed, a duplicate or unaccounted
(``core.outcomes``); the load knows which staged rows it loaded and which repeated an
earlier row, and the quarantine file says which the gate held back and why. A staged URL
in none of them was lost between the stages: it is ``unaccounted``, and the day does not
reconcile. The ledger's counts are tallied from the settled outcomes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, delete

from core.outcomes import UrlOutcome, read_outcomes, tally
from core.partitions import Partition
from core.records import LedgerCounts
from warehouse.models import UrlOutcome as UrlOutcomeRow
from warehouse.upsert import insert_rows

_LOST = "staged, then neither loaded nor quarantined"


def quarantine_reasons(partition: Partition) -> dict[str, str]:
    """URL as fetched → the quality gate's reasons for holding it back."""
    import pyarrow.parquet as pq

    path = partition.quarantined_articles
    if not path.exists():
        return {}
    table = pq.read_table(path, columns=["url", "reasons"])
    return {
        url: "; ".join(reasons or []) or "quarantined"
        for url, reasons in zip(
            table.column("url").to_pylist(), table.column("reasons").to_pylist(), strict=True
        )
    }


def settle(partition: Partition, loaded: set[str], repeated: dict[str, str]) -> Iterator[UrlOutcome]:
    """Every URL's final outcome. ``loaded``: URLs whose rows the load wrote; ``repeated``: URL →
    the URL of the row loaded before it with the same canonical URL."""
    quarantined = quarantine_reasons(partition)
    for outcome in read_outcomes(partition.transform_outcomes):
        if outcome.outcome != "staged":
            yield outcome
        elif outcome.url in loaded:
            yield UrlOutcome(url=outcome.url, outcome="loaded")
        elif outcome.url in repeated:
            yield UrlOutcome(
                url=outcome.url, outcome="duplicate", reason=f"same article as {repeated[outcome.url]}"
            )
        elif outcome.url in quarantined:
            yield UrlOutcome(url=outcome.url, outcome="quarantined", reason=quarantined[outcome.url])
        else:
            yield UrlOutcome(url=outcome.url, outcome="unaccounted", reason=_LOST)


def replace_outcomes(
    conn: Connection, partition: Partition, run_id: str, outcomes: list[UrlOutcome], chunk_size: int
) -> LedgerCounts:
    """Write the partition's outcomes in place of the earlier ones; the ledger's counts from them."""
    table = UrlOutcomeRow.__table__
    conn.execute(delete(table).where(table.c.site == partition.site, table.c.logical_date == partition.day))
    rows: Iterator[dict[str, Any]] = (
        {
            "site": partition.site,
            "logical_date": partition.day,
            "seq": seq,
            "url": outcome.url.replace("\x00", ""),
            "outcome": outcome.outcome,
            "reason": outcome.reason.replace("\x00", "") if outcome.reason else None,
            "run_id": run_id,
        }
        for seq, outcome in enumerate(outcomes)
    )
    insert_rows(conn, table, rows, chunk_size=chunk_size)
    return tally(outcomes)
