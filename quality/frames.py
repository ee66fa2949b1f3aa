"""The partition's files, read and checked for shape, and the frames the suites validate.

A file that cannot even be read into the expected shape stops the batch here,
before any expectation runs (``QualityGateError``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.manifests import crawl_manifest
from core.partitions import Partition, safe_run_id
from core.profiles import SiteProfile
from core.records import ARTICLE_SCHEMA
from quality import suites
from quality.errors import QualityGateError

if TYPE_CHECKING:
    import pandas as pd

# The raw-item fields the raw-items suite reads.
RAW_FIELDS = ("site", "logical_date", "url", "status", "error", "listing_date")


def _stop(partition: Partition, failure: str) -> QualityGateError:
    day = partition.day.isoformat()
    return QualityGateError(
        f"quality gate failed for {partition.site} {day}: {failure}",
        site=partition.site,
        day=day,
        failures=[failure],
    )


def read_staged(partition: Partition) -> pa.Table:
    path = partition.staged_articles
    if not path.is_file():
        raise FileNotFoundError(f"no staged articles for {partition.key}: {path} does not exist")
    table = pq.read_table(path)
    problem = None
    missing = [name for name in ARTICLE_SCHEMA.names if name not in table.column_names]
    extra = [name for name in table.column_names if name not in ARTICLE_SCHEMA.names]
    if missing or extra:
        problem = f"missing columns {missing}, unexpected columns {extra}"
    else:
        # Nullability is checked apart: rows lacking a never-null column cannot even
        # be written to quarantine, so such a file stops the batch as a whole.
        relaxed = pa.schema([f.with_nullable(True) for f in ARTICLE_SCHEMA])
        try:
            table = table.select(ARTICLE_SCHEMA.names).cast(relaxed)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            problem = " ".join(str(exc).split())
        else:
            nulls = [f.name for f in ARTICLE_SCHEMA if not f.nullable and table.column(f.name).null_count]
            if nulls:
                problem = f"nulls in never-null columns {nulls}"
    if problem:
        raise _stop(partition, f"{path} does not match ARTICLE_SCHEMA: {problem}")
    return table.cast(ARTICLE_SCHEMA)


def read_raw_items(partition: Partition) -> list[dict] | None:
    """The raw items' fields the suite reads; None when the partition has no raw zone.

    Plain JSON rather than ``RawItem`` models: 10,000 pydantic validations would
    cost more than the suite, and the suite checks what matters here.
    """
    path = partition.raw_items
    if not path.is_file():
        return None
    items = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise _stop(partition, f"{path} line {number} is not JSON: {exc}") from None
            if not isinstance(item, dict) or not isinstance(item.get("url"), str):
                raise _stop(partition, f"{path} line {number} is not a raw item (no url)")
            items.append({name: item.get(name) for name in RAW_FIELDS})
    return items


def _netloc(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return parts.netloc or None
    host = parts.hostname or ""
    return f"{host}:{port}" if port else host or None


def _path(url: str | None) -> str | None:
    return urlsplit(url).path if url is not None else None


def raw_frame(items: list[dict]) -> pd.DataFrame:
    """The raw-items frame: raw fields, dates as ISO text, plus host, path and status."""
    import pandas as pd

    urls = [item["url"] for item in items]
    return pd.DataFrame(
        {
            suites.RAW_ROW_COLUMN: pd.Series(range(len(items)), dtype="int64"),
            "site": pd.Series([i["site"] for i in items], dtype="object"),
            "logical_date": pd.Series([i["logical_date"] for i in items], dtype="object"),
            "url": pd.Series(urls, dtype="object"),
            suites.URL_HOST_COLUMN: pd.Series([_netloc(u) for u in urls], dtype="object"),
            suites.URL_PATH_COLUMN: pd.Series([_path(u) for u in urls], dtype="object"),
            # No response at all is a failed fetch too (GX skips nulls in value sets).
            suites.FETCH_STATUS_COLUMN: pd.Series([int(i["status"] or 0) for i in items], dtype="int64"),
            "listing_date": pd.Series([i["listing_date"] for i in items], dtype="object"),
        }
    )


def enriched(table: pa.Table) -> bool:
    """Whether transform resolved publications (``publication_key``/``publication_is_new``).

    A partition staged before transform did so has them null on every row.
    """
    return bool(
        table.num_rows
        and (
            table.column("publication_key").null_count < table.num_rows
            or table.column("publication_is_new").null_count < table.num_rows
        )
    )


def _publication_status(table: pa.Table, name: pa.ChunkedArray) -> pa.Array:
    if not enriched(table):
        # Without enrichment, a named publication is taken as known (and noted in
        # the manifest): the check then adds nothing to the publication_name one.
        known = pc.invert(pc.is_null(name))
        return pc.if_else(known, pa.scalar("known"), pa.scalar(None, pa.string()))
    is_new = pc.fill_null(table.column("publication_is_new"), False)
    has_key = pc.invert(pc.is_null(table.column("publication_key")))
    status = pc.if_else(has_key, pa.scalar("known"), pa.scalar(None, pa.string()))
    return pc.if_else(is_new, pa.scalar("new"), status)


def staged_frame(table: pa.Table, profile: SiteProfile) -> pd.DataFrame:
    """The columns the staged suite checks, dates as ISO strings, plus the derived columns."""
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        suites.ROW_INDEX_COLUMN: pa.array(range(table.num_rows), pa.int64()),
    }
    for name in suites.FRAME_COLUMNS:
        column = table.column(name)
        if pa.types.is_date(column.type):
            column = pc.cast(column, pa.string())  # ISO 8601, compared as text with the day
        elif name in suites.REQUIRED_COLUMNS and pa.types.is_string(column.type):
            # A blank title or publication name is as missing as a null one.
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), False)
            column = pc.if_else(blank, pa.scalar(None, pa.string()), column)
        columns[name] = column
    paths = [_path(url) for url in table.column("url").to_pylist()]
    columns[suites.URL_PATH_COLUMN] = pa.array(paths, pa.string())
    q = profile.quality
    minimum = {**{lang: q.min_body_words for lang in profile.languages}, **q.min_body_words_by_language}
    columns[suites.MIN_WORDS_COLUMN] = pa.array(
        [minimum.get(lang, q.min_body_words) for lang in table.column("language").to_pylist()], pa.int64()
    )
    columns[suites.PUBLICATION_STATUS_COLUMN] = _publication_status(table, columns["publication_name"])
    return pa.table(columns).to_pandas()


def crawl_hosts(partition: Partition, profile: SiteProfile, run_id: str) -> tuple[list[str] | None, str]:
    """The hosts the crawl of these raw items was allowed to fetch, and where that comes from.

    The raw zone outlives the profile it was crawled with: ``pressetl reprocess``
    validates it again later, maybe with another base URL (devsite on another
    port). So: the hosts the crawl manifest records; else, if this run crawled
    the partition (or nothing says otherwise), the profile's; else unknown (None).
    """
    manifest = crawl_manifest(partition)
    if manifest is not None and manifest.hosts:
        return list(manifest.hosts), "hosts recorded by the crawl"
    crawled_by = manifest.run_id if manifest is not None else None
    # The crawl names its files after the run id made portable.
    if crawled_by is None or crawled_by in (run_id, safe_run_id(run_id)):
        return list(profile.hosts), "the profile's hosts"
    return None, f"not checked: the crawl (run {crawled_by}) did not record its hosts"


def missing_raw_note(path: Path) -> str:
    return f"no raw items at {path}: raw-items suite and volume check not run"
