"""The quality gate on staged partitions built by hand (no crawl, no transform)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.partitions import Partition, docs_dir, read_json
from core.profiles import load_profile
from core.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA, RawItem
from quality.errors import QualityGateError
from quality.suites import raw_items_checks, staged_articles_checks

ROOT = Path(__file__).resolve().parents[1]
SITE = "maghress-fr"
DAY = date(2011, 2, 9)
BASE_URL = "http://127.0.0.1:8000"  # where the rows below were "fetched" (devsite)
PUBLICATIONS = [("lesecos", "Les Écos"), ("aujourdhui", "Aujourd'hui le Maroc"), ("lematin", "Le Matin")]
BODY = (
    "Le ministre de l'Economie et des finances a présenté mercredi à Rabat le programme de démarrage "
    "des nouvelles zones industrielles, qui doit accompagner l'investissement des petites et moyennes "
    "entreprises dans les régions du Royaume au cours des trois prochaines années."
)


@pytest.fixture(scope="module")
def profile():
    return load_profile(ROOT / "profiles", SITE)


@pytest.fixture(scope="module")
def served_profile():
    """The profile as the pipeline sees it against devsite: only that host may be crawled."""
    return load_profile(ROOT / "profiles", SITE, BASE_URL)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def article(i: int, **overrides) -> dict:
    slug, name = PUBLICATIONS[i % len(PUBLICATIONS)]
    aggregator_id = 1000 + i
    row = {
        "site": SITE,
        "logical_date": DAY,
        "url": f"{BASE_URL}/fr/{slug}/{aggregator_id}",
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


def raw_items(
    partition: Partition, rows: list[dict], extra: int = 0, changes: dict[int, dict] | None = None
) -> None:
    """Write the crawl's items.jsonl for ``rows``, plus ``extra`` failed fetches; ``changes``
    updates the n-th item's fields."""
    partition.raw_dir.mkdir(parents=True, exist_ok=True)
    items = [
        RawItem(
            site=row["site"],
            logical_date=row["logical_date"],
            url=row["url"],
            publication_slug=row["publication_slug"],
            listing_date=row["published_date"],
            status=200,
            warc_file=row["warc_file"],
            warc_record_id=row["warc_record_id"],
            fetched_at=row["fetched_at"],
        )
        for row in rows
    ]
    items += [
        RawItem(
            site=SITE,
            logical_date=partition.day,
            url=f"{BASE_URL}/fr/lematin/{90000 + n}",
            status=503,
            error="HTTP 503",
            fetched_at=datetime(2011, 2, 10, 1, 5, tzinfo=UTC),
        )
        for n in range(extra)
    ]
    items = [item.model_copy(update=(changes or {}).get(n, {})) for n, item in enumerate(items)]
    partition.raw_items.write_text("".join(item.model_dump_json() + "\n" for item in items))


def validate(partition: Partition, profile, **kwargs) -> dict:
    from quality.gate import validate_partition

    manifest = validate_partition(
        partition, profile, docs_dir(partition.data_dir), kwargs.pop("run_id", "run-1"), **kwargs
    )
    return manifest.model_dump(mode="json")  # as validation.json holds it


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
    assert {e["level"] for e in manifest["expectations"]} == {"row", "batch", "drift"}


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
        "import sys, airflow, quality, quality.errors, quality.suites, quality.frames, quality.docs\n"
        "import quality.gate, pipeline.stages.validate\n"
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

    manifest = validate_partition(partition, profile, Path("data/docs"), "run-rel").model_dump(mode="json")

    assert manifest["docs_index"] == f"data/docs/{SITE}/index.html"
    assert manifest["docs_path"].startswith(f"data/docs/{SITE}/validations/")
    assert Path(manifest["docs_path"]).is_file()


# -- the suites as data --------------------------------------------------------------


