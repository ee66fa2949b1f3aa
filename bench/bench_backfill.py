"""Backfill cost: what collecting one past day costs in HTTP requests, by its distance from today.

    .venv/bin/python bench/bench_backfill.py            # prints the table
    .venv/bin/python bench/bench_backfill.py --write    # and updates its section of bench/RESULTS.md

For each distance (1 day, 1 year, 4 years, 10 years), devsite (scale 5) is served with its
clock set that far after the day, and the production crawl stage (``pipeline.stages.crawl``:
child process, robots.txt, retries, WARC archive) collects the day twice:

- empty warehouse: the day is located from the site alone;
- neighbouring day collected: the day before is crawled, transformed, validated and loaded
  first (the usual case inside a backfill), so the warehouse's ids of that day steer the search.

Requests are every HTTP request of the crawl (Scrapy's ``downloader/request_count``: robots.txt,
home, listings, feeds, probes, articles, retries); discovery requests are the ones spent locating
the day (the manifest's ``discovery_requests``). The articles collected are checked against
devsite's ground truth for the day (``World.articles_for_day``): none missing, none from other days.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SITE = "maghress-fr"
DAY = date(2011, 2, 9)
SCALE = 5.0
DISTANCES = (("1 day", 1), ("1 year", 365), ("4 years", 4 * 365 + 1), ("10 years", 3652))
GOALS = {"yesterday": 1.3, "4 years": 2.5, "neighbour": 1.3}
SECTION = "## Backfill: locating a past day"
BEFORE = """ Before (main, walking every listing page back):
441 requests (1.13 per article) for 1 day; 3,993 and a failure (`stopped at
discovery.max_listing_pages=500`, 30 of 390 articles) for 1 year; 4,002 and 0 of 390 for 4 years."""


def _settings(data_dir: Path, base_url: str):
    from core.settings import Settings
    from warehouse.migrate import upgrade

    warehouse_url = f"duckdb:///{data_dir / 'warehouse.duckdb'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(warehouse_url)
    settings = Settings.from_env(environ={}, data_dir=data_dir, warehouse_url=warehouse_url)
    return replace(settings, polite=False).with_base_url(SITE, base_url)


def _collected(settings, server, world, day: date) -> tuple[int, int, int]:
    """(articles collected, expected, wrong: missing + from other days)."""
    from core.partitions import Partition
    from core.rawzone import read_raw_items

    base = server.base_url_for(SITE)
    expected = {a.path for a in world.articles_for_day(SITE, day)}
    found = [item.url.removeprefix(base) for item in read_raw_items(Partition(SITE, day, settings.data_dir))]
    wrong = len(expected - set(found)) + len(set(found) - expected) + (len(found) - len(set(found)))
    return len(found), len(expected), wrong


def one_crawl(settings, server, world, day: date, run_id: str) -> dict:
    from core.errors import CrawlError
    from core.partitions import Partition
    from pipeline.stages import crawl

    started = time.perf_counter()
    try:
        crawl(settings, SITE, day, run_id)
        result = "complete"
    except CrawlError as exc:
        result = f"failed: {exc}"
    partition = Partition(SITE, day, settings.data_dir)
    manifest = json.loads(partition.crawl_manifest.read_text())
    log = (partition.raw_dir / "logs" / f"{run_id}.log").read_text()
    requests = int(re.search(r"'downloader/request_count': (\d+)", log).group(1))
    collected, expected, wrong = _collected(settings, server, world, day)
    if result == "complete" and wrong:
        result = f"WRONG: {wrong} missing or from other days"
    return {
        "requests": requests,
        "discovery": manifest["discovery_requests"],
        "articles_requests": manifest["article_requests"],
        "collected": collected,
        "expected": expected,
        "result": result,
        "seconds": time.perf_counter() - started,
    }


def collect_neighbour(settings, day: date) -> None:
    from pipeline.stages import crawl, load, transform, validate

    run_id = "neighbour"
    crawl(settings, SITE, day, run_id)
    transform(settings, SITE, day, run_id)
    validate(settings, SITE, day, run_id)
    load(settings, SITE, day, run_id)


def measure(distances, with_neighbour: bool) -> list[dict]:
    from devsite import World, serve

    rows = []
    for label, days in distances:
        world = World(today=DAY + timedelta(days=days), scale=SCALE)
        with serve(world) as server, tempfile.TemporaryDirectory(prefix="pressetl-backfill-") as tmp:
            empty = _settings(Path(tmp) / "empty", server.base_url_for(SITE))
            rows.append(
                {"distance": label, "warehouse": "empty", **one_crawl(empty, server, world, DAY, "b")}
            )
            print(_row(rows[-1]), flush=True)
            if with_neighbour:
                settings = _settings(Path(tmp) / "neighbour", server.base_url_for(SITE))
                collect_neighbour(settings, DAY - timedelta(days=1))
                rows.append(
                    {
                        "distance": label,
                        "warehouse": "day before collected",
                        **one_crawl(settings, server, world, DAY, "b"),
                    }
                )
                print(_row(rows[-1]), flush=True)
    return rows


def _row(row: dict) -> str:
    per_article = row["requests"] / row["collected"] if row["collected"] else float("nan")
    result = row["result"] if len(row["result"]) < 120 else row["result"][:117] + "…"
    return (
        f"| {row['distance']} | {row['warehouse']} | {row['requests']:,} | {per_article:.2f} | "
        f"{row['discovery']:,} | {result} | {row['collected']} / {row['expected']} |"
    )


def report(rows: list[dict], command: str, seconds: float) -> str:
    table = "\n".join(_row(row) for row in rows)

    def ratio(distance: str, warehouse: str) -> float | None:
        for row in rows:
            if row["distance"] == distance and row["warehouse"] == warehouse and row["collected"]:
                return row["requests"] / row["collected"]
        return None

    yesterday, four = ratio("1 day", "empty"), ratio("4 years", "empty")
    neighbour = [r["requests"] / r["collected"] for r in rows if r["warehouse"] != "empty" and r["collected"]]
    goals = []
    if yesterday is not None:
        goals.append(f"yesterday {yesterday:.2f} (goal ≤ {GOALS['yesterday']})")
    if four is not None:
        goals.append(f"4 years back {four:.2f} (goal ≤ {GOALS['4 years']})")
    if neighbour:
        goals.append(f"neighbouring day collected, worst {max(neighbour):.2f} (goal ≤ {GOALS['neighbour']})")
    return f"""{SECTION}

