"""Export throughput and memory: `pressetl export` of 50,000 articles, each format, both warehouses.

    .venv/bin/python bench/bench_export.py                       # 50,000 articles over 50 days
    .venv/bin/python bench/bench_export.py --rows 10000 --days 10 # quicker
    .venv/bin/python bench/bench_export.py --write               # and replace bench/results/export.md

The articles are bench_load's (French, ~3 KB of text each, 60 publications), spread over
``--days`` logical days of one site and loaded with the production loader into a DuckDB file
and a scratch PostgreSQL database (127.0.0.1:5432, created and dropped here). Each export is
the real command (``python -m pipeline.cli export …`` in a child process, stderr not a
terminal, so no bar), timed from start to exit, imports included, and by its own summary line
(first query to last file); its peak RSS is sampled with psutil every 20 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from bench_load import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "export.md"
SITE = "maghress-fr"
FIRST = date(2011, 1, 1)
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def fill(url: str, data_dir: Path, rows: int, days: int) -> None:
    """``rows`` articles over ``days`` logical days, loaded as the load stage loads a partition."""
    from core.partitions import Partition
    from core.records import LedgerCounts
    from warehouse.engine import make_engine
    from warehouse.loader import load_partition
    from warehouse.migrate import upgrade

    upgrade(url)
    everything = data_dir / "all.parquet"
    if not everything.exists():
        generate(everything, rows, 2_000)
    table = pq.read_table(everything)
    per_day = -(-rows // days)
    engine = make_engine(url)
    try:
        for n in range(days):
            day = FIRST + timedelta(days=n)
            part = Partition(site=SITE, day=day, data_dir=data_dir)
            chunk = table.slice(n * per_day, per_day)
            chunk = chunk.set_column(
                chunk.schema.get_field_index("logical_date"),
                "logical_date",
                pa.array([day] * len(chunk), pa.date32()),
            )
            chunk = chunk.set_column(
                chunk.schema.get_field_index("published_date"),
                "published_date",
                pc.cast(chunk["logical_date"], pa.date32()),
            )
            part.validated_dir.mkdir(parents=True, exist_ok=True)
            pq.write_table(chunk, part.validated_articles)
            load_partition(engine, part, f"bench-{day}", LedgerCounts(), datetime.now(UTC))
    finally:
        engine.dispose()


def timed_export(url: str, out: Path, days: int, fmt: str) -> dict:
    last = FIRST + timedelta(days=days - 1)
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "--warehouse-url",
        url,
        "export",
        "--from",
        FIRST.isoformat(),
        "--to",
        last.isoformat(),
        "--format",
        fmt,
        "--out",
        str(out),
    ]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        process = psutil.Process(child.pid)
        while not stop.is_set():
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"export failed ({child.returncode}): {stderr}")
    size = sum(p.stat().st_size for p in out.rglob(f"part-0.{fmt}"))
    # the command's own figure: from its first query to its last file, without the imports
    own = re.search(r" in ([0-9.]+) s \(([0-9,]+) articles/s\)", " ".join(stdout.split()))
    return {
        "seconds": seconds,
        "own_seconds": float(own.group(1)),
        "bytes": size,
        "peak_rss_mb": peak / 2**20,
        "summary": stdout.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--write", action="store_true", help="replace bench/results/export.md")
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, text

    work = Path(tempfile.mkdtemp(prefix="pressetl-bench-export-"))
    pg_name = f"pressetl_bench_export_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
    urls = {
        "DuckDB": f"duckdb:///{work / 'warehouse.duckdb'}",
        "PostgreSQL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}",
    }
    results = []
    try:
        for name, url in urls.items():
            fill(url, work / "data", args.rows, args.days)
            for fmt in ("parquet", "jsonl", "csv"):
                found = timed_export(url, work / f"out-{name}-{fmt}", args.days, fmt)
                results.append((name, fmt, found))
                print(
                    f"{name:10} {fmt:7} {args.rows / found['seconds']:>9,.0f} articles/s "
                    f"{found['seconds']:6.1f} s {found['bytes'] / 2**20:7.1f} MB "
                    f"peak RSS {found['peak_rss_mb']:6.0f} MB",
                    file=sys.stderr,
                )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)  # ~1 GB for 50,000 articles
    report = render(args, results)
    print(report)
    if args.write:
        RESULTS.write_text(report)
    return 0


def render(args: argparse.Namespace, results: list) -> str:
    lines = [
        "# Export throughput",
        "",
        f"`.venv/bin/python bench/bench_export.py --rows {args.rows} --days {args.days}` on "
        f"{os.cpu_count()} cores: {args.rows:,} articles (~3 KB of text each) over {args.days} logical "
        "days of one site; `pressetl export` in a child process, wall time from start to exit "
        "(imports included), and the export's own time as its summary line gives it (from its first "
        "query to its last file); peak RSS of that process.",
        "",
        "| warehouse | format | articles/s (command) | seconds (command) | articles/s (export) "
        "| seconds (export) | output MB | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, fmt, found in results:
        lines.append(
            f"| {name} | {fmt} | {args.rows / found['seconds']:,.0f} | {found['seconds']:.1f} | "
            f"{args.rows / found['own_seconds']:,.0f} | {found['own_seconds']:.1f} | "
            f"{found['bytes'] / 2**20:.1f} | {found['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
