"""Reading the partition (``quality.frames``): files that cannot be read stop the batch, and
the hosts the raw items are checked against."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_quality_support import (
    BASE_URL,
    DAY,
    SITE,
    article,
    raw_items,
    site_profile,
    stage,
    validate,
    write_crawl_manifest,
)

from core.partitions import Partition, safe_run_id
from quality.errors import QualityGateError
from quality.frames import crawl_hosts


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


def test_unreadable_raw_items_stop_the_batch(data_dir, served_profile):
    partition = stage(data_dir, [article(i) for i in range(3)])
    partition.raw_dir.mkdir(parents=True)
    partition.raw_items.write_text('{"url": "x"}\n{not json\n')

    with pytest.raises(QualityGateError, match=r"items.jsonl line 2 is not JSON"):
        validate(partition, served_profile)


def test_hosts_are_checked_against_those_the_crawl_was_allowed(data_dir, served_profile):
    rows = [article(i) for i in range(5)]
    partition = stage(data_dir, rows)
    raw_items(partition, rows, changes={1: {"url": "https://www.leseco.ma/fr/lesecos/1001"}})

    write_crawl_manifest(partition, "run-1")  # this run crawled it: the profile's hosts
    with pytest.raises(QualityGateError, match=r"expect_column_values_to_be_in_set\(url_host\) \(1 of 5"):
        validate(partition, served_profile, run_id="run-1")

    # Reprocessed later from the raw zone, devsite elsewhere: only the crawl knows its hosts.
    elsewhere = served_profile.with_base_url("http://127.0.0.1:9")
    write_crawl_manifest(partition, "crawl-run", hosts=["127.0.0.1:8000"])
    with pytest.raises(QualityGateError, match=r"url_host\) \(1 of 5"):
        validate(partition, elsewhere, run_id="reprocess-run")

    write_crawl_manifest(partition, "crawl-run")  # an older crawl that did not record them
    manifest = validate(partition, elsewhere, run_id="reprocess-run")
    assert manifest["success"] is True
    assert (
        manifest["raw_items"]["allowed_hosts"]
        == "not checked: the crawl (run crawl-run) did not record its hosts"
    )


def test_crawl_hosts_say_where_they_come_from(data_dir, served_profile):
    partition = Partition(SITE, DAY, data_dir)
    airflow_run = "scheduled__2011-02-10T01:00:00+00:00"

    # No crawl manifest (raw items written by hand): the profile's.
    assert crawl_hosts(partition, served_profile, "run-1") == (served_profile.hosts, "the profile's hosts")

    write_crawl_manifest(partition, "crawl-run", hosts=["127.0.0.1:8000", "127.0.0.1:8001"])
    assert crawl_hosts(partition, served_profile, "other-run") == (
        ["127.0.0.1:8000", "127.0.0.1:8001"],
        "hosts recorded by the crawl",
    )

    # The crawl names its files after the run id made portable: either form is this run.
    for recorded in (airflow_run, safe_run_id(airflow_run)):
        write_crawl_manifest(partition, recorded)
        assert crawl_hosts(partition, served_profile, airflow_run) == (
            served_profile.hosts,
            "the profile's hosts",
        )

    write_crawl_manifest(partition, "crawl-run")
    assert crawl_hosts(partition, served_profile, airflow_run) == (
        None,
        "not checked: the crawl (run crawl-run) did not record its hosts",
    )