def test_raw_items_checks_judge_the_batch_only(served_profile):
    checks = {c.description: c for c in raw_items_checks(served_profile)}
    assert all(name.startswith("raw_items.") for name in checks)  # told apart in the warehouse
    assert {c.level for c in checks.values()} == {"batch", "volume"}
    hosts = checks["raw_items.expect_column_values_to_be_in_set(url_host)"]
    assert hosts.kwargs["value_set"] == {"$PARAMETER": "allowed_hosts"}  # the crawl's, see below
    status = checks["raw_items.expect_column_values_to_be_in_set(fetch_status)"]
    assert status.kwargs["value_set"] == [200]
    assert status.kwargs["mostly"] == pytest.approx(1 - served_profile.quality.max_quarantined_share)
    assert checks["raw_items.expect_table_row_count_to_be_between()"].level == "volume"


def test_boilerplate_regexes_come_from_the_family_wording(profile):
    from core.boilerplate import load_wording
    from quality.suites import boilerplate_regexes

    wording = load_wording()
    BOILERPLATE_PHRASES, BOILERPLATE_PREFIXES, BOILERPLATE_LABELS = (  # noqa: N806
        wording.phrases, wording.prefixes, wording.labels
    )

    regexes = [re.compile(r) for r in boilerplate_regexes(profile.languages)]

    def found(text: str) -> bool:
        return any(r.search(text) for r in regexes)

    for phrases in BOILERPLATE_PHRASES.values():  # every language: tickers mix them
        for phrase in phrases:
            assert found(f"Un paragraphe.\n\n{phrase.upper().replace(chr(39), '’')} !"), phrase
    for phrase in BOILERPLATE_PREFIXES["fr"]:
        assert found(f"Un paragraphe.\n\n{phrase.capitalize()} : un autre article")
    for phrase in BOILERPLATE_LABELS["fr"]:
        assert found(f"Un paragraphe.\n\n{phrase.capitalize()}")
    # Prose that merely contains the short words stays.
    assert not found("Lire aussitôt le rapport.\n\nLa publicité mensongère est punie.")
    assert not found("Les Echos quotidien : Si vous deviez fixer des priorités ?")


def test_volume_plan_needs_three_days_of_history(profile):
    from quality.suites import volume_plan

    q = profile.quality
    assert volume_plan(None, q).min_rows == 0 and not volume_plan(None, q).verdict_possible
    assert "2 day(s) of history" in volume_plan([80, 90], q).note
    plan = volume_plan([80, 90, 85, 36, 39], q)
    assert plan.verdict_possible and plan.median == 80
    assert plan.min_rows == 24  # ceil(0.3 x 80)


# -- row checks ---------------------------------------------------------------------


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
    assert manifest["publications"] == {"known": 8, "new": 1, "unresolved": 1, "enriched": True}


def test_partition_staged_before_enrichment_takes_named_publications_as_known(data_dir, profile):
    partition = stage(data_dir, [article(i) for i in range(5)])

    manifest = validate(partition, profile)

    assert manifest["quarantined"] == 0
    assert manifest["publications"]["enriched"] is False
    assert "before enrichment" in manifest["publications"]["note"]


# -- batch checks: layout drift, volume, raw items ------------------------------------


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


def test_unreadable_raw_items_stop_the_batch(data_dir, served_profile):
    partition = stage(data_dir, [article(i) for i in range(3)])
    partition.raw_dir.mkdir(parents=True)
    partition.raw_items.write_text('{"url": "x"}\n{not json\n')

    with pytest.raises(QualityGateError, match=r"items.jsonl line 2 is not JSON"):
        validate(partition, served_profile)


# -- Data Docs index -----------------------------------------------------------------


def test_root_index_lists_the_latest_validations_first(data_dir, profile):
    first = stage(data_dir, [article(i) for i in range(5)])
    validate(first, profile, run_id="run-a")
    next_day = DAY + timedelta(days=1)
    second = stage(
        data_dir,
        [article(i, logical_date=next_day, published_date=next_day, extraction="fallback") for i in range(5)],
        next_day,
    )
    with pytest.raises(QualityGateError):
        validate(second, profile, run_id="run-b")

    root = docs_dir(data_dir) / "index.html"
    html = root.read_text()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].strip().splitlines()
    assert len(rows) == 2
    assert 'data-day="2011-02-10" data-run-id="run-b"' in rows[0] and 'class="failed"' in rows[0]
    assert "layout drift suspected on maghress-fr 2011-02-10" in rows[0]
    assert 'data-day="2011-02-09" data-run-id="run-a"' in rows[1] and 'class="passed"' in rows[1]
    for href in re.findall(r'href="([^"]+)"', html):
        assert (root.parent / unquote(href)).is_file(), href


