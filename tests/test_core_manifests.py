"""Typed stage manifests: written last and atomically, read back exactly, unknown or missing
fields refused with the file named, and the ledger's counts read from them in one place."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from core.errors import ManifestError
from core.manifests import (
    CrawlManifest,
    TransformManifest,
    crawl_manifest,
    partition_counts,
    read_manifest,
    transform_manifest,
    validation_manifest,
    write_manifest,
)
from core.partitions import Partition

DAY = date(2011, 2, 9)
NOW = datetime(2011, 2, 10, 1, 30, tzinfo=UTC)


def _crawl(**changes) -> CrawlManifest:
    fields = dict(
        site="maghress-fr", logical_date=DAY, run_id="r1", status="complete", discovered=10, fetched=9,
        failed=1, warc_file="warc/r1.warc.gz", log_file="logs/r1.log", started_at=NOW, finished_at=NOW,
    )  # fmt: skip
    return CrawlManifest(**{**fields, **changes})


def _transform(**changes) -> TransformManifest:
    fields = dict(
        site="maghress-fr", logical_date=DAY, run_id="r1", discovered=10, failed=1, duplicates=2, staged=7
    )
    return TransformManifest(**{**fields, **changes})


def test_a_manifest_round_trips_through_its_file(tmp_path):
    partition = Partition("maghress-fr", DAY, tmp_path)
    manifest = _crawl(hosts=["www.maghress.com"], discovered_by={"listing": 10})
    write_manifest(partition.crawl_manifest, manifest)
    assert crawl_manifest(partition) == manifest
    assert json.loads(partition.crawl_manifest.read_text())["logical_date"] == "2011-02-09"
    assert not list(partition.raw_dir.glob(".*.tmp"))  # the temp file was renamed, not left


def test_unknown_or_missing_fields_are_refused_with_the_file_named(tmp_path):
    path = tmp_path / "crawl.json"
    path.write_text(json.dumps({**_crawl().model_dump(mode="json"), "discoverd": 3}))
    with pytest.raises(
        ManifestError, match=r"crawl.json: not a valid CrawlManifest: discoverd: Extra inputs"
    ):
        read_manifest(path, CrawlManifest)
    path.write_text(json.dumps({"status": "complete"}))
    with pytest.raises(ManifestError, match="site: Field required"):
        read_manifest(path, CrawlManifest)
    with pytest.raises(ManifestError, match="cannot read"):
        read_manifest(tmp_path / "missing.json", CrawlManifest)


def test_a_manifest_written_before_a_field_existed_still_reads(tmp_path):
    """Fields added later have defaults: an older manifest on disk is not a broken one."""
    older = _transform().model_dump(mode="json")
    for field in ("canonicalisation_failures", "canonicalisation_failure_urls", "near_duplicates"):
        del older[field]
    path = tmp_path / "transform.json"
    path.write_text(json.dumps(older))
    assert read_manifest(path, TransformManifest).canonicalisation_failures == 0


def test_the_ledger_counts_come_from_the_transform_and_the_gate(tmp_path):
    partition = Partition("maghress-fr", DAY, tmp_path)
    assert partition_counts(partition).as_dict() == dict.fromkeys(
        ("discovered", "fetched", "failed", "duplicates", "quarantined", "loaded"), 0
    )
    write_manifest(partition.transform_manifest, _transform())
    counts = partition_counts(partition)
    assert (counts.discovered, counts.fetched, counts.failed, counts.duplicates) == (10, 9, 1, 2)
    assert counts.quarantined == 0 and not counts.reconciles  # nothing loaded yet
    assert transform_manifest(partition).staged == 7
    assert validation_manifest(partition) is None