Reproduce: `{command}` ({seconds:.0f} s). {SITE} {DAY} ({_strategies()}), devsite scale {SCALE:g}
(its clock set that far after the day), politeness off, production crawl stage; requests = every HTTP request
of the crawl (robots.txt, home, listings, articles, retries: Scrapy's `downloader/request_count`);
discovery = the manifest's `discovery_requests` (locating the day). Articles collected are checked
against devsite's ground truth: none missing, none from other days. The profile has source follow
off, so no publisher pages are requested (every shipped profile has it off).

| distance | warehouse | requests | requests / article | discovery requests | result | collected / expected |
|---|---|---:|---:|---:|---|---:|
{table}

Requests per article: {"; ".join(goals)}.{BEFORE if SITE == "maghress-fr" else ""}
"""


def _strategies() -> str:
    from core.profiles import load_profile

    return "discovery: " + ", ".join(load_profile(ROOT / "profiles", SITE).discovery.strategies)


def write_section(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8")
    if SECTION in current:
        start = current.index(SECTION)
        following = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[following + 1 :] if following != -1 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current, encoding="utf-8")


def _use_site(site: str) -> None:
    global SITE, SECTION
    if site != SITE:
        SITE = site
        SECTION = f"## Backfill: locating a past day ({site})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--write", action="store_true", help="update this bench's section of bench/RESULTS.md"
    )
    parser.add_argument("--no-neighbour", action="store_true", help="only the empty-warehouse crawls")
    parser.add_argument(
        "--site", default=SITE, help="another site (its profile's strategy: listing, rss, id_probe)"
    )
    args = parser.parse_args(argv)
    _use_site(args.site)
    started = time.perf_counter()
    rows = measure(DISTANCES, with_neighbour=not args.no_neighbour)
    command = ".venv/bin/python bench/bench_backfill.py" + (" --no-neighbour" if args.no_neighbour else "")
    command += f" --site {SITE}" if SITE != "maghress-fr" else ""
    text = report(rows, command + " --write", time.perf_counter() - started)
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
