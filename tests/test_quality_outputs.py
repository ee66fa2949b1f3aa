"""The gate's files (``quality.outputs``): quarantine always, validated only for a loadable batch."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_quality_support import DAY, SITE, article

from core.partitions import Partition
from core.records import ARTICLE_SCHEMA, QUARANTINE_SCHEMA
from quality.outputs import VALIDATED_ROW_GROUP, discard_validated, write_outputs
from quality.quarantine import Quarantine


@pytest.fixture
def partition(tmp_path: Path) -> Partition:
    return Partition(SITE, DAY, tmp_path / "data")


def _table(rows: int) -> pa.Table:
    return pa.Table.from_pylist([article(i) for i in range(rows)], schema=ARTICLE_SCHEMA)


def test_a_loadable_batch_writes_both_files(partition):
    quarantine = Quarantine([[], ["expect_column_values_to_not_be_null(title)", "no title"], []])

    write_outputs(partition, _table(3), quarantine, loadable=True)

    validated = pq.read_table(partition.validated_articles)
    assert validated.schema.equals(ARTICLE_SCHEMA)
    assert validated.column("aggregator_id").to_pylist() == [1000, 1002]
    quarantined = pq.read_table(partition.quarantined_articles)
    assert quarantined.schema.equals(QUARANTINE_SCHEMA)
    assert [(r["aggregator_id"], r["reasons"]) for r in quarantined.to_pylist()] == [
        (1001, ["expect_column_values_to_not_be_null(title)", "no title"])
    ]


def test_a_stopped_batch_leaves_no_validated_file(partition):
    partition.validated_dir.mkdir(parents=True)
    partition.validated_articles.write_bytes(b"stale")  # from an earlier, good run

    write_outputs(partition, _table(2), Quarantine([["r"], []]), loadable=False)

    assert not partition.validated_articles.exists()
    assert pq.read_table(partition.quarantined_articles).num_rows == 1


def test_validated_rows_are_written_in_small_row_groups(partition):
    rows = VALIDATED_ROW_GROUP + 10

    write_outputs(partition, _table(rows), Quarantine([[] for _ in range(rows)]), loadable=True)

    metadata = pq.ParquetFile(partition.validated_articles).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [
        VALIDATED_ROW_GROUP,
        10,
    ]
    assert pq.read_table(partition.quarantined_articles).num_rows == 0


def test_discard_removes_validated_file_and_manifest(partition):
    discard_validated(partition)  # nothing there: fine

    partition.validated_dir.mkdir(parents=True)
    partition.validated_articles.write_bytes(b"stale")
    partition.validation_manifest.write_text("{}")
    discard_validated(partition)

    assert not partition.validated_articles.exists() and not partition.validation_manifest.exists()
