"""The story signatures of a partition: written by the transform, read by the load.

``staged/<site>/<day>/minhash.parquet`` holds one row per staged article with a
body long enough to compare: canonical URL, published date (the logical day when
the page gives none) and the MinHash signature (``transforms.near_duplicates``),
with the parameters' fingerprint in the file's metadata. The load hands them to
the warehouse (``warehouse.stories``), which links each to the copies of its
story among the signatures already loaded for the days around.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core.partitions import Partition
from transforms.near_duplicates import NearDuplicateParams, signatures, story_links

NEAR_DUPLICATES = NearDuplicateParams()
MINHASH_FILE = "minhash.parquet"
SCHEME_KEY = b"pressetl.minhash"
_BATCH_ROWS = 1000

SignatureRow = tuple[str, date, bytes]  # canonical URL, published date, signature


def minhash_path(partition: Partition) -> Path:
    """The story signatures of a staged partition (read by its load)."""
    return partition.staged_dir / MINHASH_FILE


def minhash_schema(params: NearDuplicateParams = NEAR_DUPLICATES) -> pa.Schema:
    return pa.schema(
        [
            pa.field("canonical_url", pa.string(), nullable=False),
            pa.field("published_date", pa.date32(), nullable=False),  # logical day when unknown
            pa.field("signature", pa.binary(4 * params.num_perm), nullable=False),
        ],
        metadata={SCHEME_KEY: params.fingerprint.encode()},
    )


def read_signatures(
    partition: Partition, params: NearDuplicateParams = NEAR_DUPLICATES
) -> Iterator[SignatureRow]:
    """The partition's signatures, from ``minhash.parquet`` when it was written with ``params``;
    else (staged by an older transform, or with other parameters) signed again from the
    validated articles' texts, a batch at a time."""
    path = minhash_path(partition)
    scheme = (pq.read_schema(path).metadata or {}).get(SCHEME_KEY) if path.is_file() else None
    if scheme == params.fingerprint.encode():
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
            yield from zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True)
        return
    source = partition.validated_articles
    if not source.is_file():
        return
    columns = ["canonical_url", "published_date", "logical_date", "body"]
    for batch in pq.ParquetFile(source).iter_batches(_BATCH_ROWS, columns=columns):
        urls, published, logical, bodies = (batch.column(c).to_pylist() for c in columns)
        signed = signatures(bodies, params)
        for url, day, fallback, values in zip(urls, published, logical, signed, strict=True):
            if values is not None:
                yield url, day or fallback, values.tobytes()


def story_matching(params: NearDuplicateParams = NEAR_DUPLICATES):
    """What the warehouse needs to link a load's stories (``warehouse.stories.StoryLinking``)."""
    from warehouse.stories import StoryLinking

    return StoryLinking(
        scheme=params.fingerprint,
        span_days=params.span_days,
        signatures=partial(read_signatures, params=params),
        find_links=partial(story_links, params=params),
    )
