"""The gate's orchestration (``quality.gate``): one call reads the partition, validates it,
writes validated, quarantine and manifest, and stops a failing batch unless overridden."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_quality_support import ROOT, article, site_profile, stage, validate

from core.partitions import read_json
from core.profiles import load_profile
from core.records import ARTICLE_SCHEMA


@pytest.fixture(scope="module")
def profile():
    return site_profile()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


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
    assert list(manifest["timings"]) == [
        "read",
        "gx_context",
        "raw_items_suite",
        "staged_articles_suite",
        "data_docs",
        "write",
    ]


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


def test_empty_partition_passes(data_dir, profile):
    partition = stage(data_dir, [])

    manifest = validate(partition, profile)

    assert manifest["success"] is True
    assert (manifest["rows"], manifest["passed"], manifest["quarantined"]) == (0, 0, 0)
    assert pq.read_table(partition.validated_articles).num_rows == 0


def test_importing_quality_does_not_import_gx_and_gx_import_is_quiet():
    # Airflow's logging setup is what sends GX's INFO records to stdout.
    code = (
        "import sys, airflow, quality, quality.errors, quality.suites, quality.frames, quality.docs\n"
        "import quality.gate, pipeline.stages.validate\n"
        "import quality.validation, quality.quarantine, quality.verdict, quality.summaries\n"
        "import quality.manifest_entries, quality.outputs, quality.run_docs, quality.timing\n"
        "print(any(m.split('.')[0] == 'great_expectations' for m in sys.modules))\n"
        "from quality._quiet import import_gx\n"
        "import_gx().get_context(mode='ephemeral')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.splitlines().count("False") == 1
    assert "great_expectations" not in out.stdout + out.stderr


def test_profile_of_another_site_is_refused(data_dir, profile):
    partition = stage(data_dir, [article(i) for i in range(3)])
    other = load_profile(ROOT / "profiles", "turess-fr")

    with pytest.raises(
        ValueError, match=r"profile of 'turess-fr' given to validate a partition of 'maghress-fr'"
    ):
        validate(partition, other)

    assert not partition.validation_manifest.exists()
