"""Temporary tables of keys a load works on, inside its transaction, on both dialects.

PostgreSQL drops them at commit (``ON COMMIT DROP``); DuckDB keeps them for the
connection, so the caller drops them when done (``drop``). Either way a table of
the same name left by an earlier failure is dropped first. They are filled the
fast way of each database, as the staged batches are (``staging``): ``COPY`` on
PostgreSQL, an Arrow table scanned in place on DuckDB (a multi-row ``INSERT`` of
thousands of bound values costs seconds there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, TableClause, column, table, text
from sqlalchemy.types import Boolean, Date, Integer, LargeBinary, String, TypeEngine

# kind → (SQL type; BYTEA is an alias of BLOB in DuckDB, SQLAlchemy type, Arrow type)
KINDS: dict[str, tuple[str, TypeEngine, pa.DataType]] = {
    "text": ("VARCHAR", String(), pa.string()),
    "date": ("DATE", Date(), pa.date32()),
    "bytes": ("BYTEA", LargeBinary(), pa.binary()),
    "bool": ("BOOLEAN", Boolean(), pa.bool_()),
    "int": ("INTEGER", Integer(), pa.int64()),
}


def create(conn: Connection, name: str, columns: Mapping[str, str], key: str | None = None) -> TableClause:
    """Create the temporary table ``name`` (column → kind of ``KINDS``); returns it for statements."""
    suffix = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    spec = ", ".join(f"{column_name} {KINDS[kind][0]}" for column_name, kind in columns.items())
    if key:
        spec += f", PRIMARY KEY ({key})"
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TEMPORARY TABLE {name} ({spec}){suffix}"))
    kinds = dict(columns)
    made = table(name, *(column(column_name, KINDS[kind][1]) for column_name, kind in columns.items()))
    made.info = {"kinds": kinds}  # type: ignore[attr-defined]
    return made


def fill(conn: Connection, temporary: TableClause, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the table's columns); the number of rows."""
    kinds: dict[str, str] = temporary.info["kinds"]  # type: ignore[attr-defined]
    names = list(kinds)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        count = 0
        sql = f"COPY {temporary.name} ({', '.join(names)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(tuple(row[name] for name in names))
                count += 1
        conn.execute(text(f"ANALYZE {temporary.name}"))  # join plans against a table of unknown size go wrong
        return count
    values: dict[str, list[Any]] = {name: [] for name in names}
    for row in rows:
        for name in names:
            values[name].append(row[name])
    schema = pa.schema([(name, KINDS[kind][2]) for name, kind in kinds.items()])
    # DuckDB finds the relation as this local variable of the calling frame (a replacement scan).
    pressetl_temporary_rows = pa.table(values, schema=schema)  # noqa: F841
    raw.execute(f"INSERT INTO {temporary.name} ({', '.join(names)}) SELECT * FROM pressetl_temporary_rows")
    return len(values[names[0]]) if names else 0


def drop(conn: Connection, name: str) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
