"""warehouse/runs.py: crawl_runs and validation_results rows on the caller's connection."""

from __future__ import annotations

import test_warehouse_support as support
from sqlalchemy import Engine
from test_warehouse_support import (
    DAY,
    SITE,
    rows,
)

from warehouse.ledger import record_validation_results

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_validation_results_replace_the_runs_rows(engine: Engine) -> None:
    first = [
        {
            "expectation": "expect_column_values_to_not_be_null",
            "column": "title",
            "success": True,
            "observed": 0,
        },
        {
            "expectation": "expect_table_row_count_to_be_between",
            "column": None,
            "success": False,
            "observed": {"rows": 0},
        },
    ]
    assert record_validation_results(engine, SITE, DAY, "run-1", first) == 2
    record_validation_results(engine, SITE, DAY, "run-0", first[:1])
    stored = rows(engine, "validation_results", run_id="run-1")
    assert [(r["expectation"], r["column"], r["success"], r["observed_value"]) for r in stored] == [
        ("expect_column_values_to_not_be_null", "title", True, "0"),
        ("expect_table_row_count_to_be_between", None, False, '{"rows": 0}'),
    ]

    record_validation_results(engine, SITE, DAY, "run-1", [{**first[0], "observed": "0 of 12 null"}])
    assert [r["observed_value"] for r in rows(engine, "validation_results", run_id="run-1")] == [
        "0 of 12 null"
    ]
    assert len(rows(engine, "validation_results", run_id="run-0")) == 1
