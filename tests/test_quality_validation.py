"""Running a suite and matching its results to the checks (``quality.validation``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from test_quality_support import BASE_URL, article, gx_result, raw_items, site_profile, stage, validate

from quality.suites import Check, raw_items_checks
from quality.validation import Outcome, match_outcomes


@pytest.fixture(scope="module")
def served_profile():
    """The profile as the pipeline sees it against devsite: only that host may be crawled."""
    return site_profile(BASE_URL)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_raw_items_results_are_in_the_manifest(data_dir, served_profile):
    rows = [article(i) for i in range(10)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows)

    manifest = validate(partition, served_profile)

    raw = [e for e in manifest["expectations"] if e["suite"] == "raw_items"]
    assert [e["expectation"] for e in raw] == [c.description for c in raw_items_checks(served_profile)]
    assert all(e["success"] for e in raw)
    by_name = {e["expectation"]: e for e in raw}
    assert by_name["raw_items.expect_table_row_count_to_be_between()"]["observed"] == 10
    assert manifest["raw_items"]["rows"] == 10 and manifest["raw_items"]["success"] is True
    assert Path(manifest["docs_pages"]["raw_items"]).is_file()
    assert manifest["docs_path"] == manifest["docs_pages"]["staged_articles"]


# -- matching results to checks, from synthetic results (no GX) -----------------------------


def _item(description: str, **result) -> SimpleNamespace:
    """One expectation's result as a suite's result lists it, tagged with its check."""
    item = gx_result(**result)
    item.expectation_config = SimpleNamespace(meta={"pressetl_check": description})
    return item


def test_results_are_matched_to_checks_by_description_not_position():
    title = Check("expect_column_values_to_not_be_null", "title", "row")
    unique = Check("expect_column_values_to_be_unique", "canonical_url", "batch")
    result = SimpleNamespace(
        results=[_item(unique.description, success=False, unexpected_count=2), _item(title.description)]
    )

    outcomes = match_outcomes([title, unique], result, "staged_row")

    assert [o.check for o in outcomes] == [title, unique]
    assert [o.success for o in outcomes] == [True, False]
    assert outcomes[1].unexpected_count == 2


def test_a_check_without_a_result_is_an_error():
    title = Check("expect_column_values_to_not_be_null", "title", "row")
    body = Check("expect_column_values_to_not_be_null", "body", "row")

    with pytest.raises(
        RuntimeError, match=r"GX returned no result for \['expect_column_values_to_not_be_null\(body\)'\]"
    ):
        match_outcomes([title, body], SimpleNamespace(results=[_item(title.description)]), "staged_row")


def test_outcome_reads_counts_rows_and_errors():
    check = Check("expect_column_values_to_not_be_null", "title", "row")
    rows = [{"staged_row": 4}, {"staged_row": 7}]
    result = gx_result(success=False, unexpected_count=2, element_count=9, unexpected_index_list=rows)
    failed = Outcome(check, result, "staged_row")
    # Publishing the Data Docs strips the bulky keys from GX's dict later: the outcome keeps its own.
    result.result.pop("unexpected_index_list")

    assert (failed.success, failed.error) == (False, None)
    assert (failed.unexpected_count, failed.element_count, failed.failing_rows()) == (2, 9, [4, 7])
    empty = Outcome(check, SimpleNamespace(success=True, result=None, exception_info=None), "staged_row")
    assert (empty.unexpected_count, empty.element_count, empty.failing_rows(), empty.error) == (
        0,
        0,
        [],
        None,
    )
    raised = SimpleNamespace(success=False, result={}, exception_info={"raised_exception": True})
    assert Outcome(check, raised, "staged_row").error == "raised an exception"
    assert (
        Outcome(check, gx_result(success=False, error="no column title"), "staged_row").error
        == "no column title"
    )
