"""Read validated articles in batches and put each batch where set-based SQL can read it.

A batch becomes the relation ``pressetl_stage_articles``: on PostgreSQL a
temporary table filled by ``COPY … FROM STDIN (FORMAT csv)`` (Arrow writes the
CSV), on DuckDB the Arrow batch itself, scanned in place. Either way the loader's
SQL is the same and only one batch is in memory: the Parquet file is read one row
group at a time (a row group is the smallest unit Parquet can read, so the
writer's row-group size bounds the memory of a load).

On DuckDB the batch is found by a replacement scan (a Python variable named
like the relation, in the frame that runs the statement): an Arrow table
``register``ed on the connection stays referenced until the transaction ends,
so a load would keep every batch alive; and ``DuckDBPyRelation.query`` reports
any error inside a transaction as "transaction is aborted", hiding the cause.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Column, Connection, Executable, MetaData, Table, text
from sqlalchemy.schema import CreateTable

from core.records import ARTICLE_SCHEMA
from warehouse.models import Article

STAGE_TABLE = "pressetl_stage_articles"

# Columns the validated Parquet may lack: older partitions (before enrichment) and
# ``published_at``, which no transform fills yet. They stage as NULL.
EXTRA_FIELDS = (pa.field("published_at", pa.timestamp("us", tz="UTC")),)
# Added to every staged row, so that the merge statements take no parameters.
RUN_FIELDS = (pa.field("loaded_at", pa.timestamp("us", tz="UTC")), pa.field("run_id", pa.string()))


def _stage_type(field: pa.Field) -> pa.DataType:
    if pa.types.is_list(field.type):
        return pa.string()  # JSON text, as ``JSONList`` stores it
    if pa.types.is_timestamp(field.type):
        return pa.timestamp("us", tz="UTC")
    return field.type


def stage_schema(columns: tuple[str, ...]) -> pa.Schema:
    """The Arrow schema of a staged batch: ``columns`` in order, then ``loaded_at`` and ``run_id``."""
    fields = {f.name: f for f in (*ARTICLE_SCHEMA, *EXTRA_FIELDS)}
    return pa.schema([*(pa.field(name, _stage_type(fields[name])) for name in columns), *RUN_FIELDS])


def read_batches(path: Path, columns: tuple[str, ...], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """``path``'s rows in batches of at most ``batch_rows``, one row group at a time.

    Columns missing from the file come back as NULL. Iterating row group by row
    group keeps memory flat; ``iter_batches`` over the whole file grows with it.
    """
    with pq.ParquetFile(path) as parquet:
        present = [name for name in columns if name in parquet.schema_arrow.names]
        for group in range(parquet.num_row_groups):
            for batch in parquet.iter_batches(
                batch_size=batch_rows, row_groups=[group], columns=present, use_threads=False
            ):
                yield _complete(batch, columns)


def _complete(batch: pa.RecordBatch, columns: tuple[str, ...]) -> pa.RecordBatch:
    if tuple(batch.schema.names) == columns:
        return batch
    fields = {f.name: f for f in (*ARTICLE_SCHEMA, *EXTRA_FIELDS)}
    arrays = [
        batch.column(name) if name in batch.schema.names else pa.nulls(batch.num_rows, fields[name].type)
        for name in columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=list(columns))


def _json_list(values: list[list[str] | None]) -> list[str | None]:
    # Exactly what ``models.JSONList`` writes, so a row loaded either way compares equal.
    return [
        None if value is None else json.dumps([v.replace("\x00", "") for v in value], ensure_ascii=False)
        for value in values
    ]


def prepare(batch: pa.RecordBatch, schema: pa.Schema, *, loaded_at: object, run_id: str) -> pa.RecordBatch:
    """Convert a Parquet batch to ``schema``: lists as JSON text, timestamps in UTC, no NULs,
    and the loading run's start and id on every row.

    PostgreSQL text cannot hold NUL; DuckDB can, and the two must load the same rows.
    """
    arrays = []
    run = {"loaded_at": loaded_at, "run_id": run_id}
    for field in schema:
        if field.name in run:
            arrays.append(pa.repeat(pa.scalar(run[field.name], field.type), batch.num_rows))
            continue
        column = batch.column(field.name)
        if pa.types.is_list(column.type):
            column = pa.array(_json_list(column.to_pylist()), pa.string())
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.replace_substring(column, "\x00", "")
        elif pa.types.is_timestamp(column.type) and column.type.tz is None:
            column = pc.assume_timezone(column, "UTC")  # naive times are UTC
        arrays.append(column.cast(field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class Stage:
    """The ``pressetl_stage_articles`` relation on one connection, inside its transaction."""

    def __init__(self, conn: Connection, columns: tuple[str, ...]) -> None:
        self.conn = conn
        self.columns = columns
        self.schema = stage_schema(columns)

    @staticmethod
    def open(conn: Connection, columns: tuple[str, ...]) -> Stage:
        kind = _PostgresStage if conn.dialect.name == "postgresql" else _ArrowStage
        stage = kind(conn, columns)
        stage.create()
        return stage

    def create(self) -> None:
        pass

    def put(self, batch: pa.RecordBatch) -> None:
        """Make ``batch`` (already ``prepare``d) the content of the stage."""
        raise NotImplementedError

    def execute(self, statement: Executable) -> None:
        """Run a statement (without parameters) that reads the stage."""
        self.conn.execute(statement)

    def clear(self) -> None:
        pass

    def drop(self) -> None:
        pass


class _PostgresStage(Stage):
    def create(self) -> None:
        source = Article.__table__
        table = Table(
            STAGE_TABLE,
            MetaData(),
            *(Column(name, source.c[name].type, nullable=True) for name in self.columns),
            Column("loaded_at", source.c.last_loaded_at.type),
            Column("run_id", source.c.run_id.type),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DROP",
        )
        self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGE_TABLE}"))
        self.conn.execute(CreateTable(table))

    def put(self, batch: pa.RecordBatch) -> None:
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        sql = f"COPY {STAGE_TABLE} ({', '.join(self.schema.names)}) FROM STDIN (FORMAT csv)"
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            view = buffer.getbuffer()
            step = 1 << 20
            for start in range(0, len(view), step):
                copy.write(view[start : start + step])
            view.release()
        # Join plans against a table of unknown size go wrong; this costs milliseconds.
        self.conn.execute(text(f"ANALYZE {STAGE_TABLE}"))

    def clear(self) -> None:
        self.conn.execute(text(f"TRUNCATE {STAGE_TABLE}"))

    def drop(self) -> None:
        self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGE_TABLE}"))


class _ArrowStage(Stage):
    """DuckDB scans the Arrow batch in place."""

    def __init__(self, conn: Connection, columns: tuple[str, ...]) -> None:
        super().__init__(conn, columns)
        self._batch: pa.Table | None = None
        self._sql: dict[int, tuple[Executable, str]] = {}

    def put(self, batch: pa.RecordBatch) -> None:
        self._batch = pa.Table.from_batches([batch])

    def execute(self, statement: Executable) -> None:
        compiled = self._sql.get(id(statement))
        if compiled is None:
            sql = str(statement.compile(dialect=self.conn.dialect, compile_kwargs={"literal_binds": True}))
            self._sql[id(statement)] = compiled = (statement, sql)
        # DuckDB resolves the relation to this local variable of the calling frame.
        pressetl_stage_articles = self._batch  # noqa: F841
        self.conn.connection.driver_connection.execute(compiled[1])

    def clear(self) -> None:
        self._batch = None


assert STAGE_TABLE == "pressetl_stage_articles", "rename the local variable in _ArrowStage.execute too"
