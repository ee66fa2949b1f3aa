"""Set-based, chunked inserts and upserts that work on PostgreSQL and DuckDB.

PostgreSQL gets each chunk as one executemany of a single-row statement, which
psycopg pipelines. DuckDB gets multi-row ``INSERT … VALUES (…), (…)`` statements
instead: duckdb-engine runs an executemany one row at a time (~2 ms a row, as
SQLAlchemy does not batch ``ON CONFLICT`` statements), about fifteen times slower.
On PostgreSQL the multi-row form would be the slow one (compiling tens of
thousands of bind parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, or_
from sqlalchemy.sql.dml import Insert

Row = Mapping[str, Any]

DEFAULT_CHUNK_SIZE = 2000
# Multi-row statements: bounded compile time, and under SQLite's 32766 bind parameters.
MAX_PARAMS_PER_STATEMENT = 30000


def _insert(conn: Connection, table: Table) -> Insert:
    name = conn.dialect.name
    if name in ("postgresql", "duckdb"):
        # duckdb-engine compiles through the PostgreSQL dialect, ON CONFLICT included.
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"no upsert for dialect {name!r}")
    return insert(table)


def chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _statement_batches(chunk: list[Row], table: Table) -> Iterator[list[Row]]:
    width = max(1, len(chunk[0]) if chunk else len(table.columns))
    yield from chunked(chunk, max(1, MAX_PARAMS_PER_STATEMENT // width))


def _execute(conn: Connection, table: Table, chunk: list[Row], finish: Callable[[Insert], Insert]) -> None:
    """Send one chunk of rows through ``finish(insert(table))``."""
    if conn.dialect.name == "postgresql":
        conn.execute(finish(_insert(conn, table)), chunk)
        return
    for batch in _statement_batches(chunk, table):
        conn.execute(finish(_insert(conn, table).values(batch)))


def insert_rows(
    conn: Connection, table: Table, rows: Iterable[Row], *, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> int:
    """Plain chunked insert; returns the number of rows sent. All rows need the same keys."""
    sent = 0
    for chunk in chunked(rows, chunk_size):
        _execute(conn, table, chunk, lambda stmt: stmt)
        sent += len(chunk)
    return sent


def _dedupe(batch: list[Row], key: Sequence[str]) -> list[Row]:
    # One statement may not touch the same row twice (PostgreSQL: "ON CONFLICT DO
    # UPDATE command cannot affect row a second time"); keep the last, as sequential
    # upserts would.
    by_key = {tuple(row[k] for k in key): row for row in batch}
    return list(by_key.values()) if len(by_key) < len(batch) else batch


def upsert(
    conn: Connection,
    table: Table,
    rows: Iterable[Row],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
    changed: Sequence[str] | None = None,
    where: Callable[[Any], ColumnElement[bool]] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> int:
    """Insert ``rows``; on a ``key`` conflict update the ``update`` columns.

    ``update``: columns to overwrite (default: every column of the row not in ``key``;
    empty: do nothing on conflict). The update happens only when one of ``changed``
    (default: ``update``) differs (``IS DISTINCT FROM``), so an identical re-load writes
    nothing, and only when ``where(excluded)`` holds, if given. Rows within one chunk
    sharing a key: the last wins. Returns the number of rows sent.
    """
    sent = 0
    for chunk in chunked(rows, chunk_size):
        update_cols = [c for c in chunk[0] if c not in key] if update is None else list(update)
        changed_cols = update_cols if changed is None else list(changed)
        on_conflict = partial(
            _on_conflict, table=table, key=list(key), update=update_cols, changed=changed_cols, where=where
        )
        chunk = _dedupe(chunk, key)
        _execute(conn, table, chunk, on_conflict)
        sent += len(chunk)
    return sent


def _on_conflict(
    stmt: Insert,
    *,
    table: Table,
    key: list[str],
    update: list[str],
    changed: list[str],
    where: Callable[[Any], ColumnElement[bool]] | None,
) -> Insert:
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=key)
    excluded = stmt.excluded
    conditions = []
    if changed:
        conditions.append(or_(*(table.c[c].is_distinct_from(excluded[c]) for c in changed)))
    if where is not None:
        conditions.append(where(excluded))
    return stmt.on_conflict_do_update(
        index_elements=key,
        set_={c: excluded[c] for c in update},
        where=and_(*conditions) if conditions else None,
    )
