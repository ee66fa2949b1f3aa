"""The manifest's summaries (``quality.summaries``): extraction, volume, publications."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from test_quality_support import (
    BASE_URL,
    DAY,
    SITE,
    article,
    outcome,
    raw_items,
    site_profile,
    stage,
    validate,
    validation,
)

from core.partitions import Partition
from quality.suites import PUBLICATION_STATUS_COLUMN, RAW, volume_plan
from quality.summaries import extraction_summary, publication_summary, volume_summary


@pytest.fixture(scope="module")
def profile():
    return site_profile()


@pytest.fixture(scope="module")
def served_profile():
    """The profile as the pipeline sees it against devsite: only that host may be crawled."""
    return site_profile(BASE_URL)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_usual_volume_passes(data_dir, served_profile):
    rows = [article(i) for i in range(30)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows)

    manifest = validate(partition, served_profile, recent_volumes=[85, 87, 39, 36, 85])

    assert manifest["success"] is True
    assert manifest["volume"]["verdict"] == "ok" and manifest["volume"]["ratio"] == pytest.approx(
        30 / 85, 1e-3
    )


@pytest.mark.parametrize(
    ("history", "note"),
    [(None, "no history in the warehouse"), ([90, 80], "2 day(s) of history, needs 3")],
)
def test_without_enough_history_there_is_no_volume_verdict(data_dir, served_profile, history, note):
    rows = [article(i) for i in range(2)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows)

    manifest = validate(partition, served_profile, recent_volumes=history)

    assert manifest["success"] is True
    assert manifest["volume"]["verdict"] == "no verdict"
    assert note in manifest["volume"]["note"]


def test_partition_staged_before_enrichment_takes_named_publications_as_known(data_dir, profile):
    partition = stage(data_dir, [article(i) for i in range(5)])

    manifest = validate(partition, profile)

    assert manifest["quarantined"] == 0
    assert manifest["publications"]["enriched"] is False
    assert "before enrichment" in manifest["publications"]["note"]


# -- from synthetic tables and outcomes (no GX) ------------------------------------------------


def test_extraction_counts_anything_unknown_as_failed(profile):
    table = pa.table({"extraction": pa.array(["selectors", "fallback", "failed", None, "odd", "selectors"])})

    assert extraction_summary(table, profile) == {
        "selectors": 2,
        "fallback": 1,
        "failed": 3,
        "fallback_share": 0.6667,  # fallback and failed: what drift is judged on
        "max_fallback_share": profile.quality.max_fallback_share,
    }


def test_extraction_of_an_empty_batch(profile):
    table = pa.table({"extraction": pa.array([], pa.string())})

    summary = extraction_summary(table, profile)

    assert (summary["selectors"], summary["fallback"], summary["failed"], summary["fallback_share"]) == (
        0,
        0,
        0,
        0.0,
    )


def test_volume_without_raw_items_has_no_verdict_and_says_why(profile, tmp_path):
    partition = Partition(SITE, DAY, tmp_path)
    plan = volume_plan([80, 85, 90], profile.quality)

    summary = volume_summary(plan, None, None, partition)

    assert summary["discovered"] is None and summary["verdict"] == "no verdict"
    assert (
        summary["note"] == f"no raw items at {partition.raw_items}: raw-items suite and volume check not run"
    )


def test_volume_verdict_and_ratio_come_from_the_volume_check(profile, tmp_path):
    partition = Partition(SITE, DAY, tmp_path)
    plan = volume_plan([80, 85, 90], profile.quality)
    check = ("expect_table_row_count_to_be_between", None, "volume")
    items = [{}] * 17

    failed = volume_summary(
        plan, validation(RAW, [outcome(*check, suite=RAW, success=False)]), items, partition
    )
    errored = volume_summary(
        plan, validation(RAW, [outcome(*check, suite=RAW, error="boom")]), items, partition
    )
    ok = volume_summary(plan, validation(RAW, [outcome(*check, suite=RAW)]), items, partition)

    assert (failed["verdict"], errored["verdict"], ok["verdict"]) == ("anomaly", "anomaly", "ok")
    assert ok["discovered"] == 17 and ok["ratio"] == 0.2
    assert (ok["median"], ok["min_rows"], ok["history_days"]) == (85.0, 26, 3)

    no_history = volume_summary(volume_plan([80], profile.quality), validation(RAW, []), items, partition)
    assert no_history["verdict"] == "no verdict" and "ratio" not in no_history


def test_publications_are_counted_from_the_status_column():
    table = pa.table(
        {
            "publication_key": pa.array(["ma/lesecos", "ma/nouveau", None, "ma/lematin"]),
            "publication_is_new": pa.array([False, True, False, False]),
        }
    )
    frame = pd.DataFrame({PUBLICATION_STATUS_COLUMN: ["known", "new", None, "known"]})

    assert publication_summary(table, frame) == {"known": 2, "new": 1, "unresolved": 1, "enriched": True}

    before_enrichment = pa.table(
        {
            "publication_key": pa.array([None, None], pa.string()),
            "publication_is_new": pa.array([None, None], pa.bool_()),
        }
    )
    summary = publication_summary(
        before_enrichment, pd.DataFrame({PUBLICATION_STATUS_COLUMN: ["known", None]})
    )
    assert summary["enriched"] is False and "staged before enrichment" in summary["note"]
