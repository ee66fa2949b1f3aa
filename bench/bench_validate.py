"""The quality gate's share of a nightly run: one 10,000-article day, every stage timed.

    .venv/bin/python bench/bench_validate.py                   # a 10,000-article day
    .venv/bin/python bench/bench_validate.py --articles 2000   # quicker
    .venv/bin/python bench/bench_validate.py --write           # also replace bench/results/validate.md

devsite serves maghress-fr with ``World(scale=…)`` (the day's usual article count
times ``scale``, chosen here to give about ``--articles``) on 127.0.0.1; the run
goes through the stage functions as ``pipeline.runner.run_partition`` calls them
(crawl → transform → validate → load, politeness off, DuckDB warehouse in a temp
dir), each one timed on the wall clock. As in an Airflow task, the validate stage
starts in a process that has not imported Great Expectations yet, so its time
includes the GX import; the import alone is also measured, in a fresh
interpreter, and the validate stage is run a second time (warm: GX imported, Data
Docs holding one earlier validation) to show its steady cost.

Target (issue "Quality gate"): validate ≤ 15% of the run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.partitions import Partition, read_json  # noqa: E402
from core.settings import Settings  # noqa: E402
from devsite import World, serve  # noqa: E402

SITE = "maghress-fr"
DAY = date(2011, 2, 9)
TODAY = date(2011, 2, 11)
TARGET_SHARE = 0.15
RESULTS = ROOT / "bench" / "results" / "validate.md"
STAGES = ("crawl", "transform", "validate", "load")


def gx_import_seconds() -> float:
    code = "import time; t = time.perf_counter(); from quality._quiet import import_gx; import_gx(); "
    code += "print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def scale_for(articles: int) -> float:
    usual = len(World(today=TODAY).articles_for_day(SITE, DAY))
    return articles / usual


def run(scale: float, workdir: Path) -> dict:
    from pipeline import stages
    from warehouse.migrate import upgrade

    world = World(today=TODAY, scale=scale)
    expected = len(world.articles_for_day(SITE, DAY))
    data_dir = workdir / "data"
    with serve(world, host="127.0.0.1", port=0) as server:
        settings = Settings.from_env(
            environ={}, data_dir=data_dir, warehouse_url=f"duckdb:///{data_dir / 'warehouse.duckdb'}"
        )
        settings = replace(settings, polite=False).with_base_url(SITE, server.base_url_for(SITE))
        upgrade(settings.warehouse_url)  # as `pressetl db upgrade` does: stages never migrate
        assert "great_expectations" not in sys.modules
        seconds: dict[str, float] = {}
        summaries: dict[str, dict] = {}
        calls = {
            "crawl": lambda: stages.crawl(settings, SITE, DAY, "bench"),
            "transform": lambda: stages.transform(settings, SITE, DAY, "bench"),
            "validate": lambda: stages.validate(settings, SITE, DAY, "bench"),
            "load": lambda: stages.load(settings, SITE, DAY, "bench"),
        }
        for stage in STAGES:
            print(f"  {stage}…", file=sys.stderr, flush=True)
            started = time.perf_counter()
            summaries[stage] = calls[stage]()
            seconds[stage] = time.perf_counter() - started
        manifest = read_json(Partition(SITE, DAY, data_dir).validation_manifest)
        print("  validate again (warm)…", file=sys.stderr, flush=True)
        started = time.perf_counter()
        stages.validate(settings, SITE, DAY, "bench-warm")
        warm = time.perf_counter() - started
        warm_manifest = read_json(Partition(SITE, DAY, data_dir).validation_manifest)
    return {
        "scale": scale,
        "expected": expected,
        "seconds": seconds,
        "summaries": summaries,
        "timings": manifest["timings"],
        "warm": warm,
        "warm_timings": warm_manifest["timings"],
        "rows": manifest["rows"],
        "discovered": manifest["volume"]["discovered"],
        "quarantined": manifest["quarantined"],
        "success": manifest["success"],
    }


STEPS = ("read", "gx_context", "raw_items_suite", "staged_articles_suite", "data_docs", "write")


def _steps(timings: dict[str, float]) -> str:
    return ", ".join(f"{step} {timings[step]:.2f}" for step in STEPS if step in timings)


def report(result: dict, gx_import: float, command: str) -> str:
    seconds = result["seconds"]
    total = sum(seconds.values())
    share = seconds["validate"] / total
    warm_total = total - seconds["validate"] + result["warm"]
    warm_share = result["warm"] / warm_total
    lines = [
        "# Quality gate: share of a nightly run",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{_cpus()} CPUs; devsite and DuckDB on 127.0.0.1 / local disk.",
        "",
        f"One day of {SITE} ({DAY}) from devsite at scale {result['scale']:.4g}: "
        f"{result['discovered']} articles discovered, {result['rows']} staged, "
        f"{result['quarantined']} quarantined, gate {'passed' if result['success'] else 'FAILED'}.",
        "",
        "| stage | seconds | share of the run |",
        "|---|---:|---:|",
        *(f"| {stage} | {seconds[stage]:.1f} | {seconds[stage] / total:.1%} |" for stage in STAGES),
        f"| **run** | **{total:.1f}** | 100% |",
        "",
        f"**validate: {share:.1%} of the run** (target ≤ {TARGET_SHARE:.0%}: "
        f"{'met' if share <= TARGET_SHARE else 'NOT met'}), GX import included, as in a fresh "
        "Airflow task process.",
        "",
        f"- Great Expectations import alone (fresh interpreter): {gx_import:.1f} s.",
        f"- validate again in the same process (warm: GX imported): {result['warm']:.1f} s, "
        f"{warm_share:.1%} of such a run.",
        "- Inside the validate stage (first run; manifest `timings`, seconds): "
        + _steps(result["timings"])
        + " (gx_context includes the GX import).",
        "- Warm run: " + _steps(result["warm_timings"]) + ".",
        "",
    ]
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the day (about)")
    parser.add_argument("--write", action="store_true", help=f"replace {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()

    command = ".venv/bin/python bench/bench_validate.py"
    if args.articles != 10_000:
        command += f" --articles {args.articles}"
    print("GX import…", file=sys.stderr, flush=True)
    gx_import = gx_import_seconds()
    with tempfile.TemporaryDirectory(prefix="pressetl-bench-validate-") as tmp:
        result = run(scale_for(args.articles), Path(tmp))
    text = report(result, gx_import, command)
    print(text)
    if args.json:
        print(json.dumps({**result, "gx_import": gx_import}, indent=2, default=str))
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
