"""warehouse/loader.py: one partition, one transaction, idempotent; what a load writes."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
import test_warehouse_support as support
from sqlalchemy import Engine
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
    stories,
    write_partition,
)
from test_warehouse_support_stages import validation_manifest_for

from core.manifests import write_manifest
from core.records import ARTICLE_SCHEMA, LedgerCounts
from warehouse.fingerprint import fingerprints
from warehouse.ledger import record_validation_results
from warehouse.loader import load_partition
from warehouse.models import Base

# The fixtures these tests take.
data_dir, engine, pg_database, wh_url = support.data_dir, support.engine, support.pg_database, support.wh_url


def test_load_puts_exactly_the_input_in_the_warehouse(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    articles = [article(i) for i in range(7)]
    write_partition(part, articles)

    result = load_partition(engine, part, "run-1", counts_for(7), T0, finished_at=T1, chunk_size=3)

    assert result == dataclasses.replace(counts_for(7), loaded=7)
    stored = {r["canonical_url"]: r for r in rows(engine, "articles")}
    assert len(stored) == 7
    for expected in articles:
        got = stored[expected["canonical_url"]]
        for name in ARTICLE_SCHEMA.names:
            assert got[name] == expected[name], name
        assert (got["first_loaded_at"], got["last_loaded_at"], got["run_id"]) == (T0, T0, "run-1")
    unregistered = {"country": None, "language": None, "home_url": None, "aliases": None}
    assert rows(engine, "publications") == [
        {
            "site": SITE,
            "slug": "aujourdhui",
            "name": "Aujourd'hui le Maroc",
            "publication_key": "aujourd-hui-le-maroc",
            **unregistered,
            "needs_review": True,  # the transforms did not know it
        },
        {
            "site": SITE,
            "slug": "hespress",
            "name": "Hespress",
            "publication_key": "hespress",
            **unregistered,
            "needs_review": False,
        },
        {
            "site": SITE,
            "slug": "lematin",
            "name": "Le Matin",
            "publication_key": "le-matin",
            **unregistered,
            "needs_review": False,
        },
    ]
    assert rows(engine, "sites") == [{"site": SITE, "aggregator": None, "display_name": None}]
    [run] = rows(engine, "crawl_runs")
    assert run == {
        "site": SITE,
        "logical_date": DAY,
        "run_id": "run-1",
        "status": "succeeded",
        "stage_reached": "load",
        "failed_stage": None,
        **result.as_dict(),
        "error": None,
        "started_at": T0,
        "finished_at": T1,
        "quality_overridden": False,
        # no crawl cost given (the stage passes the crawl manifest's): not counted, not zero
        "requests": None,
        "discovery_requests": None,
    }
    assert [
        (v["canonical_url"], v["version"], v["title"], v["run_id"]) for v in rows(engine, "article_versions")
    ] == sorted((a["canonical_url"], 1, a["title"], "run-1") for a in articles)


def test_reloading_a_partition_leaves_identical_rows(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(
        part,
        [article(i) for i in range(5)],
        quarantined=[(article(50), ["title too short"])],
        failures=[failure(1)],
    )
    load_partition(engine, part, "run-1", counts_for(5, quarantined=1, failed=1), T0, finished_at=T1)
    first = dump(engine)

    # An Airflow retry: same run, same inputs.
    load_partition(engine, part, "run-1", counts_for(5, quarantined=1, failed=1), T0, finished_at=T1)
    assert dump(engine) == first

    # A later run over the same files: only its own ledger row and the partition's
    # quarantine/failure rows (which carry the run) differ; articles do not move.
    load_partition(engine, part, "run-2", counts_for(5, quarantined=1, failed=1), T2, finished_at=T2)
    second = dump(engine)
    for table in ("sites", "publications", "articles"):
        assert second[table] == first[table], table
    assert [r[2] for r in second["crawl_runs"]] == ["run-1", "run-2"]
    assert second["crawl_runs"][0] == first["crawl_runs"][0]
    assert len(second["quarantined_articles"]) == len(second["page_failures"]) == 1


def test_changed_content_is_updated_and_keeps_first_loaded_at(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(4)])
    load_partition(engine, part, "run-1", counts_for(4), T0, finished_at=T1)
    untouched_before = [r for r in rows(engine, "articles") if r["aggregator_id"] != 1002]

    write_partition(
        part,
        [article(i) for i in range(4) if i != 2]
        + [article(2, title="Titre corrigé", content_hash="hash-2b")],
    )
    load_partition(engine, part, "run-2", counts_for(4), T2, finished_at=T2)

    after = rows(engine, "articles")
    [changed] = [r for r in after if r["aggregator_id"] == 1002]
    assert (changed["title"], changed["content_hash"]) == ("Titre corrigé", "hash-2b")
    assert (changed["first_loaded_at"], changed["last_loaded_at"], changed["run_id"]) == (T0, T2, "run-2")
    assert [r for r in after if r["aggregator_id"] != 1002] == untouched_before


def test_a_fix_that_keeps_the_hash_still_reaches_the_warehouse(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0, published_date=date(2011, 9, 2))])
    load_partition(engine, part, "run-1", counts_for(1), T0, finished_at=T1)

    write_partition(part, [article(0)])  # date parsing fixed; text and hash unchanged
    load_partition(engine, part, "run-2", counts_for(1), T2, finished_at=T2)

    [row] = rows(engine, "articles")
    assert (row["published_date"], row["last_loaded_at"]) == (DAY, T2)


def test_an_older_day_does_not_roll_back_a_newer_version(engine: Engine, data_dir: Path) -> None:
    old, new = partition(data_dir), partition(data_dir, DAY + timedelta(days=1))
    write_partition(old, [article(0)])
    write_partition(new, [article(0, day=new.day, title="Mis à jour", content_hash="hash-0b")])
    load_partition(engine, old, "run-1", counts_for(1), T0, finished_at=T0)
    load_partition(engine, new, "run-2", counts_for(1), T1, finished_at=T1)

    load_partition(engine, old, "run-3", counts_for(1), T2, finished_at=T2)  # a backfill of the old day

    [row] = rows(engine, "articles")
    assert (row["title"], row["logical_date"], row["run_id"]) == ("Mis à jour", new.day, "run-2")


def test_quarantine_and_failures_are_replaced_not_duplicated(engine: Engine, data_dir: Path) -> None:
    part, other = partition(data_dir), partition(data_dir, DAY - timedelta(days=1))
    write_partition(
        other,
        [article(9, day=other.day)],
        quarantined=[(article(90, day=other.day), ["x"])],
        failures=[failure(9)],
    )
    load_partition(engine, other, "run-0", counts_for(1, quarantined=1, failed=1), T0, finished_at=T0)
    write_partition(
        part,
        [article(0)],
        quarantined=[
            (article(10), ["title too short", "body too short"]),
            (article(11), ["language not fr"]),
            (article(12), []),
        ],
        failures=[failure(1), failure(2, kind="listing", status=None, reason="timeout")],
    )
    load_partition(engine, part, "run-1", counts_for(1, quarantined=3, failed=2), T0, finished_at=T1)

    quarantined = rows(engine, "quarantined_articles", logical_date=DAY)
    assert [(q["seq"], q["canonical_url"], q["reasons"]) for q in quarantined] == [
        (0, article(10)["canonical_url"], "title too short; body too short"),
        (1, article(11)["canonical_url"], "language not fr"),
        (2, article(12)["canonical_url"], ""),
    ]
    assert {(q["quarantined_at"], q["run_id"], q["title"]) for q in quarantined[:1]} == {
        (T0, "run-1", article(10)["title"])
    }
    failures = rows(engine, "page_failures", logical_date=DAY)
    assert [(f["url"], f["kind"], f["status"], f["reason"], f["failed_at"]) for f in failures] == [
        (failure(1)["url"], "article", 503, "HTTP 503 after 3 retries", failure(1)["failed_at"]),
        (failure(2)["url"], "listing", None, "timeout", failure(2)["failed_at"]),
    ]

    # The re-run quarantines one article and its failures file is gone.
    write_partition(part, [article(0)], quarantined=[(article(11), ["language not fr"])])
    load_partition(engine, part, "run-2", counts_for(1, quarantined=1), T2, finished_at=T2)

    assert [
        (q["canonical_url"], q["run_id"]) for q in rows(engine, "quarantined_articles", logical_date=DAY)
    ] == [(article(11)["canonical_url"], "run-2")]
    assert rows(engine, "page_failures", logical_date=DAY) == []
    # The neighbouring day is not touched.
    assert len(rows(engine, "quarantined_articles", logical_date=other.day)) == 1
    assert len(rows(engine, "page_failures", logical_date=other.day)) == 1


def test_missing_quarantine_and_failure_files_mean_no_rows(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    load_partition(engine, part, "run-1", counts_for(1), T0)
    assert rows(engine, "quarantined_articles") == rows(engine, "page_failures") == []


def test_an_empty_validated_partition_loads_zero_rows(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [], failures=[failure(1)])
    result = load_partition(engine, part, "run-1", counts_for(0, duplicates=0, failed=1), T0)
    assert (result.loaded, result.reconciles) == (0, True)
    assert rows(engine, "articles") == []


def test_a_missing_validated_partition_is_an_error(engine: Engine, data_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no validated articles"):
        load_partition(engine, partition(data_dir), "run-1", LedgerCounts(), T0)


def test_repeated_canonical_urls_count_as_duplicates(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    # The second copy lands in another chunk, and a third in the same chunk as the first.
    write_partition(part, [article(0), article(1), article(0, title="copie"), article(0, title="copie 2")])
    result = load_partition(engine, part, "run-1", counts_for(4, duplicates=0), T0, chunk_size=2)
    assert (result.loaded, result.duplicates, result.reconciles) == (2, 2, True)
    assert {r["title"] for r in rows(engine, "articles")} == {article(0)["title"], article(1)["title"]}


def test_a_row_from_another_partition_is_refused(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0), article(1, day=DAY + timedelta(days=1))])
    with pytest.raises(ValueError, match="in partition"):
        load_partition(engine, part, "run-1", counts_for(2), T0)
    assert dump(engine) == {table: [] for table in Base.metadata.tables}


def test_rerunning_a_partition_changes_no_count_and_no_checksum(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(
        part,
        [article(i) for i in range(10)],
        quarantined=[(article(50), ["title too short"])],
        failures=[failure(1)],
    )
    counts = counts_for(10, quarantined=1, failed=1)
    load_partition(engine, part, "run-1", counts, T0, finished_at=T1, chunk_size=4, stories=stories())
    record_validation_results(engine, SITE, DAY, "run-1", [{"expectation": "e", "success": True}])
    first = fingerprints(engine)
    assert {name: f.rows for name, f in first.items()} == {
        "sites": 1,
        "publications": 3,
        "articles": 10,
        "article_versions": 10,
        "story_signatures": 10,
        "story_links": 9,  # articles 0-2, 3-5 and 6-8 tell three stories, 9 one of its own
        "story_clusters": 4,
        "crawl_runs": 1,
        "page_failures": 1,
        "quarantined_articles": 1,
        "validation_results": 1,
        "url_outcomes": 0,  # no transform outcomes: a partition staged before they were kept
    }

    # An Airflow retry of the same run, in other batch sizes: not one byte moves.
    for chunk_size in (4, 3, 1000):
        load_partition(
            engine, part, "run-1", counts, T0, finished_at=T1, chunk_size=chunk_size, stories=stories()
        )
        assert fingerprints(engine) == first

    # A later run over the same files adds its ledger row and takes over the
    # partition's quarantine and failures; the data itself does not move.
    load_partition(engine, part, "run-2", counts, T2, finished_at=T2, stories=stories())
    second = fingerprints(engine)
    data = ("sites", "publications", "articles", "article_versions")
    for table in (*data, "story_signatures", "story_links", "story_clusters"):
        assert second[table] == first[table], table
    assert second["crawl_runs"].rows == 2


def test_the_gate_override_is_in_the_ledger(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(0)])
    # The gate failed and the operator loaded it anyway; then it passed, the override unused.
    write_manifest(part.validation_manifest, validation_manifest_for(part, "run-1", 1, 0, gate="overridden"))
    load_partition(engine, part, "run-1", counts_for(1), T0)
    passed = validation_manifest_for(part, "run-2", 1, 0).model_copy(update={"override": True})
    assert (passed.success, passed.override, passed.overridden) == (True, True, False)
    write_manifest(part.validation_manifest, passed)
    load_partition(engine, part, "run-2", counts_for(1), T1)
    assert [(r["run_id"], r["quality_overridden"]) for r in rows(engine, "crawl_runs")] == [
        ("run-1", True),
        ("run-2", False),
    ]


def test_progress_is_reported_after_each_batch(engine: Engine, data_dir: Path) -> None:
    part = partition(data_dir)
    write_partition(part, [article(i) for i in range(5)] + [article(0)])
    seen: list[tuple[str, dict[str, int]]] = []
    load_partition(
        engine, part, "run-1", counts_for(5), T0, chunk_size=2, progress=lambda s, c: seen.append((s, c))
    )
    assert seen == [
        ("load", {"rows": 2, "duplicates": 0}),
        ("load", {"rows": 4, "duplicates": 0}),
        ("load", {"rows": 5, "duplicates": 1}),
    ]
