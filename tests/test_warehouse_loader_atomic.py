"""warehouse/loader.py's one transaction, in process: a load that fails midway leaves the warehouse
as it was, and the quality gate's results commit with the articles and the ledger row."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine, event
from test_warehouse_support import (
    DAY,
    SITE,
    T0,
    T1,
    T2,
    article,
    counts_for,
    dump,
    failure,
    partition,
    rows,
    write_partition,
)
from test_warehouse_support_stages import (
    expectations,
    expected_results,
    stage_settings,
    stored_results,
    write_first_edition,
    write_manifests,
)

from warehouse import loader, merge
from warehouse.loader import load_partition
from warehouse.models import Base

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_a_load_that_dies_midway_leaves_the_previous_state(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = partition(data_dir)
    write_partition(
        part, [article(i) for i in range(6)], quarantined=[(article(50), ["r"])], failures=[failure(1)]
    )
    load_partition(engine, part, "run-1", counts_for(6, quarantined=1, failed=1), T0, finished_at=T1)
    before = dump(engine)

    write_partition(
        part,
        [article(i, title=f"v2 {i}", content_hash=f"v2-{i}") for i in range(12)],
        quarantined=[(article(51), ["s"]), (article(52), ["t"])],
        failures=[failure(2), failure(3)],
    )
    real = merge.ArticleMerge.merge_batch
    calls = []

    def dies_after_first_chunk(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("killed midway")
        real(*args, **kwargs)

    monkeypatch.setattr(merge.ArticleMerge, "merge_batch", dies_after_first_chunk)
    with pytest.raises(RuntimeError, match="killed midway"):
        load_partition(engine, part, "run-2", counts_for(12, quarantined=2, failed=2), T2, chunk_size=4)

    assert len(calls) == 2
    assert dump(engine) == before


def test_a_first_load_that_dies_leaves_nothing(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(5)], failures=[failure(1)])

    def dies(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    # Fail at the very end: after articles, quarantine and failures were written.
    monkeypatch.setattr(loader, "write_run", dies)
    with pytest.raises(RuntimeError, match="disk full"):
        load_partition(engine, part, "run-1", counts_for(5, failed=1), T0, chunk_size=2)
    assert dump(engine) == {table: [] for table in Base.metadata.tables}


@contextlib.contextmanager
def transactions() -> Iterator[list[tuple[str, int, str]]]:
    """What this process sends meanwhile: ("sql", connection, statement) and ("commit", connection, "")."""
    seen: list[tuple[str, int, str]] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(("sql", id(conn), " ".join(statement.split()).upper()))

    def commit(conn) -> None:
        seen.append(("commit", id(conn), ""))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", before)
        event.remove(Engine, "commit", commit)


def test_a_load_writes_the_gates_results_in_its_own_transaction(
    wh_url: str, engine: Engine, data_dir: Path
) -> None:
    from pipeline.stages.load import load

    settings = stage_settings(data_dir, wh_url)
    part = partition(data_dir)
    edition = write_first_edition(part, "run-1")

    with transactions() as seen:
        result = load(settings, SITE, DAY, "run-1")

    # The manifest's expectations, in its order, observed values as text.
    assert stored_results(engine, "run-1") == expected_results(edition.outcomes)
    assert stored_results(engine, "run-1") == [
        ("expect_table_row_count_to_be_between", None, True, "12"),
        ("expect_column_values_to_not_be_null", "title", True, "0"),
        ("expect_column_values_to_be_unique", "canonical_url", True, "[]"),
        (
            "expect_column_value_lengths_to_be_between",
            "body",
            True,
            '{"sample": [], "unexpected_percent": 0.0}',
        ),
        ("expect_column_values_to_match_regex", "canonical_url", True, "v1: 0 of n"),
    ]
    assert [r["seq"] for r in rows(engine, "validation_results", run_id="run-1")] == [0, 1, 2, 3, 4]
    assert (result["loaded"], rows(engine, "crawl_runs")[0]["loaded"]) == (7, 7)
    # One connection wrote it all (sites to crawl_runs, the results between) and committed once.
    written = [
        (conn, sql) for kind, conn, sql in seen if kind == "sql" and sql.startswith(("INSERT", "DELETE"))
    ]
    assert {conn for conn, _ in written} == {written[0][0]}
    targets = [sql.split()[2] for _, sql in written]
    assert targets[0] == "SITES" and targets[-1] == "CRAWL_RUNS"
    assert targets[-3:-1] == ["VALIDATION_RESULTS", "VALIDATION_RESULTS"]  # delete, insert
    assert [conn for kind, conn, _ in seen if kind == "commit"] == [written[0][0]]

    # A retry of the run with the gate re-run: its results replace the run's, nothing doubles.
    outcomes = expectations("v1", failing=1)
    write_manifests(part, "run-1", validated=7, duplicates=1, quarantined=1, failed=1, outcomes=outcomes)
    load(settings, SITE, DAY, "run-1")
    assert stored_results(engine, "run-1") == expected_results(outcomes)
    assert [r[2] for r in stored_results(engine, "run-1")] == [True, False, True, True, True]


def test_a_load_that_dies_writes_no_results(
    engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    part = partition(data_dir)
    edition = write_first_edition(part, "run-1")
    results = [o.model_dump() for o in edition.outcomes]
    load_partition(engine, part, "run-1", edition.counts, T0, validation_results=results)
    before = dump(engine)

    def dies(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    # The ledger row fails, after the results were written in the same transaction.
    monkeypatch.setattr(loader, "write_run", dies)
    with pytest.raises(RuntimeError, match="disk full"):
        load_partition(engine, part, "run-2", edition.counts, T1, validation_results=results)
    assert rows(engine, "validation_results", run_id="run-2") == []
    assert dump(engine) == before
