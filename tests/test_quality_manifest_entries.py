"""The manifest's expectation entries (``quality.manifest_entries``): JSON-safe, short."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
from test_quality_support import outcome

from quality.manifest_entries import expectation_entry, jsonable, short


def test_jsonable_turns_gx_values_into_json():
    value = {
        1: np.int64(3),
        "share": np.float64(0.25),
        "flag": np.bool_(True),
        "pair": (1, "a"),
        "nan": float("nan"),
        "inf": math.inf,
        "neg": np.float64(-math.inf),
        "day": date(2011, 2, 9),
        "nested": [{"none": None, "text": "é"}],
    }

    out = jsonable(value)

    assert out == {
        "1": 3,
        "share": 0.25,
        "flag": True,
        "pair": [1, "a"],
        "nan": None,
        "inf": None,
        "neg": None,
        "day": "2011-02-09",
        "nested": [{"none": None, "text": "é"}],
    }
    assert type(out["1"]) is int and type(out["flag"]) is bool and type(out["share"]) is float
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_short_cuts_long_strings_only():
    assert short("x" * 200) == "x" * 200
    cut = short("x" * 201)
    assert len(cut) == 200 and cut.endswith("…") and cut.startswith("x" * 199)
    assert short("abcdef", limit=4) == "abc…"
    assert short(12345) == 12345 and short(None) is None


def test_entry_with_an_observed_value():
    entry = expectation_entry(
        outcome(
            "expect_table_row_count_to_be_between",
            None,
            "volume",
            suite="raw_items",
            observed_value=np.int64(8),
        )
    )

    assert entry == {
        "expectation": "raw_items.expect_table_row_count_to_be_between()",
        "column": None,
        "suite": "raw_items",
        "success": True,
        "observed": 8,
        "unexpected_count": 0,
        "level": "volume",
    }


def test_entry_samples_a_few_failing_values_cut_short():
    values = [f"{n} " + "mot " * 100 for n in range(8)]
    entry = expectation_entry(
        outcome(
            "expect_column_values_to_not_match_regex_list",
            "body",
            "row",
            success=False,
            unexpected_count=8,
            unexpected_percent=np.float64(40.0),
            partial_unexpected_list=values,
        )
    )

    assert entry["success"] is False and entry["unexpected_count"] == 8 and entry["column"] == "body"
    assert entry["observed"]["unexpected_percent"] == 40.0
    assert entry["observed"]["sample"] == [short(v) for v in values[:5]]
    assert all(len(v) == 200 for v in entry["observed"]["sample"])
    assert "error" not in entry


def test_entry_of_an_errored_check_is_a_failure_with_its_error():
    entry = expectation_entry(
        outcome("expect_column_values_to_be_unique", "url", "batch", error="no column url")
    )

    assert entry["success"] is False  # GX said success, but the check did not run
    assert entry["error"] == "no column url"
    assert entry["observed"] == {"unexpected_percent": None, "sample": []}