def test_hosts_are_checked_against_those_the_crawl_was_allowed(data_dir, served_profile):
    rows = [article(i) for i in range(5)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows, changes={1: {"url": "https://www.leseco.ma/fr/lesecos/1001"}})
    write_crawl = partition.crawl_manifest.write_text

    write_crawl(json.dumps({"run_id": "run-1"}))  # this run crawled it: the profile's hosts
    with pytest.raises(QualityGateError, match=r"expect_column_values_to_be_in_set\(url_host\) \(1 of 5"):
        validate(partition, served_profile, run_id="run-1")

    # Reprocessed later from the raw zone, devsite elsewhere: only the crawl knows its hosts.
    elsewhere = served_profile.with_base_url("http://127.0.0.1:9")
    write_crawl(json.dumps({"run_id": "crawl-run", "hosts": ["127.0.0.1:8000"]}))
    with pytest.raises(QualityGateError, match=r"url_host\) \(1 of 5"):
        validate(partition, elsewhere, run_id="reprocess-run")

    write_crawl(json.dumps({"run_id": "crawl-run"}))  # an older crawl that did not record them
    manifest = validate(partition, elsewhere, run_id="reprocess-run")
    assert manifest["success"] is True
    assert (
        manifest["raw_items"]["allowed_hosts"]
        == "not checked: the crawl (run crawl-run) did not record its hosts"
    )


def test_every_profile_builds_both_suites():
    from core.profiles import load_profiles
    from quality.suites import RAW, STAGED, boilerplate_regexes, build_suite, canonical_url_regex

    profiles = load_profiles(ROOT / "profiles")
    assert SITE in profiles
    for profile in profiles.values():
        for pattern in [*boilerplate_regexes(profile.languages), canonical_url_regex(profile)]:
            re.compile(pattern)
        assert re.match(
            canonical_url_regex(profile), f"https://{profile.canonical_host}{_example_path(profile)}"
        )
        for which in (RAW, STAGED):
            suite = build_suite(profile, which)
            assert suite.name == f"{profile.site}.{which}"
            assert len(suite.expectations) == len(
                (raw_items_checks if which == RAW else staged_articles_checks)(profile)
            )


def _example_path(profile) -> str:
    prefix = profile.urls.listing.split("{publication}")[0]
    return f"{prefix}lesecos/12345"


# -- the stage: volume history from the warehouse ------------------------------------


def test_stage_reads_no_history_without_a_warehouse_and_creates_none(tmp_path):
    from conftest import make_settings

    from pipeline.stages.validate import recent_volumes

    settings = make_settings(tmp_path / "data", None)
    assert recent_volumes(settings, SITE, DAY, 14) is None
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_stage_asks_the_ledger_for_the_days_before_and_waits_for_a_locked_file(tmp_path, monkeypatch, caplog):
    from conftest import make_settings

    import warehouse.ledger
    from pipeline.stages.validate import recent_volumes
    from warehouse.migrate import upgrade

    settings = make_settings(tmp_path / "data", None)
    upgrade(settings.warehouse_url)
    asked = []
    monkeypatch.setattr(
        warehouse.ledger,
        "recent_volumes",
        lambda engine, site, before, days, count: asked.append((site, before, days, count)) or [80, 85, 90],
    )
    assert recent_volumes(settings, SITE, DAY, 14) == [80, 85, 90]
    assert asked == [(SITE, DAY, 14, "discovered")]  # the gate judges discovered articles

    # Another process (a load stage) holds the DuckDB file for a moment.
    database = tmp_path / "data" / "warehouse.duckdb"
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
    hold += "time.sleep(2)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(database)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with caplog.at_level("INFO", logger="pipeline.stages.validate"):
            assert recent_volumes(settings, SITE, DAY, 14) == [80, 85, 90]
    finally:
        holder.wait(timeout=30)
    assert len(asked) == 2
    assert "warehouse locked by another process" in caplog.text
