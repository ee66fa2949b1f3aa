"""The batch verdict (``quality.verdict``): what stops a batch, and the one line that says so."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
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

from core.partitions import read_json
from quality.errors import QualityGateError
from quality.suites import RAW, STAGED
from quality.verdict import Failure, Verdict, batch_failures, drift_text, message, pct, texts


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


def test_mostly_bad_batch_fails_with_a_one_line_message(data_dir, profile):
    rows = [article(i) for i in range(20)]
    for i in range(12):
        rows[i] = article(i, title=None)
    partition = stage(data_dir, rows)
    # a validated file left by an earlier, good run must not survive a failed one
    partition.validated_dir.mkdir(parents=True)
    partition.validated_articles.write_bytes(b"stale")

    with pytest.raises(QualityGateError) as info:
        validate(partition, profile)

    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(
        f"quality gate failed for {SITE} {DAY.isoformat()}: 60% rows quarantined (max 20%)"
    )
    assert "expect_column_values_to_not_be_null(title)" in message
    assert info.value.docs_path and info.value.docs_path in message
    assert not partition.validated_articles.exists()
    assert pq.read_table(partition.quarantined_articles).num_rows == 12
    manifest = read_json(partition.validation_manifest)
    assert manifest["success"] is False and manifest["loadable"] is False
    assert manifest["quarantined"] == 12


def test_duplicate_canonical_url_fails_the_batch(data_dir, profile):
    rows = [article(i) for i in range(10)]
    rows[5] = article(5, canonical_url=rows[4]["canonical_url"])
    partition = stage(data_dir, rows)

    with pytest.raises(QualityGateError, match=r"expect_column_values_to_be_unique\(canonical_url\)"):
        validate(partition, profile)

    assert not partition.validated_articles.exists()
    by_name = {e["expectation"]: e for e in read_json(partition.validation_manifest)["expectations"]}
    unique = by_name["expect_column_values_to_be_unique(canonical_url)"]
    assert unique["level"] == "batch" and unique["success"] is False and unique["unexpected_count"] == 2


def test_layout_drift_stops_the_batch_and_is_named(data_dir, profile):
    rows = [article(i, extraction="fallback", error="layout changed: …") for i in range(17)]
    rows += [article(i) for i in range(17, 20)]
    partition = stage(data_dir, rows)

    with pytest.raises(QualityGateError) as info:
        validate(partition, profile)

    message = str(info.value)
    assert message.startswith(
        f"layout drift suspected on {SITE} {DAY.isoformat()}: 85% fallback extractions (max 20%) "
        "[expect_column_values_to_be_in_set(extraction)]; see "
    )
    assert "\n" not in message and message.endswith(info.value.docs_path)
    assert "/staged_articles/" in info.value.docs_path
    assert not partition.validated_articles.exists()
    manifest = read_json(partition.validation_manifest)
    assert manifest["blocked_by"] == ["drift"] and manifest["message"] == message
    assert manifest["extraction"] == {
        "selectors": 3,
        "fallback": 17,
        "failed": 0,
        "fallback_share": 0.85,
        "max_fallback_share": 0.2,
    }
    assert manifest["quarantined"] == 0  # the rows themselves were fine


def test_a_few_fallback_extractions_are_not_drift(data_dir, profile):
    rows = [article(i, extraction="fallback") if i < 3 else article(i) for i in range(20)]
    rows[4] = article(4, extraction="failed", title=None, body=None, word_count=0)
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    assert manifest["success"] is True
    assert manifest["extraction"]["fallback_share"] == 0.2  # at the threshold: still fine
    assert manifest["quarantined"] == 1


def test_volume_anomaly_stops_the_batch_and_override_lets_it_through(data_dir, served_profile):
    rows = [article(i) for i in range(8)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows)
    history = [85, 87, 39, 36, 85, 88, 78]

    with pytest.raises(QualityGateError) as info:
        validate(partition, served_profile, recent_volumes=history)

    message = str(info.value)
    assert message.startswith(
        f"volume anomaly on {SITE} {DAY.isoformat()}: 8 articles discovered, 9% of the median 85 "
        "of the last 7 days (min 30%) [raw_items.expect_table_row_count_to_be_between()]; see "
    )
    assert "/raw_items/" in info.value.docs_path and message.endswith(info.value.docs_path)
    assert not partition.validated_articles.exists()
    volume = read_json(partition.validation_manifest)["volume"]
    assert (volume["verdict"], volume["discovered"], volume["median"], volume["min_rows"]) == (
        "anomaly",
        8,
        85,
        26,
    )

    manifest = validate(partition, served_profile, recent_volumes=history, override=True, run_id="run-2")

    assert manifest["overridden"] is True and manifest["gate"] == "overridden"
    assert manifest["blocked_by"] == ["volume"]
    assert manifest["message"].startswith(f"volume anomaly on {SITE} {DAY.isoformat()}")
    assert pq.read_table(partition.validated_articles).num_rows == 8
    assert read_json(partition.validation_manifest)["overridden"] is True


def test_many_failed_fetches_stop_the_batch(data_dir, served_profile):
    rows = [article(i) for i in range(10)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows, extra=5)  # 5 of 15 fetches answered 503

    with pytest.raises(QualityGateError) as info:
        validate(partition, served_profile)

    assert str(info.value).startswith(
        f"quality gate failed for {SITE} {DAY.isoformat()}: "
        "raw_items.expect_column_values_to_be_in_set(fetch_status) (5 of 15 rows); see "
    )


def test_raw_items_off_the_site_or_repeated_stop_the_batch(data_dir, served_profile):
    rows = [article(i) for i in range(10)]
    partition = stage(data_dir, rows)
    raw_items(
        partition,
        rows,
        changes={3: {"url": "http://evil.example/fr/lesecos/1003"}, 4: {"url": rows[5]["url"]}},
    )

    with pytest.raises(QualityGateError) as info:
        validate(partition, served_profile)

    assert info.value.failures == [
        "raw_items.expect_column_values_to_be_unique(url) (2 of 10 rows)",
        "raw_items.expect_column_values_to_be_in_set(url_host) (1 of 10 rows)",
    ]


# -- from synthetic outcomes (no GX) -------------------------------------------------------

TITLE_NULL = "expect_column_values_to_not_be_null(title)"
DRIFT = "expect_column_values_to_be_in_set(extraction)"
VOLUME = "raw_items.expect_table_row_count_to_be_between()"
EXTRACTION = {"selectors": 3, "fallback": 15, "failed": 2, "fallback_share": 0.85, "max_fallback_share": 0.2}
VOLUME_ANOMALY = {
    "discovered": 8,
    "ratio": 0.0941,
    "median": 85.0,
    "history_days": 7,
    "min_ratio": 0.3,
    "verdict": "anomaly",
}


def _raw_outcomes() -> list:
    return [
        outcome(
            "expect_column_values_to_be_in_set",
            "fetch_status",
            "batch",
            suite=RAW,
            success=False,
            unexpected_count=5,
            element_count=15,
        ),
        outcome("expect_table_row_count_to_be_between", None, "volume", suite=RAW, success=False),
    ]


def _staged_outcomes() -> list:
    return [
        outcome("expect_column_values_to_not_be_null", "body", "row", success=False, unexpected_count=3),
        outcome("expect_column_values_to_not_be_null", "title", "row", success=False, unexpected_count=12),
        outcome("expect_column_values_to_not_be_null", "url", "row", success=True, unexpected_count=0),
        outcome("expect_column_value_lengths_to_be_between", "title", "row", error="bad regex"),
        outcome("expect_column_values_to_be_in_set", "extraction", "drift", success=False),
        outcome(
            "expect_column_values_to_be_unique",
            "canonical_url",
            "batch",
            success=False,
            unexpected_count=2,
            element_count=20,
        ),
    ]


def test_failures_come_most_telling_first_with_their_texts(profile):
    raw = validation(RAW, _raw_outcomes())
    staged = validation(STAGED, _staged_outcomes())

    failures = batch_failures(profile, staged, raw, 0.6, EXTRACTION, VOLUME_ANOMALY)

    assert [(f.kind, f.suite) for f in failures] == [
        ("drift", STAGED),
        ("volume", RAW),
        ("quarantine", STAGED),
        ("batch", RAW),  # within a kind, the order the suites ran in
        ("batch", STAGED),
        ("error", STAGED),
    ]
    assert texts(failures) == [
        "85% fallback or failed extractions (15 fallback, 2 failed) (max 20%) [" + DRIFT + "]",
        "8 articles discovered, 9% of the median 85 of the last 7 days (min 30%) [" + VOLUME + "]",
        "60% rows quarantined (max 20%), failed: expect_column_values_to_not_be_null(title) (12 rows), "
        "expect_column_values_to_not_be_null(body) (3 rows)",
        "raw_items.expect_column_values_to_be_in_set(fetch_status) (5 of 15 rows)",
        "expect_column_values_to_be_unique(canonical_url) (2 of 20 rows)",
        "expect_column_value_lengths_to_be_between(title) errored: bad regex",
    ]


def test_row_failures_within_the_tolerance_pass_the_batch(profile):
    staged = validation(STAGED, _staged_outcomes()[:3])

    assert batch_failures(profile, staged, None, 0.2, EXTRACTION, VOLUME_ANOMALY) == []  # at the max


def test_a_failed_volume_check_without_a_verdict_is_no_failure(profile):
    raw = validation(RAW, _raw_outcomes()[1:])
    staged = validation(STAGED, [])

    assert batch_failures(profile, staged, raw, 0.0, EXTRACTION, {"verdict": "no verdict"}) == []


def test_an_error_text_is_one_short_line(profile):
    long = "Traceback:\n  " + "x" * 300
    staged = validation(STAGED, [outcome("expect_column_values_to_be_unique", "url", "batch", error=long)])

    (failure,) = batch_failures(profile, staged, None, 0.0, EXTRACTION, {})

    head = "expect_column_values_to_be_unique(url) errored: "
    assert failure.kind == "error"
    assert failure.text == head + ("Traceback: " + "x" * 300)[:200]


def test_drift_text_without_failed_extractions():
    drift = outcome("expect_column_values_to_be_in_set", "extraction", "drift", success=False)
    extraction = {**EXTRACTION, "failed": 0, "fallback_share": 0.996}

    assert drift_text(drift, extraction) == f"99% fallback extractions (max 20%) [{DRIFT}]"


def test_message_names_drift_first_then_volume_else_the_gate():
    drift, volume = Failure("drift", STAGED, "d"), Failure("volume", RAW, "v")
    batch = Failure("batch", RAW, "b")
    page = Path("data/docs/maghress-fr/validations/x.html")

    assert message(SITE, "2011-02-09", [volume, drift], page) == (
        f"layout drift suspected on {SITE} 2011-02-09: v; d; see {page}"
    )
    assert message(SITE, "2011-02-09", [volume, batch], page) == (
        f"volume anomaly on {SITE} 2011-02-09: v; b; see {page}"
    )
    assert (
        message(SITE, "2011-02-09", [batch], page)
        == f"quality gate failed for {SITE} 2011-02-09: b; see {page}"
    )


@pytest.mark.parametrize(
    ("share", "whole", "text"),
    [
        (0.6, False, "60%"),
        (0.125, False, "12.5%"),
        (1 / 3, False, "33.3%"),
        (0.0, False, "0%"),
        (0.85, True, "85%"),
        (0.834, True, "83%"),
        (0.996, True, "99%"),  # never "100%" for what is not all
        (0.9999, True, "99%"),
        (1.0, True, "100%"),
        (0.004, True, "1%"),  # never "0%" for a little
        (0.0001, True, "1%"),
        (0.0, True, "0%"),
    ],
)
def test_pct_rounding(share, whole, text):
    assert pct(share, whole=whole) == text


def test_verdict_follows_failures_and_override():
    failure = Failure("batch", RAW, "raw_items.x (1 of 2 rows)")

    passed = Verdict([], override=False)
    assert (passed.success, passed.loadable, passed.overridden, passed.gate) == (True, True, False, "passed")
    assert Verdict([], override=True).gate == "passed"  # nothing to override
    failed = Verdict([failure], override=False)
    assert (failed.success, failed.loadable, failed.overridden, failed.gate) == (
        False,
        False,
        False,
        "failed",
    )
    overridden = Verdict([failure, Failure("drift", STAGED, "d"), failure], override=True)
    assert (overridden.loadable, overridden.overridden, overridden.gate) == (True, True, "overridden")
    assert overridden.blocked_by == ["batch", "drift"]
    assert overridden.texts == ["raw_items.x (1 of 2 rows)", "d", "raw_items.x (1 of 2 rows)"]
    assert not failed.suite_passed(RAW) and failed.suite_passed(STAGED)
