"""Row counts and checksums of the warehouse tables: did a load change anything?

A checksum is the md5 of every row, in primary-key order, streamed (a large
table is never held in memory). Values are hashed as the driver returns them, so
fingerprints compare within one database, not across dialects.

``partition_locks`` is not data but who is working on what right now, ``stage_runs`` how
long each attempt took (a refused one too): they are left out unless asked for by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from warehouse.models import Base

NOT_DATA = frozenset({"partition_locks", "stage_runs"})


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    md5: str


def fingerprints(engine: Engine, tables: Iterable[str] | None = None) -> dict[str, Fingerprint]:
    """``{table: Fingerprint(rows, md5)}`` for ``tables`` (default: every warehouse data table)."""
    if tables is None:
        names = [t.name for t in Base.metadata.sorted_tables if t.name not in NOT_DATA]
    else:
        names = list(tables)
    out = {}
    with engine.connect() as conn:
        for name in names:
            table = Base.metadata.tables[name]
            query = select(table).order_by(*table.primary_key.columns)
            digest = hashlib.md5(usedforsecurity=False)
            count = 0
            for row in conn.execution_options(yield_per=2000).execute(query):
                digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
                digest.update(b"\n")
                count += 1
            out[name] = Fingerprint(count, digest.hexdigest())
    return out
