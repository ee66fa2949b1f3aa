"""Row checks and their reasons (``quality.quarantine``): a failing row is quarantined with
the checks it failed, the rest of the batch loads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_quality_support import BODY, DAY, article, outcome, site_profile, stage, validate

from core.records import QUARANTINE_SCHEMA
from quality.quarantine import quarantine_rows, row_reasons
from transforms.urls import why_no_key


@pytest.fixture(scope="module")
def profile():
    return site_profile()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_rows_without_title_or_body_are_quarantined_with_reasons(data_dir, profile):
    rows = [article(i) for i in range(20)]
    rows[3] = article(3, title=None, extraction="fallback", error="title selector matched nothing")
    rows[7] = article(7, body=None, word_count=None)
    rows[11] = article(11, title="Hi")  # shorter than min_title_chars
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    assert manifest["success"] is True
    assert (manifest["rows"], manifest["passed"], manifest["quarantined"]) == (20, 17, 3)
    quarantined = pq.read_table(partition.quarantined_articles)
    assert quarantined.schema.equals(QUARANTINE_SCHEMA)
    reasons = {r["aggregator_id"]: r["reasons"] for r in quarantined.to_pylist()}
    assert reasons == {
        1003: ["expect_column_values_to_not_be_null(title)", "title selector matched nothing"],
        1007: ["expect_column_values_to_not_be_null(body)"],
        1011: ["expect_column_value_lengths_to_be_between(title)"],
    }
    validated = pq.read_table(partition.validated_articles)
    assert validated.num_rows == 17
    assert not {1003, 1007, 1011} & set(validated.column("aggregator_id").to_pylist())
    by_name = {e["expectation"]: e for e in manifest["expectations"]}
    assert by_name["expect_column_values_to_not_be_null(title)"]["unexpected_count"] == 1
    assert by_name["expect_column_values_to_not_be_null(title)"]["column"] == "title"


def test_row_dated_the_next_day_is_quarantined(data_dir, profile):
    rows = [article(i) for i in range(10)]
    rows[4] = article(4, published_date=DAY + timedelta(days=1))
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    assert manifest["quarantined"] == 1
    (row,) = pq.read_table(partition.quarantined_articles).to_pylist()
    assert row["aggregator_id"] == 1004
    assert row["reasons"] == ["expect_column_values_to_be_in_set(published_date)"]


def test_url_outside_the_article_pattern_is_quarantined(data_dir, profile):
    rows = [article(i) for i in range(10)]
    rows[2] = article(2, url="http://127.0.0.1:8000/fr/lesecos/rss")
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    (row,) = pq.read_table(partition.quarantined_articles).to_pylist()
    assert row["reasons"] == ["expect_column_values_to_match_regex(url_path)"]
    assert manifest["passed"] == 9


def test_blank_title_counts_as_missing(data_dir, profile):
    rows = [article(i) for i in range(10)]
    rows[1] = article(1, title="   ")
    partition = stage(data_dir, rows)

    validate(partition, profile)

    (row,) = pq.read_table(partition.quarantined_articles).to_pylist()
    assert row["reasons"] == ["expect_column_values_to_not_be_null(title)"]


def test_boilerplate_in_title_or_body_is_quarantined(data_dir, profile):
    rows = [article(i) for i in range(20)]
    rows[2] = article(2, body=BODY + "\n\nMerci d’avoir signalé! Cette image sera automatiquement bloquée.")
    rows[5] = article(5, title="Cliquez ici pour lire l'article depuis sa source.")
    rows[8] = article(8, body=BODY + "\n\nLire aussi : Le Maroc et l'Union européenne")
    rows[9] = article(9, body=BODY + "\n\nLa publicité mensongère est punie.")  # prose, not a label
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    reasons = {
        r["aggregator_id"]: r["reasons"] for r in pq.read_table(partition.quarantined_articles).to_pylist()
    }
    assert reasons == {
        1002: ["expect_column_values_to_not_match_regex_list(body)"],
        1005: ["expect_column_values_to_not_match_regex_list(title)"],
        1008: ["expect_column_values_to_not_match_regex_list(body)"],
    }
    assert manifest["success"] is True and manifest["passed"] == 17
    by_name = {e["expectation"]: e for e in manifest["expectations"]}
    sample = by_name["expect_column_values_to_not_match_regex_list(body)"]["observed"]["sample"]
    assert all(len(value) <= 200 for value in sample)  # bodies are cut short in manifest and warehouse


def test_minimum_body_words_depend_on_the_language(data_dir, profile):
    q = profile.quality.model_copy(update={"min_body_words": 30, "min_body_words_by_language": {"ar": 12}})
    bilingual = profile.model_copy(update={"languages": ["fr", "ar"], "quality": q})
    short = " ".join(["كلمة"] * 15)
    rows = [article(i) for i in range(10)]
    rows[1] = article(1, language="ar", body=short, word_count=15)  # enough in Arabic
    rows[2] = article(2, body="Un texte de quinze mots " * 3, word_count=15)  # too short in French
    rows[3] = article(3, language="ar", body="كلمة", word_count=1)
    partition = stage(data_dir, rows)

    manifest = validate(partition, bilingual)

    reasons = {
        r["aggregator_id"]: r["reasons"] for r in pq.read_table(partition.quarantined_articles).to_pylist()
    }
    pair = "expect_column_pair_values_a_to_be_greater_than_b(word_count,min_body_words)"
    assert reasons == {1002: [pair], 1003: [pair]}
    assert manifest["quarantined"] == 2


def test_publication_must_be_known_or_flagged_new(data_dir, profile):
    rows = [article(i, publication_key=f"ma/{article(i)['publication_slug']}") for i in range(10)]
    rows[3] = article(3, publication_key="ma/nouveau", publication_is_new=True)  # added, flagged
    rows[6] = article(6, publication_key=None, publication_is_new=False)  # not resolved
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    (row,) = pq.read_table(partition.quarantined_articles).to_pylist()
    assert row["aggregator_id"] == 1006
    assert row["reasons"] == ["expect_column_values_to_not_be_null(publication_status)"]
    assert manifest["publications"] == {
        "known": 8,
        "new": 1,
        "unresolved": 1,
        "enriched": True,
        "note": None,  # the typed manifest always has the key
    }


# -- from synthetic outcomes (no GX) -------------------------------------------------------


def _outcomes() -> list:
    return [
        outcome("expect_column_values_to_not_be_null", "title", "row", success=False,
                unexpected_index_list=[{"staged_row": 1}, {"staged_row": 3}]),
        # a batch check names rows too (duplicates), but quarantines none of them
        outcome("expect_column_values_to_be_unique", "canonical_url", "batch", success=False,
                unexpected_index_list=[{"staged_row": 0}, {"staged_row": 2}]),
        outcome("expect_column_values_to_not_be_null", "body", "row", success=False,
                unexpected_index_list=[{"staged_row": 3}]),
    ]  # fmt: skip


def test_row_reasons_are_the_failed_row_checks_in_suite_order():
    assert row_reasons(_outcomes(), 4) == [
        [],
        ["expect_column_values_to_not_be_null(title)"],
        [],
        ["expect_column_values_to_not_be_null(title)", "expect_column_values_to_not_be_null(body)"],
    ]


def test_the_transform_error_explains_a_quarantined_row_only():
    quarantine = quarantine_rows(_outcomes(), ["fallback used", "title selector matched nothing", None, None])

    assert quarantine.reasons[0] == []  # a note on a good row quarantines nothing
    assert quarantine.reasons[1] == [
        "expect_column_values_to_not_be_null(title)",
        "title selector matched nothing",
    ]
    assert quarantine.rows == [1, 3]
    assert (quarantine.total, quarantine.count, quarantine.passed, quarantine.share) == (4, 2, 2, 0.5)
    assert quarantine.mask().to_pylist() == [False, True, False, True]
    assert quarantine.quarantined_reasons() == [quarantine.reasons[1], quarantine.reasons[3]]


def test_an_empty_batch_quarantines_nothing():
    quarantine = quarantine_rows(_outcomes()[1:2], [])

    assert (quarantine.rows, quarantine.count, quarantine.share) == ([], 0, 0.0)
    assert quarantine.mask().to_pylist() == []


def test_an_article_id_out_of_range_is_quarantined_with_the_reason(data_dir, profile):
    """An id beyond the warehouse's int64 (hostile or broken links): the transform leaves
    aggregator_id empty and says why; the gate quarantines the row, the rest loads."""
    huge = "1" + "0" * 30
    url = f"https://www.maghress.com/fr/lesecos/{huge}"
    rows = [article(i) for i in range(10)]
    rows[6] = article(6, url=url, canonical_url=url, aggregator_id=None, error=why_no_key(url, profile))
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile)

    assert manifest["passed"] == 9
    (row,) = pq.read_table(partition.quarantined_articles).to_pylist()
    assert row["url"] == url
    assert row["reasons"] == [
        "expect_column_values_to_not_be_null(aggregator_id)",
        f"aggregator id {huge} out of range (0 to 2^63-1): {url}",
    ]
