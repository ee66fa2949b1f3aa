"""The quality gate on staged partitions built by hand (no crawl, no transform)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.partitions import Partition, docs_dir, read_json
from pipeline.profiles import load_profile
from pipeline.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA
from quality.errors import QualityGateError
from quality.suites import staged_articles_checks

ROOT = Path(__file__).resolve().parents[1]
SITE = "maghress-fr"
DAY = date(2011, 2, 9)
PUBLICATIONS = [("lesecos", "Les Écos"), ("aujourdhui", "Aujourd'hui le Maroc"), ("lematin", "Le Matin")]
BODY = (
    "Le ministre de l'Economie et des finances a présenté mercredi à Rabat le programme de démarrage "
    "des nouvelles zones industrielles, qui doit accompagner l'investissement des petites et moyennes "
    "entreprises dans les régions du Royaume au cours des trois prochaines années."
)


@pytest.fixture(scope="module")
def profile():
    return load_profile(ROOT / "profiles", SITE)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def article(i: int, **overrides) -> dict:
    slug, name = PUBLICATIONS[i % len(PUBLICATIONS)]
    aggregator_id = 1000 + i
    row = {
        "site": SITE,
        "logical_date": DAY,
        "url": f"http://127.0.0.1:8000/fr/{slug}/{aggregator_id}",
        "canonical_url": f"https://www.maghress.com/fr/{slug}/{aggregator_id}",
        "publication_slug": slug,
        "publication_name": name,
        "aggregator_id": aggregator_id,
        "title": f"Le gouvernement lance le programme de démarrage n°{i}",
        "body": BODY,
        "subheadings": ["Programme de démarrage"],
        "published_date": DAY,
        "language": "fr",
        "source_url": f"http://127.0.0.1:8000/origin/{slug}/{aggregator_id}",
        "thumbnail_url": f"http://127.0.0.1:8000/images2/{slug}/{aggregator_id}/thumb",
        "content_hash": f"{i:064x}",
        "word_count": len(BODY.split()),
        "extraction": "selectors",
        "error": None,
        "warc_file": "00000.warc.gz",
        "warc_record_id": f"<urn:uuid:00000000-0000-0000-0000-{i:012d}>",
        "fetched_at": datetime(2011, 2, 10, 1, 5, tzinfo=UTC),
    }
    row.update(overrides)
    return row


def stage(data_dir: Path, rows: list[dict], day: date = DAY) -> Partition:
    partition = Partition(SITE, day, data_dir)
    partition.staged_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA), partition.staged_articles)
    return partition


def validate(partition: Partition, profile, **kwargs) -> dict:
    from quality.gate import validate_partition

    return validate_partition(
        partition, profile, docs_dir(partition.data_dir), kwargs.pop("run_id", "run-1"), **kwargs
    )


def test_checks_cover_the_required_fields_and_levels(profile):
    checks = {c.description: c for c in staged_articles_checks(profile)}
    assert len(checks) == len(staged_articles_checks(profile))  # descriptions key the results
    for column in ("url", "canonical_url", "title", "body", "published_date", "publication_name"):
        assert checks[f"expect_column_values_to_not_be_null({column})"].level == "row"
    assert checks["expect_column_values_to_be_unique(canonical_url)"].level == "batch"
    regex = checks["expect_column_values_to_match_regex(url_path)"]
    assert regex.kwargs["regex"] == profile.urls.article
    assert checks["expect_column_value_lengths_to_be_between(title)"].kwargs["min_value"] == (
        profile.quality.min_title_chars
    )
    assert checks["expect_column_values_to_be_between(word_count)"].kwargs["max_value"] == (
        profile.quality.max_body_words
    )


def test_clean_batch_passes_and_every_row_is_validated(data_dir, profile):
    partition = stage(data_dir, [article(i) for i in range(25)])

    manifest = validate(partition, profile)

    assert manifest["success"] is True
    assert (manifest["rows"], manifest["passed"], manifest["quarantined"]) == (25, 25, 0)
    assert manifest["override"] is False
    validated = pq.read_table(partition.validated_articles)
    assert validated.schema.equals(ARTICLE_SCHEMA)
    assert validated.num_rows == 25
    assert pq.read_table(partition.quarantined_articles).num_rows == 0
    assert read_json(partition.validation_manifest) == json.loads(json.dumps(manifest))
    assert all(e["success"] for e in manifest["expectations"])
    assert {e["level"] for e in manifest["expectations"]} == {"row", "batch"}


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


def test_override_lets_a_failing_batch_through_and_records_it(data_dir, profile):
    rows = [article(i, title=None) if i < 12 else article(i) for i in range(20)]
    partition = stage(data_dir, rows)

    manifest = validate(partition, profile, override=True)

    assert manifest["success"] is False
    assert manifest["override"] is True and manifest["overridden"] is True
    assert manifest["failures"]
    assert pq.read_table(partition.validated_articles).num_rows == 8
    assert pq.read_table(partition.quarantined_articles).num_rows == 12
    assert read_json(partition.validation_manifest)["overridden"] is True


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


def test_empty_partition_passes(data_dir, profile):
    partition = stage(data_dir, [])

    manifest = validate(partition, profile)

    assert manifest["success"] is True
    assert (manifest["rows"], manifest["passed"], manifest["quarantined"]) == (0, 0, 0)
    assert pq.read_table(partition.validated_articles).num_rows == 0


def test_data_docs_list_every_run(data_dir, profile):
    first = stage(data_dir, [article(i) for i in range(5)])
    next_day = DAY + timedelta(days=1)
    second = stage(
        data_dir, [article(i, logical_date=next_day, published_date=next_day) for i in range(5)], next_day
    )

    m1 = validate(first, profile, run_id="scheduled__2011-02-10T01:00:00+00:00")
    m2 = validate(second, profile, run_id="backfill-run-42")

    root = docs_dir(data_dir) / "index.html"
    assert f'href="{SITE}/index.html"' in root.read_text()
    index = docs_dir(data_dir) / SITE / "index.html"
    assert m1["docs_index"] == m2["docs_index"] == str(index)
    html = index.read_text()
    assert "backfill-run-42" in html and "scheduled__2011-02-10T01:00:00+00:00" in html
    assert "2011-02-09" in html and "2011-02-10" in html
    for manifest in (m1, m2):
        page = Path(manifest["docs_path"])
        assert page.is_file() and page.is_relative_to(docs_dir(data_dir) / SITE / "validations")
        assert page.name == f"{manifest['day']}.html"
        assert f"{SITE}/{manifest['day']}" in page.read_text()  # the partition, as the data asset
        assert "values must not be null" in page.read_text()


def test_importing_quality_does_not_import_gx_and_gx_import_is_quiet():
    # Airflow's logging setup is what sends GX's INFO records to stdout.
    code = (
        "import sys, airflow, quality, quality.errors, quality.suites, quality.gate\n"
        "print(any(m.split('.')[0] == 'great_expectations' for m in sys.modules))\n"
        "from quality._quiet import import_gx\n"
        "import_gx().get_context(mode='ephemeral')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.splitlines().count("False") == 1
    assert "great_expectations" not in out.stdout + out.stderr


def test_blank_title_counts_as_missing(data_dir, profile):
    rows = [article(i) for i in range(10)]
    rows[1] = article(1, title="   ")
    partition = stage(data_dir, rows)

    validate(partition, profile)

    (row,) = pq.read_table(partition.quarantined_articles).to_pylist()
    assert row["reasons"] == ["expect_column_values_to_not_be_null(title)"]


def test_staged_file_breaking_the_schema_stops_the_batch(data_dir, profile):
    partition = stage(data_dir, [article(i) for i in range(3)])
    pq.write_table(
        pq.read_table(partition.staged_articles).drop_columns(["word_count"]), partition.staged_articles
    )
    partition.validated_dir.mkdir(parents=True)
    partition.validated_articles.write_bytes(b"stale")

    with pytest.raises(QualityGateError, match=r"maghress-fr 2011-02-09: .*missing columns \['word_count'\]"):
        validate(partition, profile)

    assert not partition.validated_articles.exists()


def test_relative_docs_dir_is_reported_as_given(tmp_path, profile, monkeypatch):
    from quality.gate import validate_partition

    monkeypatch.chdir(tmp_path)
    partition = stage(Path("data"), [article(i) for i in range(3)])

    manifest = validate_partition(partition, profile, Path("data/docs"), "run-rel")

    assert manifest["docs_index"] == f"data/docs/{SITE}/index.html"
    assert manifest["docs_path"].startswith(f"data/docs/{SITE}/validations/")
    assert Path(manifest["docs_path"]).is_file()
