"""warehouse/schema.py: a stage that meets an out-of-date schema stops at once, writes
nothing and says what to run; migrating is ``pressetl db upgrade``'s job alone."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import test_warehouse_support as support
from sqlalchemy import Engine, event
from test_warehouse_support import DAY, SITE, partition
from test_warehouse_support_stages import stage_settings, write_first_edition

from core.errors import WarehouseSchemaError
from warehouse import migrate
from warehouse.engine import make_engine
from warehouse.schema import current_revision, expected_revision, require_current

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url

HEAD = "0009"
EMPTY = f"warehouse schema at no revision (empty database), code expects {HEAD}: run `pressetl db upgrade`"
AT_0001 = f"warehouse schema at 0001, code expects {HEAD}: run `pressetl db upgrade`"
WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "MERGE")


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement this process sends to any database meanwhile, whitespace collapsed."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def writes(seen: list[str]) -> list[str]:
    return [sql for sql in seen if sql.startswith(WRITES)]


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table there is (whatever the revision), in a stable order."""
    eng = make_engine(url)
    try:
        names = sorted(sa.inspect(eng).get_table_names())
        with eng.connect() as conn:
            return {
                name: sorted(
                    tuple(map(repr, row)) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"'))
                )
                for name in names
            }
    finally:
        eng.dispose()


def never_created(url: str) -> bool:
    """Nothing there: no DuckDB file (checking must not create one), no PostgreSQL table."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "duckdb":
        return not Path(parsed.database).exists()
    return snapshot(url) == {}


def test_require_current_names_the_revision_and_the_command(wh_url: str) -> None:
    assert expected_revision() == migrate.head() == HEAD
    eng = make_engine(wh_url)
    try:
        assert current_revision(eng) is None
        with pytest.raises(WarehouseSchemaError) as empty:
            require_current(eng)
        assert str(empty.value) == EMPTY
        assert empty.value.stage == "load"
        assert never_created(wh_url)
        with eng.connect() as conn:  # an empty database, there
            assert current_revision(conn) is None

        migrate.upgrade(wh_url, "0001")
        with eng.connect() as conn:  # on a connection too, as a caller's transaction would
            assert current_revision(conn) == "0001"
            with pytest.raises(WarehouseSchemaError) as old:
                require_current(conn)
        assert str(old.value) == AT_0001

        migrate.upgrade(wh_url)
        assert current_revision(eng) == HEAD
        require_current(eng)
    finally:
        eng.dispose()


def test_a_load_against_an_empty_warehouse_fails_at_once_and_writes_nothing(
    wh_url: str, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pipeline.ledger import recorded
    from pipeline.stages.load import load

    settings = stage_settings(data_dir, wh_url)
    edition = write_first_edition(partition(data_dir), "run-1")

    with statements() as seen, pytest.raises(WarehouseSchemaError) as info:
        load(settings, SITE, DAY, "run-1")
    assert str(info.value) == EMPTY
    assert writes(seen) == []
    assert never_created(wh_url)
    assert snapshot(wh_url) == {}  # not one table: the stage did not migrate (a DuckDB file now)

    # As the runner runs it: recording the failure meets the same schema and writes nothing
    # either (logged); the stage's own error is the one raised.
    with (
        caplog.at_level(logging.ERROR, logger="pipeline.ledger"),
        statements() as seen,
        pytest.raises(WarehouseSchemaError) as info,
        recorded(settings, SITE, DAY, "run-1", "load"),
    ):
        load(settings, SITE, DAY, "run-1")
    assert str(info.value) == EMPTY
    assert writes(seen) == []
    assert snapshot(wh_url) == {}
    assert "could not record the failed load" in caplog.text

    # Once an operator has run `pressetl db upgrade`, the same load goes through.
    migrate.upgrade(wh_url)
    result = load(settings, SITE, DAY, "run-1")
    assert {k: result[k] for k in edition.counts.as_dict()} == edition.counts.as_dict()


def test_a_load_against_a_warehouse_at_0001_fails_at_once_and_writes_nothing(
    wh_url: str, data_dir: Path
) -> None:
    from pipeline.stages.load import load

    settings = stage_settings(data_dir, wh_url)
    part = partition(data_dir)
    write_first_edition(part, "run-1")
    migrate.upgrade(wh_url)
    load(settings, SITE, DAY, "run-1")
    migrate.downgrade(wh_url, "0001")  # e.g. restored from an old backup
    before = snapshot(wh_url)
    assert len(before["articles"]) == 7 and len(before["crawl_runs"]) == 1
    assert before["alembic_version"] == [("'0001'",)]

    with statements() as seen, pytest.raises(WarehouseSchemaError) as info:
        load(settings, SITE, DAY, "run-2")
    assert str(info.value) == AT_0001
    assert writes(seen) == []
    assert snapshot(wh_url) == before

    migrate.upgrade(wh_url)
    result = load(settings, SITE, DAY, "run-2")
    assert (result["run_id"], result["loaded"]) == ("run-2", 7)


def _status(data_dir: Path, wh_url: str):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    return CliRunner().invoke(app, ["--data-dir", str(data_dir), "--warehouse-url", wh_url, "status"])


def test_status_on_an_unmigrated_warehouse_exits_2_with_the_message(wh_url: str, data_dir: Path) -> None:
    result = _status(data_dir, wh_url)
    assert result.exit_code == 2, result.output
    # rich wraps long lines at the terminal's width: compare the words
    assert " ".join(result.stderr.split()) == f"error: {EMPTY}"
    assert result.stdout == ""
    assert never_created(wh_url)

    migrate.upgrade(wh_url, "0001")
    result = _status(data_dir, wh_url)
    assert result.exit_code == 2, result.output
    assert " ".join(result.stderr.split()) == f"error: {AT_0001}"

    migrate.upgrade(wh_url)
    result = _status(data_dir, wh_url)
    assert result.exit_code == 0, result.output
    assert "pressetl ledger" in result.stdout


def test_a_warehouse_migrated_by_newer_code_is_refused_without_suggesting_an_upgrade(wh_url: str) -> None:
    migrate.upgrade(wh_url)
    eng = make_engine(wh_url)
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
        with pytest.raises(WarehouseSchemaError) as newer:
            require_current(eng)
    finally:
        eng.dispose()
    message = str(newer.value)
    assert message.startswith(f"warehouse schema at 0099, which this code does not know (it expects {HEAD})")
    assert "deploy that version" in message and "db upgrade" not in message
