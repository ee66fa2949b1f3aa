"""The gate's files for a partition: validated articles and quarantined ones.

Both are written atomically (temp file, then rename): a reader sees the old file
or the new one, never half of one. A validated file exists only for a loadable
batch: the load stage refuses a partition without one.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.partitions import Partition, atomic_path
from core.records import QUARANTINE_SCHEMA
from quality.quarantine import Quarantine

# Small row groups: the loader streams the validated file one group at a time.
VALIDATED_ROW_GROUP = 2000


def write_outputs(partition: Partition, table: pa.Table, quarantine: Quarantine, loadable: bool) -> None:
    """Quarantine always; validated rows only if the batch may load, else no validated file."""
    mask = quarantine.mask()
    write_quarantine(partition, table.filter(mask), quarantine.quarantined_reasons())
    if loadable:
        write_validated(partition, table.filter(pc.invert(mask)))
    else:
        partition.validated_articles.unlink(missing_ok=True)


def write_quarantine(partition: Partition, rows: pa.Table, reasons: list[list[str]]) -> None:
    """``rows`` (staged articles) with their ``reasons``, one list per row."""
    table = rows.append_column(QUARANTINE_SCHEMA.field("reasons"), pa.array(reasons, pa.list_(pa.string())))
    with atomic_path(partition.quarantined_articles) as tmp:
        pq.write_table(table.cast(QUARANTINE_SCHEMA), tmp)


def write_validated(partition: Partition, rows: pa.Table) -> None:
    with atomic_path(partition.validated_articles) as tmp:
        pq.write_table(rows, tmp, row_group_size=VALIDATED_ROW_GROUP)


def discard_validated(partition: Partition) -> None:
    """Remove the validated file and the manifest: after a failed run they no longer
    match the staged input, and the loader must not take them for this run's."""
    partition.validated_articles.unlink(missing_ok=True)
    partition.validation_manifest.unlink(missing_ok=True)
