"""warehouse/ at scale, in a real child process: a load's memory does not grow with the partition.

Runs on DuckDB and PostgreSQL (the fixtures of ``test_warehouse_support``). The child is
this file run as a script (see the bottom), so that RSS is measured in a process that
did nothing else. ``big_partition`` also feeds the big kill test
(``test_warehouse_loader_kill``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

if __name__ != "__main__":
    import test_warehouse_support as support
    from sqlalchemy import Engine
    from test_warehouse_support import DAY, SITE, partition, rows

    # The fixtures these tests take.
    data_dir, engine, pg_database, wh_url = (
        support.data_dir,
        support.engine,
        support.pg_database,
        support.wh_url,
    )

from core.partitions import Partition
from core.records import ARTICLE_SCHEMA, LedgerCounts

HERE = Path(__file__).resolve()
MEMORY_ROWS = 20_000
PARAGRAPH = (
    "Le ministre a présenté mardi à Rabat le programme national de développement des énergies "
    "renouvelables, qui prévoit des investissements de plusieurs milliards de dirhams. "
)


def big_partition(
    part: Partition, n: int, *, edition: str, body_paragraphs: int = 1, row_group: int = 5000
) -> int:
    """Write ``n`` articles of ``part`` column by column (fast); returns their Arrow size in bytes.

    ``edition`` goes into every title and hash: another edition is another text.
    """
    slugs = ("hespress", "lematin", "aujourdhui", "lesecos")
    ids = range(n)
    slug = [slugs[i % 4] for i in ids]
    canonical = [f"https://www.maghress.com/fr/{s}/{10_000 + i}" for i, s in zip(ids, slug, strict=True)]
    columns: dict[str, Any] = {
        "site": [part.site] * n,
        "logical_date": [part.day] * n,
        "url": [u.replace("www.", "") for u in canonical],
        "canonical_url": canonical,
        "publication_slug": slug,
        "publication_name": [s.title() for s in slug],
        "aggregator_id": [10_000 + i for i in ids],
        "title": [f"Titre {i} ({edition})" for i in ids],
        "body": [f"{i} {edition}. " + PARAGRAPH * body_paragraphs for i in ids],
        "subheadings": [["Contexte"] if i % 2 else [] for i in ids],
        "published_date": [part.day] * n,
        "language": ["fr"] * n,
        "content_hash": [f"{edition}-{i}" for i in ids],
        "word_count": [12 * body_paragraphs + 2] * n,
        "extraction": ["selectors"] * n,
        "warc_file": ["warc/crawl-00000.warc.gz"] * n,
        "warc_record_id": [f"<urn:uuid:{i:032x}>" for i in ids],
        "fetched_at": [datetime(2011, 2, 10, 1, tzinfo=UTC)] * n,
        "publication_key": slug,
    }
    arrays = [
        pa.array(columns[f.name], f.type) if f.name in columns else pa.nulls(n, f.type)
        for f in ARTICLE_SCHEMA
    ]
    table = pa.Table.from_arrays(arrays, schema=ARTICLE_SCHEMA)
    part.validated_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, part.validated_articles, row_group_size=row_group)
    part.quarantined_articles.unlink(missing_ok=True)
    part.failures.unlink(missing_ok=True)
    return table.nbytes


def child(*args: str) -> list[str]:
    return [sys.executable, str(HERE), *args]


def run_child(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(child(*args), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ------------------------------------------------------------------------ tests

if __name__ != "__main__":

    def test_loading_does_not_hold_the_partition_in_memory(
        wh_url: str, engine: Engine, data_dir: Path
    ) -> None:
        warm = partition(data_dir, DAY - timedelta(days=1))
        big_partition(warm, 500, edition="warm", body_paragraphs=20, row_group=250)
        part = partition(data_dir)
        size = big_partition(part, MEMORY_ROWS, edition="v1", body_paragraphs=24, row_group=250)
        assert size > 80 * 2**20  # ~4.5 KB an article
        engine.dispose()
        # DuckDB keeps an uncommitted transaction in its buffer pool, up to its
        # memory_limit, then spills to disk: the operator's knob, in the URL. (Much
        # lower and DuckDB fails with "Out of Memory" on ~4 KB strings.)
        duckdb_limit = 64 * 2**20
        url = f"{wh_url}?memory_limit=64MB" if "duckdb" in wh_url else wh_url
        out = run_child("memory", url, str(data_dir), SITE, DAY.isoformat(), "250")
        report = json.loads(out.splitlines()[-1])

        assert report["loaded"] == MEMORY_ROWS
        # Holding the partition would take its Arrow size at least (as Python
        # objects, several times that); a batch is 1/80th of it. Measured on a
        # quiet machine: ~5-10 MB on PostgreSQL; DuckDB ~25 MB above its limit.
        ours = report["growth"] - (duckdb_limit if "duckdb" in wh_url else 0)
        assert ours < size / (2 if "duckdb" in wh_url else 4), (report, size)
        assert rows(engine, "crawl_runs")[-1]["loaded"] == MEMORY_ROWS


# ------------------------------------------------------------------------ child


def _load(url: str, data_dir: str, site: str, day: str, run_id: str, batch_rows: int = 5000) -> int:
    from warehouse.engine import make_engine
    from warehouse.loader import load_partition

    part = Partition(site, date.fromisoformat(day), Path(data_dir))
    engine = make_engine(url)

    def progress(stage: str, counters: dict[str, int]) -> None:
        print(f"in transaction: {counters['rows']} rows", flush=True)

    try:
        counts = LedgerCounts(discovered=10**9)
        return load_partition(
            engine, part, run_id, counts, datetime.now(UTC), chunk_size=batch_rows, progress=progress
        ).loaded
    finally:
        engine.dispose()


def _memory(url: str, data_dir: str, site: str, day: str, batch_rows: str) -> None:
    import threading

    import psutil

    when = date.fromisoformat(day)
    # Warm up: imports, compiled statements, the driver; then measure a load of its own.
    _load(url, data_dir, site, (when - timedelta(days=1)).isoformat(), "warm-up", int(batch_rows))
    process = psutil.Process()
    start = peak = process.memory_info().rss
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        loaded = _load(url, data_dir, site, day, "measured", int(batch_rows))
    finally:
        stop.set()
        sampler.join()
    print(json.dumps({"loaded": loaded, "start": start, "peak": peak, "growth": peak - start}))


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    if mode == "memory":
        _memory(*arguments)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
